import {
  type JsonValue,
  memoryStateStore,
  type StateNamespace,
  type StateStore,
  type StateWrite,
} from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { describe, expect, it } from 'vitest';
import { PositionedStore } from '../src/position.js';
import { PartitionRuntime } from '../src/runtime.js';
import type { BatchOutcome, SourceRecord } from '../src/types.js';
import { fleetRecords } from './conformance.js';

/** A memory store that counts its reads and can be told to fail the next write. */
function countingStore(): StateStore & { reads: number; failNext: boolean } {
  const inner = memoryStateStore();
  const store = {
    kind: 'counting',
    reads: 0,
    failNext: false,
    open: () => inner.open(),
    read: (ns: StateNamespace) => {
      store.reads++;
      return inner.read(ns);
    },
    get: (ns: StateNamespace, key: string) => inner.get(ns, key),
    outbox: () => inner.outbox(),
    close: () => inner.close(),
    async write(batch: StateWrite) {
      if (store.failNext) {
        store.failNext = false;
        throw new Error('disk full');
      }
      return inner.write(batch);
    },
  };
  return store;
}

const entries = async (s: StateStore, ns: StateNamespace) => [...(await s.read(ns))];

describe('PositionedStore keeps the records in memory while the partition is owned', () => {
  it('reads a namespace from the store once; later reads see the writes, in key order', async () => {
    const inner = countingStore();
    await inner.open();
    await inner.write({ put: [{ ns: 'groups', key: 'b', value: { n: 1 } }] });
    const store = new PositionedStore(inner, '0');
    await store.open();
    expect(await entries(store, 'groups')).toEqual([['b', { n: 1 }]]);
    await store.write({
      put: [
        { ns: 'groups', key: 'c', value: { n: 3 } },
        { ns: 'groups', key: 'a', value: { n: 0 } },
      ],
    });
    await store.write({ delete: [{ ns: 'groups', key: 'b' }], put: [{ ns: 'groups', key: 'c', value: { n: 4 } }] });
    expect(await entries(store, 'groups')).toEqual([
      ['a', { n: 0 }],
      ['c', { n: 4 }],
    ]);
    expect(await store.get('groups', 'c')).toEqual({ n: 4 });
    expect(inner.reads).toBe(1);
    // What memory answers is what the store holds.
    expect(await entries(inner, 'groups')).toEqual(await entries(store, 'groups'));
  });

  it('a failed write changes neither the store nor the memory', async () => {
    const inner = countingStore();
    const store = new PositionedStore(inner, '0');
    await store.open();
    await store.write({ put: [{ ns: 'meta', key: 'm', value: { v: 1 } }] });
    expect(await entries(store, 'meta')).toEqual([['m', { v: 1 }]]);
    inner.failNext = true;
    await expect(
      store.write({ put: [{ ns: 'meta', key: 'm', value: { v: 2 } }], delete: [{ ns: 'meta', key: 'm' }] }),
    ).rejects.toThrow('disk full');
    expect(await entries(store, 'meta')).toEqual([['m', { v: 1 }]]);
    expect(await entries(inner, 'meta')).toEqual([['m', { v: 1 }]]);
  });

  it('hands out frozen copies: a caller changing what it wrote or read changes nothing kept', async () => {
    const store = new PositionedStore(memoryStateStore(), '0');
    await store.open();
    await store.read('alerts');
    const value = { list: [1, 2], nested: { a: 'x' } };
    await store.write({ put: [{ ns: 'alerts', key: 'k', value }] });
    value.list.push(3);
    value.nested.a = 'y';
    const read = (await store.read('alerts')).get('k') as { list: number[] };
    expect(read).toEqual({ list: [1, 2], nested: { a: 'x' } });
    expect(() => read.list.push(4)).toThrow(TypeError);
  });

  it('opened again, it reads what the store holds then (another consumer wrote meanwhile)', async () => {
    const inner = countingStore();
    const store = new PositionedStore(inner, '0');
    await store.open();
    await store.write({ put: [{ ns: 'sources', key: 'p', value: 1 }] });
    expect(await entries(store, 'sources')).toEqual([['p', 1]]);
    await store.close();
    // The partition moved: another consumer's store over the same records wrote.
    const other = new PositionedStore(inner, '0');
    await other.open();
    await other.write({ put: [{ ns: 'sources', key: 'p', value: 2 as JsonValue }] });
    await other.close();
    await store.open();
    expect(await entries(store, 'sources')).toEqual([['p', 2]]);
  });
});

describe('PartitionRuntime with state kept in memory between batches', () => {
  const NOW = () => new Date('2026-01-01T00:00:00.000Z');
  const rows = fleetRecords().map((r) => String(r.body));
  const records = (bodies: readonly string[], from: number): SourceRecord[] =>
    bodies.map((body, i) => ({ partition: '0', position: String(from + i), body }));
  const signal = new AbortController().signal;
  const make = (store: StateStore) => {
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
      },
      'memory',
    );
    return { rt, outcomes };
  };
  const third = Math.floor(rows.length / 3);

  it('reads the store once per acquisition, and a partition taken back reloads what the other consumer committed', async () => {
    const inner = countingStore();
    const a = make(inner);
    await a.rt.open({ partition: '0', signal });
    await a.rt.batch('0', records(rows.slice(0, third), 1));
    const afterFirst = inner.reads;
    await a.rt.batch('0', records(rows.slice(third, third + 5), third + 1));
    expect(inner.reads).toBe(afterFirst);
    // Revoked; consumer b commits the next records; a gets the partition back.
    await a.rt.close('0', 'revoked');
    const b = make(inner);
    expect(await b.rt.open({ partition: '0', signal })).toEqual({ committed: String(third + 5) });
    await b.rt.batch('0', records(rows.slice(third + 5, 2 * third), third + 6));
    await b.rt.close('0', 'revoked');
    expect(await a.rt.open({ partition: '0', signal })).toEqual({ committed: String(2 * third) });
    await a.rt.batch('0', records(rows.slice(2 * third), 2 * third + 1));

    // The same rows through one store, never moved.
    const ref = make(memoryStateStore());
    await ref.rt.open({ partition: '0', signal });
    await ref.rt.batch('0', records(rows.slice(0, third), 1));
    await ref.rt.batch('0', records(rows.slice(third, third + 5), third + 1));
    await ref.rt.batch('0', records(rows.slice(third + 5, 2 * third), third + 6));
    await ref.rt.batch('0', records(rows.slice(2 * third), 2 * third + 1));
    const last = (o: BatchOutcome[]) => o[o.length - 1]!;
    expect(JSON.stringify(last(a.outcomes).result.alerts)).toBe(JSON.stringify(last(ref.outcomes).result.alerts));
    expect(last(a.outcomes).result.summary).toEqual(last(ref.outcomes).result.summary);
    expect(last(a.outcomes).changes).toEqual(last(ref.outcomes).changes);
  });

  it('after a failed commit, the partition opened again goes on from the store as if the batch never was', async () => {
    const inner = countingStore();
    const a = make(inner);
    await a.rt.open({ partition: '0', signal });
    await a.rt.batch('0', records(rows.slice(0, third), 1));
    inner.failNext = true;
    await expect(a.rt.batch('0', records(rows.slice(third, 2 * third), third + 1))).rejects.toThrow('disk full');
    await a.rt.close('0', 'error');
    expect(await a.rt.open({ partition: '0', signal })).toEqual({ committed: String(third) });
    await a.rt.batch('0', records(rows.slice(third), third + 1));

    const ref = make(memoryStateStore());
    await ref.rt.open({ partition: '0', signal });
    await ref.rt.batch('0', records(rows.slice(0, third), 1));
    await ref.rt.batch('0', records(rows.slice(third), third + 1));
    const last = (o: BatchOutcome[]) => o[o.length - 1]!;
    expect(JSON.stringify(last(a.outcomes).result.alerts)).toBe(JSON.stringify(last(ref.outcomes).result.alerts));
    expect(last(a.outcomes).changes).toEqual(last(ref.outcomes).changes);
  });
});
