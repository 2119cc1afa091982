import { describe, expect, it } from 'vitest';
import { isTriplineError } from '../errors.js';
import type { JsonValue } from '../model/event.js';
import { checkSchemaVersion, copyJsonValue } from './checks.js';
import { memoryStateStore } from './memory-store.js';
import { STATE_SCHEMA_VERSION } from './types.js';

async function opened() {
  const store = memoryStateStore();
  await store.open();
  return store;
}

describe('memoryStateStore', () => {
  it('keeps its own copy of what is written: mutating the record afterwards does not change the store', async () => {
    const store = await opened();
    const record = { count: 1, evidence: [{ ReportId: 17, FileName: 'a.exe' }] };
    await store.write({ put: [{ ns: 'groups', key: 'g1', value: record }] });
    record.count = 99;
    record.evidence[0]!.FileName = 'changed.exe';
    record.evidence.push({ ReportId: 18, FileName: 'b.exe' });
    expect(await store.get('groups', 'g1')).toEqual({ count: 1, evidence: [{ ReportId: 17, FileName: 'a.exe' }] });
  });

  it('hands out copies: mutating what get, read or outbox returned does not change the store', async () => {
    const store = await opened();
    await store.write({
      put: [{ ns: 'alerts', key: 'a1', value: { revision: 1, tags: ['x'] } }],
      outbox: [{ key: 'a1:1', payload: { kind: 'new', tags: ['x'] }, queuedAt: '2024-10-09T10:00:00.000Z' }],
    });
    const got = (await store.get('alerts', 'a1')) as { revision: number; tags: string[] };
    got.revision = 7;
    got.tags.push('y');
    const all = await store.read('alerts');
    (all.get('a1') as { tags: string[] }).tags.push('z');
    (all as Map<string, JsonValue>).set('a2', 1);
    const [entry] = await store.outbox();
    (entry!.payload as { tags: string[] }).tags.push('w');
    expect(await store.get('alerts', 'a1')).toEqual({ revision: 1, tags: ['x'] });
    expect([...(await store.read('alerts')).keys()]).toEqual(['a1']);
    expect((await store.outbox())[0]!.payload).toEqual({ kind: 'new', tags: ['x'] });
  });

  it('keeps its records across close() and open() of the same store, and refuses calls while closed', async () => {
    const store = await opened();
    await store.write({ put: [{ ns: 'meta', key: 'watermark', value: '2024-10-09T10:00:00Z' }] });
    await store.close();
    await expect(store.get('meta', 'watermark')).rejects.toSatisfy((e) => isTriplineError(e, 'option-invalid'));
    await store.open();
    expect(await store.get('meta', 'watermark')).toBe('2024-10-09T10:00:00Z');
    const other = await opened();
    expect(await other.get('meta', 'watermark')).toBeUndefined();
  });
});

describe('the value check of every store', () => {
  it('copies what JSON holds, leaves out undefined properties and writes -0 as 0', () => {
    const value = { a: 1, b: undefined, c: [null, true, 'é😀'], d: { e: -0 } };
    expect(copyJsonValue(value, 'v')).toEqual({ a: 1, c: [null, true, 'é😀'], d: { e: 0 } });
    expect(Object.is((copyJsonValue(value, 'v') as { d: { e: number } }).d.e, 0)).toBe(true);
    expect(Object.keys(copyJsonValue(value, 'v') as object)).toEqual(['a', 'c', 'd']);
  });

  it('keeps a "__proto__" key as an own property, not as the prototype', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true}}') as JsonValue;
    const copied = copyJsonValue(value, 'v') as Record<string, unknown>;
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect(Object.keys(copied)).toEqual(['__proto__']);
    expect(JSON.stringify(copied)).toBe('{"__proto__":{"polluted":true}}');
  });

  it.each([
    ['NaN', { n: Number.NaN }, 'value.n is NaN'],
    ['Infinity', [1, Number.POSITIVE_INFINITY], 'value[1] is Infinity'],
    ['a bigint', { id: 639199803770463703n }, 'value.id is the bigint'],
    ['a function', { f: () => 1 }, 'value.f is a function'],
    ['undefined in an array', [undefined], 'value[0] is undefined'],
    ['a Date', { at: new Date(0) }, 'value.at is a Date'],
    ['a Map', new Map(), 'value is a Map'],
  ])('refuses %s, naming where it is', (_name, value, message) => {
    expect(() => copyJsonValue(value, 'put[0] (groups/g1)')).toThrow(message);
    try {
      copyJsonValue(value, 'put[0] (groups/g1)');
    } catch (error) {
      expect(isTriplineError(error, 'option-invalid')).toBe(true);
    }
  });

  it('refuses a cycle and nesting deeper than 1,000 levels', () => {
    const cyclic: Record<string, unknown> = { a: {} };
    (cyclic.a as Record<string, unknown>).back = cyclic;
    expect(() => copyJsonValue(cyclic, 'v')).toThrow('value.a.back refers to itself');
    let deep: JsonValue = 1;
    for (let i = 0; i < 1001; i++) deep = [deep];
    expect(() => copyJsonValue(deep, 'v')).toThrow('nests deeper than 1000 levels');
    let ok: JsonValue = 1;
    for (let i = 0; i < 999; i++) ok = [ok];
    expect(copyJsonValue(ok, 'v')).toEqual(ok);
  });

  it('accepts one shared (not cyclic) object twice', () => {
    const shared = { x: 1 };
    expect(copyJsonValue({ a: shared, b: shared }, 'v')).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });
});

describe('the schema check of the file stores', () => {
  it('reads the current and older versions, refuses newer ones and what is not a version', () => {
    expect(checkSchemaVersion(STATE_SCHEMA_VERSION, 'state.json')).toBe(STATE_SCHEMA_VERSION);
    expect(checkSchemaVersion(0, 'state.json')).toBe(0);
    expect(() => checkSchemaVersion(STATE_SCHEMA_VERSION + 1, 'state.json')).toThrow(
      'state.json: this state was written by a newer tripline',
    );
    try {
      checkSchemaVersion(STATE_SCHEMA_VERSION + 1, 'state.json');
    } catch (error) {
      expect(isTriplineError(error, 'state-schema-newer')).toBe(true);
    }
    for (const bad of ['1', 1.5, -1, null])
      expect(() => checkSchemaVersion(bad, 'state.json')).toThrow(/state\.json: cannot read the state/);
  });
});
