import { type JsonValue, type MdeEvent, TABLE_COLUMNS } from '@tripline/core';
import { RE2JS } from 're2js';
import { KqlRunError } from './run-error.js';
import { type KElement, type KSymbol, kindName } from './service.js';
import { tokenText } from './syntax.js';
import {
  hasTerm,
  KDateTime,
  KDynamic,
  KTimespan,
  type KValue,
  parseDateTime,
  TICKS_PER_MS,
  toLong,
  toReal,
  toStr,
  unwrap,
} from './values.js';

// What the interpreter works on: rows, RE2 regexes, comparison and truth, operator tables, literals.

// ---- rows ----

export interface Row {
  get(name: string): KValue | undefined;
  readonly events: readonly MdeEvent[];
}

function readColumn(event: MdeEvent, name: string): KValue | undefined {
  const type = (TABLE_COLUMNS[event.table] as Record<string, string | undefined>)[name];
  if (type === undefined) return undefined;
  switch (type) {
    case 'string': {
      const v = event.str(name);
      return v ?? '';
    }
    case 'json': {
      // Advanced hunting holds JSON columns as text: the query parses them with parse_json.
      const text = event.str(name);
      if (text !== undefined) return text;
      const v = event.get(name);
      return v === undefined ? '' : JSON.stringify(v);
    }
    case 'long':
    case 'int': {
      const v = event.get(name);
      if (v === undefined) return null;
      if (typeof v === 'number') return v;
      return toLong(v as KValue);
    }
    case 'bool': {
      const v = event.get(name);
      return typeof v === 'boolean' ? v : null;
    }
    case 'datetime': {
      if (name === 'Timestamp') return new KDateTime(BigInt(event.time) * TICKS_PER_MS + BigInt(event.ticks));
      const v = event.get(name);
      return typeof v === 'string' ? (parseDateTime(v) ?? null) : null;
    }
    default:
      return null;
  }
}

export class EventRow implements Row {
  readonly events: readonly MdeEvent[];
  constructor(readonly event: MdeEvent) {
    this.events = [event];
  }
  get(name: string): KValue | undefined {
    return readColumn(this.event, name);
  }
}

export class MapRow implements Row {
  constructor(
    readonly values: Map<string, KValue>,
    readonly events: readonly MdeEvent[],
    readonly base?: Row,
  ) {}
  get(name: string): KValue | undefined {
    if (this.values.has(name)) return this.values.get(name);
    return this.base?.get(name);
  }
}

// ---- regexes (RE2 semantics, compiled once per pattern) ----

const REGEXES = new Map<string, RE2JS>();

export function regex(pattern: string, at: KElement): RE2JS {
  let re = REGEXES.get(pattern);
  if (!re) {
    try {
      re = RE2JS.compile(pattern);
    } catch (error) {
      throw new KqlRunError(`regex does not parse in RE2: ${(error as Error).message}`, at);
    }
    REGEXES.set(pattern, re);
  }
  return re;
}

// ---- comparison ----

export function isNumeric(v: KValue): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** Three-way comparison of two non-null values of comparable types, or undefined. */
export function compare(a: KValue, b: KValue): number | undefined {
  const x = unwrap(a);
  const y = unwrap(b);
  if (isNumeric(x) && isNumeric(y)) {
    if (typeof x === 'bigint' || typeof y === 'bigint') {
      if ((typeof x === 'bigint' || Number.isInteger(x)) && (typeof y === 'bigint' || Number.isInteger(y))) {
        const bx = BigInt(x);
        const by = BigInt(y);
        return bx < by ? -1 : bx > by ? 1 : 0;
      }
      const nx = Number(x);
      const ny = Number(y);
      return nx < ny ? -1 : nx > ny ? 1 : 0;
    }
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if ((x instanceof KDateTime && y instanceof KDateTime) || (x instanceof KTimespan && y instanceof KTimespan)) {
    return x.ticks < y.ticks ? -1 : x.ticks > y.ticks ? 1 : 0;
  }
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'boolean' && typeof y === 'boolean') return Number(x) - Number(y);
  if (typeof x === 'string' || typeof y === 'string') {
    const sx = toStr(x);
    const sy = toStr(y);
    return sx < sy ? -1 : sx > sy ? 1 : 0;
  }
  return undefined;
}

/**
 * `==` (`=~` when case-insensitive). Kusto documents: two nulls are `bool(null)`, a null and a value are
 * `false` (and so `!=` between them is `true`).
 */
export function equal(a: KValue, b: KValue, caseInsensitive: boolean): boolean | null {
  const x = unwrap(a);
  const y = unwrap(b);
  if (x === null && y === null) return null;
  if (x === null || y === null) return false;
  if (typeof x === 'string' || typeof y === 'string') {
    const sx = toStr(x);
    const sy = toStr(y);
    return caseInsensitive ? sx.toLowerCase() === sy.toLowerCase() : sx === sy;
  }
  if (x instanceof KDynamic || y instanceof KDynamic) return toStr(x) === toStr(y);
  return compare(x, y) === 0;
}

export const STRING_OPERATORS: Readonly<Record<string, (text: string, needle: string) => boolean>> = {
  has: (t, n) => hasTerm(t, n, false),
  has_cs: (t, n) => hasTerm(t, n, true),
  '!has': (t, n) => !hasTerm(t, n, false),
  '!has_cs': (t, n) => !hasTerm(t, n, true),
  contains: (t, n) => t.toLowerCase().includes(n.toLowerCase()),
  contains_cs: (t, n) => t.includes(n),
  '!contains': (t, n) => !t.toLowerCase().includes(n.toLowerCase()),
  '!contains_cs': (t, n) => !t.includes(n),
  startswith: (t, n) => t.toLowerCase().startsWith(n.toLowerCase()),
  startswith_cs: (t, n) => t.startsWith(n),
  '!startswith': (t, n) => !t.toLowerCase().startsWith(n.toLowerCase()),
  '!startswith_cs': (t, n) => !t.startsWith(n),
  endswith: (t, n) => t.toLowerCase().endsWith(n.toLowerCase()),
  endswith_cs: (t, n) => t.endsWith(n),
  '!endswith': (t, n) => !t.toLowerCase().endsWith(n.toLowerCase()),
  '!endswith_cs': (t, n) => !t.endsWith(n),
};

export const BINARY = new Set([
  'in',
  '!in',
  'in~',
  '!in~',
  '==',
  '!=',
  '=~',
  '!~',
  '<',
  '<=',
  '>',
  '>=',
  'matches regex',
  '+',
  '-',
]);

export function truth(v: KValue): boolean | null {
  const u = unwrap(v);
  if (u === null) return null;
  if (typeof u === 'boolean') return u;
  throw new KqlRunError(`expected a bool, got ${toStr(u)}`);
}

export function notSupported(e: KElement, what = kindName(e)): never {
  throw new KqlRunError(`not in the KQL subset the interpreter runs: ${what}`, e);
}

/** The values an `in` list holds: literals, and the elements of dynamic arrays. */
export function listValues(values: KValue[]): KValue[] {
  const out: KValue[] = [];
  for (const v of values) {
    if (v instanceof KDynamic && Array.isArray(v.value)) for (const j of v.value) out.push(new KDynamic(j));
    else out.push(v);
  }
  return out;
}

export function columnDefault(symbol: KSymbol | null | undefined): KValue {
  return symbol?.Type?.Name === 'string' ? '' : null;
}

export function literal(e: KElement, kind: string): KValue {
  const text = tokenText(e);
  const inner = /^\w+\((.*)\)$/s.exec(text)?.[1]?.trim();
  if (inner === 'null') return null;
  switch (kind) {
    case 'LongLiteralExpression':
    case 'IntLiteralExpression':
      return toLong(inner ?? text);
    case 'RealLiteralExpression':
      return toReal(inner ?? text);
    case 'BooleanLiteralExpression':
      return (inner ?? text).toLowerCase() === 'true';
    case 'DateTimeLiteralExpression': {
      const d = parseDateTime(inner ?? text);
      if (!d) notSupported(e, `datetime literal ${text}`);
      return d;
    }
    case 'TimespanLiteralExpression': {
      const v = e.LiteralValue as { ticks?: { toString(): string } } | null | undefined;
      if (!v?.ticks) return null;
      return new KTimespan(BigInt(v.ticks.toString()));
    }
    case 'DynamicExpression': {
      const v = e.LiteralValue;
      if (typeof v !== 'string') return null;
      return new KDynamic(JSON.parse(v) as JsonValue);
    }
    default:
      return notSupported(e);
  }
}
