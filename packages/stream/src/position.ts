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
 * A store that writes like `inner`, except that its next `write` also puts the broker position set by
 * {@link PositionedStore.stage} and leaves out the per-input positions of the batch's record inputs.
 */
export class PositionedStore implements StateStore {
  readonly kind: string;
  #staged: { position: BrokerPosition; inputs: ReadonlySet<string> } | undefined;

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
    return this.inner.open();
  }
  read(ns: StateNamespace): Promise<ReadonlyMap<string, JsonValue>> {
    return this.inner.read(ns);
  }
  get(ns: StateNamespace, key: string): Promise<JsonValue | undefined> {
    return this.inner.get(ns, key);
  }
  outbox(): Promise<readonly OutboxEntry[]> {
    return this.inner.outbox();
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  write(batch: StateWrite): Promise<void> {
    const staged = this.#staged;
    if (!staged) return this.inner.write(batch);
    this.#staged = undefined;
    const skip = new Set([...staged.inputs].map((name) => JSON.stringify([this.stream, name])));
    const put = (batch.put ?? []).filter((p) => !(p.ns === 'sources' && skip.has(p.key)));
    put.push({
      ns: 'sources',
      key: brokerKey(this.stream),
      value: { position: staged.position.position, records: staged.position.records },
    });
    return this.inner.write({ ...batch, put });
  }
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
