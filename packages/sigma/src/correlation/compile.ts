/**
 * Sigma correlations → core detectors that run on the engine's windows. One detector per correlation
 * (`sigma/<correlation id>`): its `match` evaluates the referenced rules on the event and returns a match
 * keyed by the `group-by` values (tagged with the rule, carrying the value field for `value_*`); its
 * `window` is the correlation's type, condition and timespan. Every limit is a reason in the load report.
 */
import {
  type AnyDetector,
  defineDetector,
  type EvidenceField,
  isKnownTechnique,
  type Match,
  type MdeEvent,
  type Severity,
  type TableName,
  type WindowComparison,
  type WindowSpec,
} from '@tripline/core';
import { techniquesOf } from '../compile.js';
import { explanationLine, exprViews } from '../detector.js';
import type {
  CompiledRule,
  EvalContext,
  FieldView,
  LoadEntry,
  LoadReason,
  MatchExplanation,
  SigmaCorrelation,
  SigmaCorrelationCondition,
  SigmaMapping,
  SigmaReason,
} from '../ir.js';

export interface CorrelationOptions {
  readonly mapping: SigmaMapping;
  /** A fresh evaluation context for one event (the loader's per-event memo of field views). */
  readonly context: (event: MdeEvent) => EvalContext;
  /** Detector ids already taken (the rules'): a correlation with the same id is a `duplicate-id`. */
  readonly takenIds?: ReadonlySet<string>;
}

export interface CompiledCorrelations {
  /** One detector per loaded correlation, in source order. */
  readonly detectors: readonly AnyDetector[];
  /** One load entry per correlation, in source order. */
  readonly entries: readonly LoadEntry[];
  /**
   * Detector ids of the rules that only correlations without `generate: true` refer to: Sigma 2.1 does
   * not emit them on their own. The loader leaves them out of the family (correlations still evaluate them).
   */
  readonly quiet: ReadonlySet<string>;
}

/** Sigma field names that name the device an event is about (the engine groups per device anyway). */
export const DEVICE_FIELDS: ReadonlySet<string> = new Set([
  'ComputerName',
  'Computer',
  'Hostname',
  'HostName',
  'DeviceName',
  'DeviceId',
]);

/** Reasons that make a correlation load with a weaker meaning. */
const DEGRADING: ReadonlySet<SigmaReason> = new Set<SigmaReason>(['semantic-degraded']);

/** Most "why it matched" lines a correlation alert keeps. */
export const CORRELATION_MATCHED_CAP = 50;

const COMPARISONS: readonly WindowComparison[] = ['gte', 'gt', 'lte', 'lt', 'eq', 'neq'];
const SYMBOL: Readonly<Record<WindowComparison, string>> = {
  gte: '≥',
  gt: '>',
  lte: '≤',
  lt: '<',
  eq: '=',
  neq: '≠',
};

class Unsupported extends Error {
  constructor(readonly reason: LoadReason) {
    super(reason.message);
  }
}

function refuse(code: SigmaReason, message: string, at?: string): never {
  throw new Unsupported({ code, message, ...(at !== undefined ? { at } : {}) });
}

/** A detector id from a correlation's id, else its name, else its title: `sigma/<lower-case, dashes>`. */
export function correlationDetectorId(c: SigmaCorrelation): string {
  const raw = c.id ?? c.name ?? c.title;
  const slug = raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return `sigma/${slug || 'correlation'}`;
}

/** The built-in view of a device field the mapping does not know: the row's `DeviceName`. */
function deviceView(field: string): FieldView {
  return {
    field,
    key: `correlation.device.${field}`,
    columns: ['DeviceName'],
    get: (e) => e.str('DeviceName'),
  };
}

/** Documents by reference: ids compare case-insensitively (UUIDs), names exactly; an id wins over a name. */
class RefIndex<T> {
  readonly #ids = new Map<string, T>();
  readonly #names = new Map<string, T>();
  add(id: string | undefined, name: string | undefined, value: T): void {
    if (id !== undefined && !this.#ids.has(id.toLowerCase())) this.#ids.set(id.toLowerCase(), value);
    if (name !== undefined && !this.#names.has(name)) this.#names.set(name, value);
  }
  get(ref: string): T | undefined {
    return this.#ids.get(ref.toLowerCase()) ?? this.#names.get(ref);
  }
  has(ref: string): boolean {
    return this.get(ref) !== undefined;
  }
}

/** True when a view reads only the device's identity (the engine groups by device anyway). */
function isDeviceView(view: FieldView): boolean {
  return (
    DEVICE_FIELDS.has(view.field) ||
    (view.columns.length > 0 && view.columns.every((c) => c === 'DeviceName' || c === 'DeviceId'))
  );
}

/** True when some group-by field names the device on every rule (through aliases and the mapping). */
export function groupsByDevice(bases: readonly { readonly by: readonly FieldView[] }[]): boolean {
  const n = bases[0]?.by.length ?? 0;
  for (let i = 0; i < n; i++) if (bases.every((b) => isDeviceView(b.by[i]!))) return true;
  return false;
}

/** One referenced rule as the correlation runs it. */
interface Base {
  /** The reference as the correlation writes it (the window's tag). */
  readonly ref: string;
  readonly rule: CompiledRule;
  /** Group-by views, in group-by order. */
  readonly by: readonly FieldView[];
  /** The `value_*` field's view. */
  readonly value: FieldView | undefined;
}

/** The comparisons of a condition, in a fixed order. */
function comparisons(c: SigmaCorrelationCondition | undefined): [WindowComparison, number][] {
  const out: [WindowComparison, number][] = [];
  if (!c) return out;
  for (const op of COMPARISONS) {
    const v = c[op];
    if (v !== undefined) out.push([op, v]);
  }
  return out;
}

/** The window of a correlation, or a refusal. */
export function correlationWindow(c: SigmaCorrelation): WindowSpec {
  const k = c.correlation;
  const sizeMs = k.timespanMs;
  const cmp = comparisons(k.condition);
  if (cmp.length > 2)
    refuse(
      'correlation-unsupported',
      `the condition has ${cmp.length} comparisons; at most two (a range) are supported`,
      'condition',
    );
  const bounds = (): Pick<WindowSpec, 'threshold' | 'compare' | 'and'> => {
    if (cmp.length === 0)
      refuse('correlation-unsupported', `a ${k.type} correlation needs a condition (gte, gt, …)`, 'condition');
    const [[op, threshold], second] = [cmp[0]!, cmp[1]];
    return {
      threshold,
      ...(op === 'gte' ? {} : { compare: op }),
      ...(second ? { and: { compare: second[0], threshold: second[1] } } : {}),
    };
  };
  const needField = () => {
    if (!k.condition?.field)
      refuse('correlation-unsupported', `a ${k.type} correlation needs condition.field`, 'condition.field');
  };
  switch (k.type) {
    case 'event_count':
      return { sizeMs, ...bounds() };
    case 'value_count':
      needField();
      return { sizeMs, measure: 'distinct', ...bounds() };
    case 'value_sum':
      needField();
      return { sizeMs, measure: 'sum', ...bounds() };
    case 'value_avg':
      needField();
      return { sizeMs, measure: 'avg', ...bounds() };
    case 'value_percentile': {
      needField();
      const p = k.condition?.percentile;
      if (p === undefined || !(p >= 0 && p <= 100))
        refuse(
          'correlation-unsupported',
          'value_percentile needs condition.percentile (0–100: which percentile of the field is compared); without it the comparison is ambiguous',
          'condition.percentile',
        );
      return { sizeMs, measure: 'percentile', percentile: p, ...bounds() };
    }
    case 'temporal': {
      const tags = [...k.rules];
      if (k.condition?.field !== undefined)
        refuse(
          'correlation-unsupported',
          'a temporal correlation counts rules; its condition names no field',
          'condition.field',
        );
      return { sizeMs, measure: 'tags', tags, ...(cmp.length ? bounds() : { threshold: tags.length }) };
    }
    case 'temporal_ordered': {
      const tags = [...k.rules];
      const all = cmp.length === 0 || (cmp.length === 1 && cmp[0]![0] === 'gte' && cmp[0]![1] === tags.length);
      if (!all)
        refuse(
          'correlation-unsupported',
          'temporal_ordered runs with every rule in order; a condition asking for fewer (or other counts) is not supported',
          'condition',
        );
      return { sizeMs, measure: 'tags', tags, ordered: true, threshold: tags.length };
    }
  }
}

/** The condition as a phrase: `event_count ≥ 10 within 5m`. */
function conditionText(c: SigmaCorrelation, w: WindowSpec): string {
  const k = c.correlation;
  const field = k.condition?.field;
  const of =
    k.type === 'event_count'
      ? 'matching events'
      : k.type === 'value_count'
        ? `distinct ${field}`
        : k.type === 'value_sum'
          ? `sum of ${field}`
          : k.type === 'value_avg'
            ? `average ${field}`
            : k.type === 'value_percentile'
              ? `${w.percentile}th percentile of ${field}`
              : w.ordered
                ? `rules in order (${k.rules.join(' → ')})`
                : `rules (${k.rules.join(', ')})`;
  const bound = `${SYMBOL[w.compare ?? 'gte']} ${w.threshold}${w.and ? ` and ${SYMBOL[w.and.compare]} ${w.and.threshold}` : ''}`;
  const by = k.groupBy.length ? `, grouped by ${k.groupBy.join(', ')}` : '';
  return `${of} ${bound} within ${k.timespanText}${by}`;
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Resolve a correlation's references and fields; refusals throw {@link Unsupported}. */
function resolveBases(
  c: SigmaCorrelation,
  rulesByRef: RefIndex<CompiledRule>,
  correlationRefs: RefIndex<SigmaCorrelation>,
  mapping: SigmaMapping,
): Base[] {
  const k = c.correlation;
  if (k.rules.length === 0) refuse('schema-invalid', 'the correlation names no rules', 'rules');
  if (new Set(k.rules).size !== k.rules.length) refuse('schema-invalid', 'the correlation names a rule twice', 'rules');
  const bases: Base[] = [];
  for (const ref of k.rules) {
    const rule = rulesByRef.get(ref);
    if (rule === undefined) {
      if (correlationRefs.has(ref))
        refuse(
          'correlation-unsupported',
          `refers to the correlation ${ref}: chained correlations are not run (a correlation's windows give one alert per group, not one event per window a further correlation could count)`,
          'rules',
        );
      refuse(
        'correlation-rule-missing',
        `refers to ${ref}, which is not a loaded rule (not found, or skipped)`,
        'rules',
      );
    }
    const view = (name: string, what: string): FieldView => {
      const field = (rule.rule.name !== undefined ? k.aliases[name]?.[rule.rule.name] : undefined) ?? name;
      const r = mapping.field(rule.route, field);
      if (r.ok) return r.view;
      if (DEVICE_FIELDS.has(field)) return deviceView(field);
      return refuse(
        'field-unmapped',
        `${what} ${field} of rule ${ref} has no MDE column on ${rule.route.table}: ${r.reason.message}`,
        what,
      );
    };
    const by = k.groupBy.map((g) => view(g, 'group-by'));
    const field = k.condition?.field;
    const needsValue = k.type.startsWith('value_');
    bases.push({ ref, rule, by, value: needsValue && field ? view(field, 'condition.field') : undefined });
  }
  return bases;
}

/** True when the event is on the rule's route (table, ActionType). */
function onRoute(rule: CompiledRule, event: MdeEvent): boolean {
  if (event.table !== rule.route.table) return false;
  const acts = rule.route.actionTypes;
  if (!acts || acts.length === 0) return true;
  const a = event.get('ActionType');
  return typeof a === 'string' && acts.includes(a);
}

/** The number a `value_sum`/`avg`/`percentile` field holds, or undefined. */
function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function explained(ref: string, e: MatchExplanation): string {
  return `${ref}: ${explanationLine(e)}`;
}

/** The attribution sentence (DRL 1.1): the correlation's author and its rules' authors. */
export function correlationAttribution(c: SigmaCorrelation, bases: readonly Base[]): string {
  const ruleAuthors = [...new Set(bases.map((b) => b.rule.rule.author?.trim()).filter((a): a is string => !!a))];
  const own = c.author?.trim() || 'an unnamed author';
  const rules = ruleAuthors.length ? `; its rules by ${ruleAuthors.join('; ')}` : '';
  return `Sigma correlation by ${own}${rules}; Detection Rule License 1.1`;
}

/** The detector of one correlation over its resolved rules. */
function correlationDetector(
  c: SigmaCorrelation,
  id: string,
  bases: readonly Base[],
  window: WindowSpec,
  options: CorrelationOptions,
): AnyDetector {
  const k = c.correlation;
  const temporal = window.measure === 'tags';
  const valueMeasure =
    window.measure === 'distinct' ? 'text' : window.measure === undefined || temporal ? undefined : 'number';
  const tables = [...new Set(bases.map((b) => b.rule.route.table))].sort() as TableName[];
  const anyAction = bases.some((b) => !b.rule.route.actionTypes?.length);
  const actionTypes = anyAction ? undefined : [...new Set(bases.flatMap((b) => b.rule.route.actionTypes ?? []))].sort();
  // Evidence: the group-by values, the rules that matched, the value field's values, why it matched.
  const evidence: Record<string, EvidenceField> = {};
  const labels = new Set<string>();
  k.groupBy.forEach((g, i) => {
    evidence[`by${i}`] = { combine: 'first', label: g };
    labels.add(g);
  });
  evidence.rules = { combine: 'distinct', label: 'Correlated rules' };
  const field = k.condition?.field;
  if (valueMeasure && field) {
    const label =
      labels.has(field) || field === 'Correlated rules' || field === 'Why it matched' ? `${field} (values)` : field;
    evidence.values = { combine: 'distinct', label };
  }
  evidence.matched = { combine: 'distinct', cap: CORRELATION_MATCHED_CAP, label: 'Why it matched' };
  const columns = new Set<string>();
  for (const b of bases) {
    const views: FieldView[] = exprViews(b.rule.expr, [...b.by, ...(b.value ? [b.value] : [])]);
    for (const v of views) for (const col of v.columns) columns.add(col);
  }
  const all = techniquesOf(c.tags);
  const known = all.filter((t) => isKnownTechnique(t));
  const unknown = all.filter((t) => !isKnownTechnique(t));
  const attackNote = unknown.length
    ? ` ATT&CK tags not in tripline's technique table (kept as written): ${unknown.join(', ')}.`
    : '';
  const level = c.level ?? 'medium';
  const condition = conditionText(c, window);
  const description = c.description?.trim() || `Sigma correlation "${c.title}".`;
  const values = {
    ruleTitle: c.title,
    ruleDescription: description,
    attribution: correlationAttribution(c, bases),
    ruleId: c.id ?? c.name ?? c.title,
    level,
    condition,
    attackOther: attackNote,
  };
  const references = c.references.filter((u) => URL.canParse(u) && /^https?:/i.test(u));
  const falsePositives = c.falsepositives.map((f) => f.trim()).filter((f) => f.length > 0);
  const perDevice = !groupsByDevice(bases);
  return defineDetector({
    meta: {
      id,
      title: c.title.length >= 3 ? clip(c.title, 120) : `Sigma correlation ${c.title}`,
      summary: clip(`Sigma ${k.type} correlation: ${condition}. ${description}`, 2000),
      rationale: `${values.attribution} (${c.source.file}). Level ${level}${c.status ? `, status ${c.status}` : ''}; the severity is the correlation's level.${perDevice ? ' Counted per device: the engine groups every alert by device.' : ''}${attackNote}`,
      severity: level as Severity,
      category: 'Sigma correlation',
      mitre: known,
      ...(references.length ? { references } : {}),
      ...(falsePositives.length ? { falsePositives } : {}),
      tables,
      ...(actionTypes?.length ? { actionTypes } : {}),
      evidence,
      columns: [...columns].sort(),
      values: Object.keys(values),
      messages: {
        default: {
          title: '{~ruleTitle}',
          description: '{~ruleDescription} {~attribution}.{~attackOther}',
          riskAssessment:
            'Level {~level} (Sigma correlation {ruleId}): {~condition}; {count} matching event(s) on {device}.',
        },
      },
    },
    match(event) {
      let ctx: EvalContext | undefined;
      let out: Match[] | undefined;
      for (const b of bases) {
        if (!onRoute(b.rule, event)) continue;
        ctx ??= options.context(event);
        const explanations = b.rule.test(ctx);
        if (!explanations) continue;
        // A row without a group-by value belongs to no group: it takes no part.
        const by: string[] = [];
        for (const v of b.by) {
          const t = ctx.text(v);
          if (t === undefined) break;
          by.push(t);
        }
        if (by.length !== b.by.length) continue;
        const key = by.length === 0 ? '' : by.length === 1 ? by[0]! : JSON.stringify(by);
        let value: string | number | undefined;
        if (b.value) value = valueMeasure === 'number' ? numeric(ctx.value(b.value)) : ctx.text(b.value);
        const ev: Record<string, string | readonly string[]> = {};
        by.forEach((v, i) => {
          ev[`by${i}`] = v;
        });
        if (b.value && value !== undefined) ev.values = String(value);
        const lines = explanations.slice(0, 8).map((e) => explained(b.ref, e));
        if (lines.length) ev.matched = lines;
        const same = temporal ? undefined : out?.find((o) => o.key === key);
        if (same) {
          // One event counts once per group (event_count, value_*): the first rule that matched it
          // stands for it; the evidence names every rule.
          const ev0 = same.evidence as Record<string, string | readonly string[]>;
          ev0.rules = [...(ev0.rules as readonly string[]), b.ref];
          if (lines.length) ev0.matched = [...((ev0.matched as readonly string[] | undefined) ?? []), ...lines];
          continue;
        }
        ev.rules = [b.ref];
        const m: Match = { key, tag: b.ref, ...(value !== undefined ? { value } : {}), evidence: ev };
        if (out) out.push(m);
        else out = [m];
      }
      return out;
    },
    window,
    render: () => ({ values }),
  });
}

/**
 * Compile `correlations` over the loaded `rules`. Never throws: a correlation that cannot run as
 * written is a skipped entry with its reasons.
 */
export function compileCorrelations(
  correlations: readonly SigmaCorrelation[],
  rules: readonly CompiledRule[],
  options: CorrelationOptions,
): CompiledCorrelations {
  const rulesByRef = new RefIndex<CompiledRule>();
  for (const r of rules) rulesByRef.add(r.rule.id, r.rule.name, r);
  const correlationRefs = new RefIndex<SigmaCorrelation>();
  for (const c of correlations) correlationRefs.add(c.id, c.name, c);
  const taken = new Set(options.takenIds ?? []);
  const detectors: AnyDetector[] = [];
  const entries: LoadEntry[] = [];
  const generated = new Set<string>();
  const referenced = new Set<string>();
  for (const c of correlations) {
    const k = c.correlation;
    for (const ref of k.rules) {
      const r = rulesByRef.get(ref);
      if (r === undefined) continue;
      referenced.add(r.detectorId);
      if (k.generate) generated.add(r.detectorId);
    }
    const base = { id: c.id, title: c.title, kind: 'correlation' as const, source: c.source };
    const id = correlationDetectorId(c);
    try {
      if (taken.has(id)) refuse('duplicate-id', `another rule or correlation already loaded as ${id}`, 'id');
      const bases = resolveBases(c, rulesByRef, correlationRefs, options.mapping);
      const window = correlationWindow(c);
      const reasons: LoadReason[] = [];
      if (!groupsByDevice(bases))
        reasons.push({
          code: 'semantic-degraded',
          message: `group-by (${k.groupBy.join(', ') || 'none'}) names no device field: the engine groups per device, so matches on different devices are counted apart`,
          at: 'group-by',
        });
      const unknown = techniquesOf(c.tags).filter((t) => !isKnownTechnique(t));
      for (const t of unknown)
        reasons.push({
          code: 'attack-unknown',
          message: `${t} is not in the ATT&CK technique table tripline ships; kept as written`,
          at: 'tags',
        });
      const detector = correlationDetector(c, id, bases, window, options);
      taken.add(id);
      detectors.push(detector);
      const tables = [...new Set(bases.map((b) => b.rule.route.table))].sort() as TableName[];
      entries.push({
        ...base,
        status: reasons.some((r) => DEGRADING.has(r.code)) ? 'degraded' : 'loaded',
        reasons: reasons.map((r) => ({ ...r, position: r.position ?? c.source })),
        ...(tables.length === 1 ? { table: tables[0]! } : {}),
        ...(detector.meta.actionTypes ? { actionTypes: detector.meta.actionTypes } : {}),
        detectorId: id,
      });
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      entries.push({ ...base, status: 'skipped', reasons: [{ ...error.reason, position: c.source }] });
    }
  }
  const quiet = new Set([...referenced].filter((d) => !generated.has(d)));
  return { detectors, entries, quiet };
}
