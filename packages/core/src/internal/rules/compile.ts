import { isKnownTechnique } from '../attack/index.js';
import type { AlertGroup, AnyDetector, EvidenceField, EvidenceValue, Match, WindowSpec } from '../detector/types.js';
import type { MdeEvent } from '../model/event.js';
import { TABLE_COLUMNS } from '../model/tables.js';
import { templatePlaceholders } from '../report/template.js';
import { maxSeverity, type Severity } from '../severity.js';
import {
  compileCondition,
  type EventTest,
  type FieldUse,
  fieldValues,
  RuleProblem,
  readField,
  splitField,
} from './predicate.js';
import { DURATION_RE, type Rule } from './schema.js';

/** Template values every rule can use besides its evidence names. */
export const BUILTIN_VALUES = ['count', 'device', 'firstSeen', 'lastSeen'] as const;

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function durationMs(text: string): number {
  const m = DURATION_RE.exec(text)!;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** What a template shows for evidence that no matching row supplied. */
export const NO_VALUE = '(none)';

/** Separator of the key values of a rule with several `key` fields (` | `). */
export const KEY_SEPARATOR = ' | ';

/**
 * Compile a validated rule into a detector. Every check that can fail here names the rule path at
 * fault (a `RuleProblem`): unknown ATT&CK ids, fields no routed table has, placeholders that
 * are neither evidence nor built-in, evidence names or labels that clash.
 */
export function ruleToDetector(rule: Rule): AnyDetector {
  rule.mitre.forEach((t, i) => {
    if (!isKnownTechnique(t))
      throw new RuleProblem(['mitre', i], `"${t}" is not an active ATT&CK Enterprise technique of the shipped table`);
  });
  const uses: FieldUse[] = [];
  const where = compileCondition(rule.where, ['where'], uses);
  const escalations: { severity: Severity; test: EventTest }[] = rule.escalate.map((e, i) => ({
    severity: e.severity,
    test: compileCondition(e.where, ['escalate', i, 'where'], uses),
  }));
  rule.key.forEach((field, i) => {
    uses.push({ field, at: ['key', i] });
  });
  const labels = new Map<string, string>();
  for (const [name, ev] of Object.entries(rule.evidence)) {
    uses.push({ field: ev.from, at: ['evidence', name, 'from'] });
    if ((BUILTIN_VALUES as readonly string[]).includes(name))
      throw new RuleProblem(
        ['evidence', name],
        `"${name}" is a built-in template value; name the evidence otherwise`,
        true,
      );
    const label = ev.label ?? ev.from;
    const other = labels.get(label);
    if (!ev.hidden && other !== undefined)
      throw new RuleProblem(
        ['evidence', name, ev.label ? 'label' : 'from'],
        `the label "${label}" is also the label of evidence ${other}; give one a label`,
      );
    if (!ev.hidden) labels.set(label, name);
  }
  // A field that no routed table has can never hold a value: the condition would silently never
  // (or, under `not`, always) hold. A load error, not a warning: typos must not disable a rule.
  for (const use of uses) {
    const column = splitField(use.field)[0] as string;
    if (!rule.source.tables.some((t) => Object.hasOwn(TABLE_COLUMNS[t], column))) {
      throw new RuleProblem(
        use.at,
        `"${column}" is not a column of ${rule.source.tables.join(', ')}, so this can never match (column names are Microsoft's, case-sensitive)`,
        use.at[0] === 'where' || use.at[0] === 'escalate',
      );
    }
  }
  const names = new Set<string>([...Object.keys(rule.evidence), ...BUILTIN_VALUES]);
  for (const field of ['title', 'description', 'riskAssessment'] as const) {
    const unknown = templatePlaceholders(rule.messages[field]).filter((n) => !names.has(n));
    if (unknown.length)
      throw new RuleProblem(
        ['messages', field],
        `{${unknown[0]}} is neither an evidence name nor one of ${BUILTIN_VALUES.join(', ')}`,
      );
  }

  const keyPaths = rule.key.map(splitField);
  const text = (event: MdeEvent, path: readonly string[]): string =>
    fieldValues(readField(event, path)).map(String).join(', ');
  // Every evidence value comes from a field path through the same reader as the conditions (lists give
  // their elements, JSON keys are reached inside their column), so what `where` tests is what is shown.
  const evidence: Record<string, EvidenceField> = {};
  for (const [name, ev] of Object.entries(rule.evidence)) {
    const path = splitField(ev.from);
    evidence[name] = {
      from: (event: MdeEvent): readonly EvidenceValue[] => fieldValues(readField(event, path)),
      combine: ev.combine,
      label: ev.label ?? ev.from,
      ...(ev.cap !== undefined ? { cap: ev.cap } : {}),
      ...(ev.hidden ? { hidden: true } : {}),
    };
  }
  // The columns the rule reads: evidence events keep them (and testDetector checks nothing else is read).
  const columns = [...new Set(uses.map((u) => splitField(u.field)[0] as string))].sort();
  const window: WindowSpec | undefined = rule.window
    ? { sizeMs: durationMs(rule.window.size), threshold: rule.window.threshold }
    : undefined;
  const threshold = rule.threshold;

  const match = (event: MdeEvent): Match | undefined => {
    if (!where(event)) return undefined;
    let severity: Severity | undefined;
    for (const e of escalations)
      if (e.test(event)) severity = severity ? maxSeverity(severity, e.severity) : e.severity;
    return { key: keyPaths.map((p) => text(event, p)).join(KEY_SEPARATOR), ...(severity ? { severity } : {}) };
  };

  return {
    meta: {
      id: rule.id,
      title: rule.title,
      summary: rule.summary,
      rationale: rule.description,
      severity: rule.severity,
      ...(rule.severityNotes ? { severityNotes: rule.severityNotes } : {}),
      category: rule.category,
      mitre: rule.mitre,
      ...(rule.references.length ? { references: rule.references } : {}),
      ...(rule.falsePositives.length ? { falsePositives: rule.falsePositives } : {}),
      tables: rule.source.tables,
      ...(rule.source.actionTypes ? { actionTypes: rule.source.actionTypes } : {}),
      messages: { default: rule.messages },
      evidence,
      columns,
    },
    match,
    ...(window ? { window } : {}),
    // The hook: below a threshold the group emits no alert (null); evidence no row supplied reads as
    // "(none)" (0 for count and sum) in the text — a missing field is data here, not a bug of the rule.
    render: (group: AlertGroup) => {
      if (threshold !== undefined && group.count < threshold) return null;
      const values: Record<string, string | number> = {};
      for (const [name, ev] of Object.entries(rule.evidence)) {
        const v = (group.evidence as Readonly<Record<string, unknown>>)[name];
        if (ev.combine === 'count' || ev.combine === 'sum') values[name] = typeof v === 'number' ? v : 0;
        else if (v === undefined || (Array.isArray(v) && v.length === 0)) values[name] = NO_VALUE;
      }
      return Object.keys(values).length > 0 ? { values } : undefined;
    },
  };
}
