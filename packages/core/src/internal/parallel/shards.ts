/**
 * The main thread's side of each shard worker of a worker-sharded analysis (main.ts): its port, the
 * batches it has not read yet, and the shared buffers the bytes of an NDJSON input are sent in.
 */
import { CODE_CATALOG } from '../catalog.js';
import type { AnalyzeOptions } from '../engine/types.js';
import { type ErrorCode, TriplineError } from '../errors.js';
import { ByteLineSplitter } from '../ingest/lines.js';
import type { FromShard, ToShard } from './protocol.js';
import { serveShard } from './worker.js';

/** What the main thread needs of a shard worker: the parts of `worker_threads.Worker` it uses. */
export interface ShardPort {
  postMessage(message: ToShard): void;
  on(event: 'message', listener: (m: FromShard) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<number>;
}

/** Bytes of NDJSON gathered in one shared buffer before it is sent to every shard. */
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
    if (m.type === 'text' || m.type === 'bytes') {
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

/**
 * The bytes of an NDJSON input, copied into shared buffers of {@link BATCH_BYTES} that every shard
 * gets (shared memory: sending one copies nothing). The main thread neither splits nor decodes: each
 * shard splits the bytes into lines and reads its own. A subclass of the byte splitter so that the
 * reading hands it the input's bytes undecoded.
 *
 * A buffer every shard has read is filled again rather than a new one made: a shard reads a batch
 * whole before it answers and keeps no view of it (a partial line is copied), and the reading waits
 * while a shard has {@link IN_FLIGHT} batches unread, so an input uses a few buffers however long it
 * is. (A new 1 MB buffer per batch is external memory the garbage collector is made to chase.)
 */
export class BytesToShards extends ByteLineSplitter {
  readonly #shards: readonly Shard[];
  /** Buffers sent, oldest first, each with the shards' `sent` counts once it was sent to them. */
  readonly #sent: { buffer: SharedArrayBuffer; marks: number[] }[] = [];
  #buffer: SharedArrayBuffer;
  #view: Uint8Array;
  #fill = 0;

  constructor(shards: readonly Shard[]) {
    super(
      () => undefined,
      () => undefined,
      1,
    );
    this.#shards = shards;
    this.#buffer = this.#next();
    this.#view = new Uint8Array(this.#buffer);
  }

  override push(text: string): void {
    this.pushBytes(Buffer.from(text, 'utf8'));
  }

  override pushBytes(buf: Buffer): void {
    let at = 0;
    while (at < buf.length) {
      const n = Math.min(buf.length - at, BATCH_BYTES - this.#fill);
      this.#view.set(buf.subarray(at, at + n), this.#fill);
      this.#fill += n;
      at += n;
      if (this.#fill === BATCH_BYTES) this.#send();
    }
  }

  override end(): void {
    if (this.#fill > 0) this.#send();
  }

  /** Reading stopped early: the shards still get every byte read (their lines are analysed, as one thread would). */
  dispose(): void {
    this.end();
  }

  /** The oldest buffer sent that every shard has read, or a new one. */
  #next(): SharedArrayBuffer {
    const oldest = this.#sent[0];
    if (oldest?.marks.every((mark, i) => this.#shards[i]!.read >= mark)) {
      this.#sent.shift();
      return oldest.buffer;
    }
    return new SharedArrayBuffer(BATCH_BYTES);
  }

  #send(): void {
    for (const s of this.#shards) s.send({ type: 'bytes', buffer: this.#buffer, length: this.#fill });
    this.#sent.push({ buffer: this.#buffer, marks: this.#shards.map((s) => s.sent) });
    this.#buffer = this.#next();
    this.#view = new Uint8Array(this.#buffer);
    this.#fill = 0;
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
