/**
 * Values of the KQL interpreter and the scalar semantics Kusto documents for them: strings are never
 * null (an absent string is `""`), the other types are null when absent; datetimes and timespans are
 * exact 100 ns ticks; `dynamic` values stay JSON.
 */
import type { JsonValue } from '@tripline/core';
import { parseTimestamp } from '@tripline/core/unstable';

/** A `datetime`: 100 ns ticks since the Unix epoch. */
export class KDateTime {
  constructor(readonly ticks: bigint) {}
}

/** A `timespan`: 100 ns ticks. */
export class KTimespan {
  constructor(readonly ticks: bigint) {}
}

/** A `dynamic` value (object, array or JSON scalar). */
export class KDynamic {
  constructor(readonly value: JsonValue) {}
}

/** One scalar value. Longs beyond 2^53 are bigints (exact `ReportId`s). */
export type KValue = string | number | bigint | boolean | null | KDateTime | KTimespan | KDynamic;

export const TICKS_PER_MS = 10_000n;

/** A dynamic scalar as the plain value it holds; containers stay dynamic. */
export function unwrap(v: KValue): KValue {
  if (v instanceof KDynamic) {
    const j = v.value;
    if (j === null) return null;
    if (typeof j === 'object') return v;
    return j;
  }
  return v;
}

/** `isempty`: null, or the empty string. */
export function isEmpty(v: KValue): boolean {
  const u = unwrap(v);
  return u === null || u === '';
}

function pad(n: number | bigint, width: number): string {
  return String(n).padStart(width, '0');
}

/** A datetime as Kusto writes it: ISO 8601 UTC, the fraction as many digits as needed (up to 7). */
export function formatDateTime(d: KDateTime): string {
  const ms = d.ticks / TICKS_PER_MS - (d.ticks % TICKS_PER_MS < 0n ? 1n : 0n);
  const sub = d.ticks - ms * TICKS_PER_MS;
  const iso = new Date(Number(ms)).toISOString(); // yyyy-mm-ddThh:mm:ss.mmmZ
  const fraction = `${iso.slice(20, 23)}${pad(sub, 4)}`.replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`;
}

/** A timespan as Kusto writes it: `[-][d.]hh:mm:ss[.fffffff]`. */
export function formatTimespan(t: KTimespan): string {
  const neg = t.ticks < 0n;
  let ticks = neg ? -t.ticks : t.ticks;
  const frac = ticks % 10_000_000n;
  ticks /= 10_000_000n;
  const s = ticks % 60n;
  ticks /= 60n;
  const m = ticks % 60n;
  ticks /= 60n;
  const h = ticks % 24n;
  const d = ticks / 24n;
  const f = frac > 0n ? `.${pad(frac, 7)}` : '';
  return `${neg ? '-' : ''}${d > 0n ? `${d}.` : ''}${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${f}`;
}

/**
 * An ISO 8601 datetime (the forms `datetime(…)` literals and Defender rows use), or undefined. Read with
 * core's one timestamp parser; Kusto's date-only form (`2024-10-09`) and a space before the time are
 * accepted as Kusto accepts them.
 */
export function parseDateTime(text: string): KDateTime | undefined {
  let t = text.trim();
  if (t.length === 10) t = `${t}T00:00:00Z`;
  else if (t.charAt(10) === ' ') t = `${t.slice(0, 10)}T${t.slice(11)}`;
  const parsed = parseTimestamp(t);
  return parsed === undefined ? undefined : new KDateTime(BigInt(parsed.ms) * TICKS_PER_MS + BigInt(parsed.ticks));
}

/** `tostring`: null is `""`; dynamic containers are compact JSON. */
export function toStr(v: KValue): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof KDateTime) return formatDateTime(v);
  if (v instanceof KTimespan) return formatTimespan(v);
  const j = v.value;
  if (j === null) return '';
  if (typeof j === 'string') return j;
  return JSON.stringify(j);
}

/** A long from a value (`tolong`): numbers truncated, decimal text parsed, otherwise null. */
export function toLong(v: KValue): number | bigint | null {
  const u = unwrap(v);
  if (typeof u === 'number') return Number.isFinite(u) ? Math.trunc(u) : null;
  if (typeof u === 'bigint') return u;
  if (typeof u === 'boolean') return u ? 1 : 0;
  if (typeof u === 'string') {
    const s = u.trim();
    if (/^[+-]?\d+$/.test(s)) {
      const b = BigInt(s);
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    }
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return Math.trunc(Number(s));
  }
  return null;
}

/** A real from a value (`toreal`), or null. */
export function toReal(v: KValue): number | null {
  const u = unwrap(v);
  if (typeof u === 'number') return u;
  if (typeof u === 'bigint') return Number(u);
  if (typeof u === 'boolean') return u ? 1 : 0;
  if (typeof u === 'string') {
    const s = u.trim();
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return Number(s);
  }
  return null;
}

/** `parse_json`: JSON text parsed; text that is not JSON stays a dynamic string. */
export function parseJson(v: KValue): KDynamic | null {
  if (v instanceof KDynamic) return v;
  if (v === null) return null;
  if (typeof v !== 'string') return new KDynamic(typeof v === 'bigint' ? v.toString() : (toPlain(v) as JsonValue));
  try {
    return new KDynamic(JSON.parse(v) as JsonValue);
  } catch {
    return new KDynamic(v);
  }
}

/** A value as tripline reports it: datetimes ISO, timespans Kusto's text, big longs decimal text. */
export function toPlain(v: KValue): JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof KDateTime) return formatDateTime(v);
  if (v instanceof KTimespan) return formatTimespan(v);
  return v.value;
}

const ALNUM = /[\p{L}\p{N}]/u;

function isAlnum(ch: string | undefined): boolean {
  return ch !== undefined && ALNUM.test(ch);
}

/**
 * `has`: the needle matches whole terms (maximal runs of letters and digits) of the text — its ends
 * may not fall inside a term of the text where the needle itself ends in a letter or digit.
 */
export function hasTerm(text: string, needle: string, caseSensitive: boolean): boolean {
  const hay = caseSensitive ? text : text.toLowerCase();
  const n = caseSensitive ? needle : needle.toLowerCase();
  if (n === '') return true;
  const first = isAlnum(n[0]);
  const last = isAlnum(n[n.length - 1]);
  for (let i = hay.indexOf(n); i >= 0; i = hay.indexOf(n, i + 1)) {
    const end = i + n.length;
    if (first && isAlnum(hay[i - 1])) continue;
    if (last && isAlnum(hay[end])) continue;
    return true;
  }
  return false;
}

// ---- IP addresses ----

export interface Address {
  readonly family: 4 | 6;
  /** The address as a 32-bit (IPv4) or 128-bit (IPv6) integer. */
  readonly value: bigint;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIpv6(text: string): bigint | undefined {
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.slice(lastColon + 1).includes('.')) {
    // An embedded IPv4 tail (`::ffff:10.0.0.1`) is two groups.
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const head = group(halves[0] ?? '');
  const rest = halves.length === 2 ? group(halves[1] ?? '') : [];
  if (!head || !rest) return undefined;
  const fixed = head.length + rest.length;
  if (halves.length === 1 ? fixed !== 8 : fixed > 7) return undefined;
  const groups = [...head, ...Array<bigint>(8 - fixed).fill(0n), ...rest];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | g;
  return v;
}

/** An IPv4 or IPv6 address, or undefined. */
export function parseAddress(text: string): Address | undefined {
  const t = text.trim();
  if (t.includes(':')) {
    const v = parseIpv6(t);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseIpv4(t);
  return v === undefined ? undefined : { family: 4, value: v };
}

export interface Cidr extends Address {
  readonly prefix: number;
}

/** `a.b.c.d[/n]` or an IPv6 address with an optional `/n`, or undefined. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addr = parseAddress(slash >= 0 ? text.slice(0, slash) : text);
  if (!addr) return undefined;
  const bits = addr.family === 4 ? 32 : 128;
  if (slash < 0) return { ...addr, prefix: bits };
  const p = text.slice(slash + 1).trim();
  if (!/^\d{1,3}$/.test(p) || Number(p) > bits) return undefined;
  return { ...addr, prefix: Number(p) };
}

/** True when `addr` lies in `range` (both of the same family). */
export function inRange(addr: Address, range: Cidr): boolean {
  const bits = BigInt(addr.family === 4 ? 32 : 128);
  const shift = bits - BigInt(range.prefix);
  return addr.value >> shift === range.value >> shift;
}

/** An IPv4 address as its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`). */
export function mapped(addr: Address): Address {
  return addr.family === 6 ? addr : { family: 6, value: (0xffffn << 32n) | addr.value };
}
