/**
 * `runPartitioned`: the partition handler every source drives. Per partition one state store and, per
 * batch, one analyzer over the partition's state (`createAnalyzer({ state, stream: partition })`): the
 * batch's records are read as inputs, `finish()` gives the partition's alerts so far and what changed,
 * and `commit()` writes the state, the notifications and the broker position in one store write. The
 * source acknowledges the records only after that.
 */
import { createAnalyzer, deliver, fromIterable, fromString, isTriplineError, type StateStore } from '@tripline/core';
import { detectFormat } from '@tripline/core/unstable';
import { MetricsCounter } from './metrics.js';
import { comparePositions, isPosition, PositionedStore, readPosition } from './position.js';
import type {
  BatchOutcome,
  PartitionClaim,
  PartitionHandler,
  RunPartitionedOptions,
  SourceRecord,
  StreamMetrics,
} from './types.js';

interface Owned {
  readonly store: PositionedStore;
  committed: string | undefined;
  records: number;
  /** A batch failed: the partition takes no more batches until it is opened again. */
  failed: boolean;
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const SNIFF = 4096;

/** The first characters of a body, as format detection sees them (a BOM dropped). */
function head(body: string | Uint8Array): string | undefined {
  if (typeof body === 'string') return body.slice(0, SNIFF).replace(/^\uFEFF/, '');
  // gzip and UTF-16 bodies are left to the reader, which decodes them.
  if (body.length >= 2 && ((body[0] === 0x1f && body[1] === 0x8b) || body[0] === 0xff || body[0] === 0xfe))
    return undefined;
  return decoder.decode(body.subarray(0, SNIFF)).replace(/^\uFEFF/, '');
}

/** The partition handler of {@link runPartitioned}, usable on its own (tests, custom sources). */
export class PartitionRuntime implements PartitionHandler {
  readonly metrics: MetricsCounter;
  readonly #owned = new Map<string, Owned>();

  constructor(
    private readonly options: RunPartitionedOptions,
    private readonly kind: string,
    clock?: () => number,
  ) {
    this.metrics = new MetricsCounter(clock);
  }

  async open(claim: PartitionClaim): Promise<{ readonly committed?: string }> {
    const { partition } = claim;
    const known = this.#owned.get(partition);
    if (known) await this.close(partition, 'revoked');
    const store = new PositionedStore(this.options.state(partition), partition);
    await store.open();
    try {
      const saved = await readPosition(store, partition);
      this.#owned.set(partition, {
        store,
        committed: saved?.position,
        records: saved?.records ?? 0,
        failed: false,
      });
      this.metrics.owned(partition, saved?.position);
      // What a run that stopped after a commit left undelivered.
      await this.#deliver(partition, store);
      return saved ? { committed: saved.position } : {};
    } catch (error) {
      this.#owned.delete(partition);
      this.metrics.released(partition);
      await store.close().catch(() => undefined);
      throw error;
    }
  }

  async batch(partition: string, records: readonly SourceRecord[]): Promise<void> {
    const owned = this.#owned.get(partition);
    if (!owned) throw new Error(`stream: batch for partition ${partition}, which this consumer has not opened`);
    if (owned.failed)
      throw new Error(`stream: partition ${partition} stopped after a failed batch; it must be opened again`);
    try {
      await this.#batch(partition, owned, records);
    } catch (error) {
      owned.failed = true;
      throw error;
    }
  }

  async #batch(partition: string, owned: Owned, records: readonly SourceRecord[]): Promise<void> {
    const fresh: SourceRecord[] = [];
    let redelivered = 0;
    let last = owned.committed;
    for (const r of records) {
      if (r.partition !== partition)
        throw new Error(`stream: a record of partition ${r.partition} in a batch of partition ${partition}`);
      if (!isPosition(r.position))
        throw new Error(`stream: record position ${JSON.stringify(r.position)} is not a non-negative integer`);
      if (last !== undefined && comparePositions(r.position, last) <= 0) {
        // At or before the committed position (or repeated within the batch): read already.
        if (owned.committed !== undefined && comparePositions(r.position, owned.committed) <= 0) redelivered++;
        else throw new Error(`stream: partition ${partition} positions are not increasing at ${r.position}`);
        continue;
      }
      fresh.push(r);
      last = r.position;
    }
    this.metrics.redelivered += redelivered;
    if (fresh.length === 0) return;
    const { policy, now, allowedLateness, ...rest } = this.options.analyzer ?? {};
    const analyzer = createAnalyzer({
      ...rest,
      detectors: this.options.detectors,
      state: {
        store: owned.store,
        ...(policy ? { policy } : {}),
        ...(now ? { now } : {}),
        ...(allowedLateness !== undefined ? { allowedLateness } : {}),
      },
      stream: partition,
    });
    await analyzer.ready();
    const inputs = new Set<string>();
    let notRows = 0;
    for (const r of fresh) {
      const name = `${this.kind}:${partition}@${r.position}`;
      inputs.add(name);
      const text = head(r.body);
      if (text !== undefined && text.trim() !== '' && detectFormat(text) === undefined) {
        analyzer.pushRejected({
          source: name,
          line: 1,
          code: 'not-a-row',
          reason: 'the record body is not a Defender row, an Event Hubs {"records":[…]} body or NDJSON',
        });
        notRows++;
        continue;
      }
      const source = typeof r.body === 'string' ? fromString(r.body, name) : fromIterable([r.body], name);
      // An input that cannot be read is in the result (an inputs entry with its error and an
      // input-failed diagnostic), like any input of a run; the batch goes on.
      await analyzer.push(source).catch((error: unknown) => {
        if (!isTriplineError(error) || !error.code.startsWith('input-')) throw error;
      });
    }
    const result = analyzer.finish();
    const to = fresh[fresh.length - 1]!.position;
    // Fencing: a consumer that lost the partition (its successor committed since) must not write over it.
    // Read from the store itself: the records this consumer keeps in memory cannot show another's commit.
    const stored = (await readPosition(owned.store.inner, partition))?.position;
    if (stored !== owned.committed)
      throw new Error(
        `stream: partition ${partition} was committed by another consumer (position ${stored ?? 'none'}; this consumer's is ${owned.committed ?? 'none'}): it is no longer this consumer's`,
      );
    owned.store.stage({ position: to, records: owned.records + fresh.length }, inputs);
    await analyzer.commit();
    owned.committed = to;
    owned.records += fresh.length;
    this.metrics.rows += result.inputs.reduce((n, i) => n + i.rowsRead, 0) + notRows;
    this.metrics.batches++;
    this.metrics.committed(partition, to, result.summary.alertCount);
    const outcome: BatchOutcome = {
      partition,
      from: fresh[0]!.position,
      to,
      records: records.length,
      redelivered,
      result,
      changes: result.changes ?? [],
    };
    await this.options.onBatch?.(outcome);
    await this.#deliver(partition, owned.store);
  }

  async #deliver(partition: string, store: StateStore): Promise<void> {
    const notify = this.options.notify;
    if (!notify) return;
    const report = await deliver(store, (entry) => notify(entry, partition));
    this.metrics.notifications += report.delivered;
  }

  async close(partition: string, _reason: 'revoked' | 'shutdown' | 'error'): Promise<void> {
    const owned = this.#owned.get(partition);
    if (!owned) return;
    this.#owned.delete(partition);
    this.metrics.released(partition);
    await owned.store.close();
  }

  /** Close every partition still open (the source ended without closing them). */
  async closeAll(): Promise<void> {
    for (const p of [...this.#owned.keys()]) await this.close(p, 'shutdown');
  }

  /** The partitions this consumer owns now. */
  get partitions(): readonly string[] {
    return [...this.#owned.keys()];
  }
}

/**
 * Consume `options.source` until `options.signal` aborts: per partition one state store and one
 * analyzer per batch; state and broker position committed in one write before the source acknowledges.
 * Resolves with the final metrics once the source has stopped (the batch in flight committed).
 *
 * ```ts
 * const broker = memoryBroker({ partitions: 4 });
 * const stores = new Map<string, StateStore>();
 * await runPartitioned({
 *   source: broker.source({ consumer: 'a' }),
 *   detectors: defenderDetectors,
 *   state: (p) => sqliteStateStore(`state/partition-${p}.sqlite`),
 *   notify: (entry) => post(entry),
 *   signal,
 * });
 * ```
 */
export async function runPartitioned(options: RunPartitionedOptions): Promise<StreamMetrics> {
  const runtime = new PartitionRuntime(options, options.source.kind);
  const signal = options.signal ?? new AbortController().signal;
  const report = async (): Promise<void> => {
    if (options.source.lag) {
      try {
        runtime.metrics.lag(await options.source.lag());
      } catch {
        // A broker that cannot tell the lag now: the figures go out without it.
      }
    }
    options.onMetrics?.(runtime.metrics.snapshot());
  };
  const interval = options.metricsIntervalMs;
  // A throwing onMetrics does not crash the process from a timer: the run ends with its error.
  let failed: { error: unknown } | undefined;
  const timer =
    options.onMetrics && interval !== undefined && interval > 0
      ? setInterval(() => {
          report().catch((error: unknown) => {
            failed ??= { error };
          });
        }, interval)
      : undefined;
  timer?.unref?.();
  try {
    await options.source.run(runtime, signal);
  } finally {
    if (timer) clearInterval(timer);
    await runtime.closeAll();
  }
  if (failed) throw failed.error;
  await report();
  return runtime.metrics.snapshot();
}
