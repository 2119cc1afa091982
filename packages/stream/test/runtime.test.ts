import { memoryStateStore, type StateStore, type StateWrite } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { describe, expect, it } from 'vitest';
import { memoryBroker } from '../src/memory.js';
import { openMetrics } from '../src/metrics.js';
import { brokerKey, readPosition } from '../src/position.js';
import { PartitionRuntime, runPartitioned } from '../src/runtime.js';
import type { BatchOutcome, RunPartitionedOptions, SourceRecord } from '../src/types.js';
import { fleetRecords, until } from './conformance.js';

const NOW = () => new Date('2026-01-01T00:00:00.000Z');
const rows = fleetRecords().map((r) => String(r.body));

/** A store that records its writes and can be told to fail the next one. */
function spyStore(): StateStore & { writes: StateWrite[]; failNext: boolean } {
  const inner = memoryStateStore();
  const spy = {
    kind: 'spy',
    writes: [] as StateWrite[],
    failNext: false,
    open: () => inner.open(),
    read: (ns: Parameters<StateStore['read']>[0]) => inner.read(ns),
    get: (ns: Parameters<StateStore['get']>[0], key: string) => inner.get(ns, key),
    outbox: () => inner.outbox(),
    close: async () => undefined,
    async write(batch: StateWrite) {
      if (spy.failNext) {
        spy.failNext = false;
        throw new Error('disk full');
      }
      spy.writes.push(batch);
      return inner.write(batch);
    },
  };
  return spy;
}

function records(partition: string, bodies: readonly string[], from = 1): SourceRecord[] {
  return bodies.map((body, i) => ({ partition, position: String(from + i), body }));
}

function runtime(store: StateStore, extra: Partial<RunPartitionedOptions> = {}) {
  const outcomes: BatchOutcome[] = [];
  const rt = new PartitionRuntime(
    {
      source: { kind: 'memory', run: async () => undefined },
      detectors: defenderDetectors,
      state: () => store,
      analyzer: { now: NOW },
      onBatch: (o) => {
        outcomes.push(o);
      },
      ...extra,
    },
    'memory',
  );
  return { rt, outcomes };
}

const signal = new AbortController().signal;

describe('PartitionRuntime', () => {
  it('writes the broker position in the same store write as the batch state, without per-record positions', async () => {
    const store = spyStore();
    const { rt, outcomes } = runtime(store);
    expect(await rt.open({ partition: '3', signal })).toEqual({});
    await rt.batch('3', records('3', rows.slice(0, 10)));
    const commits = store.writes.filter((w) => (w.put ?? []).some((p) => p.ns === 'meta'));
    expect(commits).toHaveLength(1);
    const sources = (commits[0]!.put ?? []).filter((p) => p.ns === 'sources');
    expect(sources).toEqual([{ ns: 'sources', key: brokerKey('3'), value: { position: '10', records: 10 } }]);
    expect(outcomes[0]).toMatchObject({ partition: '3', from: '1', to: '10', records: 10, redelivered: 0 });
    expect(outcomes[0]!.result.inputs.map((i) => i.source)).toContain('memory:3@7');
    expect(await readPosition(store, '3')).toEqual({ position: '10', records: 10 });
    // Opened again (another consumer, a restart): the committed position, and redeliveries dropped.
    const again = runtime(store);
    expect(await again.rt.open({ partition: '3', signal })).toEqual({ committed: '10' });
    await again.rt.batch('3', records('3', rows.slice(5, 12), 6));
    expect(again.outcomes[0]).toMatchObject({ from: '11', to: '12', records: 7, redelivered: 5 });
    expect(again.rt.metrics.snapshot()).toMatchObject({ redelivered: 5, batches: 1, rows: 2 });
    expect(again.outcomes[0]!.result.summary.eventsRead).toBe(12);
  });

  it('rejects a body that is not a row with its source and position; nothing lost', async () => {
    const store = spyStore();
    const { rt, outcomes } = runtime(store);
    await rt.open({ partition: '0', signal });
    await rt.batch('0', [
      { partition: '0', position: '4', body: rows[0]! },
      { partition: '0', position: '5', body: 'garbage\u001b[31m' },
      { partition: '0', position: '6', body: new TextEncoder().encode(`{"records":[${rows[1]},${rows[2]}]}`) },
    ]);
    const r = outcomes[0]!.result;
    expect(r.rejected).toEqual([expect.objectContaining({ source: 'memory:0@5', line: 1, code: 'not-a-row' })]);
    expect(r.summary).toMatchObject({ eventsRead: 4, eventsAnalyzed: 3, eventsRejected: 1 });
    expect(rt.metrics.snapshot().rows).toBe(4);
  });

  it('a batch whose commit fails leaves the state unchanged and rejects; the partition stops', async () => {
    const store = spyStore();
    const { rt, outcomes } = runtime(store);
    await rt.open({ partition: '0', signal });
    await rt.batch('0', records('0', rows.slice(0, 3)));
    const before = store.writes.length;
    store.failNext = true;
    await expect(rt.batch('0', records('0', rows.slice(3, 6), 4))).rejects.toThrow('disk full');
    expect(store.writes.length).toBe(before);
    expect(await readPosition(store, '0')).toEqual({ position: '3', records: 3 });
    expect(outcomes).toHaveLength(1);
    await expect(rt.batch('0', records('0', rows.slice(3, 6), 4))).rejects.toThrow(/opened again/);
    await rt.close('0', 'error');
    await rt.open({ partition: '0', signal });
    await rt.batch('0', records('0', rows.slice(3, 6), 4));
    expect(outcomes[1]).toMatchObject({ from: '4', to: '6', redelivered: 0 });
  });

  it('refuses records of another partition and positions that go back', async () => {
    const { rt } = runtime(spyStore());
    await rt.open({ partition: '0', signal });
    await expect(rt.batch('1', records('1', rows.slice(0, 1)))).rejects.toThrow(/not opened/);
    await expect(rt.batch('0', records('1', rows.slice(0, 1)))).rejects.toThrow(/partition 1 in a batch/);
    await rt.open({ partition: '0', signal });
    await expect(
      rt.batch('0', [
        { partition: '0', position: '2', body: rows[0]! },
        { partition: '0', position: '2', body: rows[1]! },
      ]),
    ).rejects.toThrow(/not increasing/);
    await rt.open({ partition: '0', signal });
    await expect(rt.batch('0', [{ partition: '0', position: '-1', body: rows[0]! }])).rejects.toThrow(/position/);
  });

  it('delivers the outbox after the commit and at open, counting notifications', async () => {
    const store = spyStore();
    const sent: string[] = [];
    let fail = true;
    const { rt } = runtime(store, {
      notify: (entry) => {
        if (fail) throw new Error('webhook down');
        sent.push(entry.key);
      },
    });
    await rt.open({ partition: '0', signal });
    await expect(rt.batch('0', records('0', rows))).rejects.toThrow('webhook down');
    // Committed all the same; the notifications wait in the outbox.
    expect((await store.outbox()).length).toBeGreaterThan(0);
    fail = false;
    await rt.open({ partition: '0', signal });
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((k) => k.startsWith('0/'))).toBe(true);
    expect(await store.outbox()).toEqual([]);
    expect(rt.metrics.snapshot().notifications).toBe(sent.length);
  });
});

describe('runPartitioned over the memory broker', () => {
  it('runs until the signal aborts, reports metrics and lag, and closes the stores', async () => {
    const broker = memoryBroker({ partitions: 2, batchSize: 50 });
    await broker.sink().publish(fleetRecords());
    const stores = new Map([
      ['0', memoryStateStore()],
      ['1', memoryStateStore()],
    ]);
    const controller = new AbortController();
    const seen: number[] = [];
    const done = runPartitioned({
      source: broker.source({ consumer: 'a' }),
      detectors: defenderDetectors,
      state: (p) => stores.get(p)!,
      analyzer: { now: NOW },
      onMetrics: (m) => seen.push(m.rows),
      metricsIntervalMs: 10,
      signal: controller.signal,
    });
    await broker.drained(120_000);
    controller.abort();
    const m = await done;
    expect(m.rows).toBe(rows.length);
    expect(m.batches).toBeGreaterThanOrEqual(2);
    // The partitions are closed; their alerts stay counted as of their last commit.
    expect(m.partitions.size).toBe(0);
    let records = 0;
    for (const st of stores.values()) {
      await st.open();
      records += (await st.read('alerts')).size;
    }
    expect(m.alerts).toBe(records);
    expect(m.alerts).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe(rows.length);
    const text = openMetrics({ ...m, partitions: new Map([['0', { lag: 3, committed: '12' }]]) }, 'mem"ory');
    expect(text).toContain(`tripline_stream_rows_total{source="mem\\"ory"} ${rows.length}\n`);
    expect(text).toContain('tripline_stream_partition_lag{source="mem\\"ory",partition="0"} 3\n');
    expect(text).toContain('tripline_stream_partition_committed{source="mem\\"ory",partition="0"} 12\n');
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it('ends with the error of an onMetrics that throws (no unhandled rejection from the timer)', async () => {
    const broker = memoryBroker({ partitions: 1 });
    const controller = new AbortController();
    let calls = 0;
    const done = runPartitioned({
      source: broker.source({ consumer: 'a' }),
      detectors: defenderDetectors,
      state: () => memoryStateStore(),
      onMetrics: () => {
        calls++;
        throw new Error('metrics sink down');
      },
      metricsIntervalMs: 5,
      signal: controller.signal,
    });
    await until(() => calls > 0, 60_000, 'a metrics call');
    controller.abort();
    await expect(done).rejects.toThrow('metrics sink down');
  });
});

describe('memoryBroker', () => {
  it('deals partitions to the consumers of the group and moves them when one joins or leaves', async () => {
    const broker = memoryBroker({ partitions: 4 });
    const opened: string[] = [];
    const handler = (name: string) => ({
      open: async ({ partition }: { partition: string }) => {
        opened.push(`${name}+${partition}`);
        return {};
      },
      batch: async () => undefined,
      close: async (partition: string, reason: string) => {
        opened.push(`${name}-${partition}:${reason}`);
      },
    });
    const a = new AbortController();
    const b = new AbortController();
    const runA = broker.source({ consumer: 'a' }).run(handler('a'), a.signal);
    await new Promise((r) => setTimeout(r, 20));
    expect(broker.assignment()).toEqual(new Map([['a', ['0', '1', '2', '3']]]));
    const runB = broker.source({ consumer: 'b' }).run(handler('b'), b.signal);
    await new Promise((r) => setTimeout(r, 20));
    expect(broker.assignment()).toEqual(
      new Map([
        ['a', ['0', '2']],
        ['b', ['1', '3']],
      ]),
    );
    // Revoked before the new owner opened it.
    expect(opened.indexOf('a-1:revoked')).toBeLessThan(opened.indexOf('b+1'));
    await broker.kill('a');
    await runA;
    expect(broker.assignment()).toEqual(new Map([['b', ['1', '3', '0', '2']]]));
    expect(opened.filter((e) => e.startsWith('a-'))).toEqual(['a-1:revoked', 'a-3:revoked']);
    b.abort();
    await runB;
    expect(opened.filter((e) => e.startsWith('b-')).sort()).toEqual([
      'b-0:shutdown',
      'b-1:shutdown',
      'b-2:shutdown',
      'b-3:shutdown',
    ]);
  });
});
