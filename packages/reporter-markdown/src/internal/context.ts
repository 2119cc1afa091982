import type { Alert, AnalysisResult, DetectorInfo, Finding } from '@tripline/core';
import { fleetFindings } from '@tripline/core/unstable';
import { type DeviceRef, deviceNames } from './devices.js';
import { codeSpan, escapeMarkdownText } from './escape.js';
import { rank } from './format.js';
import type { ResolvedOptions } from './options.js';
import { alertText, type TextContext } from './template.js';

/** An alert with its report number (`ALERT-001`, by position in the run's sorted alert list). */
export interface NumberedAlert {
  readonly alert: Alert;
  readonly number: string;
}

/**
 * A finding on two or more devices, shown as one section (`FINDING-NNN`) in place of the sections of
 * its alerts. `items` are its shown alerts, in report order.
 */
export interface FleetFinding {
  readonly finding: Finding;
  readonly number: string;
  readonly items: readonly NumberedAlert[];
  /** Distinct devices among `items`. */
  readonly devices: number;
}

/** What every section renderer needs: the result, options, numbering and text helpers. */
export interface RenderContext {
  readonly result: AnalysisResult;
  readonly opts: ResolvedOptions;
  /** Alerts at or above `minSeverity`, in the run's order. */
  readonly shown: readonly NumberedAlert[];
  /** Report number per alert id. */
  readonly numberById: ReadonlyMap<string, string>;
  readonly detectors: ReadonlyMap<string, DetectorInfo>;
  /**
   * The shown findings on two or more devices (the fleet rollup), in the order of their first shown
   * alerts (the run's order: severity, then time), which is also the order of their numbers.
   * Empty when every finding is on one device: the report is then laid out alert by alert, as before.
   */
  readonly fleet: readonly FleetFinding[];
  /** The fleet finding an alert is rolled up into, by alert. */
  readonly fleetOf: ReadonlyMap<Alert, FleetFinding>;
  /** Untrusted value as a code span. */
  code(value: unknown): string;
  /** Untrusted value as a code span for a table cell (shorter). */
  cellCode(value: unknown): string;
  /** Untrusted plain text, escaped and defanged. */
  text(value: unknown): string;
  /** Untrusted plain text for a table cell. */
  cellText(value: unknown): string;
  /** True when the result concerns at most one device (by DeviceId): the header names it, rows and titles do not repeat it. */
  readonly singleDevice: boolean;
  /**
   * A device's name as Markdown: a code span, followed by `(id \`3f1c7a9e\`)` when another DeviceId
   * has the same name. `full` keeps the DNS domain; otherwise it is dropped when no other device has
   * the same host name.
   */
  device(device: DeviceRef | undefined, options?: { readonly inTable?: boolean; readonly full?: boolean }): string;
  /** An alert's title / description / risk assessment from its template. */
  alertTitle(alert: Alert, inTable?: boolean): string;
  alertDescription(alert: Alert): string;
  alertRisk(alert: Alert): string;
}

/** Longest value in a table cell. */
const CELL_MAX = 80;

function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      return '[unserialisable]';
    }
  }
  return String(value);
}

/** Build the context; `alerts` keep their run order and get numbers by position. */
export function createContext(result: AnalysisResult, opts: ResolvedOptions): RenderContext {
  const alerts = Array.isArray(result.alerts) ? result.alerts : [];
  const width = Math.max(3, String(alerts.length).length);
  const numbered = alerts.map((alert, i) => ({ alert, number: `ALERT-${String(i + 1).padStart(width, '0')}` }));
  const min = opts.minSeverity === undefined ? -1 : rank(opts.minSeverity);
  const shown = numbered.filter((n) => rank(n.alert.severity) >= min);
  const numberById = new Map<string, string>();
  for (const n of numbered) if (!numberById.has(n.alert.id)) numberById.set(n.alert.id, n.number);
  const detectors = new Map<string, DetectorInfo>();
  for (const d of Array.isArray(result.detectors) ? result.detectors : []) detectors.set(d.id, d);
  const { fleet, fleetOf } = fleetRollup(result, shown);

  const max = opts.maxValueLength;
  const cellMax = Math.min(max, CELL_MAX);
  const tctx: TextContext = { maxValueLength: max };
  const cctx: TextContext = { maxValueLength: cellMax, inTable: true };
  const messages = (a: Alert) => a.message ?? { templates: undefined, values: undefined };
  const names = deviceNames(result);
  const device: RenderContext['device'] = (d, options = {}) => {
    const label = options.full ? names.full(d) : names.short(d);
    const limit = options.inTable ? { maxLength: cellMax, inTable: true } : { maxLength: max };
    const name = codeSpan(label.name, limit);
    return label.idPrefix === undefined ? name : `${name} (id ${codeSpan(label.idPrefix, limit)})`;
  };
  /** A template value equal to the alert's DeviceName is shown as {@link device} shows it. */
  const deviceValue = (a: Alert, inTable: boolean) =>
    typeof a.device?.name === 'string' && a.device.name !== ''
      ? { device: { name: a.device.name, markdown: device(a.device, { inTable }) } }
      : {};

  return {
    result,
    opts,
    shown,
    numberById,
    detectors,
    fleet,
    fleetOf,
    code: (v) => codeSpan(str(v), { maxLength: max }),
    cellCode: (v) => codeSpan(str(v), { maxLength: cellMax, inTable: true }),
    text: (v) => escapeMarkdownText(str(v), { maxLength: max }),
    cellText: (v) => escapeMarkdownText(str(v), { maxLength: max }),
    singleDevice: names.count <= 1,
    device,
    alertTitle: (a, inTable = false) =>
      alertText(messages(a).templates?.title, messages(a).values, a.title, {
        ...(inTable ? cctx : tctx),
        ...deviceValue(a, inTable),
        plainMaxLength: 200,
      }),
    alertDescription: (a) =>
      alertText(messages(a).templates?.description, messages(a).values, a.description, {
        ...tctx,
        ...deviceValue(a, false),
        plainMaxLength: 4000,
      }),
    alertRisk: (a) =>
      alertText(messages(a).templates?.riskAssessment, messages(a).values, a.riskAssessment, {
        ...tctx,
        ...deviceValue(a, false),
        plainMaxLength: 4000,
      }),
  };
}

/**
 * The fleet rollup of the shown alerts: each finding with two or more devices among its shown alerts.
 * A result without `findings` (a hand-built one) gets them from its alerts. An alert a finding names
 * is taken once (the first finding that names it); an alert no finding takes keeps its own section,
 * so nothing is lost whatever the findings say.
 */
function fleetRollup(
  result: AnalysisResult,
  shown: readonly NumberedAlert[],
): { fleet: FleetFinding[]; fleetOf: Map<Alert, FleetFinding> } {
  const fleet: FleetFinding[] = [];
  const fleetOf = new Map<Alert, FleetFinding>();
  if (shown.length < 2) return { fleet, fleetOf };
  const findings: readonly Finding[] = Array.isArray(result.findings)
    ? result.findings
    : fleetFindings(
        shown.map((n) => n.alert),
        Array.isArray(result.detectors) ? result.detectors : [],
      );
  const position = new Map(shown.map((n, i) => [n, i]));
  const byId = new Map<string, NumberedAlert[]>();
  for (const n of shown) {
    const list = byId.get(n.alert.id);
    if (list) list.push(n);
    else byId.set(n.alert.id, [n]);
  }
  const taken = new Set<NumberedAlert>();
  const candidates: { finding: Finding; items: NumberedAlert[]; devices: number }[] = [];
  for (const finding of findings) {
    if (!(finding?.devices >= 2) || !Array.isArray(finding.alerts)) continue;
    const items: NumberedAlert[] = [];
    for (const id of finding.alerts) {
      for (const n of byId.get(id) ?? []) {
        if (taken.has(n)) continue;
        taken.add(n);
        items.push(n);
      }
    }
    const devices = new Set(items.map((n) => n.alert.device?.id ?? '')).size;
    if (devices < 2) {
      for (const n of items) taken.delete(n);
      continue;
    }
    items.sort((a, b) => position.get(a)! - position.get(b)!);
    candidates.push({ finding, items, devices });
  }
  // Numbered in the order the report shows them: each in the place of its first alert (the
  // overview, the alert list), so FINDING-001, -002… read in sequence wherever they appear.
  candidates.sort((a, b) => position.get(a.items[0]!)! - position.get(b.items[0]!)!);
  const width = Math.max(3, String(candidates.length).length);
  candidates.forEach((c, i) => {
    const f: FleetFinding = { ...c, number: `FINDING-${String(i + 1).padStart(width, '0')}` };
    fleet.push(f);
    for (const n of c.items) fleetOf.set(n.alert, f);
  });
  return { fleet, fleetOf };
}
