import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { type JsonValue, type MdeEvent, parseJsonColumn } from '../model/event.js';
import { LinearRegex, RegexSyntaxError } from './regex.js';
import { NUMERIC_OPERATORS, predicateSchema, TEXT_OPERATORS } from './schema.js';

/** A problem in a rule, at a path of the rule document (`['where', 'any', 1, 'FileName', 'regex']`). */
export class RuleProblem extends Error {
  readonly path: readonly (string | number)[];
  /** The fault is the key of the last path element (a typo'd name), not its value. */
  readonly atKey: boolean;
  constructor(path: readonly (string | number)[], message: string, atKey = false) {
    super(message);
    this.name = 'RuleProblem';
    this.path = path;
    this.atKey = atKey;
  }
}

/** A compiled condition: pure, linear in the size of the event's values. */
export type EventTest = (event: MdeEvent) => boolean;

/** A field path: the column, then keys into its JSON value (`AdditionalFields.AttributeList`). */
export function splitField(field: string): string[] {
  return field.split('.');
}

function jsonOf(value: unknown): JsonValue | undefined {
  if (typeof value === 'string') {
    const t = value.trimStart();
    return t.startsWith('{') || t.startsWith('[') ? parseJsonColumn(value) : undefined;
  }
  return value as JsonValue;
}

/**
 * The value at a field path. The first segment is a column (`AdditionalFields.X` also finds a column
 * `X` that a query extended to the top level, as {@link MdeEvent.additional} does); further segments
 * are keys of the column's JSON value (JSON text is parsed by the event's accessors, once).
 */
export function readField(event: MdeEvent, path: readonly string[]): JsonValue | undefined {
  const [column, ...rest] = path;
  if (column === undefined) return undefined;
  let value: JsonValue | undefined;
  let keys = rest;
  if (column === 'AdditionalFields' && rest.length > 0) {
    value = event.additional(rest[0] as string);
    keys = rest.slice(1);
  } else value = event.get(column);
  for (const key of keys) {
    const obj = jsonOf(value);
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || !Object.hasOwn(obj, key)) return undefined;
    value = (obj as Record<string, JsonValue>)[key];
  }
  return value ?? undefined;
}

/** The values a predicate sees: a list's elements, a scalar alone, nothing for null/absent/''. */
export function fieldValues(value: JsonValue | undefined): (string | number | boolean)[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value.flatMap((v) => (Array.isArray(v) ? [JSON.stringify(v)] : fieldValues(v)));
  if (typeof value === 'object') return [JSON.stringify(value)];
  return [value];
}

type Needle = string | number | boolean;
const asList = <T>(v: T | readonly T[]): readonly T[] => (Array.isArray(v) ? v : [v as T]);

/** One operator against one needle, on one field value. */
type Check = (value: string | number | boolean) => boolean;

function textCheck(op: (typeof TEXT_OPERATORS)[number], needle: Needle, caseSensitive: boolean): Check {
  const fold = (s: string) => (caseSensitive ? s : s.toLowerCase());
  const n = fold(String(needle));
  switch (op) {
    case 'equals':
      return (v) => fold(String(v)) === n;
    case 'contains':
      return (v) => fold(String(v)).includes(n);
    case 'startswith':
      return (v) => fold(String(v)).startsWith(n);
    case 'endswith':
      return (v) => fold(String(v)).endsWith(n);
    default:
      throw new Error(`unreachable: ${op}`);
  }
}

function numberOf(v: string | number | boolean): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function cidrCheck(needle: string, at: readonly (string | number)[]): Check {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(needle);
  const ip = m?.[1] ?? '';
  const bits = Number(m?.[2]);
  const family = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined;
  if (!m || family === undefined || bits > (family === 'ipv4' ? 32 : 128)) {
    throw new RuleProblem(at, `"${needle}" is not a CIDR range (10.0.0.0/8, 2001:db8::/32)`);
  }
  const list = new BlockList();
  list.addSubnet(ip, bits, family);
  return (v) => {
    if (typeof v !== 'string') return false;
    const addr = v.trim();
    const fam = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : undefined;
    return fam !== undefined && list.check(addr, fam);
  };
}

/** Compile one field's predicate (a scalar, a list of scalars or a predicate object). */
function compilePredicate(field: string, spec: unknown, at: readonly (string | number)[]): EventTest {
  const path = splitField(field);
  if (path.some((p) => p === '')) throw new RuleProblem(at, `"${field}" is not a field path (Column or Column.key)`);
  let object: Record<string, unknown>;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    object = { equals: spec };
  } else object = spec as Record<string, unknown>;
  const parsed = predicateSchema.safeParse(object);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys' && spec === object) {
      const key = issue.keys[0]!;
      throw new RuleProblem(
        [...at, key],
        `unknown operator "${key}" (equals, contains, startswith, endswith, regex, cidr, exists, lt, lte, gt, gte, match, caseSensitive)`,
        true,
      );
    }
    const sub = spec === object ? issue.path.map((p) => (typeof p === 'number' ? p : String(p))) : [];
    throw new RuleProblem([...at, ...sub], issue.message);
  }
  const p = parsed.data;
  const caseSensitive = p.caseSensitive ?? false;
  const all = p.match === 'all';
  const parts: ((values: readonly (string | number | boolean)[]) => boolean)[] = [];
  const combine = (checks: readonly Check[]) => (values: readonly (string | number | boolean)[]) =>
    all ? checks.every((c) => values.some(c)) : checks.some((c) => values.some(c));
  for (const op of TEXT_OPERATORS) {
    const given = p[op];
    if (given === undefined) continue;
    const needles = asList<Needle>(given);
    const checks = needles.map((needle, i): Check => {
      const where = Array.isArray(given) ? [...at, op, i] : [...at, op];
      if (op === 'regex') {
        try {
          const re = LinearRegex.compile(String(needle), { caseSensitive });
          return (v) => re.test(String(v));
        } catch (error) {
          if (error instanceof RegexSyntaxError) throw new RuleProblem(where, `regex: ${error.message}`);
          throw error;
        }
      }
      if (op === 'cidr') return cidrCheck(String(needle), where);
      return textCheck(op, needle, caseSensitive);
    });
    parts.push(combine(checks));
  }
  for (const op of NUMERIC_OPERATORS) {
    const limit = p[op];
    if (limit === undefined) continue;
    const cmp: (n: number) => boolean =
      op === 'lt'
        ? (n) => n < limit
        : op === 'lte'
          ? (n) => n <= limit
          : op === 'gt'
            ? (n) => n > limit
            : (n) => n >= limit;
    parts.push((values) =>
      values.some((v) => {
        const n = numberOf(v);
        return n !== undefined && cmp(n);
      }),
    );
  }
  if (p.exists !== undefined) {
    const want = p.exists;
    parts.push((values) => values.length > 0 === want);
  }
  return (event) => {
    const values = fieldValues(readField(event, path));
    return parts.every((part) => part(values));
  };
}

/** Fields a condition reads, with where each is named (for the column check). */
export interface FieldUse {
  readonly field: string;
  readonly at: readonly (string | number)[];
}

/**
 * Compile a `where` condition. Keys of an object are ANDed; `all: [..]`, `any: [..]` and `not: {..}`
 * nest. Throws a {@link RuleProblem} at the first fault; `uses` receives every field path read.
 */
export function compileCondition(cond: unknown, at: readonly (string | number)[], uses: FieldUse[]): EventTest {
  if (cond === null || typeof cond !== 'object' || Array.isArray(cond)) {
    throw new RuleProblem(at, 'a condition is an object of field predicates (or all/any/not)');
  }
  const entries = Object.entries(cond as Record<string, unknown>);
  if (entries.length === 0) throw new RuleProblem(at, 'a condition needs at least one field or all/any/not');
  const tests: EventTest[] = entries.map(([key, value]): EventTest => {
    const here = [...at, key];
    if (key === 'all' || key === 'any') {
      if (!Array.isArray(value) || value.length === 0)
        throw new RuleProblem(here, `${key} takes a non-empty list of conditions`);
      const subs = value.map((c, i) => compileCondition(c, [...here, i], uses));
      return key === 'all' ? (e) => subs.every((t) => t(e)) : (e) => subs.some((t) => t(e));
    }
    if (key === 'not') {
      const sub = compileCondition(value, here, uses);
      return (e) => !sub(e);
    }
    uses.push({ field: key, at: here });
    return compilePredicate(key, value, here);
  });
  return tests.length === 1 ? (tests[0] as EventTest) : (e) => tests.every((t) => t(e));
}
