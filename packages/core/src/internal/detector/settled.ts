/**
 * Detectors that cannot change, and what validating them gave.
 *
 * A detector frozen all the way down — the detector, its metadata and every list and record in what
 * validation reads, all plain data properties — is validated to the same copy every time. The engine
 * validates every detector it loads on each analyzer it creates, and the partitioned runtime creates
 * one per batch: with a rule pack of 1,800 detectors that was ≈ 45 ms of every batch. Such a detector's
 * copy is remembered by identity (a `WeakMap`: a pack let go of lets go of its copies).
 *
 * What is not checked, because validation keeps it by reference and reads nothing in it: functions
 * (`match`, `render`, an evidence field's `from`), and `meta.options`, the author's zod schema (zod
 * objects are not frozen): that `options.safeParse` is still a function is checked on every use of a
 * remembered copy. A getter anywhere, an unfrozen array, a proxy or an odd prototype: not remembered,
 * validated each time as before.
 */
import { types } from 'node:util';
import { META_KEYS } from './meta-fast.js';
import type { AnyDetector, DetectorMeta } from './types.js';

const { isProxy } = types;

/** The detector fields validation reads (the rest of the object is not the engine's). */
const DETECTOR_KEYS = ['meta', 'match', 'onDevice', 'correlate', 'render'] as const;

/** The metadata keys validation reads (others are dropped unread); `options`: see the module comment. */
const READ_KEYS: readonly string[] = META_KEYS.filter((k) => k !== 'options');

/** Objects already found frozen plain data all the way down (shared records are walked once). */
const SETTLED = new WeakSet<object>();

/** Validated copies of settled detectors. */
const VALIDATED = new WeakMap<object, DetectorMeta>();

/** A plain object or array: its prototype is `Object.prototype`, `Array.prototype` or null. */
function plainProto(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype || proto === Array.prototype;
}

/**
 * True when `value` is a primitive, a function, or a frozen plain object or array whose own properties
 * are all data properties holding such values. `seen`: the objects of this walk (a cycle is not
 * walked twice); they join {@link SETTLED} only when the whole walk succeeds.
 */
function settled(value: unknown, seen: Set<object>): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (SETTLED.has(value) || seen.has(value)) return true;
  if (isProxy(value) || !Object.isFrozen(value) || !plainProto(value)) return false;
  seen.add(value);
  for (const key of Reflect.ownKeys(value)) {
    const d = Object.getOwnPropertyDescriptor(value, key)!;
    if (!('value' in d) || !settled(d.value, seen)) return false;
  }
  return true;
}

/** One own data property of a frozen object, or absent from it and its (plain) prototype chain. */
function settledKey(obj: object, key: string, seen: Set<object>): boolean {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  if (d === undefined) return !(key in obj);
  return 'value' in d && settled(d.value, seen);
}

/** True when validating `detector` again would give the same copy (see the module comment). */
function settledDetector(detector: AnyDetector): boolean {
  if (isProxy(detector) || !Object.isFrozen(detector)) return false;
  const seen = new Set<object>();
  const meta = (detector as { meta?: unknown }).meta;
  if (meta === null || typeof meta !== 'object' || isProxy(meta) || !Object.isFrozen(meta) || !plainProto(meta))
    return false;
  for (const key of DETECTOR_KEYS) {
    if (key === 'meta') {
      const d = Object.getOwnPropertyDescriptor(detector, key);
      if (d === undefined || !('value' in d)) return false;
    } else if (!settledKey(detector, key, seen)) return false;
  }
  const optionsKey = Object.getOwnPropertyDescriptor(meta, 'options');
  if (optionsKey !== undefined ? !('value' in optionsKey) : 'options' in meta) return false;
  for (const key of READ_KEYS) if (!settledKey(meta, key, seen)) return false;
  for (const o of seen) SETTLED.add(o);
  return true;
}

/** The copy validation gave for `detector` earlier, if it is settled and its options schema still one. */
export function validatedBefore(detector: unknown): DetectorMeta | undefined {
  if (detector === null || typeof detector !== 'object') return undefined;
  const meta = VALIDATED.get(detector);
  if (meta === undefined) return undefined;
  const options = meta.options as { safeParse?: unknown } | undefined;
  return options === undefined || typeof options.safeParse === 'function' ? meta : undefined;
}

/** Remember `meta` as the validated copy of `detector` when the detector is settled. */
export function rememberValidated(detector: AnyDetector, meta: DetectorMeta): void {
  if (settledDetector(detector)) VALIDATED.set(detector, meta);
}
