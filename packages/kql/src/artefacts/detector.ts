import { type AnyDetector, TABLE_COLUMNS, TABLE_NAMES, type TableName } from '@tripline/core';
import type { ExportedRule, ExportSource, KqlWarning } from '../ir.js';

/** What a hand-written detector's export is about: its metadata as an {@link ExportSource}. */
export function detectorSource(detector: AnyDetector): ExportSource {
  const m = detector.meta;
  return {
    id: m.id,
    kind: 'detector',
    title: m.title,
    description: m.summary,
    severity: m.severity,
    techniques: [...m.mitre],
    references: [...(m.references ?? [])],
    falsePositives: [...(m.falsePositives ?? [])],
  };
}

/** The tables a query names, in the catalog's order (a table name as a whole word outside string literals). */
export function queryTables(text: string): TableName[] {
  const code = text.replace(/@"(?:[^"]|"")*"|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|\/\/[^\n]*/g, ' ');
  return TABLE_NAMES.filter((t) => new RegExp(`(?<![A-Za-z0-9_])${t}(?![A-Za-z0-9_])`).test(code));
}

/** Split a `project` list at its top-level commas. */
function splitTopLevel(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (quote !== undefined) {
      if (c === '\\' && quote !== '@') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      out.push(list.slice(start, i));
      start = i + 1;
    }
  }
  out.push(list.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

/**
 * The result columns of a query: the names of its last line's `project` (`Name = expr` gives `Name`),
 * or, for a query that ends otherwise, the columns every table it reads has (they pass through).
 */
export function queryColumns(text: string, tables: readonly TableName[]): string[] {
  const lines = text.trimEnd().split('\n');
  const last = lines[lines.length - 1] ?? '';
  const project = /^\s*\|\s*project\s+(.*)$/.exec(last);
  if (project?.[1] !== undefined)
    return splitTopLevel(project[1]).map((item) => (/^([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(item)?.[1] ?? item).trim());
  const [first, ...rest] = tables;
  if (first === undefined) return [];
  return Object.keys(TABLE_COLUMNS[first]).filter((c) => rest.every((t) => c in TABLE_COLUMNS[t]));
}

/**
 * A hand-written detector as an exported rule: its declared query (`meta.kql.query`, with its notes as
 * a warning) or a `detector-no-query` refusal — with the reason the detector gives (`meta.kql.unsupported`),
 * or because it declares nothing.
 */
export function exportDetector(detector: AnyDetector): ExportedRule {
  const source = detectorSource(detector);
  const kql = detector.meta.kql;
  if (kql === undefined)
    return {
      ok: false,
      source,
      refusals: [{ code: 'detector-no-query', message: 'the detector declares no query (meta.kql)' }],
    };
  if ('unsupported' in kql)
    return { ok: false, source, refusals: [{ code: 'detector-no-query', message: kql.unsupported }] };
  const text = kql.query.trim();
  const tables = queryTables(text);
  const warnings: KqlWarning[] = [];
  if (kql.notes !== undefined && kql.notes.trim() !== '')
    warnings.push({ code: kql.windowMs !== undefined ? 'fixed-buckets' : 'detector-notes', message: kql.notes.trim() });
  return {
    ok: true,
    source,
    query: {
      text,
      tables,
      columns: queryColumns(text, tables),
      ...(kql.windowMs !== undefined ? { windowMs: kql.windowMs } : {}),
      warnings,
    },
  };
}
