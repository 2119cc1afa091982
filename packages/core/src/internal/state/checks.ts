/**
 * What every state store shares: the check and copy of a {@link StateWrite} (so a write that would
 * fail fails before anything is applied, and no store keeps a caller's object), the key order of
 * `read`, and the errors of a store's layout (`state-schema-newer`, `state-unreadable`,
 * `state-locked`). Used by `memoryStateStore` and by the stores of `@tripline/state` (through
 * `@tripline/core/unstable`).
 */
import { ERROR_CODES, TriplineError } from '../errors.js';
import type { JsonValue } from '../model/event.js';
import { STATE_NAMESPACES, STATE_SCHEMA_VERSION, type StateNamespace, type StateWrite } from './types.js';

/** Deepest nesting a stored value may have (as the exact JSON parser's limit). */
export const MAX_STATE_DEPTH = 1000;

/** A write after its check: every value a fresh copy, every list present. */
export interface CheckedWrite {
  readonly put: readonly { readonly ns: StateNamespace; readonly key: string; readonly value: JsonValue }[];
  readonly delete: readonly { readonly ns: StateNamespace; readonly key: string }[];
  readonly replace: readonly StateNamespace[];
  readonly outbox: readonly { readonly key: string; readonly payload: JsonValue; readonly queuedAt: string }[];
  readonly delivered: readonly string[];
}

const NAMESPACES: ReadonlySet<string> = new Set(STATE_NAMESPACES);

/** True when `ns` is one of {@link STATE_NAMESPACES}. */
export function isStateNamespace(ns: unknown): ns is StateNamespace {
  return typeof ns === 'string' && NAMESPACES.has(ns);
}

/** Throws `option-invalid` unless `ns` is a namespace of the contract. */
export function checkNamespace(ns: unknown, where: string): StateNamespace {
  if (!isStateNamespace(ns))
    throw invalid(`${where}: ${describe(ns)} is not a state namespace (${STATE_NAMESPACES.join(', ')})`);
  return ns;
}

/** Throws `option-invalid` unless `key` is a string. Any string is a key, the empty one included. */
export function checkKey(key: unknown, where: string): string {
  if (typeof key !== 'string') throw invalid(`${where}: the key is ${describe(key)}, not a string`);
  return key;
}

/**
 * A deep copy of a JSON value, checked: `undefined` properties of an object are left out (as
 * `JSON.stringify` does), `-0` becomes `0`; anything JSON cannot hold exactly — `undefined` elsewhere,
 * `NaN`, `Infinity`, a bigint, a function, a symbol, a `Date`, `Map` or other class instance, a
 * cycle, nesting deeper than {@link MAX_STATE_DEPTH} — throws `option-invalid` naming where it is.
 * So every store gives back what a JSON round trip would, and refuses what it would change.
 */
export function copyJsonValue(value: unknown, where: string): JsonValue {
  return copy(value, where, '', 0, new Set());
}

function copy(value: unknown, where: string, path: string, depth: number, ancestors: Set<object>): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw invalid(`${where}: value${path} is ${value}, which JSON cannot hold`);
      return value === 0 ? 0 : value;
    case 'object': {
      if (value === null) return null;
      if (depth >= MAX_STATE_DEPTH) throw invalid(`${where}: value${path} nests deeper than ${MAX_STATE_DEPTH} levels`);
      if (ancestors.has(value)) throw invalid(`${where}: value${path} refers to itself (a cycle)`);
      ancestors.add(value);
      try {
        if (Array.isArray(value)) {
          const out: JsonValue[] = new Array(value.length);
          for (let i = 0; i < value.length; i++) out[i] = copy(value[i], where, `${path}[${i}]`, depth + 1, ancestors);
          return out;
        }
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null)
          throw invalid(`${where}: value${path} is a ${className(value)}, not a plain object`);
        if (Object.getOwnPropertySymbols(value).length > 0)
          throw invalid(`${where}: value${path} has symbol keys, which JSON cannot hold`);
        const out: { [key: string]: JsonValue } = {};
        for (const k of Object.keys(value)) {
          const v = (value as Record<string, unknown>)[k];
          if (v === undefined) continue;
          const c = copy(v, where, `${path}.${k}`, depth + 1, ancestors);
          if (k === '__proto__')
            Object.defineProperty(out, k, { value: c, enumerable: true, writable: true, configurable: true });
          else out[k] = c;
        }
        return out;
      } finally {
        ancestors.delete(value);
      }
    }
    default:
      throw invalid(`${where}: value${path} is ${describe(value)}, which JSON cannot hold`);
  }
}

/**
 * Checks a write and copies its values. Throws `option-invalid` (nothing applied) for an unknown
 * namespace, a key that is not a string, a value JSON cannot hold, an outbox entry without a key or
 * `queuedAt`, or two new outbox entries with one key.
 */
export function checkWrite(batch: StateWrite): CheckedWrite {
  if (typeof batch !== 'object' || batch === null) throw invalid(`state write: ${describe(batch)} is not a write`);
  const put = list(batch.put, 'put').map((p, i) => {
    const where = `state write: put[${i}]`;
    const ns = checkNamespace(p?.ns, where);
    const key = checkKey(p.key, where);
    if (p.value === undefined) throw invalid(`${where} (${ns}/${key}): the value is undefined`);
    return { ns, key, value: copyJsonValue(p.value, `${where} (${ns}/${key})`) };
  });
  const del = list(batch.delete, 'delete').map((d, i) => {
    const where = `state write: delete[${i}]`;
    return { ns: checkNamespace(d?.ns, where), key: checkKey(d.key, where) };
  });
  const replace = list(batch.replace, 'replace').map((ns, i) => checkNamespace(ns, `state write: replace[${i}]`));
  const seen = new Set<string>();
  const outbox = list(batch.outbox, 'outbox').map((o, i) => {
    const where = `state write: outbox[${i}]`;
    if (typeof o !== 'object' || o === null) throw invalid(`${where}: ${describe(o)} is not an outbox entry`);
    if (typeof o.key !== 'string' || o.key === '') throw invalid(`${where}: the key must be a non-empty string`);
    if (seen.has(o.key)) throw invalid(`${where}: the key ${JSON.stringify(o.key)} is queued twice in one write`);
    seen.add(o.key);
    if (typeof o.queuedAt !== 'string' || !/^[\x20-\x7e]{0,64}$/.test(o.queuedAt))
      throw invalid(`${where} (${o.key}): queuedAt must be an ISO time string`);
    if (o.payload === undefined) throw invalid(`${where} (${o.key}): the payload is undefined`);
    return { key: o.key, payload: copyJsonValue(o.payload, `${where} (${o.key})`), queuedAt: o.queuedAt };
  });
  const delivered = list(batch.delivered, 'delivered').map((k, i) => {
    if (typeof k !== 'string') throw invalid(`state write: delivered[${i}] is ${describe(k)}, not an outbox key`);
    return k;
  });
  return { put, delete: del, replace, outbox, delivered };
}

/**
 * Throws `option-invalid` when a checked write queues a key that is already waiting in the outbox
 * (`pending`, after this write's `delivered` are taken out): one alert revision is announced once.
 */
export function checkOutboxKeys(write: CheckedWrite, pending: (key: string) => boolean): void {
  if (write.outbox.length === 0) return;
  const delivered = new Set(write.delivered);
  for (const o of write.outbox)
    if (pending(o.key) && !delivered.has(o.key))
      throw invalid(`state write: the outbox key ${JSON.stringify(o.key)} is already waiting for delivery`);
}

/** Code-unit order of strings: the order of the keys of `read` (what `Array.prototype.sort` does). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Checks the schema version found in a store: returns it when this release can read it (equal, or
 * older and to be migrated); throws `state-schema-newer` when it is newer, `state-unreadable` when
 * it is not a version number. `where` names the store (its path).
 */
export function checkSchemaVersion(found: unknown, where: string): number {
  if (typeof found !== 'number' || !Number.isSafeInteger(found) || found < 0)
    throw stateUnreadable(where, `its schema version ${describe(found)} is not a version number`);
  if (found > STATE_SCHEMA_VERSION)
    throw new TriplineError(
      ERROR_CODES.STATE_SCHEMA_NEWER,
      `${where}: this state was written by a newer tripline (state schema ${found}; this release reads up to ${STATE_SCHEMA_VERSION}); it is left untouched — upgrade tripline, or start a new state`,
      { details: { store: where, schema: found, supported: STATE_SCHEMA_VERSION } },
    );
  return found;
}

/** The `state-unreadable` error of a store: `where` (its path) and why. */
export function stateUnreadable(where: string, reason: string, cause?: unknown): TriplineError {
  return new TriplineError(ERROR_CODES.STATE_UNREADABLE, `${where}: cannot read the state: ${reason}`, {
    details: { store: where, reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The `state-locked` error of a store: `where` (its path) and who holds it. */
export function stateLocked(where: string, holder: string, details: Record<string, unknown> = {}): TriplineError {
  return new TriplineError(ERROR_CODES.STATE_LOCKED, `${where}: the state is in use by ${holder}`, {
    details: { store: where, ...details },
  });
}

/** The error of a method called before `open()` or after `close()`. */
export function notOpen(kind: string, method: string): TriplineError {
  return invalid(`${kind} state store: ${method}() called while the store is not open (call open() first)`);
}

/** True when `s` has no lone UTF-16 surrogate (what UTF-8 text, SQLite's included, can hold). */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const next = s.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

function list<T>(value: readonly T[] | undefined, name: string): readonly T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(`state write: ${name} is ${describe(value)}, not a list`);
  return value;
}

function invalid(message: string): TriplineError {
  return new TriplineError(ERROR_CODES.OPTION_INVALID, message);
}

function className(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'object with a prototype';
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'bigint') return `the bigint ${value}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `a ${className(value)}`;
  return String(value);
}
