/**
 * The broker position of a partition, kept in the partition's state store and written in the same
 * `store.write` as the batch's state (`commit()` of the analyzer).
 *
 * The record is `sources` `[stream, "broker"]` = `{ position, records }`: the last committed position and
 * how many records the stream has committed. The engine reads `sources` records with a numeric `rows`
 * only, so it ignores this one. The engine's own per-input positions (one record per input name) are not
 * kept for the inputs of broker records: every record is an input of its own (`<kind>:<partition>@<position>`)
 * and the broker position already says which were read — keeping them would grow the state by one record
 * per message.
 */
import type { JsonValue, OutboxEntry, StateNamespace, StateStore, StateWrite } from '@tripline/core';
import { compareKeys } from '@tripline/core/unstable';

/** The `sources` key of the broker position of `stream`. */
export function brokerKey(stream: string): string {
  return JSON.stringify([stream, 'broker']);
}

/** The broker position record. */
export interface BrokerPosition {
  readonly position: string;
  readonly records: number;
}

/** Read the committed broker position of `stream` from an open store. */
export async function readPosition(store: StateStore, stream: string): Promise<BrokerPosition | undefined> {
  const v = (await store.get('sources', brokerKey(stream))) as Partial<BrokerPosition> | null | undefined;
  if (!v || typeof v !== 'object' || typeof v.position !== 'string' || !/^\d+$/.test(v.position)) return undefined;
  return { position: v.position, records: typeof v.records === 'number' ? v.records : 0 };
}

/**
 * A partition's store while this consumer owns it: it writes like `inner`, except that its next `write`
 * also puts the broker position set by {@link PositionedStore.stage} and leaves out the per-input
 * positions of the batch's record inputs.
 *
 * It also keeps the records in memory between batches: a namespace is read from `inner` once, at the
 * first `read` after `open`, and later reads are answered from memory; a write goes to `inner` first
 * and changes the memory only once `inner` has applied it, so the memory is always what `inner` holds
 * (a failed write changes neither). The store is made anew each time the partition is (re)acquired, so
 * a partition read again starts from what `inner` holds then. Records handed out are frozen copies
 * (a JSON round trip, as every store gives back), shared by the batches that read them: the engine
 * only reads them.
 */
export class PositionedStore implements StateStore {
  readonly kind: string;
  #staged: { position: BrokerPosition; inputs: ReadonlySet<string> } | undefined;
  /** Namespaces read from `inner` since `open`, as `inner` holds them now. */
  readonly #cache = new Map<StateNamespace, CachedNamespace>();

  constructor(
    readonly inner: StateStore,
    readonly stream: string,
  ) {
    this.kind = inner.kind;
  }

  /** The position the next write commits, and the input names whose own positions it leaves out. */
  stage(position: BrokerPosition, inputs: ReadonlySet<string>): void {
    this.#staged = { position, inputs };
  }

  open(): Promise<void> {
    this.#cache.clear();
    return this.inner.open();
  }

  async read(ns: StateNamespace): Promise<ReadonlyMap<string, JsonValue>> {
    let cached = this.#cache.get(ns);
    if (!cached) {
      const records = await this.inner.read(ns);
      cached = { records: new Map(), sorted: true };
      for (const [k, v] of records) cached.records.set(k, frozenCopy(v));
      this.#cache.set(ns, cached);
    }
    if (!cached.sorted) {
      cached.records = new Map([...cached.records].sort(([a], [b]) => compareKeys(a, b)));
      cached.sorted = true;
    }
    return new Map(cached.records);
  }

  get(ns: StateNamespace, key: string): Promise<JsonValue | undefined> {
    const cached = this.#cache.get(ns);
    return cached ? Promise.resolve(cached.records.get(key)) : this.inner.get(ns, key);
  }

  outbox(): Promise<readonly OutboxEntry[]> {
    return this.inner.outbox();
  }

  close(): Promise<void> {
    this.#cache.clear();
    return this.inner.close();
  }

  async write(batch: StateWrite): Promise<void> {
    const staged = this.#staged;
    this.#staged = undefined;
    let write = batch;
    if (staged) {
      const skip = new Set([...staged.inputs].map((name) => JSON.stringify([this.stream, name])));
      const put = (batch.put ?? []).filter((p) => !(p.ns === 'sources' && skip.has(p.key)));
      put.push({
        ns: 'sources',
        key: brokerKey(this.stream),
        value: { position: staged.position.position, records: staged.position.records },
      });
      write = { ...batch, put };
    }
    // Copied before the write: what the memory gets is what was written, whatever the caller does later.
    let puts: { ns: StateNamespace; key: string; value: JsonValue }[] | undefined;
    try {
      puts = (write.put ?? [])
        .filter((p) => this.#cache.has(p.ns))
        .map((p) => ({ ns: p.ns, key: p.key, value: frozenCopy(p.value) }));
    } catch {
      // A value JSON cannot hold: `inner` refuses the write (and if it did not, the memory is dropped).
      puts = undefined;
    }
    await this.inner.write(write);
    if (!puts) {
      this.#cache.clear();
      return;
    }
    // Applied in the order of StateWrite: a replaced namespace is read again from `inner`, then deletes, then puts.
    for (const ns of write.replace ?? []) this.#cache.delete(ns);
    for (const d of write.delete ?? []) this.#cache.get(d.ns)?.records.delete(d.key);
    for (const p of puts) {
      const cached = this.#cache.get(p.ns);
      if (!cached) continue;
      if (cached.sorted && !cached.records.has(p.key)) cached.sorted = false;
      cached.records.set(p.key, p.value);
    }
  }
}

interface CachedNamespace {
  records: Map<string, JsonValue>;
  /** Whether `records` is in ascending key order (a new key is appended at the end). */
  sorted: boolean;
}

/** A value as a store gives it back (a JSON round trip), frozen all the way down. */
function frozenCopy(value: JsonValue): JsonValue {
  return deepFreeze(JSON.parse(JSON.stringify(value)) as JsonValue);
}

function deepFreeze(value: JsonValue): JsonValue {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v as JsonValue);
    Object.freeze(value);
  }
  return value;
}

/** Compare two positions (non-negative decimal integers as strings). */
export function comparePositions(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
}

/** Whether `position` is a position (a non-negative integer as a decimal string). */
export function isPosition(position: unknown): position is string {
  return typeof position === 'string' && /^\d{1,40}$/.test(position);
}
