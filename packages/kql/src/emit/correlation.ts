/**
 * Sigma correlations → KQL: the queries of the correlated rules (each as the rule exports) tagged with
 * the rule's reference, unioned, then `summarize … by DeviceId, <group-by>, bin(Timestamp, <timespan>)`
 * and the condition. The local engine counts per device in sliding windows; Kusto's `bin()` buckets
 * are fixed, so every exported correlation carries a `fixed-buckets` warning. `temporal_ordered` and
 * chained correlations are refused.
 */
import { type CompiledRule, correlationWindow, type SigmaCorrelation, type SigmaMapping } from '@tripline/sigma';
import type { ExportedRule, ExportSource, KqlRefusal, KqlWarning } from '../ir.js';
import { kqlNumber, kqlString } from './literal.js';
import { IDENTITY_COLUMNS, ruleQueryParts } from './sigma.js';
import { stringValue, viewForm } from './views.js';

/** Sigma field names that name the device (the engine groups per device anyway): the row's `DeviceName`. */
const DEVICE_FIELDS: ReadonlySet<string> = new Set([
  'ComputerName',
  'Computer',
  'Hostname',
  'HostName',
  'DeviceName',
  'DeviceId',
]);

/** The correlation's detector id, as `@tripline/sigma` names it: `sigma/<id, else name, else title>`. */
export function correlationId(c: SigmaCorrelation): string {
  const slug = (c.id ?? c.name ?? c.title)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return `sigma/${slug || 'correlation'}`;
}

/** ATT&CK technique ids of tags (`attack.t1110.001` → `T1110.001`). */
function techniques(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const tag of tags) {
    const m = /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(tag);
    if (m && !out.includes(m[1]!.toUpperCase())) out.push(m[1]!.toUpperCase());
  }
  return out;
}

function correlationSource(c: SigmaCorrelation, id: string): ExportSource {
  return {
    id,
    kind: 'sigma-correlation',
    title: c.title,
    description: c.description ?? '',
    severity: c.level ?? 'medium',
    techniques: techniques(c.tags),
    ...(c.author !== undefined ? { author: c.author } : {}),
    references: c.references,
    falsePositives: c.falsepositives,
    file: c.source.file,
  };
}

/** A timespan literal: the largest unit that divides the span (`5m`, `90s`, `1500ms`). */
export function kqlTimespan(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const OPS = { gte: '>=', gt: '>', lte: '<=', lt: '<', eq: '==', neq: '!=' } as const;

/** A column name for a group-by field: `By_<field>` when the field is an identifier, else `By_<index>`. */
function byColumn(field: string, i: number): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(field) ? `By_${field}` : `By_${i}`;
}

/**
 * One correlation over the compiled rules it names (`rules`: the load's compiled rules; references by
 * id, case-insensitive, or by name), with the mapping the rules were compiled with. `correlations`:
 * the other correlations of the load, to refuse chained ones.
 */
export function exportSigmaCorrelation(
  c: SigmaCorrelation,
  rules: readonly CompiledRule[],
  mapping: SigmaMapping,
  correlations: readonly SigmaCorrelation[] = [],
  id: string = correlationId(c),
): ExportedRule {
  const source = correlationSource(c, id);
  const refuse = (code: KqlRefusal['code'], message: string, at?: string): ExportedRule => ({
    ok: false,
    source,
    refusals: [{ code, message, ...(at !== undefined ? { at } : {}) }],
  });
  const k = c.correlation;
  if (k.type === 'temporal_ordered') {
    return refuse(
      'correlation-unsupported',
      'temporal_ordered needs the rules to match in order inside a window: per group, summarize gives each rule its earliest and latest time, not a sequence (A then B then C), so order cannot be checked faithfully',
      'correlation.type',
    );
  }
  let window: ReturnType<typeof correlationWindow>;
  try {
    window = correlationWindow(c);
  } catch (error) {
    return refuse('correlation-unsupported', error instanceof Error ? error.message : String(error), 'condition');
  }
  const byRef = (ref: string): CompiledRule | undefined =>
    rules.find((r) => r.rule.id !== undefined && r.rule.id.toLowerCase() === ref.toLowerCase()) ??
    rules.find((r) => r.rule.name === ref);
  const refusals: KqlRefusal[] = [];
  const warnings: KqlWarning[] = [];
  const members: string[] = [];
  const byNames = k.groupBy.map(byColumn);
  const valueField = k.type.startsWith('value_') ? k.condition?.field : undefined;
  const numericValue = k.type === 'value_sum' || k.type === 'value_avg' || k.type === 'value_percentile';
  for (const ref of k.rules) {
    const rule = byRef(ref);
    if (rule === undefined) {
      const chained = correlations.some(
        (o) => o !== c && ((o.id !== undefined && o.id.toLowerCase() === ref.toLowerCase()) || o.name === ref),
      );
      refusals.push(
        chained
          ? {
              code: 'correlation-unsupported',
              message: `refers to the correlation ${ref}: chained correlations are not exported (nor run locally)`,
              at: 'rules',
            }
          : { code: 'not-loaded', message: `refers to ${ref}, which is not a loaded rule`, at: 'rules' },
      );
      continue;
    }
    const parts = ruleQueryParts(rule);
    refusals.push(...parts.refusals);
    for (const w of parts.warnings) warnings.push({ code: w.code, message: `${ref}: ${w.message}` });
    const extend: string[] = [`tl_Rule = ${kqlString(ref)}`, `tl_Order = ${members.length}`];
    const where: string[] = [];
    const fieldExpr = (name: string, what: string): string | undefined => {
      const field = (rule.rule.name !== undefined ? k.aliases[name]?.[rule.rule.name] : undefined) ?? name;
      const view = mapping.field(rule.route, field);
      if (!view.ok) {
        if (DEVICE_FIELDS.has(field)) return 'DeviceName';
        refusals.push({ code: 'field-no-kql', message: `${what} ${field}: ${view.reason.message}`, at: what });
        return undefined;
      }
      const form = viewForm(view.view.key);
      if (!form.ok) {
        refusals.push({ code: 'field-no-kql', message: `${what} ${field}: ${form.reason}`, at: what });
        return undefined;
      }
      // The view's own extends, when the rule's query did not already make them.
      for (const [n, e] of form.kql.extend) {
        const line = `| extend ${n} = ${e}`;
        if (!parts.lines.includes(line) && !extend.includes(`${n} = ${e}`)) extend.push(`${n} = ${e}`);
      }
      if (numericValue && what === 'condition.field') {
        return `toreal(${form.kql.value})`;
      }
      return stringValue(form.kql);
    };
    k.groupBy.forEach((g, i) => {
      const x = fieldExpr(g, 'group-by');
      if (x === undefined) return;
      extend.push(`${byNames[i]} = ${x}`);
      where.push(`isnotempty(${byNames[i]})`);
    });
    if (valueField !== undefined) {
      const x = fieldExpr(valueField, 'condition.field');
      if (x !== undefined) extend.push(`tl_Value = ${x}`);
    }
    const lines = [rule.route.table, ...parts.lines];
    // Extends one per line: a later one may read an earlier one.
    for (const e of extend) lines.push(`| extend ${e}`);
    if (where.length) lines.push(`| where ${where.join(' and ')}`);
    const keep = [
      ...IDENTITY_COLUMNS,
      'tl_Rule',
      'tl_Order',
      ...byNames,
      ...(valueField !== undefined ? ['tl_Value'] : []),
    ];
    lines.push(`| project ${keep.join(', ')}`);
    members.push(lines.join('\n'));
  }
  if (refusals.length) return { ok: false, source, refusals };
  const tables = [...new Set(k.rules.map((r) => byRef(r)!.route.table))].sort();
  const span = kqlTimespan(k.timespanMs);
  const text: string[] = [];
  if (members.length === 1) text.push(members[0]!);
  else text.push(`union\n${members.map((m) => `(${m.split('\n').join('\n  ')})`).join(',\n')}`);
  if (members.length > 1 && k.type !== 'temporal') {
    // An event several of the rules match counts once, with the first rule's value, as the local
    // correlation merges the matches of one event that share a group.
    const carried = valueField !== undefined ? 'tl_Rule, tl_Value' : 'tl_Rule';
    text.push(
      `| summarize arg_min(tl_Order, ${carried}) by ${['DeviceId', 'DeviceName', 'ReportId', 'Timestamp', ...byNames].join(', ')}`,
    );
  }
  if (valueField !== undefined)
    text.push(numericValue ? '| where isnotnull(tl_Value)' : '| where isnotempty(tl_Value)');
  let measure: string;
  let aggregate: string;
  switch (k.type) {
    case 'event_count':
      aggregate = 'tl_Count = count()';
      measure = 'tl_Count';
      break;
    case 'value_count':
      aggregate = 'tl_Values = make_set(tl_Value)';
      measure = 'array_length(tl_Values)';
      break;
    case 'value_sum':
      aggregate = 'tl_Sum = sum(tl_Value)';
      measure = 'tl_Sum';
      break;
    case 'value_avg':
      aggregate = 'tl_Avg = avg(tl_Value)';
      measure = 'tl_Avg';
      break;
    case 'value_percentile':
      aggregate = `tl_Percentile = percentile(tl_Value, ${window.percentile})`;
      measure = 'tl_Percentile';
      break;
    default:
      aggregate = 'tl_Rules = make_set(tl_Rule)';
      measure = 'array_length(tl_Rules)';
  }
  const keys = ['DeviceId', ...byNames, `tl_Window = bin(Timestamp, ${span})`];
  text.push(`| summarize ${aggregate}, arg_max(Timestamp, ReportId, DeviceName) by ${keys.join(', ')}`);
  const bound = (op: keyof typeof OPS, n: number): string => `${measure} ${OPS[op]} ${kqlNumber(n) ?? n}`;
  const cond = [bound(window.compare ?? 'gte', window.threshold)];
  if (window.and) cond.push(bound(window.and.compare, window.and.threshold));
  text.push(`| where ${cond.join(' and ')}`);
  const out = ['Timestamp', 'DeviceId', 'DeviceName', 'ReportId', 'tl_Window', ...byNames];
  out.push(aggregate.split(' = ')[0]!);
  text.push(`| project ${out.join(', ')}`);
  warnings.unshift({
    code: 'fixed-buckets',
    message: `Kusto counts in fixed ${span} buckets (bin(Timestamp, ${span})); tripline's ${k.timespanText} window slides, so events that straddle a bucket boundary are counted locally but not here${k.type === 'value_percentile' ? "; Kusto's percentile() is an estimate" : ''}`,
  });
  return {
    ok: true,
    source,
    query: { text: text.join('\n'), tables, columns: out, windowMs: k.timespanMs, warnings },
  };
}
