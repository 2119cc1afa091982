/**
 * The main thread's side of each shard worker of a worker-sharded analysis (main.ts): its port, the
 * batches it has not read yet, and the shared buffers the bytes of an NDJSON input are sent in.
 */
import { CODE_CATALOG } from '../catalog.js';
import type { AnalyzeOptions } from '../engine/types.js';
import { type ErrorCode, TriplineError } from '../errors.js';
import { ByteLineSplitter, ndjsonLine } from '../ingest/lines.js';
import { Router } from '../ingest/route.js';
import type { IngestSink } from '../ingest/types.js';
import type { TableName } from '../model/tables.js';
import { EVERY_SHARD, type FromShard, TOO_LONG, type ToShard } from './protocol.js';
import { DeviceScanner, shardOf } from './scan.js';
import { serveShard } from './worker.js';

/** What the main thread needs of a shard worker: the parts of `worker_threads.Worker` it uses. */
export interface ShardPort {
  postMessage(message: ToShard): void;
  on(event: 'message', listener: (m: FromShard) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<number>;
}

/** Bytes of NDJSON lines gathered in one shared buffer before it is sent to every shard. */
const BATCH_BYTES = 1 << 20;
/** Batches sent to a shard and not yet read by it before the reading waits. */
const IN_FLIGHT = 4;

/** Ports of shards served by the calling thread (`inThreadShard`): their messages are not copies. */
const inThreadPorts = new WeakSet<ShardPort>();

export class Shard {
  readonly #port: ShardPort;
  /** Whether the shard's messages are structured clones (a worker thread's), not the sender's objects. */
  readonly cloned: boolean;
  #inFlight = 0;
  #waiters: (() => void)[] = [];
  #replies: ((m: FromShard) => void)[] = [];
  failure: Error | undefined;
  /** Messages of bytes or text sent to the shard, and those it said it read (in the order sent). */
  sent = 0;
  read = 0;
  /** Rows of the current input the shard kept, as of its last answer (for progress). */
  rows = { events: 0, rejected: 0 };

  constructor(port: ShardPort, onFailure: () => void) {
    this.#port = port;
    this.cloned = !inThreadPorts.has(port);
    port.on('message', (m) => {
      if (m.type === 'ack') {
        this.rows = { events: m.events, rejected: m.rejected };
        this.read++;
        this.#inFlight--;
        if (this.#inFlight < IN_FLIGHT) for (const w of this.#waiters.splice(0)) w();
        return;
      }
      if (m.type === 'error') {
        this.fail(
          m.code !== undefined && m.code in CODE_CATALOG
            ? new TriplineError(m.code as ErrorCode, m.message)
            : new Error(`shard worker failed: ${m.message}`),
        );
        onFailure();
        return;
      }
      if (m.type === 'ready') return;
      this.#replies.shift()?.(m);
    });
    port.on('error', (error) => {
      this.fail(error);
      onFailure();
    });
    port.on('exit', (code) => {
      if (this.#replies.length > 0) {
        this.fail(new Error(`shard worker exited (code ${code}) before it answered`));
        onFailure();
      }
    });
  }

  fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.#waiters.splice(0)) w();
    for (const r of this.#replies.splice(0)) r({ type: 'error', message: error.message });
  }

  send(m: ToShard): void {
    if (this.failure) return;
    if (m.type === 'text' || m.type === 'lines') {
      this.#inFlight++;
      this.sent++;
    }
    this.#port.postMessage(m);
  }

  /** Resolves when the shard has room for another batch. */
  room(): Promise<void> | undefined {
    if (this.#inFlight < IN_FLIGHT || this.failure) return undefined;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  ask(m: ToShard): Promise<FromShard> {
    return new Promise((resolve) => {
      if (this.failure) resolve({ type: 'error', message: this.failure.message });
      else {
        this.#replies.push(resolve);
        this.send(m);
      }
    });
  }

  terminate(): Promise<number> {
    return this.#port.terminate();
  }
}

/** Entries of a batch's line table to start with (it grows as lines come). */
const TABLE_START = 2048;

/** The rows of nothing: the scan's own router (see `LinesToShards`) only learns the input's layout. */
const NO_ROWS: IngestSink = { event: () => undefined, rejected: () => undefined };

/**
 * The lines of an NDJSON input, split and scanned once, here, for every shard. Each line's bytes (its
 * CR dropped) are copied into shared buffers of {@link BATCH_BYTES} that every shard gets (shared
 * memory: sending one copies nothing), with a table of where each line starts and ends and which
 * shard reads it: the shard of its device when its bytes say it exactly (see `DeviceScanner`), every
 * shard when they do not ({@link EVERY_SHARD}: each parses it and keeps its own devices' events), or
 * none ({@link TOO_LONG}: rejected). The shards neither split nor scan: each decodes and parses its own lines only.
 *
 * The scan reads bare rows as every shard's router will: while the input's `union withsource=` column
 * is unknown (`Router.withsource`), a bare row's device is not settled from its bytes, and the lines
 * read by every shard also go through a router of this reader's own, which settles the column on the
 * same row as theirs do.
 *
 * A buffer every shard has read is filled again rather than a new one made: a shard reads a batch
 * whole before it answers and keeps no view of it, and the reading waits while a shard has
 * {@link IN_FLIGHT} batches unread, so an input uses a few buffers however long it is. (A new 1 MB
 * buffer per batch is external memory the garbage collector is made to chase.) A line longer than a
 * buffer goes alone in one of its own size.
 */
export class LinesToShards extends ByteLineSplitter {
  readonly #shards: readonly Shard[];
  readonly #scanner = new DeviceScanner();
  readonly #router: Router;
  readonly #read: (line: string, n: number) => void;
  /** Buffers sent, oldest first, each with the shards' `sent` counts once it was sent to them. */
  readonly #sent: { buffer: SharedArrayBuffer; marks: number[] }[] = [];
  #buffer: SharedArrayBuffer;
  #view: Uint8Array;
  /**
   * The bytes not yet copied into the buffer: `#chunk[#from, #to)`, to go at `#at`. Lines that follow
   * one another in a chunk are copied in one piece (with the newlines between them), not one by one.
   */
  #chunk: Buffer | undefined;
  #from = 0;
  #to = 0;
  #at = 0;
  /** The batch's lines: `[start, stop, owner]` per line, offsets into the buffer. */
  #table = new Int32Array(TABLE_START);
  #entries = 0;
  /** Number of the batch's first line. */
  #first = 0;

  /**
   * `input`: the input's name, whether it reads as the az CLI's Log Analytics rows (`sentinel`) and
   * the table of bare rows that name none: what each shard's router is made with.
   */
  constructor(
    shards: readonly Shard[],
    maxBytes: number,
    input: { readonly name: string; readonly sentinel: boolean; readonly table?: TableName | undefined },
  ) {
    // The splitter reports a line it dropped as too long through this callback (made before `this` is).
    const self: { reader?: LinesToShards } = {};
    super(
      () => undefined,
      (n) => self.reader!.#entry(n, 0, 0, TOO_LONG),
      maxBytes,
    );
    self.reader = this;
    this.#shards = shards;
    this.#router = new Router(NO_ROWS, input.name, input.sentinel, input.table);
    this.#read = ndjsonLine(this.#router);
    this.#buffer = this.#next();
    this.#view = new Uint8Array(this.#buffer);
  }

  override push(text: string): void {
    super.push(text);
    this.#copy();
  }

  override pushBytes(buf: Buffer): void {
    super.pushBytes(buf);
    // The source may reuse its chunk once the next one is asked for.
    this.#copy();
  }

  protected override complete(chunk: Buffer, start: number, end: number, line: number): void {
    const stop = end > start && chunk[end - 1] === 0x0d ? end - 1 : end;
    if (stop - start > this.maxBytes) {
      this.#entry(line, 0, 0, TOO_LONG);
      return;
    }
    const settled = this.#router.withsource !== undefined;
    const id = this.#scanner.deviceId(chunk, start, stop, settled);
    let owner = EVERY_SHARD;
    if (id !== undefined) owner = shardOf(id, this.#shards.length);
    // Read by every shard; until the column is known, here too (only to learn it).
    else if (!settled) this.#read(chunk.toString('utf8', start, stop), line);
    if (chunk !== this.#chunk || start !== this.#to + 1 || this.#at + (end - this.#from) > this.#view.length) {
      // Not the next line of the bytes pending: those go into the buffer first, then a new piece starts.
      this.#copy();
      if (this.#at + (end - start) > this.#view.length) {
        if (this.#entries > 0) this.#send();
        // A line longer than a buffer: alone, in a buffer of its size (not kept for reuse).
        if (end - start > this.#view.length) {
          this.#buffer = new SharedArrayBuffer(end - start);
          this.#view = new Uint8Array(this.#buffer);
        }
      }
      this.#chunk = chunk;
      this.#from = start;
    }
    const at = this.#at + (start - this.#from);
    this.#to = end;
    this.#entry(line, at, at + (stop - start), owner);
  }

  override end(): void {
    super.end();
    this.#copy();
    if (this.#entries > 0) this.#send();
  }

  /** Reading stopped early: the shards still get every line read (they are analysed, as one thread would). */
  dispose(): void {
    this.end();
  }

  /** Copy the pending bytes into the buffer. */
  #copy(): void {
    const chunk = this.#chunk;
    if (chunk === undefined) return;
    if (this.#to > this.#from) this.#view.set(chunk.subarray(this.#from, this.#to), this.#at);
    this.#at += this.#to - this.#from;
    this.#chunk = undefined;
    this.#from = 0;
    this.#to = 0;
  }

  #entry(line: number, start: number, stop: number, owner: number): void {
    if (this.#entries === 0) this.#first = line;
    const k = this.#entries * 3;
    if (k + 3 > this.#table.length) {
      const grown = new Int32Array(this.#table.length * 2);
      grown.set(this.#table);
      this.#table = grown;
    }
    this.#table[k] = start;
    this.#table[k + 1] = stop;
    this.#table[k + 2] = owner;
    this.#entries++;
  }

  /** The oldest buffer of the usual size sent that every shard has read, or a new one. */
  #next(): SharedArrayBuffer {
    const oldest = this.#sent[0];
    if (oldest?.marks.every((mark, i) => this.#shards[i]!.read >= mark)) {
      this.#sent.shift();
      return oldest.buffer;
    }
    return new SharedArrayBuffer(BATCH_BYTES);
  }

  #send(): void {
    const lines = this.#table.slice(0, this.#entries * 3);
    for (const s of this.#shards) s.send({ type: 'lines', buffer: this.#buffer, lines, first: this.#first });
    if (this.#buffer.byteLength === BATCH_BYTES)
      this.#sent.push({ buffer: this.#buffer, marks: this.#shards.map((s) => s.sent) });
    this.#buffer = this.#next();
    this.#view = new Uint8Array(this.#buffer);
    this.#at = 0;
    this.#entries = 0;
  }
}

/**
 * A shard served by the calling thread: one of N shards needs no worker thread, whose V8 heap, young
 * generation, loaded packages and compiled code would be one more copy (about 30 MB of RSS and a few
 * hundred ms of CPU each). The calling thread only reads and copies bytes otherwise, so it analyses a
 * shard between reads. Its messages are a worker's, each handed over on a later turn of the event
 * loop and in order, as a port does (so the shard reads a batch when the event loop comes to it, and
 * the reading waits for it as for any shard), but not copied: both ends are this thread, and its
 * alerts reach the merge as they are. `options`: those of a shard (`ShardedAnalyzer.shardOptions`).
 */
export function inThreadShard(options: AnalyzeOptions, shard: number, shards: number): ShardPort {
  const toShard: ((m: ToShard) => void)[] = [];
  const toMain: ((m: FromShard) => void)[] = [];
  let open = true;
  const deliver = <T>(listeners: readonly ((m: T) => void)[], m: T): void => {
    setImmediate(() => {
      if (open) for (const listener of listeners) listener(m);
    });
  };
  serveShard(
    {
      postMessage: (m) => deliver(toMain, m),
      on: (_event, listener) => toShard.push(listener),
      // The shard is done: what it sent is still handed over (`terminate` ends the channel).
      close: () => undefined,
    },
    options,
    shard,
    shards,
  );
  const port: ShardPort = {
    postMessage: (m) => deliver(toShard, m),
    on(event: 'message' | 'error' | 'exit', listener: (value: never) => void) {
      // No error or exit here: a failure of the shard is its `error` message.
      if (event === 'message') toMain.push(listener as (m: FromShard) => void);
      return port;
    },
    async terminate() {
      open = false;
      return 0;
    },
  };
  inThreadPorts.add(port);
  return port;
}
