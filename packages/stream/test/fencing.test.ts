/**
 * A consumer that lost its partition and still commits (a batch slower than the lease TTL, a process
 * paused): the runtime commits a batch only when the position in the state is still the one this
 * consumer committed or opened at, so a stale owner cannot write over its successor's commits.
 */
import { memoryStateStore, type StateStore } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { describe, expect, it } from 'vitest';
import { readPosition } from '../src/position.js';
import { PartitionRuntime } from '../src/runtime.js';
import type { BatchOutcome, SourceRecord } from '../src/types.js';
import { fleetRecords } from './conformance.js';

const NOW = () => new Date('2026-01-01T00:00:00.000Z');
const rows = fleetRecords().map((r) => String(r.body));

function records(bodies: readonly string[], from: number): SourceRecord[] {
  return bodies.map((body, i) => ({ partition: '0', position: String(from + i), body }));
}

/** One consumer process: its runtime, on the store every consumer of the partition opens. */
function consumer(shared: StateStore) {
  const outcomes: BatchOutcome[] = [];
  const rt = new PartitionRuntime(
    {
      source: { kind: 'memory', run: async () => undefined },
      detectors: defenderDetectors,
      state: () => ({
        kind: shared.kind,
        open: () => shared.open(),
        read: (ns) => shared.read(ns),
        get: (ns, key) => shared.get(ns, key),
        write: (batch) => shared.write(batch),
        outbox: () => shared.outbox(),
        close: async () => undefined,
      }),
      analyzer: { now: NOW },
      onBatch: (o) => {
        outcomes.push(o);
      },
    },
    'memory',
  );
  return { rt, outcomes };
}

describe('a stale owner cannot commit over its successor', () => {
  it('refuses the batch of a consumer whose position in the state moved under it, and writes nothing', async () => {
    const shared = memoryStateStore();
    const signal = new AbortController().signal;
    const old = consumer(shared);
    await old.rt.open({ partition: '0', signal });
    await old.rt.batch('0', records(rows.slice(0, 5), 1));
    // The lease moved (the old owner paused longer than the TTL): the successor opens at 5 and commits.
    const next = consumer(shared);
    expect(await next.rt.open({ partition: '0', signal })).toEqual({ committed: '5' });
    await next.rt.batch('0', records(rows.slice(5, 10), 6));
    // The old owner wakes up with the batch it had read: the same records, already committed.
    await expect(old.rt.batch('0', records(rows.slice(5, 10), 6))).rejects.toThrow(
      /partition 0 was committed by another consumer \(position 10; this consumer's is 5\)/,
    );
    expect(old.outcomes.map((o) => o.to)).toEqual(['5']);
    expect((await readPosition(shared, '0'))?.position).toBe('10');
    // The successor goes on as if nothing happened.
    await next.rt.batch('0', records(rows.slice(10, 12), 11));
    expect(next.outcomes.map((o) => [o.from, o.to])).toEqual([
      ['6', '10'],
      ['11', '12'],
    ]);
  });
});
