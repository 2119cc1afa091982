/**
 * The main-thread side of a worker-sharded analysis (`workers` > 1): the inputs are read here; an
 * NDJSON input is split into lines and each line's device read from its bytes here, once, and the
 * lines go to every shard in shared buffers with the shard that reads each (shards.ts), each shard
 * reading its own (worker.ts); documents and CSV are sent whole to every shard, each keeping its
 * devices' rows. Each shard is an ordinary analyzer in a worker thread; at the
 * end the shards finish one after the other, each sending its alerts in parts, and their results are
 * merged into the one result a single-threaded run gives (see merge.ts).
 */
import { EventEmitter } from 'eventemitter3';
import { diagnostic } from '../catalog.js';
import type { AnalyzerEvents } from '../engine/analyze.js';
import { type ResolvedConfig, validateRunConfig } from '../engine/config.js';
import { validateDetectors } from '../engine/detectors.js';
import { localTimeDiagnostics } from '../engine/local-time.js';
import type { AnalyzeOptions } from '../engine/types.js';
import { ERROR_CODES, TriplineError } from '../errors.js';
import { ingest, timeZoneOption } from '../ingest/ingest.js';
import type { TextReader } from '../ingest/lines.js';
import type { IngestStats, InputSource, RejectedRow } from '../ingest/types.js';
import type { Alert, AnalysisResult, Diagnostic } from '../report/types.js';
import { mergeShardResults } from './merge.js';
import type { FromShard, ShardInputStats, ShardLayout } from './protocol.js';
import { LinesToShards, Shard, type ShardPort } from './shards.js';
import { shareStrings } from './share.js';

export type { ShardPort } from './shards.js';

const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

const INPUT_ERROR_CODES: ReadonlySet<string> = new Set([
  ERROR_CODES.INPUT_UNREADABLE,
  ERROR_CODES.INPUT_FORMAT_UNKNOWN,
]);

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
            return l === 'lines'
              ? new LinesToShards(shards, this.#maxBytes, {
                  name: r.source,
                  sentinel: ctx.format === 'sentinel',
                  table: this.#options.table,
                })
              : wholeReader();
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
      // alive beside the results already received. The workers first, the calling thread's shard
      // (shard 0 when it serves one) last: its state is then made into alerts with no worker alive.
      const results: AnalysisResult[] = new Array(this.#shards.length);
      for (let i = this.#shards.length - 1; i >= 0; i--) {
        const s = this.#shards[i]!;
        results[i] = await this.#result(s);
        await s.terminate();
      }
      const failure = this.#failure();
      if (failure) throw failure;
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

  /** A shard's result: the result without its alerts, then the alerts part by part (see `ALERTS_PER_MESSAGE`). */
  async #result(shard: Shard): Promise<AnalysisResult> {
    const failed = (a: FromShard): Error =>
      this.#failure() ?? new Error(`shard worker failed: ${a.type === 'error' ? a.message : a.type}`);
    const head = await shard.ask({ type: 'finish' });
    if (head.type !== 'result') throw failed(head);
    const alerts: Alert[] = [];
    while (alerts.length < head.alerts) {
      const part = await shard.ask({ type: 'alerts' });
      if (part.type !== 'alerts' || part.alerts.length === 0) throw failed(part);
      // A worker's alerts are clones, a copy of every string: equal texts are made one again.
      if (shard.cloned) shareStrings(part.alerts as Alert[]);
      for (const a of part.alerts) alerts.push(a);
    }
    return { ...head.result, alerts };
  }

  /** Stop the workers without a result (after an error). */
  async close(): Promise<void> {
    await Promise.all(this.#shards.map((s) => s.terminate().catch(() => 0)));
  }
}
