/**
 * `runKql`: an interpreter for exactly the KQL subset the exporter writes (`KQL_SUBSET`), walking the
 * language service's own syntax tree and bound symbols, over Defender rows (`MdeEvent`s). It exists to
 * prove that an exported query means what the local engine means, without a Kusto cluster; anything
 * outside the subset is an error naming the construct, never a silent false.
 */
import { type JsonValue, type MdeEvent, TABLE_COLUMNS, type TableName } from '@tripline/core';
import { RE2JS } from 're2js';
import { analyzeKql, child, items, type KElement, type KSymbol, kindName, listItems } from './service.js';
import { callArguments, expressionList, functionName, operatorOf, tokenText } from './syntax.js';
import {
  hasTerm,
  inRange,
  isEmpty,
  KDateTime,
  KDynamic,
  KTimespan,
  type KValue,
  mapped,
  parseAddress,
  parseCidr,
  parseDateTime,
  parseJson,
  TICKS_PER_MS,
  toLong,
  toPlain,
  toReal,
  toStr,
  unwrap,
} from './values.js';

/** A query the interpreter cannot run: a construct outside the subset, or a query that does not bind. */
export class KqlRunError extends Error {
  readonly start: number;
  readonly length: number;
  constructor(message: string, at?: KElement) {
    super(message);
    this.name = 'KqlRunError';
    this.start = at?.TextStart ?? 0;
    this.length = at?.Width ?? 0;
  }
}

/** One result row: its values by column, and the input events it was computed from. */
export interface KqlResultRow {
  readonly values: Readonly<Record<string, JsonValue>>;
  /** The one event a row-preserving query passed through, or the events a `summarize` group holds. */
  readonly events: readonly MdeEvent[];
}

export interface KqlResult {
  /** Result columns in order, as the language service binds them. */
  readonly columns: readonly string[];
  readonly rows: readonly KqlResultRow[];
}

export interface RunKqlOptions {
  /** The instant `now()` and `ago()` read (default: the current time). ISO 8601 or a Date. */
  readonly now?: string | Date;
}

export type KqlInput = Iterable<MdeEvent> | Partial<Record<TableName, Iterable<MdeEvent>>>;

// ---- rows ----

interface Row {
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

class EventRow implements Row {
  readonly events: readonly MdeEvent[];
  constructor(readonly event: MdeEvent) {
    this.events = [event];
  }
  get(name: string): KValue | undefined {
    return readColumn(this.event, name);
  }
}

class MapRow implements Row {
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

function regex(pattern: string, at: KElement): RE2JS {
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

function isNumeric(v: KValue): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** Three-way comparison of two non-null values of comparable types, or undefined. */
function compare(a: KValue, b: KValue): number | undefined {
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
function equal(a: KValue, b: KValue, caseInsensitive: boolean): boolean | null {
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

// ---- the interpreter ----

interface Scope {
  readonly now: bigint;
}

const STRING_OPERATORS: Readonly<Record<string, (text: string, needle: string) => boolean>> = {
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

const BINARY = new Set([
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

function truth(v: KValue): boolean | null {
  const u = unwrap(v);
  if (u === null) return null;
  if (typeof u === 'boolean') return u;
  throw new KqlRunError(`expected a bool, got ${toStr(u)}`);
}

function notSupported(e: KElement, what = kindName(e)): never {
  throw new KqlRunError(`not in the KQL subset the interpreter runs: ${what}`, e);
}

/** The values an `in` list holds: literals, and the elements of dynamic arrays. */
function listValues(values: KValue[]): KValue[] {
  const out: KValue[] = [];
  for (const v of values) {
    if (v instanceof KDynamic && Array.isArray(v.value)) for (const j of v.value) out.push(new KDynamic(j));
    else out.push(v);
  }
  return out;
}

function columnDefault(symbol: KSymbol | null | undefined): KValue {
  return symbol?.Type?.Name === 'string' ? '' : null;
}

function literal(e: KElement, kind: string): KValue {
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

class Interpreter {
  constructor(
    readonly tables: ReadonlyMap<string, readonly MdeEvent[]>,
    readonly scope: Scope,
  ) {}

  // -- scalar --

  expr(e: KElement, row: Row): KValue {
    const kind = kindName(e);
    switch (kind) {
      case 'StringLiteralExpression':
      case 'CompoundStringLiteralExpression':
        return typeof e.LiteralValue === 'string' ? e.LiteralValue : '';
      case 'LongLiteralExpression':
      case 'IntLiteralExpression':
      case 'RealLiteralExpression':
      case 'BooleanLiteralExpression':
      case 'DateTimeLiteralExpression':
      case 'TimespanLiteralExpression':
      case 'DynamicExpression':
        return literal(e, kind);
      case 'UnaryMinusExpression': {
        const v = this.expr(child(e, 'Expression') ?? notSupported(e), row);
        if (typeof v === 'number') return -v;
        if (typeof v === 'bigint') return -v;
        if (v instanceof KTimespan) return new KTimespan(-v.ticks);
        return notSupported(e, 'unary minus on a non-number');
      }
      case 'ParenthesizedExpression':
        return this.expr(child(e, 'Expression') ?? notSupported(e), row);
      case 'NameReference': {
        const symbol = e.ReferencedSymbol;
        const name = symbol?.Name ?? tokenText(e);
        const v = row.get(name);
        return v === undefined ? columnDefault(symbol?.Type ? symbol : null) : v;
      }
      case 'PathExpression': {
        const base = this.expr(child(e, 'Expression') ?? notSupported(e), row);
        const selector = child(e, 'Selector');
        const key = selector ? tokenText(selector).replace(/^\[\s*['"](.*)['"]\s*\]$/s, '$1') : '';
        return member(base, key);
      }
      case 'ElementExpression': {
        const base = this.expr(child(e, 'Expression') ?? notSupported(e), row);
        const selector = child(e, 'Selector');
        const inner = selector ? child(selector, 'Expression') : undefined;
        if (!inner) return notSupported(e);
        return member(base, this.expr(inner, row));
      }
      case 'AndExpression': {
        const l = truth(this.expr(child(e, 'Left') ?? notSupported(e), row));
        if (l === false) return false;
        const r = truth(this.expr(child(e, 'Right') ?? notSupported(e), row));
        if (r === false) return false;
        return l === null || r === null ? null : true;
      }
      case 'OrExpression': {
        const l = truth(this.expr(child(e, 'Left') ?? notSupported(e), row));
        if (l === true) return true;
        const r = truth(this.expr(child(e, 'Right') ?? notSupported(e), row));
        if (r === true) return true;
        return l === null || r === null ? null : false;
      }
      case 'FunctionCallExpression':
        return this.call(e, row);
      case 'BetweenExpression':
        return this.between(e, row);
      default:
        if (child(e, 'Operator') && kind.endsWith('Expression')) return this.binary(e, row);
        return notSupported(e);
    }
  }

  between(e: KElement, row: Row): KValue {
    const op = operatorOf(e);
    if (op !== 'between') notSupported(e, op ?? 'between');
    const v = this.expr(child(e, 'Left') ?? notSupported(e), row);
    const range = child(e, 'Right');
    const lo = range && child(range, 'First');
    const hi = range && child(range, 'Second');
    if (!lo || !hi) return notSupported(e, 'between without a range');
    const a = this.expr(lo, row);
    const b = this.expr(hi, row);
    if (unwrap(v) === null || unwrap(a) === null || unwrap(b) === null) return null;
    const c1 = compare(v, a);
    const c2 = compare(v, b);
    if (c1 === undefined || c2 === undefined) return null;
    return c1 >= 0 && c2 <= 0;
  }

  binary(e: KElement, row: Row): KValue {
    const op = operatorOf(e) ?? '';
    if (!BINARY.has(op) && !STRING_OPERATORS[op]) return notSupported(e, op || kindName(e));
    const leftNode = child(e, 'Left') ?? notSupported(e);
    const rightNode = child(e, 'Right') ?? notSupported(e);
    const left = this.expr(leftNode, row);
    if (op === 'in' || op === '!in' || op === 'in~' || op === '!in~') {
      const values = listValues(expressionList(rightNode).map((x) => this.expr(x, row)));
      if (unwrap(left) === null) return null;
      const ci = op.endsWith('~');
      const found = values.some((v) => equal(left, v, ci) === true);
      return op.startsWith('!') ? !found : found;
    }
    const right = this.expr(rightNode, row);
    switch (op) {
      case '==':
        return equal(left, right, false);
      case '!=': {
        const r = equal(left, right, false);
        return r === null ? null : !r;
      }
      case '=~':
        return equal(left, right, true);
      case '!~': {
        const r = equal(left, right, true);
        return r === null ? null : !r;
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        if (unwrap(left) === null || unwrap(right) === null) return null;
        const c = compare(left, right);
        if (c === undefined) return null;
        return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
      }
      case '+':
      case '-':
        return arithmetic(op, left, right, e);
      case 'matches regex': {
        if (unwrap(left) === null) return null;
        if (typeof right !== 'string') return notSupported(rightNode, 'a regex that is not a string');
        return regex(right, rightNode).matcher(toStr(left)).find();
      }
      default: {
        const f = STRING_OPERATORS[op];
        if (!f) return notSupported(e, op || kindName(e));
        return f(toStr(left), toStr(right));
      }
    }
  }

  call(e: KElement, row: Row): KValue {
    const name = functionName(e);
    const argNodes = callArguments(e);
    const arg = (i: number): KValue => {
      const n = argNodes[i];
      return n ? this.expr(n, row) : null;
    };
    const args = (): KValue[] => argNodes.map((n) => this.expr(n, row));
    switch (name) {
      case 'not': {
        const v = truth(arg(0));
        return v === null ? null : !v;
      }
      case 'isempty':
        return isEmpty(arg(0));
      case 'isnotempty':
        return !isEmpty(arg(0));
      case 'isnull':
        return unwrap(arg(0)) === null;
      case 'isnotnull':
        return unwrap(arg(0)) !== null;
      case 'strcat':
        return args().map(toStr).join('');
      case 'iff': {
        const c = truth(arg(0));
        return c === true ? arg(1) : arg(2);
      }
      case 'case': {
        for (let i = 0; i + 1 < argNodes.length; i += 2) if (truth(arg(i)) === true) return arg(i + 1);
        return arg(argNodes.length - 1);
      }
      case 'tolower':
        return toStr(arg(0)).toLowerCase();
      case 'toupper':
        return toStr(arg(0)).toUpperCase();
      case 'tostring':
        return toStr(arg(0));
      case 'tolong':
      case 'toint':
        return toLong(arg(0));
      case 'toreal':
        return toReal(arg(0));
      case 'todynamic':
      case 'parse_json':
        return parseJson(arg(0));
      case 'replace_string': {
        const [text, lookup, rewrite] = args().map(toStr) as [string, string, string];
        return lookup === '' ? text : text.split(lookup).join(rewrite);
      }
      case 'replace_regex': {
        const text = toStr(arg(0));
        const pattern = toStr(arg(1));
        const rewrite = toStr(arg(2));
        return replaceRegex(text, regex(pattern, argNodes[1] ?? e), rewrite);
      }
      case 'extract': {
        const re = regex(toStr(arg(0)), argNodes[0] ?? e);
        const group = toLong(arg(1));
        if (argNodes.length > 3) notSupported(e, 'extract with a type argument');
        const m = re.matcher(toStr(arg(2)));
        if (group === null || !m.find()) return '';
        const g = Number(group);
        if (g > m.groupCount()) return '';
        return m.group(g) ?? '';
      }
      case 'strlen':
        return [...toStr(arg(0))].length;
      case 'substring': {
        const chars = [...toStr(arg(0))];
        const start = Math.max(0, Number(toLong(arg(1)) ?? 0));
        const len = argNodes.length > 2 ? Number(toLong(arg(2)) ?? 0) : chars.length;
        return chars.slice(start, start + Math.max(0, len)).join('');
      }
      case 'indexof': {
        // indexof(source, lookup[, start[, length[, occurrence]]]): -1 when not found.
        const text = arg(0);
        if (unwrap(text) === null) return null;
        const source = toStr(text);
        const lookup = toStr(arg(1));
        let start = argNodes.length > 2 ? Number(toLong(arg(2)) ?? 0) : 0;
        if (start < 0) start = Math.max(0, source.length + start);
        const length = argNodes.length > 3 ? Number(toLong(arg(3)) ?? -1) : -1;
        const occurrence = argNodes.length > 4 ? Number(toLong(arg(4)) ?? 1) : 1;
        if (start > source.length || occurrence < 1) return -1;
        const end = length < 0 ? source.length : Math.min(source.length, start + length);
        let at = start - 1;
        for (let k = 0; k < occurrence; k++) {
          at = source.indexOf(lookup, at + 1);
          if (at < 0 || at + lookup.length > end) return -1;
        }
        return at;
      }
      case 'split': {
        const parts = toStr(arg(0)).split(toStr(arg(1)));
        if (argNodes.length > 2) {
          const i = Number(toLong(arg(2)) ?? -1);
          return new KDynamic(i >= 0 && i < parts.length ? [parts[i] as string] : []);
        }
        return new KDynamic(parts);
      }
      case 'trim': {
        const pattern = toStr(arg(0));
        const at = argNodes[0] ?? e;
        return trimRegex(toStr(arg(1)), regex(pattern, at), regex(`(?:${pattern})$`, at));
      }
      case 'ipv4_is_in_range':
      case 'ipv6_is_in_range': {
        const ip = parseAddress(toStr(arg(0)));
        const range = parseCidr(toStr(arg(1)));
        if (!ip || !range) return null;
        if (name === 'ipv4_is_in_range') return ip.family === 4 && range.family === 4 ? inRange(ip, range) : null;
        const r6 = range.family === 6 ? range : { ...mapped(range), prefix: range.prefix + 96 };
        return inRange(mapped(ip), r6);
      }
      case 'ipv4_is_private': {
        const ip = parseAddress(toStr(arg(0)));
        if (ip?.family !== 4) return null;
        return PRIVATE_V4.some((r) => inRange(ip, r));
      }
      case 'bin':
        return bin(arg(0), arg(1));
      case 'now':
        return new KDateTime(this.scope.now);
      case 'ago': {
        const t = arg(0);
        if (!(t instanceof KTimespan)) return null;
        return new KDateTime(this.scope.now - t.ticks);
      }
      case 'datetime_diff':
        return datetimeDiff(toStr(arg(0)), arg(1), arg(2), e);
      case 'coalesce': {
        for (const v of args()) if (!isEmpty(v)) return v;
        return args().at(-1) ?? null;
      }
      case 'array_length': {
        const v = arg(0);
        return v instanceof KDynamic && Array.isArray(v.value) ? v.value.length : null;
      }
      case 'set_has_element': {
        const set = arg(0);
        const value = arg(1);
        if (!(set instanceof KDynamic) || !Array.isArray(set.value)) return null;
        return set.value.some((j) => equal(new KDynamic(j), value, false) === true);
      }
      case 'tohex': {
        const n = toLong(arg(0));
        if (n === null) return null;
        // Negative numbers as their 64-bit two's complement, lower case, padded to the minimum length.
        const hex = BigInt.asUintN(64, BigInt(n)).toString(16);
        const min = argNodes.length > 1 ? Number(toLong(arg(1)) ?? 0) : 0;
        return hex.padStart(min, '0');
      }
      case 'binary_and':
      case 'binary_shift_right': {
        const a = toLong(arg(0));
        const b = toLong(arg(1));
        if (a === null || b === null) return null;
        const r =
          name === 'binary_and'
            ? BigInt.asIntN(64, BigInt(a) & BigInt(b))
            : BigInt.asIntN(64, BigInt(a) >> BigInt(Math.max(0, Math.min(63, Number(b)))));
        return toLong(r.toString());
      }
      case 'base64_encode_tostring':
        return Buffer.from(toStr(arg(0)), 'utf8').toString('base64');
      default:
        return notSupported(e, `function ${name}`);
    }
  }

  // -- tabular --

  tabular(e: KElement): { rows: Row[] } {
    const kind = kindName(e);
    switch (kind) {
      case 'NameReference': {
        const name = e.ReferencedSymbol?.Name ?? tokenText(e);
        const events = this.tables.get(name) ?? [];
        return { rows: events.map((ev) => new EventRow(ev)) };
      }
      case 'ParenthesizedExpression':
        return this.tabular(child(e, 'Expression') ?? notSupported(e));
      case 'UnionOperator':
        return this.union(e);
      case 'PipeExpression': {
        const input = this.tabular(child(e, 'Expression') ?? notSupported(e));
        const op = child(e, 'Operator') ?? notSupported(e);
        return this.operator(op, input.rows, e);
      }
      default:
        return notSupported(e);
    }
  }

  union(e: KElement): { rows: Row[] } {
    if (listItems(child(e, 'Parameters')).length > 0) notSupported(e, 'union parameters');
    const rows: Row[] = [];
    for (const part of listItems(child(e, 'Expressions'))) rows.push(...this.tabular(part).rows);
    return { rows };
  }

  operator(op: KElement, rows: Row[], pipe: KElement): { rows: Row[] } {
    const kind = kindName(op);
    const parameters = child(op, 'Parameters');
    if (parameters && listItems(parameters).length > 0) notSupported(op, `${kind} parameters`);
    switch (kind) {
      case 'FilterOperator': {
        const condition = child(op, 'Condition') ?? notSupported(op);
        return { rows: rows.filter((r) => truth(this.expr(condition, r)) === true) };
      }
      case 'ExtendOperator': {
        const exprs = listItems(child(op, 'Expressions'));
        return {
          rows: rows.map((r) => {
            const values = new Map<string, KValue>();
            const view = new MapRow(values, r.events, r);
            for (const x of exprs) {
              const [name, value] = this.named(x, view, 'extend');
              values.set(name, value);
            }
            return view;
          }),
        };
      }
      case 'ProjectOperator': {
        const exprs = listItems(child(op, 'Expressions'));
        const names = resultColumns(pipe);
        return {
          rows: rows.map((r) => {
            const values = new Map<string, KValue>();
            exprs.forEach((x, i) => {
              const named = kindName(x) === 'SimpleNamedExpression';
              const value = this.expr(named ? (child(x, 'Expression') ?? notSupported(x)) : x, r);
              values.set(names[i] ?? notSupported(x, 'a projection the language service does not name'), value);
            });
            return new MapRow(values, r.events);
          }),
        };
      }
      case 'ProjectRenameOperator': {
        const renames = listItems(child(op, 'Expressions')).map((x) => {
          if (kindName(x) !== 'SimpleNamedExpression') notSupported(x);
          const to = declaredName(x);
          const from = child(x, 'Expression');
          if (!from || kindName(from) !== 'NameReference') return notSupported(x, 'project-rename of an expression');
          return [to, from.ReferencedSymbol?.Name ?? tokenText(from)] as const;
        });
        const names = resultColumns(pipe);
        return {
          rows: rows.map((r) => {
            const values = new Map<string, KValue>();
            const fromOf = new Map(renames);
            for (const name of names) {
              const source = fromOf.get(name) ?? name;
              const v = r.get(source);
              values.set(name, v === undefined ? null : v);
            }
            return new MapRow(values, r.events);
          }),
        };
      }
      case 'SortOperator':
        return { rows: this.sort(op, rows) };
      case 'TakeOperator': {
        const n = toLong(this.expr(child(op, 'Expression') ?? notSupported(op), new MapRow(new Map(), [])));
        return { rows: rows.slice(0, Math.max(0, Number(n ?? 0))) };
      }
      case 'SummarizeOperator':
        return { rows: this.summarize(op, rows, pipe) };
      default:
        return notSupported(op, TABULAR_NAME[kind] ?? kind);
    }
  }

  named(x: KElement, row: Row, where: string): [string, KValue] {
    const kind = kindName(x);
    if (kind === 'SimpleNamedExpression')
      return [declaredName(x), this.expr(child(x, 'Expression') ?? notSupported(x), row)];
    if (kind === 'NameReference') return [x.ReferencedSymbol?.Name ?? tokenText(x), this.expr(x, row)];
    return notSupported(x, `an unnamed expression in ${where}`);
  }

  sort(op: KElement, rows: Row[]): Row[] {
    const keys = listItems(child(op, 'Expressions')).map((x) => {
      const ordered = kindName(x) === 'OrderedExpression';
      const expr = ordered ? (child(x, 'Expression') ?? notSupported(x)) : x;
      const ordering = ordered ? child(x, 'Ordering') : undefined;
      const text = ordering ? tokenText(ordering).toLowerCase() : '';
      const asc = /\basc\b/.test(text);
      // Kusto's defaults: descending; nulls first when ascending, last when descending.
      const nullsFirst = /nulls first/.test(text) ? true : /nulls last/.test(text) ? false : asc;
      return { expr, asc, nullsFirst };
    });
    const decorated = rows.map((r, i) => ({ r, i, k: keys.map((k) => this.expr(k.expr, r)) }));
    decorated.sort((a, b) => {
      for (let j = 0; j < keys.length; j++) {
        const key = keys[j] as (typeof keys)[number];
        const x = a.k[j] ?? null;
        const y = b.k[j] ?? null;
        const xn = unwrap(x) === null;
        const yn = unwrap(y) === null;
        if (xn || yn) {
          if (xn && yn) continue;
          return xn === key.nullsFirst ? -1 : 1;
        }
        const c = compare(x, y) ?? 0;
        if (c !== 0) return key.asc ? c : -c;
      }
      return a.i - b.i;
    });
    return decorated.map((d) => d.r);
  }

  summarize(op: KElement, rows: Row[], pipe: KElement): Row[] {
    const byClause = child(op, 'ByClause');
    const keyNodes = byClause ? listItems(child(byClause, 'Expressions')) : [];
    const aggNodes = listItems(child(op, 'Aggregates'));
    const names = resultColumns(pipe);
    const groups = new Map<string, { keys: KValue[]; rows: Row[] }>();
    for (const r of rows) {
      const keys = keyNodes.map((k) =>
        this.expr(kindName(k) === 'SimpleNamedExpression' ? (child(k, 'Expression') ?? notSupported(k)) : k, r),
      );
      const id = JSON.stringify(keys.map(keyOf));
      let g = groups.get(id);
      if (!g) {
        g = { keys, rows: [] };
        groups.set(id, g);
      }
      g.rows.push(r);
    }
    // Without `by`, summarize returns one row even over no rows.
    if (keyNodes.length === 0 && groups.size === 0) groups.set('[]', { keys: [], rows: [] });
    const fixedWidth = aggNodes.reduce((n, a) => n + this.aggregateWidth(a, 0), 0);
    const starWidth = names.length - keyNodes.length - fixedWidth;
    const out: Row[] = [];
    for (const g of groups.values()) {
      const values = new Map<string, KValue>();
      let col = 0;
      g.keys.forEach((k) => {
        values.set(names[col++] ?? notSupported(op, 'a summarize the language service does not name'), k);
      });
      for (const a of aggNodes) {
        const width = this.aggregateWidth(a, starWidth);
        const produced = this.aggregate(a, g.rows, names.slice(col, col + width));
        produced.forEach((v, i) => {
          values.set(names[col + i] as string, v);
        });
        col += width;
      }
      out.push(
        new MapRow(
          values,
          g.rows.flatMap((r) => r.events),
        ),
      );
    }
    return out;
  }

  /** Result columns an aggregate produces (arg_min/arg_max: one per argument, `*` for the rest). */
  aggregateWidth(a: KElement, star: number): number {
    const call = kindName(a) === 'SimpleNamedExpression' ? child(a, 'Expression') : a;
    if (!call || kindName(call) !== 'FunctionCallExpression') return 1;
    const name = functionName(call);
    if (name !== 'arg_max' && name !== 'arg_min') return 1;
    const args = callArguments(call);
    const stars = args.filter((x) => kindName(x) === 'StarExpression').length;
    return args.length - stars + (stars > 0 ? star : 0);
  }

  aggregate(a: KElement, rows: Row[], names: string[]): KValue[] {
    const call = kindName(a) === 'SimpleNamedExpression' ? child(a, 'Expression') : a;
    if (!call || kindName(call) !== 'FunctionCallExpression') return notSupported(a, 'an aggregate that is not a call');
    const name = functionName(call);
    const argNodes = callArguments(call);
    const values = (i: number): KValue[] => {
      const n = argNodes[i];
      if (!n) return notSupported(call, `${name} without its argument`);
      return rows.map((r) => this.expr(n, r));
    };
    const nonNull = (vs: KValue[]) => vs.filter((v) => unwrap(v) !== null);
    const constant = (i: number): KValue => {
      const n = argNodes[i];
      return n ? this.expr(n, new MapRow(new Map(), [])) : null;
    };
    switch (name) {
      case 'count':
        return [rows.length];
      case 'countif':
        return [values(0).filter((v) => truth(v) === true).length];
      case 'dcount':
        return [new Set(nonNull(values(0)).map((v) => JSON.stringify(keyOf(v)))).size];
      case 'dcountif': {
        const vs = values(0);
        const ps = values(1);
        return [
          new Set(nonNull(vs.filter((_, i) => truth(ps[i] ?? null) === true)).map((v) => JSON.stringify(keyOf(v))))
            .size,
        ];
      }
      case 'sum': {
        const vs = nonNull(values(0));
        if (vs.length === 0) return [null];
        if (vs.every((v) => typeof unwrap(v) === 'number' && Number.isInteger(unwrap(v)))) {
          return [vs.reduce<number>((s, v) => s + (unwrap(v) as number), 0)];
        }
        return [vs.reduce<number>((s, v) => s + (toReal(v) ?? 0), 0)];
      }
      case 'avg': {
        const vs = nonNull(values(0)).map((v) => toReal(v) ?? 0);
        return [vs.length === 0 ? null : vs.reduce((s, v) => s + v, 0) / vs.length];
      }
      case 'percentile': {
        const p = toReal(constant(1));
        const vs = nonNull(values(0)).sort((x, y) => compare(x, y) ?? 0);
        if (p === null || vs.length === 0) return [null];
        const rank = Math.min(vs.length, Math.max(1, Math.ceil((p / 100) * vs.length)));
        return [vs[rank - 1] ?? null];
      }
      case 'min':
      case 'max': {
        const vs = nonNull(values(0));
        if (vs.length === 0) return [null];
        return [vs.reduce((m, v) => ((compare(v, m) ?? 0) * (name === 'min' ? -1 : 1) > 0 ? v : m))];
      }
      case 'arg_min':
      case 'arg_max': {
        const by = values(0);
        let best = -1;
        by.forEach((v, i) => {
          if (unwrap(v) === null) return;
          if (best < 0) {
            best = i;
            return;
          }
          const c = compare(v, by[best] ?? null) ?? 0;
          if (name === 'arg_max' ? c > 0 : c < 0) best = i;
        });
        const row = best >= 0 ? rows[best] : undefined;
        const out: KValue[] = [best >= 0 ? (by[best] ?? null) : null];
        let n = 1;
        for (const x of argNodes.slice(1)) {
          if (kindName(x) === 'StarExpression') {
            const rest = names.length - (argNodes.length - 1);
            for (let i = 0; i < rest; i++) {
              const v = row?.get(names[n] as string);
              out.push(v === undefined ? null : v);
              n++;
            }
          } else {
            const target = kindName(x) === 'SimpleNamedExpression' ? (child(x, 'Expression') ?? notSupported(x)) : x;
            out.push(row ? this.expr(target, row) : null);
            n++;
          }
        }
        return out;
      }
      case 'make_set':
      case 'make_list': {
        const limit = argNodes.length > 1 ? Number(toLong(constant(1)) ?? 1_048_576) : 1_048_576;
        const out: JsonValue[] = [];
        const seen = new Set<string>();
        for (const v of nonNull(values(0))) {
          if (out.length >= limit) break;
          const key = JSON.stringify(keyOf(v));
          if (name === 'make_set') {
            if (seen.has(key)) continue;
            seen.add(key);
          }
          out.push(toPlain(v));
        }
        return [new KDynamic(out)];
      }
      case 'take_any': {
        if (argNodes.some((x) => kindName(x) === 'StarExpression')) notSupported(call, 'take_any(*)');
        const row = rows[0];
        return argNodes.map((x) => (row ? this.expr(x, row) : null));
      }
      default:
        return notSupported(call, `aggregation ${name}`);
    }
  }
}

const TABULAR_NAME: Readonly<Record<string, string>> = {
  JoinOperator: 'join',
  LookupOperator: 'lookup',
  TopOperator: 'top',
  DistinctOperator: 'distinct',
  MvExpandOperator: 'mv-expand',
  ParseOperator: 'parse',
};

const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map(
  (c) => parseCidr(c) as NonNullable<ReturnType<typeof parseCidr>>,
);

function declaredName(x: KElement): string {
  const decl = child(x, 'Name');
  const symbol = decl?.ReferencedSymbol;
  if (symbol?.Name) return symbol.Name;
  return decl ? tokenText(decl).replace(/^\[\s*['"](.*)['"]\s*\]$/s, '$1') : notSupported(x);
}

function resultColumns(pipe: KElement): string[] {
  return items(pipe.ResultType?.Columns).map((c) => c.Name);
}

/** A value as a grouping key: equal keys for equal values of the same type. */
function keyOf(v: KValue): unknown {
  const u = unwrap(v);
  if (u === null) return null;
  if (typeof u === 'bigint') return ['n', u.toString()];
  if (typeof u === 'number') return Number.isSafeInteger(u) ? ['n', String(u)] : ['r', u];
  if (u instanceof KDateTime) return ['d', u.ticks.toString()];
  if (u instanceof KTimespan) return ['t', u.ticks.toString()];
  if (u instanceof KDynamic) return ['j', u.value];
  return u;
}

function member(base: KValue, key: KValue): KValue {
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

function replaceRegex(text: string, re: RE2JS, rewrite: string): string {
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
function trimRegex(text: string, lead: RE2JS, tail: RE2JS): string {
  let s = text;
  const head = lead.matcher(s);
  if (head.lookingAt() && head.end() > 0) s = s.slice(head.end());
  const end = tail.matcher(s);
  return end.find() ? s.slice(0, end.start()) : s;
}

/** `a + b`, `a - b` on longs, reals, datetimes and timespans; null when either side is null. */
function arithmetic(op: '+' | '-', left: KValue, right: KValue, at: KElement): KValue {
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

function bin(value: KValue, size: KValue): KValue {
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
function datetimeDiff(part: string, a: KValue, b: KValue, at: KElement): KValue {
  if (!(a instanceof KDateTime) || !(b instanceof KDateTime)) return null;
  const unit = DIFF_UNITS[part.toLowerCase()];
  if (unit === undefined) return notSupported(at, `datetime_diff part ${part}`);
  if (part.toLowerCase() === 'nanosecond') return Number((a.ticks - b.ticks) * 100n);
  // Weeks start on Sunday in Kusto; 1970-01-01 was a Thursday.
  const offset = part.toLowerCase() === 'week' ? 4n * DIFF_UNITS.day! : 0n;
  return Number(floorDiv(a.ticks + offset, unit) - floorDiv(b.ticks + offset, unit));
}

function nowTicks(now: string | Date | undefined): bigint {
  if (now === undefined) return BigInt(Date.now()) * TICKS_PER_MS;
  if (now instanceof Date) return BigInt(now.getTime()) * TICKS_PER_MS;
  const d = parseDateTime(now);
  if (!d) throw new KqlRunError(`now: not a datetime: ${now}`);
  return d.ticks;
}

function byTable(input: KqlInput): Map<string, MdeEvent[]> {
  const tables = new Map<string, MdeEvent[]>();
  if (typeof (input as Iterable<MdeEvent>)[Symbol.iterator] === 'function') {
    for (const ev of input as Iterable<MdeEvent>) {
      let list = tables.get(ev.table);
      if (!list) {
        list = [];
        tables.set(ev.table, list);
      }
      list.push(ev);
    }
    return tables;
  }
  for (const [table, events] of Object.entries(input as Partial<Record<TableName, Iterable<MdeEvent>>>)) {
    if (events) tables.set(table, [...events]);
  }
  return tables;
}

/**
 * Run a query of the exported subset over Defender rows (`MdeEvent`s, or rows by table). Throws a
 * {@link KqlRunError} when the query does not bind (a language-service error) or uses a construct the
 * interpreter does not run.
 */
export function runKql(text: string, input: KqlInput, options: RunKqlOptions = {}): KqlResult {
  const code = analyzeKql(text);
  const errors = items(code.GetDiagnostics()).filter((d) => d.Severity === 'Error');
  const first = errors[0];
  if (first) {
    const err = new KqlRunError(`${first.Code}: ${first.Message}`);
    Object.assign(err, { start: first.Start, length: first.Length });
    throw err;
  }
  const statements = listItems(child(code.Syntax, 'Statements'));
  const statement = statements[0];
  if (statements.length !== 1 || !statement) throw new KqlRunError('expected exactly one query statement');
  if (kindName(statement) !== 'ExpressionStatement') notSupported(statement);
  const expression = child(statement, 'Expression') ?? notSupported(statement);
  const interpreter = new Interpreter(byTable(input), { now: nowTicks(options.now) });
  const { rows } = interpreter.tabular(expression);
  const columns = items(code.ResultType?.Columns).map((c) => c.Name);
  const types = new Map(items(code.ResultType?.Columns).map((c) => [c.Name, c.Type?.Name]));
  return {
    columns,
    rows: rows.map((r) => {
      const values: Record<string, JsonValue> = {};
      for (const c of columns) {
        const v = r.get(c);
        values[c] = toPlain(v === undefined ? (types.get(c) === 'string' ? '' : null) : v);
      }
      return { values, events: r.events };
    }),
  };
}
