import { isKnownTechnique } from '../attack/index.js';
import { templatePlaceholders } from '../detector/define.js';
import type { AlertGroup, AnyDetector, Match, Rendered, WindowSpec } from '../detector/types.js';
import type { MdeEvent } from '../model/event.js';
import { TABLE_COLUMNS } from '../model/tables.js';
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

/** Distinct values kept per evidence name unless `cap` says otherwise. */
const DEFAULT_CAP = 200;

/** Separator of the key values of a rule with several `key` fields (` | `). */
export const KEY_SEPARATOR = ' | ';

/**
 * Compile a validated rule into a detector. Every check that can fail here names the rule path at
 * fault (a `RuleProblem`): unknown ATT&CK ids, fields no routed table has, placeholders that
 * are neither evidence nor built-in, combines the engine cannot keep.
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
  for (const [name, ev] of Object.entries(rule.evidence)) {
    uses.push({ field: ev.from, at: ['evidence', name, 'from'] });
    if (ev.combine !== 'distinct' && ev.combine !== 'first' && ev.combine !== 'last')
      throw new RuleProblem(
        ['evidence', name, 'combine'],
        `combine "${ev.combine}" is not supported yet (use distinct, first or last)`,
      );
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
  const evidence = Object.entries(rule.evidence).map(([name, ev]) => ({ name, path: splitField(ev.from), ...ev }));
  const text = (event: MdeEvent, path: readonly string[]): string[] => fieldValues(readField(event, path)).map(String);
  const window: WindowSpec | undefined = rule.window
    ? { sizeMs: durationMs(rule.window.size), threshold: rule.window.threshold }
    : undefined;

  const match = (event: MdeEvent): Match | undefined => {
    if (!where(event)) return undefined;
    let severity: Severity | undefined;
    for (const e of escalations)
      if (e.test(event)) severity = severity ? maxSeverity(severity, e.severity) : e.severity;
    const collect: Record<string, string[]> = {};
    const data: Record<string, string> = {};
    for (const ev of evidence) {
      const values = text(event, ev.path);
      if (values.length === 0) continue;
      if (ev.combine === 'distinct') collect[ev.name] = values;
      else data[ev.name] = values.join(', ');
    }
    return {
      key: keyPaths.map((p) => text(event, p).join(', ')).join(KEY_SEPARATOR),
      ...(severity ? { severity } : {}),
      collect,
      data,
    };
  };

  const render = (group: AlertGroup): Rendered | undefined => {
    if (rule.threshold !== undefined && group.count < rule.threshold) return undefined;
    const values: Record<string, string | number> = {
      count: group.count,
      device: group.device.name,
      firstSeen: group.firstSeen,
      lastSeen: group.lastSeen,
    };
    const keyComponents: Record<string, string | readonly string[]> = {};
    for (const ev of evidence) {
      const value =
        ev.combine === 'distinct'
          ? group.collected[ev.name]?.slice(0, ev.cap ?? DEFAULT_CAP)
          : (ev.combine === 'first' ? group.firstData : group.lastData)[ev.name];
      values[ev.name] = Array.isArray(value) ? value.join(', ') : String(value ?? '');
      if (!ev.hidden && value !== undefined && (!Array.isArray(value) || value.length > 0))
        keyComponents[ev.label ?? ev.from] = Array.isArray(value) ? [...value] : String(value);
    }
    return { values, keyComponents };
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
    },
    match,
    ...(window ? { window } : {}),
    render,
  };
}
