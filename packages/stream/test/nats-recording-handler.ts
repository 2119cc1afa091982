/**
 * A partition handler for adapter tests without the runtime: a shared in-memory "state" per partition
 * (the committed position and the bodies committed, in order), the runtime's position check (records at
 * or before the committed position are dropped), and a log of every call. It also records when two
 * handlers had one partition open at once, which the lease protocol must prevent.
 */
import type { PartitionClaim, PartitionHandler, SourceRecord } from '../src/types.js';

export interface SharedState {
  /** Per partition: the committed position and the bodies committed, in broker order. */
  readonly partitions: Map<string, { committed?: string; bodies: string[]; positions: string[] }>;
  /** Partition → the handler that has it open now. */
  readonly openBy: Map<string, string>;
  /** "<partition>: <a> and <b>" for every overlap seen. */
  readonly overlaps: string[];
  /** Records dropped as redeliveries. */
  redelivered: number;
}

export const sharedState = (): SharedState => ({
  partitions: new Map(),
  openBy: new Map(),
  overlaps: [],
  redelivered: 0,
});

const decoder = new TextDecoder();
export const bodyText = (record: SourceRecord) =>
  typeof record.body === 'string' ? record.body : decoder.decode(record.body);

export interface RecordingHandler extends PartitionHandler {
  readonly name: string;
  readonly calls: string[];
  /** Every record given to `batch` (before the position check). */
  readonly seen: SourceRecord[];
  /** Makes the next `batch` calls reject (a failing analysis) while it returns true. */
  failWhen?: (partition: string, records: readonly SourceRecord[]) => boolean;
  /** Runs after the commit, before `batch` resolves. */
  afterCommit?: (partition: string, records: readonly SourceRecord[]) => Promise<void> | void;
}

export function recordingHandler(name: string, state: SharedState): RecordingHandler {
  const handler: RecordingHandler = {
    name,
    calls: [],
    seen: [],
    async open(claim: PartitionClaim) {
      const { partition } = claim;
      handler.calls.push(`open ${partition}`);
      const other = state.openBy.get(partition);
      if (other !== undefined && other !== name) state.overlaps.push(`${partition}: ${other} and ${name}`);
      state.openBy.set(partition, name);
      const entry = state.partitions.get(partition);
      return entry?.committed === undefined ? {} : { committed: entry.committed };
    },
    async batch(partition, records) {
      handler.calls.push(`batch ${partition} ${records.length}`);
      handler.seen.push(...records);
      if (handler.failWhen?.(partition, records)) throw new Error(`${name}: batch of ${partition} failed`);
      let entry = state.partitions.get(partition);
      if (!entry) {
        entry = { bodies: [], positions: [] };
        state.partitions.set(partition, entry);
      }
      for (const record of records) {
        if (record.partition !== partition) throw new Error(`record of ${record.partition} in a batch of ${partition}`);
        if (entry.committed !== undefined && BigInt(record.position) <= BigInt(entry.committed)) {
          state.redelivered++;
          continue;
        }
        entry.bodies.push(bodyText(record));
        entry.positions.push(record.position);
        entry.committed = record.position;
      }
      await handler.afterCommit?.(partition, records);
    },
    async close(partition, reason) {
      handler.calls.push(`close ${partition} ${reason}`);
      if (state.openBy.get(partition) === name) state.openBy.delete(partition);
    },
  };
  return handler;
}

/** Every body committed, over all partitions, sorted (to compare with what was published). */
export function committedBodies(state: SharedState): string[] {
  return [...state.partitions.values()].flatMap((p) => p.bodies).sort();
}

/** Waits until `done()` holds, polling; fails after `timeoutMs` with `what`. */
export async function until(
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
