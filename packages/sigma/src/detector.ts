/**
 * One core detector per compiled Sigma rule: `sigma/<rule id>`, the rule's metadata, "why it matched"
 * evidence, the route's key columns, and the rule's author on every alert (DRL 1.1).
 */
import {
  type AnyDetector,
  type EvidenceField,
  isKnownTechnique,
  type Match,
  type MdeEvent,
  type TableName,
} from '@tripline/core';
import { z } from 'zod';
import { createEvalContext } from './eval.js';
import type { CompiledRule, Expr, FieldView, MatchExplanation, SigmaMapping } from './ir.js';

/** A Sigma field name, as rules spell it (`Image`, `TargetObject`). */
export type SigmaField = string;

/** The key columns each route's alerts show, by table. */
export const KEY_COLUMNS: Readonly<Partial<Record<TableName, readonly string[]>>> = {
  DeviceProcessEvents: [
    'FileName',
    'FolderPath',
    'ProcessCommandLine',
    'AccountDomain',
    'AccountName',
    'InitiatingProcessFileName',
    'InitiatingProcessCommandLine',
  ],
  DeviceFileEvents: ['FolderPath', 'FileName', 'InitiatingProcessFileName'],
  DeviceRegistryEvents: ['RegistryKey', 'RegistryValueName', 'RegistryValueData'],
  DeviceNetworkEvents: ['RemoteIP', 'RemotePort', 'RemoteUrl', 'InitiatingProcessFileName'],
};

/** Run-config options of every rule detector (one schema, shared). */
const OPTIONS_SCHEMA = z
  .object({ groupBy: z.array(z.string().min(1)).optional() })
  .strict()
  .default({});

/** Most distinct "why it matched" lines an alert keeps. */
export const MATCHED_CAP = 50;

/*
 * What every rule detector of a route declares alike is one frozen object, shared: a set of 1,800 rules
 * holds one evidence record per table, one message template and one list of value names, not 1,800
 * equal copies of each (and the engine keeps them by reference, see core's validateDetector).
 */
const EVIDENCE_BY_TABLE = new Map<TableName, Readonly<Record<string, EvidenceField>>>();
const TABLES = new Map<TableName, readonly TableName[]>();
const VALUE_NAMES: readonly string[] = Object.freeze([
  'ruleTitle',
  'ruleDescription',
  'attribution',
  'ruleId',
  'level',
  'attackOther',
]);
const MESSAGES = Object.freeze({
  default: Object.freeze({
    title: '{~ruleTitle}',
    description: '{~ruleDescription} {~attribution}.{~attackOther}',
    riskAssessment: 'Level {~level} (Sigma rule {ruleId}); {count} matching event(s) on {device}.',
  }),
});

/** The evidence a rule of `table` declares: why it matched, then the table's key columns. */
function evidenceOf(table: TableName): Readonly<Record<string, EvidenceField>> {
  let evidence = EVIDENCE_BY_TABLE.get(table);
  if (evidence === undefined) {
    const fields: Record<string, EvidenceField> = {
      matched: Object.freeze({ combine: 'distinct', cap: MATCHED_CAP, label: 'Why it matched' }),
    };
    for (const c of KEY_COLUMNS[table] ?? []) fields[c] = Object.freeze({ from: c, combine: 'distinct' });
    evidence = Object.freeze(fields);
    EVIDENCE_BY_TABLE.set(table, evidence);
  }
  return evidence;
}

function tablesOf(table: TableName): readonly TableName[] {
  let list = TABLES.get(table);
  if (list === undefined) {
    list = Object.freeze([table]);
    TABLES.set(table, list);
  }
  return list;
}

/** "selection › Field|modifier pattern ← value": one line of why a rule matched. */
export function explanationLine(e: MatchExplanation): string {
  return `${e.selection} › ${e.item} ${e.pattern} ← ${e.value}`;
}

/** Every field view an expression reads. */
export function exprViews(expr: Expr, out: FieldView[] = []): FieldView[] {
  switch (expr.kind) {
    case 'and':
    case 'or':
      for (const a of expr.args) exprViews(a, out);
      break;
    case 'not':
      exprViews(expr.arg, out);
      break;
    case 'pred': {
      const p = expr.pred;
      if (p.kind === 'keyword') out.push(...p.views);
      else if (p.kind === 'fieldref') out.push(p.view, p.other);
      else if (p.kind !== 'never') out.push(p.view);
      break;
    }
    case 'const':
      break;
  }
  return out;
}

function clipText(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** An absolute http(s) URL (parsed once: `URL.canParse` and then `new URL` parsed each reference twice). */
function isWebUrl(u: string): boolean {
  let protocol: string;
  try {
    protocol = new URL(u).protocol;
  } catch {
    return false;
  }
  return protocol === 'http:' || protocol === 'https:';
}

/** The DRL 1.1 attribution sentence every alert of a rule carries. */
export function attribution(author: string | undefined): string {
  return `Sigma rule by ${author?.trim() || 'an unnamed author'}, Detection Rule License 1.1`;
}

export interface DetectorOptions {
  readonly mapping: SigmaMapping;
  /** Fields whose values key the alerts (default: one alert per rule and device). */
  readonly groupBy?: readonly SigmaField[];
}

/** The key of a match: the group-by fields' values, ` | `-joined (`''` without group-by). */
export function groupKey(event: MdeEvent, views: readonly FieldView[]): string {
  if (views.length === 0) return '';
  return views
    .map((v) => {
      const x = v.get(event);
      return x === undefined || x === null ? '' : String(x);
    })
    .join(' | ');
}

/** Build the Match a rule's explanations make (shared by the detector's `match` and the family). */
export function matchOf(explanations: readonly MatchExplanation[], key: string): Match {
  return matchOfLines(matchLines(explanations), key);
}

/** The distinct "why it matched" lines of a rule's explanations, in order. */
export function matchLines(explanations: readonly MatchExplanation[]): readonly string[] {
  return [...new Set(explanations.map(explanationLine))];
}

/** The Match of lines made by {@link matchLines} (the family keeps the lines of a value's match). */
export function matchOfLines(lines: readonly string[], key: string): Match {
  return { key, ...(lines.length ? { evidence: { matched: lines } } : {}) };
}

/** Resolve group-by fields to views on a rule's route; fields without a column are left out. */
export function groupViews(
  rule: CompiledRule,
  mapping: SigmaMapping,
  fields: readonly SigmaField[] | undefined,
): FieldView[] {
  const out: FieldView[] = [];
  for (const f of fields ?? []) {
    const r = mapping.field(rule.route, f);
    if (r.ok) out.push(r.view);
  }
  return out;
}

/** The detector of one compiled rule. `groupBy` (load option) may be overridden per rule by the run config. */
export function ruleDetector(rule: CompiledRule, options: DetectorOptions): AnyDetector {
  const r = rule.rule;
  const loadViews = groupViews(rule, options.mapping, options.groupBy);
  const keyColumns = KEY_COLUMNS[rule.route.table] ?? [];
  const columns = new Set<string>();
  for (const v of [...exprViews(rule.expr), ...loadViews]) for (const c of v.columns) columns.add(c);
  for (const c of keyColumns) columns.delete(c);
  const known = rule.techniques.filter((t) => isKnownTechnique(t));
  const unknown = rule.techniques.filter((t) => !isKnownTechnique(t));
  const title = r.title.length >= 3 ? clipText(r.title, 120) : `Sigma rule ${r.title}`;
  const description = r.description?.trim() || `Sigma rule "${r.title}".`;
  const logsource = [r.logsource.product, r.logsource.category, r.logsource.service].filter(Boolean).join('/') || 'any';
  const references = r.references.filter(isWebUrl);
  const falsePositives = r.falsepositives.map((f) => f.trim()).filter((f) => f.length > 0);
  const level = r.level ?? 'medium';
  const attackNote = unknown.length
    ? ` ATT&CK tags not in tripline's technique table (kept as written): ${unknown.join(', ')}.`
    : '';
  // The keys of VALUE_NAMES, in its order.
  const values = {
    ruleTitle: r.title,
    ruleDescription: description,
    attribution: attribution(r.author),
    ruleId: r.id ?? '',
    level,
    attackOther: attackNote,
  };
  // Group-by views a run config asks for, per field list (made on the first match that needs them).
  let viewCache: Map<string, FieldView[]> | undefined;
  // Not defineDetector: the engine validates every detector it loads (validateDetector), and the corpus
  // test validates every member, so compiling 1,800 rules does not validate each twice. The metadata is
  // frozen all the way down: the engine then validates it once per process, not once per analyzer (a
  // stream creates one per batch).
  const detector: AnyDetector = {
    meta: Object.freeze({
      id: rule.detectorId,
      title,
      summary: clipText(description.length >= 10 ? description : `Sigma rule "${r.title}": ${description}`, 2000),
      rationale: `${attribution(r.author)} (${rule.rule.source.file}). Level ${level}${r.status ? `, status ${r.status}` : ''}; the severity is the rule's level.${attackNote}`,
      severity: rule.severity,
      category: clipText(`Sigma ${logsource}`, 80),
      mitre: Object.freeze(known),
      ...(references.length ? { references: Object.freeze(references) } : {}),
      ...(falsePositives.length ? { falsePositives: Object.freeze(falsePositives) } : {}),
      tables: tablesOf(rule.route.table),
      ...(rule.route.actionTypes?.length ? { actionTypes: Object.freeze(rule.route.actionTypes) } : {}),
      options: OPTIONS_SCHEMA,
      evidence: evidenceOf(rule.route.table),
      columns: Object.freeze([...columns].sort()),
      values: VALUE_NAMES,
      messages: MESSAGES,
    }),
    match(event, ctx) {
      const explanations = rule.test(createEvalContext(event));
      if (!explanations) return undefined;
      const fields = ctx.options?.groupBy;
      let views = loadViews;
      if (fields) {
        const k = fields.join('\u0000');
        viewCache ??= new Map();
        views = viewCache.get(k) ?? groupViews(rule, options.mapping, fields);
        viewCache.set(k, views);
      }
      return matchOf(explanations, groupKey(event, views));
    },
    render: () => ({ values }),
  };
  return Object.freeze(detector);
}
