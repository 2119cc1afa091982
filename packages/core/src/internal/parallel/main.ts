/**
 * The main-thread side of a worker-sharded analysis (`workers` > 1): the inputs are read, decoded and
 * split into lines here; each NDJSON line goes to the shard of its device (found in its text, or by
 * parsing it when the text does not settle it), every other line of that shard left blank so line
 * numbers stay; documents and CSV are sent whole to every shard, each keeping its devices' rows. Each
 * shard is an ordinary analyzer in a worker thread; their results are merged into the one result a
 * single-threaded run gives (see merge.ts).
 */
import { EventEmitter } from 'eventemitter3';
import { CODE_CATALOG, diagnostic } from '../catalog.js';
import type { AnalyzerEvents } from '../engine/analyze.js';
import { type ResolvedConfig, validateRunConfig } from '../engine/config.js';
import { validateDetectors } from '../engine/detectors.js';
import { localTimeDiagnostics } from '../engine/local-time.js';
import type { AnalyzeOptions } from '../engine/types.js';
import { ERROR_CODES, type ErrorCode, TriplineError } from '../errors.js';
import { ingest, timeZoneOption } from '../ingest/ingest.js';
import { ByteLineSplitter, type TextReader } from '../ingest/lines.js';
import type { IngestStats, InputSource, RejectedRow } from '../ingest/types.js';
import type { AnalysisResult, Diagnostic } from '../report/types.js';
import { mergeShardResults } from './merge.js';
import type { FromShard, ShardInputStats, ShardLayout, ToShard } from './protocol.js';

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
const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

const INPUT_ERROR_CODES: ReadonlySet<string> = new Set([
  ERROR_CODES.INPUT_UNREADABLE,
  ERROR_CODES.INPUT_FORMAT_UNKNOWN,
]);

class Shard {
  readonly #port: ShardPort;
  #inFlight = 0;
  #waiters: (() => void)[] = [];
  #replies: ((m: FromShard) => void)[] = [];
  failure: Error | undefined;
  /** Rows of the current input the shard kept, as of its last answer (for progress). */
  rows = { events: 0, rejected: 0 };

  constructor(port: ShardPort, onFailure: () => void) {
    this.#port = port;
    port.on('message', (m) => {
      if (m.type === 'ack') {
        this.rows = { events: m.events, rejected: m.rejected };
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
    if (m.type === 'text' || m.type === 'bytes') this.#inFlight++;
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
 */
class BytesToShards extends ByteLineSplitter {
  readonly #shards: readonly Shard[];
  #buffer = new SharedArrayBuffer(BATCH_BYTES);
  #view = new Uint8Array(this.#buffer);
  #fill = 0;

  constructor(shards: readonly Shard[]) {
    super(
      () => undefined,
      () => undefined,
      1,
    );
    this.#shards = shards;
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

  #send(): void {
    for (const s of this.#shards) s.send({ type: 'bytes', buffer: this.#buffer, length: this.#fill });
    this.#buffer = new SharedArrayBuffer(BATCH_BYTES);
    this.#view = new Uint8Array(this.#buffer);
    this.#fill = 0;
  }
}

/**
 * An analysis over `shards.length` worker threads, with the interface of the `Analyzer` (`@tripline/core`): push
 * inputs, then `finish()` (asynchronous here: the shards' results are merged when they come).
 */
export class ShardedAnalyzer extends EventEmitter<AnalyzerEvents> {
  readonly #shards: Shard[];
  readonly #options: AnalyzeOptions;
  readonly #resolved: ResolvedConfig;
  readonly #correlators: ReadonlySet<string>;
  readonly #maxBytes: number;
  /** Rows rejected by the main thread (lines too long to send), in input order. */
  readonly #rejected: RejectedRow[] = [];
  #rejectedCount = 0;
  /** Diagnostics of reading (decoding notices, local times, failed inputs), in order. */
  readonly #diagnostics: Diagnostic[] = [];
  readonly #inputs: AnalysisResult['inputs'][number][] = [];
  readonly #inputOrder = new Map<string, number>();
  #rowsBefore = 0;
  #finished: Promise<AnalysisResult> | undefined;

  constructor(options: AnalyzeOptions, ports: readonly ShardPort[]) {
    super();
    const loaded = validateDetectors(options.detectors);
    this.#resolved = validateRunConfig(options.config, loaded.flat);
    this.#correlators = new Set(loaded.flat.filter((d) => typeof d.correlate === 'function').map((d) => d.meta.id));
    this.#options = options;
    this.#maxBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    // A shard's failure is read where it matters (`#failure()`): reading, ending an input, finishing.
    this.#shards = ports.map((p) => new Shard(p, () => undefined));
  }

  /** The options a shard's analyzer runs with: the run's, without what the main thread applies to all alerts. */
  static shardOptions(options: AnalyzeOptions): AnalyzeOptions {
    const config = options.config;
    if (config === undefined) return options;
    const { allowlist: _a, minSeverity: _m, ...rest } = config;
    return { ...options, config: rest };
  }

  #failure(): Error | undefined {
    return this.#shards.find((s) => s.failure)?.failure;
  }

  async push(source: InputSource): Promise<IngestStats> {
    if (this.#finished)
      throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'this analyzer has finished; create a new one');
    const shards = this.#shards;
    let started = false;
    let layout = 'lines' as ShardLayout;
    let noRows: (() => Error) | undefined;
    let mainRejected = 0;
    let firstMainRejected: RejectedRow | undefined;
    for (const s of shards) s.rows = { events: 0, rejected: 0 };
    const rowsSoFar = (): { events: number; rejected: number } => {
      let events = 0;
      let rejected = mainRejected;
      for (const s of shards) {
        events += s.rows.events;
        rejected += s.rows.rejected;
      }
      return { events, rejected };
    };

    const wholeReader = (): TextReader => ({
      push: (text) => {
        for (const s of shards) s.send({ type: 'text', text });
      },
      end: () => undefined,
    });

    const sink = {
      event: () => {
        throw new Error('the main thread of a sharded analysis analysed a row');
      },
      rejected: (row: RejectedRow) => {
        mainRejected++;
        firstMainRejected ??= row;
        this.#rejectedCount++;
        if (this.#rejected.length < (this.#options.maxRejectedListed ?? 10_000)) this.#rejected.push(row);
        this.emit('rejected', row);
      },
      notice: (n: { code: string; message: string; source: string; line?: number }) => {
        this.#diagnostics.push(
          diagnostic(n.code as 'input-truncated', {
            message: n.message,
            source: n.source,
            ...(n.line !== undefined ? { line: n.line } : {}),
          }),
        );
      },
      progress: (p: { source: string; bytesRead: number; totalBytes?: number; rowsRead: number }) => {
        const rows = rowsSoFar();
        this.emit('progress', {
          ...p,
          rowsRead: rows.events + rows.rejected,
          eventsAnalyzed: this.#rowsBefore + rows.events,
          eventsRejected: this.#rejectedCount - mainRejected + rows.rejected,
        });
      },
    };

    // Reading waits while a shard has a few batches it has not read yet: memory stays bounded.
    const paced: InputSource = {
      name: source.name,
      ...(source.size !== undefined ? { size: source.size } : {}),
      open: () => {
        const inner = source.open();
        const self = this;
        return (async function* () {
          for await (const chunk of inner as AsyncIterable<Uint8Array | string>) {
            for (const s of shards) await s.room();
            const failure = self.#failure();
            if (failure) throw failure;
            yield chunk;
          }
        })();
      },
    };

    const timezone = this.#options.timezone ?? this.#resolved.config.timezone;
    let stats: IngestStats | undefined;
    let error: unknown;
    try {
      stats = await ingest(paced, sink, {
        ...(this.#options.inputFormat ? { format: this.#options.inputFormat } : {}),
        maxLineBytes: this.#maxBytes,
        ...(this.#options.table ? { table: this.#options.table } : {}),
        ...(timezone ? { timezone: timeZoneOption(timezone).name } : {}),
        readers: {
          reader: (l, r, ctx) => {
            layout = l;
            started = true;
            for (const s of shards) s.send({ type: 'input', name: r.source, layout: l, format: ctx.format });
            return l === 'lines' ? new BytesToShards(shards) : wholeReader();
          },
          noRows: (make) => {
            noRows = make;
          },
        },
      });
    } catch (e) {
      error = e;
    }
    let replies: ShardInputStats[] = [];
    if (started) {
      const answers = await Promise.all(shards.map((s) => s.ask({ type: error ? 'abort' : 'end' })));
      const failure = this.#failure();
      if (failure) throw failure;
      replies = answers.map((a) =>
        a.type === 'stats' ? a.stats : { events: 0, rejected: 0, container: false, notices: [] },
      );
    }
    const events = replies.reduce((t, r) => t + r.events, 0);
    const rejected = replies.reduce((t, r) => t + r.rejected, 0) + mainRejected;
    for (const r of replies) for (const n of r.notices) sink.notice(n);
    const firsts = [firstMainRejected, ...replies.map((r) => r.firstRejected)].filter((r): r is RejectedRow => !!r);
    firsts.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.record ?? 0) - (b.record ?? 0));
    if (firsts[0] && firsts[0] !== firstMainRejected) this.emit('rejected', firsts[0]);
    if (!error && noRows && events + rejected === 0 && !replies.some((r) => r.container)) error = noRows();
    if (error) {
      if (error instanceof TriplineError && INPUT_ERROR_CODES.has(error.code))
        this.#inputFailed(source, error, events, rejected);
      throw error;
    }
    const s = stats!;
    const localTime = layout === 'csv' ? replies[0]?.localTime : undefined;
    for (const d of localTimeDiagnostics(s.source, localTime)) this.#diagnostics.push(d);
    this.#inputOrder.set(s.source, this.#inputOrder.size);
    this.#inputs.push({ source: s.source, format: s.format, rowsRead: events + rejected, events, rejected });
    this.#rowsBefore += events + rejected;
    return { ...s, rowsRead: events + rejected, events, rejected, ...(localTime ? { localTime } : {}) };
  }

  #inputFailed(source: InputSource, error: TriplineError, events: number, rejected: number): void {
    let name: string;
    try {
      name = String(source.name);
    } catch {
      name = 'input';
    }
    const rows = events + rejected;
    this.#inputOrder.set(name, this.#inputOrder.size);
    this.#inputs.push({
      source: name,
      format: 'unknown',
      rowsRead: rows,
      events,
      rejected,
      error: { code: error.code, message: error.message },
    });
    this.#diagnostics.push(
      diagnostic('input-failed', {
        message:
          rows > 0
            ? `${error.message} (after ${rows} row(s); those are analysed, the rest of this input is not)`
            : `${error.message} (nothing of this input is analysed)`,
        source: name,
      }),
    );
  }

  /** Every shard finishes; their results are merged into the run's result (then `alert` and `end` are emitted). */
  finish(): Promise<AnalysisResult> {
    this.#finished ??= (async () => {
      // One shard after the other, each stopped once its result is here: at most one worker's heap is
      // alive beside the results already received.
      const answers: FromShard[] = [];
      for (const s of this.#shards) {
        answers.push(await s.ask({ type: 'finish' }));
        await s.terminate();
      }
      const failure = this.#failure();
      if (failure) throw failure;
      const results = answers.map((a) => {
        if (a.type !== 'result') throw new Error(`shard worker failed: ${a.type === 'error' ? a.message : a.type}`);
        return a.result;
      });
      const cfg = this.#resolved.config;
      const result = mergeShardResults({
        shards: results,
        rejected: this.#rejected,
        rejectedCount: this.#rejectedCount,
        diagnostics: this.#diagnostics,
        inputs: this.#inputs,
        inputOrder: this.#inputOrder,
        allowlist: cfg.allowlist ?? [],
        correlators: this.#correlators,
        minSeverity: cfg.minSeverity,
        maxRejectedListed: this.#options.maxRejectedListed ?? 10_000,
        generatedAt: this.#options.generatedAt,
      });
      for (const alert of result.alerts) this.emit('alert', alert);
      this.emit('end', result);
      return result;
    })();
    return this.#finished;
  }

  /** Stop the workers without a result (after an error). */
  async close(): Promise<void> {
    await Promise.all(this.#shards.map((s) => s.terminate().catch(() => 0)));
  }
}
