/**
 * Waiting in a conformance scenario, and saying why it is stuck: a wait ends with an error when the
 * scenario's deadline passes or when nothing was committed for `stallMs` — and the error says which
 * partitions nobody owned, which consumer holds what, how far each partition got and which record is
 * the first one missing, with what the adapter reported meanwhile. A stuck scenario fails with that
 * message long before the test's own timeout, instead of hanging into it.
 */
import { partitionOf } from '../src/partition.js';
import type { OutgoingRecord } from '../src/types.js';

/** What the progress report reads from the fleet of a scenario. */
export interface FleetView {
  readonly outcomes: readonly { partition: string; to: string; records: number; redelivered: number }[];
  /** The running consumers (not stopped, not killed). */
  readonly live: ReadonlySet<string>;
  /** Per consumer, the partitions its runtime had open at its last metrics report. */
  openedBy(consumer: string): readonly string[];
  committed(): number;
}

/** What the adapter can add: the partitions a consumer holds at the broker, the errors it reported. */
export interface AdapterView {
  owned?(consumer: string): readonly string[];
  errors?(): readonly string[];
}

/** The state of a scenario, in a few lines. */
export function describeProgress(
  fleet: FleetView,
  adapter: AdapterView,
  records: readonly OutgoingRecord[],
  partitions: number,
): string {
  const lines: string[] = [];
  const opened = new Set<string>();
  for (const consumer of [...fleet.live].sort()) {
    const open = fleet.openedBy(consumer);
    for (const p of open) opened.add(p);
    const held = adapter.owned ? ` (broker: holds ${list(adapter.owned(consumer))})` : '';
    lines.push(`consumer ${consumer}: partitions open ${list(open)}${held}`);
  }
  const all = Array.from({ length: partitions }, (_, i) => String(i));
  const unowned = all.filter((p) => !opened.has(p));
  lines.push(`partitions no running consumer has open: ${unowned.length === 0 ? 'none' : unowned.join(', ')}`);
  const expected = new Map<string, OutgoingRecord[]>();
  for (const r of records) {
    const p = String(partitionOf(r.key, partitions));
    expected.set(p, [...(expected.get(p) ?? []), r]);
  }
  for (const p of all) {
    const mine = fleet.outcomes.filter((o) => o.partition === p);
    const done = mine.reduce((n, o) => n + o.records - o.redelivered, 0);
    const want = expected.get(p) ?? [];
    const last = mine.length === 0 ? 'none' : mine[mine.length - 1]!.to;
    const missing = want[done];
    const first = missing ? `; first missing: record ${done + 1} of the partition (key ${missing.key})` : '';
    lines.push(`partition ${p}: ${done} of ${want.length} records committed, last committed position ${last}${first}`);
  }
  const errors = adapter.errors?.() ?? [];
  if (errors.length > 0) lines.push(`adapter errors (last ${errors.length}):`, ...errors.map((e) => `  ${e}`));
  return lines.join('\n');
}

const list = (items: readonly string[]) => `[${[...items].sort((a, b) => Number(a) - Number(b)).join(',')}]`;

/**
 * Wait until `done()`. Fails when `deadline` (epoch ms) passes, or when `fleet.committed()` did not move
 * for `stallMs` while waiting, with {@link describeProgress} in the message.
 */
export async function waitFor(
  done: () => boolean,
  what: string,
  options: {
    readonly fleet: FleetView;
    readonly adapter: AdapterView;
    readonly records: readonly OutgoingRecord[];
    readonly partitions: number;
    readonly deadline: number;
    readonly stallMs: number;
  },
): Promise<void> {
  let seen = options.fleet.committed();
  let movedAt = Date.now();
  while (!done()) {
    const t = Date.now();
    const committed = options.fleet.committed();
    if (committed !== seen) {
      seen = committed;
      movedAt = t;
    }
    const why =
      t > options.deadline
        ? 'the scenario deadline passed'
        : t - movedAt > options.stallMs
          ? `nothing was committed for ${Math.round((t - movedAt) / 1000)} s`
          : undefined;
    if (why) {
      throw new Error(
        `conformance: stuck waiting for ${what} (${why}; ${committed} of ${options.records.length} records committed)\n` +
          describeProgress(options.fleet, options.adapter, options.records, options.partitions),
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The waits of one scenario: they share a deadline 20 s before the test's timeout; a wait fails when
 * nothing was committed for `stallMs` (default 120 s: far beyond a lease TTL plus an ack wait).
 */
export function scenarioWaits(options: {
  readonly fleet: FleetView;
  readonly adapter: AdapterView;
  readonly records: readonly OutgoingRecord[];
  readonly partitions: number;
  readonly timeoutMs: number;
  readonly stallMs?: number | undefined;
}) {
  const waits = {
    fleet: options.fleet,
    adapter: options.adapter,
    records: options.records,
    partitions: options.partitions,
    deadline: Date.now() + options.timeoutMs - 20_000,
    stallMs: options.stallMs ?? 120_000,
  };
  return {
    wait: (done: () => boolean, what: string) => waitFor(done, what, waits),
    /** `step` settled (what it resolves or rejects with), or the scenario fails saying where it is stuck. */
    settle: async <T>(step: Promise<T>, what: string): Promise<T> => {
      let settled = false;
      const watched = step.finally(() => {
        settled = true;
      });
      await Promise.race([watched, waitFor(() => settled, what, { ...waits, stallMs: Number.POSITIVE_INFINITY })]);
      return watched;
    },
  };
}

/**
 * After a scenario, passed or failed: stop what still runs and remove the topic, giving up after 15 s
 * (within the 20 s between a scenario's deadline and the test's timeout), so that a consumer that does
 * not stop cannot turn a scenario's failure message into a test timeout.
 */
export async function cleanUp(fleet: { stopAll(): Promise<void> }, topic: { dispose(): Promise<void> }): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 15_000);
  });
  await Promise.race([
    (async () => {
      await fleet.stopAll().catch(() => undefined);
      await topic.dispose();
    })(),
    limit,
  ]);
  clearTimeout(timer);
}
