/**
 * The conformance suite of `StateStore`: one set of tests that every store passes (the memory store of
 * core, the JSON-file and SQLite stores of this package). A store is described by a {@link StoreKit}:
 * how to make a fresh one and, for the stores that keep state on disk, how to open the same location
 * again, damage it, make it look written by another schema, and make its next write fail part-way.
 */
import {
  isTriplineError,
  type JsonValue,
  type OutboxEntry,
  STATE_NAMESPACES,
  STATE_SCHEMA_VERSION,
  type StateStore,
  type StateWrite,
} from '@tripline/core';
import { describe, expect, it } from 'vitest';

/** One location (a file, or memory) and what can be done with it. */
export interface StoreSubject {
  readonly store: StateStore;
  /** Another store on the same location (file stores): what a restarted bot opens. */
  readonly reopen?: () => StateStore;
  /** A store on the same location whose next write fails at its `step`-th step (1, 2, …), part-way. */
  readonly failing?: (step: number) => StateStore;
  /** How many steps `failing` can fail at (a write of {@link FAIL_WRITE}). */
  readonly failSteps?: number;
  /** Damage the stored state (the store is closed). */
  readonly damage?: () => Promise<void>;
  /** Mark the stored state as written by this schema version (the store is closed). */
  readonly setSchema?: (version: number) => Promise<void>;
  /** Remove what the subject created. */
  readonly cleanup?: () => Promise<void>;
}

export interface StoreKit {
  readonly name: string;
  /** A new subject on a fresh location (nothing stored yet). */
  fresh(): Promise<StoreSubject>;
  /**
   * What a second store opening the same location while the first is open does: `refused`
   * (`state-locked`, the JSON file), `shared` (SQLite: both write, SQLite serialises), `separate` (memory:
   * every store is its own).
   */
  readonly concurrency: 'refused' | 'shared' | 'separate';
}

/** A write with a bit of everything, used where a write must fail part-way. */
export const FAIL_WRITE: StateWrite = {
  replace: ['dedupe'],
  delete: [{ ns: 'groups', key: 'g-old' }],
  put: [
    { ns: 'groups', key: 'g-new', value: { count: 2 } },
    { ns: 'alerts', key: 'a1', value: { revision: 2, status: 'open' } },
    { ns: 'dedupe', key: 'd2', value: 2 },
  ],
  delivered: ['a0:1'],
  outbox: [{ key: 'a1:2', payload: { kind: 'updated' }, queuedAt: '2024-10-09T11:00:00.000Z' }],
};

const T0 = '2024-10-09T10:00:00.000Z';

/** What a store holds, all of it, for before/after comparisons. */
export async function snapshot(
  store: StateStore,
): Promise<{ ns: Record<string, [string, JsonValue][]>; outbox: readonly OutboxEntry[] }> {
  const ns: Record<string, [string, JsonValue][]> = {};
  for (const n of STATE_NAMESPACES) ns[n] = [...(await store.read(n))];
  return { ns, outbox: await store.outbox() };
}

async function seeded(store: StateStore): Promise<void> {
  await store.write({
    put: [
      { ns: 'groups', key: 'g-old', value: { count: 1 } },
      { ns: 'dedupe', key: 'd1', value: 1 },
      { ns: 'alerts', key: 'a1', value: { revision: 1, status: 'open' } },
    ],
    outbox: [{ key: 'a0:1', payload: { kind: 'new' }, queuedAt: T0 }],
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** The suite, for one kind of store. */
export function conformance(kit: StoreKit): void {
  const withSubject = (body: (s: StoreSubject) => Promise<void>) => async () => {
    const s = await kit.fresh();
    try {
      await body(s);
    } finally {
      await s.store.close().catch(() => undefined);
      await s.cleanup?.();
    }
  };

  describe(`StateStore conformance: ${kit.name}`, () => {
    it(
      'opens empty, refuses calls before open, and reads what it wrote',
      withSubject(async ({ store }) => {
        await expect(store.read('groups')).rejects.toSatisfy((e) => isTriplineError(e, 'option-invalid'));
        await store.open();
        await store.open(); // a second open of an open store changes nothing
        for (const ns of STATE_NAMESPACES) expect((await store.read(ns)).size).toBe(0);
        expect(await store.outbox()).toEqual([]);
        expect(await store.get('alerts', 'nope')).toBeUndefined();
        await store.write({ put: [{ ns: 'alerts', key: 'a', value: { revision: 1 } }] });
        expect(await store.get('alerts', 'a')).toEqual({ revision: 1 });
        expect(await store.get('groups', 'a')).toBeUndefined(); // namespaces are separate
        expect(typeof store.kind).toBe('string');
      }),
    );

    it(
      'reads a namespace in code-unit order of its keys, whatever the write order',
      withSubject(async ({ store }) => {
        await store.open();
        // U+10000 is \uD800\uDC00 in UTF-16: before U+FFFF in code units, after it in UTF-8 bytes.
        const keys = ['b', 'a', 'B', '', '\uFFFF', '\u{10000}', 'a\u0000b', 'é', '10', '9', 'a/b'];
        await store.write({ put: keys.map((key, i) => ({ ns: 'groups' as const, key, value: i })) });
        const read = await store.read('groups');
        expect([...read.keys()]).toEqual([...keys].sort());
        expect(read.get('\u{10000}')).toBe(5);
      }),
    );

    it(
      'round-trips values exactly: unicode, large strings, nesting, numbers, 64-bit integers as strings',
      withSubject(async ({ store }) => {
        await store.open();
        const values: Record<string, JsonValue> = {
          unicode: 'Zürich — 東京 — 😀 — \u202E‮rtl — \u0000nul — "quotes" \\ back',
          lone: 'a\uD800b\uDC00c',
          large: 'x'.repeat(2_000_000),
          nested: { a: [1, [2, [3, { b: null, c: true, d: false }]]], e: {}, f: [] },
          numbers: [0, -1, 1.5, 1e21, 5e-324, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 60],
          big: { DeviceId: 'e5d1', ReportId: '639199803770463703', InitiatingProcessId: '18446744073709551615' },
          protoKey: JSON.parse('{"__proto__":{"x":1},"constructor":"c"}') as JsonValue,
          scalarString: '',
          scalarNull: null,
          scalarNumber: 42,
          scalarBool: false,
        };
        await store.write({
          put: Object.entries(values).map(([key, value]) => ({ ns: 'groups' as const, key, value })),
        });
        for (const [key, value] of Object.entries(values)) {
          const got = await store.get('groups', key);
          expect(JSON.stringify(got), key).toBe(JSON.stringify(value));
          expect(got).toEqual(value);
        }
        const all = await store.read('groups');
        expect(JSON.stringify(all.get('big'))).toBe(JSON.stringify(values.big));
        expect(Object.getPrototypeOf(all.get('protoKey'))).toBe(Object.prototype);
      }),
    );

    it(
      'keeps keys that are not well-formed UTF-16, or hold a NUL, apart from their neighbours',
      withSubject(async ({ store }) => {
        await store.open();
        const keys = ['a\uD800b', 'a\uDC00b', 'a\uFFFDb', '"a\\ud800b"', 'a\u0000b', 'a', '"a\\u0000b"'];
        await store.write({ put: keys.map((key, i) => ({ ns: 'alerts' as const, key, value: i })) });
        for (const [i, key] of keys.entries()) expect(await store.get('alerts', key)).toBe(i);
        expect([...(await store.read('alerts')).keys()]).toEqual([...keys].sort());
        await store.write({
          outbox: [
            { key: 'x\uD800:1', payload: 1, queuedAt: T0 },
            { key: 'x\u0000y:1', payload: 2, queuedAt: T0 },
            { key: 'x:1', payload: 3, queuedAt: T0 },
          ],
        });
        expect((await store.outbox()).map((o) => o.key)).toEqual(['x\uD800:1', 'x\u0000y:1', 'x:1']);
        await store.write({
          delivered: ['x\uD800:1', 'x\u0000y:1', 'x:1'],
          delete: [{ ns: 'alerts', key: 'a\uD800b' }],
        });
        expect(await store.outbox()).toEqual([]);
        expect(await store.get('alerts', 'a\uD800b')).toBeUndefined();
        expect(await store.get('alerts', 'a\uDC00b')).toBe(1);
      }),
    );

    it(
      'applies replace, then deletes, then puts; delivered, then new outbox entries',
      withSubject(async ({ store }) => {
        await store.open();
        await seeded(store);
        await store.write(FAIL_WRITE);
        const s = await snapshot(store);
        expect(s.ns.groups).toEqual([['g-new', { count: 2 }]]);
        expect(s.ns.dedupe).toEqual([['d2', 2]]);
        expect(s.ns.alerts).toEqual([['a1', { revision: 2, status: 'open' }]]);
        expect(s.outbox).toEqual([{ key: 'a1:2', payload: { kind: 'updated' }, queuedAt: '2024-10-09T11:00:00.000Z' }]);
        // A key deleted and put in one write holds the put; the last put of a key wins.
        await store.write({
          delete: [{ ns: 'groups', key: 'g-new' }],
          put: [
            { ns: 'groups', key: 'g-new', value: 1 },
            { ns: 'groups', key: 'g-new', value: 3 },
          ],
        });
        expect(await store.get('groups', 'g-new')).toBe(3);
        // A replace with no puts empties the namespace; deleting a missing key is no error.
        await store.write({ replace: ['groups'], delete: [{ ns: 'alerts', key: 'missing' }] });
        expect((await store.read('groups')).size).toBe(0);
      }),
    );

    it(
      'keeps the outbox in queue order, removes delivered keys, and refuses a key already waiting',
      withSubject(async ({ store }) => {
        await store.open();
        const entry = (key: string): OutboxEntry => ({ key, payload: { key }, queuedAt: T0 });
        await store.write({ outbox: [entry('z:1'), entry('a:1')] });
        await store.write({ outbox: [entry('m:1')] });
        expect((await store.outbox()).map((o) => o.key)).toEqual(['z:1', 'a:1', 'm:1']);
        await store.write({ delivered: ['a:1', 'never-queued:1'] });
        expect((await store.outbox()).map((o) => o.key)).toEqual(['z:1', 'm:1']);
        const before = await snapshot(store);
        const twice = await rejection(
          store.write({ put: [{ ns: 'alerts', key: 'z', value: 2 }], outbox: [entry('z:1')] }),
        );
        expect(isTriplineError(twice, 'option-invalid')).toBe(true);
        expect(String((twice as Error).message)).toContain('already waiting');
        const dup = await rejection(store.write({ outbox: [entry('q:1'), entry('q:1')] }));
        expect(isTriplineError(dup, 'option-invalid')).toBe(true);
        expect(await snapshot(store)).toEqual(before);
        // Delivered and queued again in one write: the new entry goes to the end.
        await store.write({ delivered: ['z:1'], outbox: [{ key: 'z:1', payload: 'again', queuedAt: T0 }] });
        expect((await store.outbox()).map((o) => [o.key, o.payload])).toEqual([
          ['m:1', { key: 'm:1' }],
          ['z:1', 'again'],
        ]);
      }),
    );

    it(
      'refuses a write it cannot apply whole, and applies none of it',
      withSubject(async ({ store }) => {
        await store.open();
        await seeded(store);
        const before = await snapshot(store);
        const bad: unknown[] = [
          { ...FAIL_WRITE, put: [...(FAIL_WRITE.put ?? []), { ns: 'groups', key: 'g-bad', value: { n: Number.NaN } }] },
          { ...FAIL_WRITE, put: [...(FAIL_WRITE.put ?? []), { ns: 'nope', key: 'k', value: 1 }] },
          { ...FAIL_WRITE, put: [...(FAIL_WRITE.put ?? []), { ns: 'groups', key: 7, value: 1 }] },
          { ...FAIL_WRITE, put: [...(FAIL_WRITE.put ?? []), { ns: 'groups', key: 'k', value: { id: 1n } }] },
          { ...FAIL_WRITE, outbox: [{ key: '', payload: 1, queuedAt: T0 }] },
          { ...FAIL_WRITE, delivered: [5] },
          { ...FAIL_WRITE, outbox: [{ key: 'k:1', payload: 1, queuedAt: '2024\u0000' }] },
        ];
        for (const write of bad) {
          const error = await rejection(store.write(write as StateWrite));
          expect(isTriplineError(error, 'option-invalid'), String(error)).toBe(true);
          expect(await snapshot(store)).toEqual(before);
        }
      }),
    );

    it(
      'copies records: mutating a written or read record does not change the store',
      withSubject(async ({ store }) => {
        await store.open();
        const value = { list: [1, 2], inner: { a: 'x' } };
        await store.write({ put: [{ ns: 'devices', key: 'd', value }] });
        value.list.push(3);
        value.inner.a = 'changed';
        const read = (await store.get('devices', 'd')) as typeof value;
        expect(read).toEqual({ list: [1, 2], inner: { a: 'x' } });
        read.list.push(4);
        ((await store.read('devices')).get('d') as typeof value).inner.a = 'again';
        expect(await store.get('devices', 'd')).toEqual({ list: [1, 2], inner: { a: 'x' } });
      }),
    );

    it(
      'keeps its state across close and open, and in another store of the same location',
      withSubject(async (s) => {
        await s.store.open();
        await seeded(s.store);
        await s.store.write(FAIL_WRITE);
        const before = await snapshot(s.store);
        await s.store.close();
        await expect(s.store.outbox()).rejects.toSatisfy((e) => isTriplineError(e, 'option-invalid'));
        await s.store.open();
        expect(await snapshot(s.store)).toEqual(before);
        if (s.reopen === undefined) return;
        await s.store.close();
        const again = s.reopen();
        await again.open();
        try {
          expect(await snapshot(again)).toEqual(before);
        } finally {
          await again.close();
        }
      }),
    );

    it(
      'leaves no partial state when a write fails part-way, at any step',
      withSubject(async (s) => {
        if (s.failing === undefined || s.failSteps === undefined) {
          expect(kit.name).toBe('memory'); // only the memory store has no step a write can fail at
          return;
        }
        await s.store.open();
        await seeded(s.store);
        const before = await snapshot(s.store);
        await s.store.close();
        expect(s.failSteps).toBeGreaterThan(1);
        for (let step = 1; step <= s.failSteps; step++) {
          const failing = s.failing(step);
          await failing.open();
          try {
            await expect(failing.write(FAIL_WRITE), `step ${step}`).rejects.toThrow(/injected failure/);
            expect(await snapshot(failing), `step ${step}, same store`).toEqual(before);
          } finally {
            await failing.close();
          }
          const reopened = s.reopen?.() ?? s.store;
          await reopened.open();
          try {
            expect(await snapshot(reopened), `step ${step}, reopened`).toEqual(before);
          } finally {
            await reopened.close();
          }
        }
        // And the store still writes afterwards.
        await s.store.open();
        await s.store.write(FAIL_WRITE);
        expect(await s.store.get('groups', 'g-new')).toEqual({ count: 2 });
      }),
    );

    it(
      'refuses state written by a newer schema, and leaves it untouched',
      withSubject(async (s) => {
        if (s.setSchema === undefined) {
          expect(kit.name).toBe('memory');
          return;
        }
        await s.store.open();
        await seeded(s.store);
        await s.store.close();
        await s.setSchema(STATE_SCHEMA_VERSION + 1);
        const error = await rejection(s.store.open());
        expect(isTriplineError(error, 'state-schema-newer'), String(error)).toBe(true);
        expect((error as Error).message).toContain(`state schema ${STATE_SCHEMA_VERSION + 1}`);
        await expect(s.store.read('alerts')).rejects.toSatisfy((e) => isTriplineError(e, 'option-invalid'));
        await s.setSchema(STATE_SCHEMA_VERSION);
        await s.store.open();
        expect(await s.store.get('alerts', 'a1')).toEqual({ revision: 1, status: 'open' });
      }),
    );

    it(
      'refuses a damaged state with state-unreadable naming the path',
      withSubject(async (s) => {
        if (s.damage === undefined) {
          expect(kit.name).toBe('memory');
          return;
        }
        await s.store.open();
        await seeded(s.store);
        await s.store.close();
        await s.damage();
        const error = await rejection(s.store.open());
        expect(isTriplineError(error, 'state-unreadable'), String(error)).toBe(true);
        expect((error as { details: { store: string } }).details.store).toBe((s.store as { path?: string }).path);
        expect((error as Error).message).toContain((s.store as { path?: string }).path ?? '');
      }),
    );

    it(
      `follows its concurrency rule for a second store on the same location (${kit.concurrency})`,
      withSubject(async (s) => {
        await s.store.open();
        await seeded(s.store);
        if (kit.concurrency === 'separate') {
          expect(s.reopen).toBeUndefined();
          return;
        }
        const second = (s.reopen as () => StateStore)();
        if (kit.concurrency === 'refused') {
          const error = await rejection(second.open());
          expect(isTriplineError(error, 'state-locked'), String(error)).toBe(true);
          await s.store.close();
          await second.open(); // free once the first closed
          expect(await second.get('alerts', 'a1')).toEqual({ revision: 1, status: 'open' });
          await second.close();
          return;
        }
        await second.open();
        try {
          await second.write({ put: [{ ns: 'alerts', key: 'from-second', value: 2 }] });
          await s.store.write({ put: [{ ns: 'alerts', key: 'from-first', value: 1 }] });
          expect(await s.store.get('alerts', 'from-second')).toBe(2);
          expect(await second.get('alerts', 'from-first')).toBe(1);
        } finally {
          await second.close();
        }
      }),
    );
  });
}
