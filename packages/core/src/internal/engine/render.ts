/**
 * Rendering and severity policy: a group becomes an alert. The engine derives the values and key
 * components from the declared evidence (a `render` hook's answer merged over them), fills the
 * templates, applies the configured severity and keeps the evidence events' declared columns.
 */
import { hash } from 'node:crypto';
import { techniqueName } from '../attack/index.js';
import type { AlertGroup, DeviceState, EvidenceValue } from '../detector/types.js';
import { eventParts, type MdeEvent } from '../model/event.js';
import { fillTemplate } from '../report/template.js';
import type { Alert, EvidenceEvent } from '../report/types.js';
import { maxSeverity, type Severity, severityRank } from '../severity.js';
import type { DetectorFailed } from './diagnostics.js';
import type { EvidencePlan, GroupAcc } from './group.js';
import { describeError, put, type Rendered, readRendered } from './guards.js';
import type { Runtime } from './runtime.js';
import { windowReached } from './window.js';

/**
 * Stable alert id: the same detector, device and subject give the same id on every run.
 *
 * The hash input is `detectorId NUL deviceId NUL key`, which is unambiguous as long as the device id
 * holds no NUL (a detector id never does; the key is the rest). A device id with a NUL would let two
 * subjects share an id (device `a` + key `b\0c` and device `a\0b` + key `c`), so such a tuple is hashed
 * as `detectorId NUL JSON([deviceId, key])`: JSON escapes NUL, so that form holds exactly one NUL and
 * can match neither the ordinary form (two NULs) nor another tuple. Ids of ordinary inputs are unchanged.
 */
export function alertId(detectorId: string, deviceId: string, key: string): string {
  const input = deviceId.includes('\u0000')
    ? `${detectorId}\u0000${JSON.stringify([deviceId, key])}`
    : `${detectorId}\u0000${deviceId}\u0000${key}`;
  return `tl-${hash('sha256', input, 'hex').slice(0, 20)}`;
}

/**
 * The alert of a group, or undefined: its window is not reached, the `render` hook declined (`null`)
 * or failed (a diagnostic). `device` is the group's device state.
 */
export function renderGroup(
  detectorFailed: DetectorFailed,
  rt: Runtime,
  g: GroupAcc,
  device: DeviceState,
): Alert | undefined {
  const timeline = g.sortedTimeline();
  if (rt.window && !windowReached(timeline, rt.window)) return undefined;
  const view = g.view(device, g.severity, timeline, rt.plan) as unknown as AlertGroup;
  let output: unknown;
  if (rt.render) {
    try {
      output = rt.render.call(rt.detector, view, rt.ctx);
    } catch (error) {
      detectorFailed(rt, 'detector-threw', `render threw: ${describeError(error)}`, g.events[0]);
      return undefined;
    }
  }
  // The engine derives the alert from the evidence; a render hook's answer merges over it.
  if (output === null) return undefined;
  let hook: Rendered | undefined;
  if (output !== undefined) {
    // From here on only the engine's copy is used: the plugin's object is never read again.
    const read = readRendered(output, rt.meta.messages);
    if (typeof read === 'string') {
      detectorFailed(rt, 'detector-malformed-render', read, g.events[0]);
      return undefined;
    }
    hook = read;
  }
  const rendered = deriveRendered(rt.plan, g, view, hook);
  const variant = rendered.variant ?? 'default';
  const templates = rt.meta.messages[variant]!;
  // Every placeholder must be filled: a gap is the detector's bug, reported as an error diagnostic
  // (which fails `testDetector`), and the alert says "(value missing)" rather than `{name}`.
  let values = rendered.values;
  const missing = unfilledPlaceholders(rt, variant, values);
  if (missing.length) {
    const where = missing.map(([field, names]) => `${names.map((n) => `{${n}}`).join(', ')} in the ${field}`);
    detectorFailed(
      rt,
      'detector-unfilled-placeholder',
      `${where.join('; ')} of variant "${variant}" has no value (no evidence value and no render value)`,
      g.events[0],
    );
    const patched: Record<string, string | number> = { ...values };
    for (const [, names] of missing) for (const n of names) put(patched, n, MISSING_VALUE);
    values = Object.freeze(patched);
  }
  const severity = alertSeverity(rt, rendered.severity ?? g.severity);
  const mitreIds = rendered.mitre ?? rt.meta.mitre;
  const keyComponents = rendered.keyComponents;
  return Object.freeze({
    id: alertId(rt.id, g.deviceId, g.key),
    detectorId: rt.id,
    title: fillTemplate(templates.title, values),
    severity,
    category: rt.meta.category,
    mitre: Object.freeze(mitreIds.map((id) => Object.freeze({ id, name: techniqueName(id)! }))),
    description: fillTemplate(templates.description, values),
    riskAssessment: fillTemplate(templates.riskAssessment, values),
    device: Object.freeze({ id: device.id, name: device.name }),
    firstSeen: g.span.first,
    lastSeen: g.span.last,
    evidence: Object.freeze({
      eventCount: g.count,
      keyComponents: Object.freeze(keyComponents),
      events: Object.freeze(g.events.map((e) => toEvidence(e, rt.keepColumns))),
    }),
    key: g.key,
    relatedAlerts: view.relatedAlerts,
    message: Object.freeze({ templates, values }),
  });
}

/**
 * The severity an alert gets from its own (the group's, or render's). A configured severity replaces
 * the detector's default; escalations the detector makes above its default for specific evidence (a
 * reverse shell, a successful brute force) still apply on top.
 */
function alertSeverity(rt: Runtime, own: Severity): Severity {
  const escalated = severityRank(own) > severityRank(rt.meta.severity);
  return rt.severityOverride ? (escalated ? maxSeverity(rt.severityOverride, own) : rt.severityOverride) : own;
}

/** What an alert shows for a placeholder its detector did not fill (with an error diagnostic). */
const MISSING_VALUE = '(value missing)';

/** Placeholders of a variant's templates that `values` does not fill, per template field. */
function unfilledPlaceholders(
  rt: Runtime,
  variant: string,
  values: Readonly<Record<string, string | number>>,
): (readonly [field: string, names: readonly string[]])[] {
  const out: [string, string[]][] = [];
  for (const [field, names] of rt.placeholders.get(variant) ?? []) {
    const gaps = names.filter((n) => !Object.hasOwn(values, n));
    if (gaps.length) out.push([field, gaps]);
  }
  return out;
}

/** An evidence event: identity plus the row, whole or only the `keep` columns. */
function toEvidence(event: MdeEvent, keep: ReadonlySet<string> | undefined): EvidenceEvent {
  const source: { source: string; line?: number; record?: number } = { source: event.source.source };
  if (event.source.line !== undefined) source.line = event.source.line;
  if (event.source.record !== undefined) source.record = event.source.record;
  return {
    table: event.table,
    timestamp: event.timestamp,
    ...(event.actionType !== undefined ? { actionType: event.actionType } : {}),
    ...(event.reportId !== undefined ? { reportId: event.reportId } : {}),
    source,
    fields: keep === undefined ? event.toRecord() : trimmedRecord(event, keep),
  };
}

/**
 * `event.toRecord()` cut to the `keep` columns, in the row's column order: only the kept columns are
 * read (the row's other columns are not even normalised), so a JSON-in-text column the alert does not
 * keep (AdditionalFields, most often) is never parsed.
 */
function trimmedRecord(event: MdeEvent, keep: ReadonlySet<string>): ReturnType<MdeEvent['toRecord']> {
  const out: ReturnType<MdeEvent['toRecord']> = {};
  for (const k of Object.keys(eventParts(event).raw)) {
    if (!keep.has(k)) continue;
    const v = event.get(k);
    if (v !== undefined && v !== null) put(out, k, v);
  }
  return out;
}

/** The engine's alert text and key components of a group with declared evidence, the hook's merged over them. */
function deriveRendered(plan: EvidencePlan, g: GroupAcc, view: AlertGroup, hook: Rendered | undefined): Rendered {
  const values: Record<string, string | number> = {
    count: g.count,
    device: view.device.name,
    firstSeen: g.span.first,
    lastSeen: g.span.last,
  };
  const keyComponents: Record<string, string | readonly string[]> = {};
  const evidence = view.evidence as Readonly<Record<string, unknown>>;
  for (let i = 0; i < plan.names.length; i++) {
    const name = plan.names[i]!;
    if (!g.hasEvidence(i)) {
      // A count or sum of nothing is 0 in the text; it is not shown as a key component.
      const combine = plan.combines[i];
      if (combine === 'count' || combine === 'sum') put(values, name, 0);
      continue;
    }
    const v = evidence[name];
    const label = plan.labels[i];
    if (Array.isArray(v)) {
      if (v.length === 0) continue;
      const texts = Object.freeze(v.map(evidenceText));
      put(values, name, texts.join(', '));
      if (label !== undefined) put(keyComponents, label, texts);
    } else if (v !== undefined) {
      put(values, name, typeof v === 'number' ? v : evidenceText(v as EvidenceValue));
      if (label !== undefined) put(keyComponents, label, evidenceText(v as EvidenceValue));
    }
  }
  if (hook) {
    for (const k of Object.keys(hook.values)) put(values, k, hook.values[k]!);
    for (const k of Object.keys(hook.keyComponents)) put(keyComponents, k, hook.keyComponents[k]!);
  }
  const out: { -readonly [K in keyof Rendered]: Rendered[K] } = {
    values: Object.freeze(values),
    keyComponents: Object.freeze(keyComponents),
    variant: hook?.variant ?? view.variant,
  };
  if (hook?.severity !== undefined) out.severity = hook.severity;
  if (hook?.mitre !== undefined) out.mitre = hook.mitre;
  return out;
}

/** Text of an evidence value: numbers in decimal, booleans `true`/`false`. */
function evidenceText(v: EvidenceValue): string {
  return typeof v === 'string' ? v : String(v);
}
