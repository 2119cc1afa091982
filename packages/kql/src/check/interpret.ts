/**
 * `runKql`: an interpreter for exactly the KQL subset the exporter writes (`KQL_SUBSET`), walking the
 * language service's own syntax tree and bound symbols, over Defender rows (`MdeEvent`s). It exists to
 * prove that an exported query means what the local engine means, without a Kusto cluster; anything
 * outside the subset is an error naming the construct, never a silent false.
 */
import type { JsonValue, MdeEvent, TableName } from '@tripline/core';
import { sortRows, summarize } from './aggregates.js';
import { callFunction } from './functions.js';
import { KqlRunError } from './run-error.js';
import {
  BINARY,
  columnDefault,
  compare,
  EventRow,
  equal,
  listValues,
  literal,
  MapRow,
  notSupported,
  type Row,
  regex,
  STRING_OPERATORS,
  truth,
} from './runtime.js';
import { arithmetic, declaredName, member, resultColumns, TABULAR_NAME } from './scalars.js';
import { analyzeKql, child, items, type KElement, kindName, listItems } from './service.js';
import { callArguments, expressionList, operatorOf, tokenText } from './syntax.js';
import { KTimespan, type KValue, parseDateTime, TICKS_PER_MS, toLong, toPlain, toStr, unwrap } from './values.js';

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

// ---- the interpreter ----

interface Scope {
  readonly now: bigint;
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
    const argNodes = callArguments(e);
    const arg = (i: number): KValue => {
      const n = argNodes[i];
      return n ? this.expr(n, row) : null;
    };
    const args = (): KValue[] => argNodes.map((n) => this.expr(n, row));
    return callFunction(e, argNodes, arg, args, this.scope.now);
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
        return { rows: sortRows(op, rows, (e, r) => this.expr(e, r)) };
      case 'TakeOperator': {
        const n = toLong(this.expr(child(op, 'Expression') ?? notSupported(op), new MapRow(new Map(), [])));
        return { rows: rows.slice(0, Math.max(0, Number(n ?? 0))) };
      }
      case 'SummarizeOperator':
        return { rows: summarize(op, rows, pipe, (e, r) => this.expr(e, r)) };
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
