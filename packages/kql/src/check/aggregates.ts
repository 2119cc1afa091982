import type { JsonValue } from '@tripline/core';
import { compare, MapRow, notSupported, type Row, truth } from './runtime.js';
import { keyOf, resultColumns } from './scalars.js';
import { child, type KElement, kindName, listItems } from './service.js';
import { callArguments, functionName, tokenText } from './syntax.js';
import { KDynamic, type KValue, toLong, toPlain, toReal, unwrap } from './values.js';

// `summarize` and `sort`: groups, aggregates and ordering of rows.

/** Result columns an aggregate produces (arg_min/arg_max: one per argument, `*` for the rest). */
export function aggregateWidth(a: KElement, star: number): number {
  const call = kindName(a) === 'SimpleNamedExpression' ? child(a, 'Expression') : a;
  if (!call || kindName(call) !== 'FunctionCallExpression') return 1;
  const name = functionName(call);
  if (name !== 'arg_max' && name !== 'arg_min') return 1;
  const args = callArguments(call);
  const stars = args.filter((x) => kindName(x) === 'StarExpression').length;
  return args.length - stars + (stars > 0 ? star : 0);
}

/** The values of one aggregate over a group's rows (`expr` evaluates an expression in a row). */
export function aggregate(
  a: KElement,
  rows: Row[],
  names: string[],
  expr: (e: KElement, row: Row) => KValue,
): KValue[] {
  const call = kindName(a) === 'SimpleNamedExpression' ? child(a, 'Expression') : a;
  if (!call || kindName(call) !== 'FunctionCallExpression') return notSupported(a, 'an aggregate that is not a call');
  const name = functionName(call);
  const argNodes = callArguments(call);
  const values = (i: number): KValue[] => {
    const n = argNodes[i];
    if (!n) return notSupported(call, `${name} without its argument`);
    return rows.map((r) => expr(n, r));
  };
  const nonNull = (vs: KValue[]) => vs.filter((v) => unwrap(v) !== null);
  const constant = (i: number): KValue => {
    const n = argNodes[i];
    return n ? expr(n, new MapRow(new Map(), [])) : null;
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
        new Set(nonNull(vs.filter((_, i) => truth(ps[i] ?? null) === true)).map((v) => JSON.stringify(keyOf(v)))).size,
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
          out.push(row ? expr(target, row) : null);
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
      return argNodes.map((x) => (row ? expr(x, row) : null));
    }
    default:
      return notSupported(call, `aggregation ${name}`);
  }
}

/** `sort by`: a stable sort of the rows on the keys (`expr` evaluates a key in a row). */
export function sortRows(op: KElement, rows: Row[], expr: (e: KElement, row: Row) => KValue): Row[] {
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
  const decorated = rows.map((r, i) => ({ r, i, k: keys.map((k) => expr(k.expr, r)) }));
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

/** `summarize`: one row per group of the `by` keys, with the aggregates' columns (`expr` evaluates in a row). */
export function summarize(op: KElement, rows: Row[], pipe: KElement, expr: (e: KElement, row: Row) => KValue): Row[] {
  const byClause = child(op, 'ByClause');
  const keyNodes = byClause ? listItems(child(byClause, 'Expressions')) : [];
  const aggNodes = listItems(child(op, 'Aggregates'));
  const names = resultColumns(pipe);
  const groups = new Map<string, { keys: KValue[]; rows: Row[] }>();
  for (const r of rows) {
    const keys = keyNodes.map((k) =>
      expr(kindName(k) === 'SimpleNamedExpression' ? (child(k, 'Expression') ?? notSupported(k)) : k, r),
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
  const fixedWidth = aggNodes.reduce((n, a) => n + aggregateWidth(a, 0), 0);
  const starWidth = names.length - keyNodes.length - fixedWidth;
  const out: Row[] = [];
  for (const g of groups.values()) {
    const values = new Map<string, KValue>();
    let col = 0;
    g.keys.forEach((k) => {
      values.set(names[col++] ?? notSupported(op, 'a summarize the language service does not name'), k);
    });
    for (const a of aggNodes) {
      const width = aggregateWidth(a, starWidth);
      const produced = aggregate(a, g.rows, names.slice(col, col + width), expr);
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
