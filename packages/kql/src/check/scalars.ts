import type { JsonValue } from '@tripline/core';
import type { RE2JS } from 're2js';
import { isNumeric, notSupported } from './runtime.js';
import { child, items, type KElement } from './service.js';
import { tokenText } from './syntax.js';
import { KDateTime, KDynamic, KTimespan, type KValue, parseCidr, toLong, toReal, toStr, unwrap } from './values.js';

// Scalar helpers of the interpreter: names, dynamic values, regex rewriting, arithmetic on times.

export const TABULAR_NAME: Readonly<Record<string, string>> = {
  JoinOperator: 'join',
  LookupOperator: 'lookup',
  TopOperator: 'top',
  DistinctOperator: 'distinct',
  MvExpandOperator: 'mv-expand',
  ParseOperator: 'parse',
};

export const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map(
  (c) => parseCidr(c) as NonNullable<ReturnType<typeof parseCidr>>,
);

export function declaredName(x: KElement): string {
  const decl = child(x, 'Name');
  const symbol = decl?.ReferencedSymbol;
  if (symbol?.Name) return symbol.Name;
  return decl ? tokenText(decl).replace(/^\[\s*['"](.*)['"]\s*\]$/s, '$1') : notSupported(x);
}

export function resultColumns(pipe: KElement): string[] {
  return items(pipe.ResultType?.Columns).map((c) => c.Name);
}

/** A value as a grouping key: equal keys for equal values of the same type. */
export function keyOf(v: KValue): unknown {
  const u = unwrap(v);
  if (u === null) return null;
  if (typeof u === 'bigint') return ['n', u.toString()];
  if (typeof u === 'number') return Number.isSafeInteger(u) ? ['n', String(u)] : ['r', u];
  if (u instanceof KDateTime) return ['d', u.ticks.toString()];
  if (u instanceof KTimespan) return ['t', u.ticks.toString()];
  if (u instanceof KDynamic) return ['j', u.value];
  return u;
}

export function member(base: KValue, key: KValue): KValue {
  if (!(base instanceof KDynamic)) return null;
  const j = base.value;
  if (Array.isArray(j)) {
    const i = toLong(key);
    if (i === null) return null;
    const n = Number(i);
    const v = j[n < 0 ? j.length + n : n];
    return v === undefined ? null : new KDynamic(v);
  }
  if (j === null || typeof j !== 'object') return null;
  const k = toStr(key);
  return Object.hasOwn(j, k) ? new KDynamic(j[k] as JsonValue) : null;
}

export function replaceRegex(text: string, re: RE2JS, rewrite: string): string {
  const m = re.matcher(text);
  let out = '';
  let pos = 0;
  let search = 0;
  while (search <= text.length && m.find(search)) {
    const start = m.start();
    const end = m.end();
    // \0 is the whole match, \1…\9 the groups (Kusto's rewrite syntax).
    out += text.slice(pos, start);
    out += rewrite.replace(/\\(\d)/g, (_, d: string) =>
      Number(d) <= m.groupCount() ? (m.group(Number(d)) ?? '') : '',
    );
    pos = end;
    search = end;
    if (end === start) {
      // An empty match: keep the next character and search after it.
      if (start < text.length) out += text[start];
      pos = start + 1;
      search = start + 1;
    }
  }
  return out + text.slice(pos);
}

/**
 * `trim(regex, text)`: the leading match and the trailing match of the regex removed. Both are single
 * RE2 searches (the trailing one is the leftmost match of `(?:regex)$`), so the cost stays linear in
 * the text, whatever it holds.
 */
export function trimRegex(text: string, lead: RE2JS, tail: RE2JS): string {
  let s = text;
  const head = lead.matcher(s);
  if (head.lookingAt() && head.end() > 0) s = s.slice(head.end());
  const end = tail.matcher(s);
  return end.find() ? s.slice(0, end.start()) : s;
}

/** `a + b`, `a - b` on longs, reals, datetimes and timespans; null when either side is null. */
export function arithmetic(op: '+' | '-', left: KValue, right: KValue, at: KElement): KValue {
  const a = unwrap(left);
  const b = unwrap(right);
  if (a === null || b === null) return null;
  const sign = op === '+' ? 1n : -1n;
  if (a instanceof KDateTime && b instanceof KTimespan) return new KDateTime(a.ticks + sign * b.ticks);
  if (a instanceof KTimespan && b instanceof KTimespan) return new KTimespan(a.ticks + sign * b.ticks);
  if (op === '+' && a instanceof KTimespan && b instanceof KDateTime) return new KDateTime(b.ticks + a.ticks);
  if (op === '-' && a instanceof KDateTime && b instanceof KDateTime) return new KTimespan(a.ticks - b.ticks);
  if (isNumeric(a) && isNumeric(b)) {
    const integers = (typeof a === 'bigint' || Number.isInteger(a)) && (typeof b === 'bigint' || Number.isInteger(b));
    if (integers) return toLong(BigInt.asIntN(64, BigInt(a) + sign * BigInt(b)).toString());
    return op === '+' ? Number(a) + Number(b) : Number(a) - Number(b);
  }
  return notSupported(at, `${op} on these operand types`);
}

export function bin(value: KValue, size: KValue): KValue {
  const v = unwrap(value);
  const s = unwrap(size);
  if (v === null || s === null) return null;
  if (v instanceof KDateTime && s instanceof KTimespan) {
    if (s.ticks <= 0n) return null;
    const q = v.ticks / s.ticks - (v.ticks % s.ticks < 0n ? 1n : 0n);
    return new KDateTime(q * s.ticks);
  }
  if (v instanceof KTimespan && s instanceof KTimespan) {
    if (s.ticks <= 0n) return null;
    const q = v.ticks / s.ticks - (v.ticks % s.ticks < 0n ? 1n : 0n);
    return new KTimespan(q * s.ticks);
  }
  const x = toReal(v);
  const y = toReal(s);
  if (x === null || y === null || y <= 0) return null;
  const r = Math.floor(x / y) * y;
  return typeof v === 'number' && Number.isInteger(v) && Number.isInteger(y) ? r : r;
}

const DIFF_UNITS: Readonly<Record<string, bigint>> = {
  week: 7n * 24n * 3600n * 10_000_000n,
  day: 24n * 3600n * 10_000_000n,
  hour: 3600n * 10_000_000n,
  minute: 60n * 10_000_000n,
  second: 10_000_000n,
  millisecond: 10_000n,
  microsecond: 10n,
  nanosecond: 1n,
};

function floorDiv(a: bigint, b: bigint): bigint {
  return a / b - (a % b < 0n ? 1n : 0n);
}

/** `datetime_diff(part, a, b)`: the number of `part` boundaries between b and a. */
export function datetimeDiff(part: string, a: KValue, b: KValue, at: KElement): KValue {
  if (!(a instanceof KDateTime) || !(b instanceof KDateTime)) return null;
  const unit = DIFF_UNITS[part.toLowerCase()];
  if (unit === undefined) return notSupported(at, `datetime_diff part ${part}`);
  if (part.toLowerCase() === 'nanosecond') return Number((a.ticks - b.ticks) * 100n);
  // Weeks start on Sunday in Kusto; 1970-01-01 was a Thursday.
  const offset = part.toLowerCase() === 'week' ? 4n * DIFF_UNITS.day! : 0n;
  return Number(floorDiv(a.ticks + offset, unit) - floorDiv(b.ticks + offset, unit));
}
