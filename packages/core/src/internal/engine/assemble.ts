/**
 * Report assembly: the alerts kept, in report order, and the run's summary, devices, detectors and
 * inputs, frozen into the `AnalysisResult`.
 */
import { techniqueName } from '../attack/index.js';
import type { RejectedRow } from '../ingest/types.js';
import { TABLE_NAMES, type TableName } from '../model/tables.js';
import { fleetFindings } from '../report/findings.js';
import type { Alert, AnalysisResult, DetectorInfo, DeviceSummary, Diagnostic } from '../report/types.js';
import { compareSeverity, maxSeverity, SEVERITIES, type Severity } from '../severity.js';
import { VERSION } from '../version.js';
import type { DeviceAcc } from './device.js';
import type { Runtime } from './runtime.js';
import { TimeSpan } from './span.js';

/** A table's position in the catalog: the run counts events per table in a small array. */
export const TABLE_INDEX: ReadonlyMap<TableName, number> = new Map(TABLE_NAMES.map((t, i) => [t, i]));

/** The run's counts, kept while events stream by; the summary reports them. */
export class RunCounts {
  eventsRead = 0;
  eventsAnalyzed = 0;
  eventsRejected = 0;
  duplicates = 0;
  /** Events analysed per table, by catalog position. */
  readonly tableCounts = new Float64Array(TABLE_NAMES.length);
  /** The run's time range: first and last instant of the events analysed. */
  readonly span = new TimeSpan();
}

/** Everything the result is made of. */
export interface RunRecord {
  readonly counts: RunCounts;
  /** The alerts to report (sorted here). */
  readonly alerts: Alert[];
  readonly devices: ReadonlyMap<string, DeviceAcc>;
  /** Device ids, sorted. */
  readonly deviceIds: readonly string[];
  readonly runtimes: readonly Runtime[];
  readonly rejected: readonly RejectedRow[];
  readonly diagnostics: readonly Diagnostic[];
  readonly inputs: readonly AnalysisResult['inputs'][number][];
  readonly generatedAt: string | Date | undefined;
}

/** The frozen result of a run. Alerts sort by severity (highest first), first-seen time and id. */
export function assembleResult(run: RunRecord): AnalysisResult {
  const kept = run.alerts.sort(compareAlerts);
  const { counts } = run;
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let highest: Severity | null = null;
  const perDevice = new Map<string, { count: number; highest: Severity | null }>();
  for (const a of kept) {
    bySeverity[a.severity]++;
    highest = highest === null ? a.severity : maxSeverity(highest, a.severity);
    const d = perDevice.get(a.device.id) ?? { count: 0, highest: null };
    d.count++;
    d.highest = d.highest === null ? a.severity : maxSeverity(d.highest, a.severity);
    perDevice.set(a.device.id, d);
  }
  const detectors = run.runtimes.map(detectorInfo);
  return Object.freeze({
    tool: Object.freeze({ name: 'tripline' as const, version: VERSION }),
    generatedAt: generatedAtText(run.generatedAt),
    summary: Object.freeze({
      eventsRead: counts.eventsRead,
      eventsAnalyzed: counts.eventsAnalyzed,
      eventsRejected: counts.eventsRejected,
      duplicateEvents: counts.duplicates,
      alertCount: kept.length,
      highestSeverity: highest,
      bySeverity: Object.freeze(bySeverity),
      devices: run.devices.size,
      timeRange: counts.eventsAnalyzed ? Object.freeze({ start: counts.span.first, end: counts.span.last }) : null,
      byTable: Object.freeze(tableSummary(counts.tableCounts)),
    }),
    alerts: Object.freeze(kept),
    findings: Object.freeze(fleetFindings(kept, detectors)),
    rejected: Object.freeze([...run.rejected]),
    diagnostics: Object.freeze([...run.diagnostics]),
    devices: Object.freeze(deviceSummaries(run.devices, run.deviceIds, perDevice)),
    detectors: Object.freeze(detectors),
    inputs: Object.freeze([...run.inputs]),
  });
}

/** Report order: severity (highest first), first-seen time, id. */
export function compareAlerts(a: Alert, b: Alert): number {
  return (
    compareSeverity(b.severity, a.severity) ||
    (a.firstSeen < b.firstSeen ? -1 : a.firstSeen > b.firstSeen ? 1 : 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function generatedAtText(at: string | Date | undefined): string {
  return at === undefined ? new Date().toISOString() : typeof at === 'string' ? at : at.toISOString();
}

/** Events per table, tables in name order, only those with events. */
function tableSummary(tableCounts: Float64Array): Partial<Record<TableName, number>> {
  const byTable: Partial<Record<TableName, number>> = {};
  for (const t of [...TABLE_NAMES].sort()) {
    const n = tableCounts[TABLE_INDEX.get(t)!]!;
    if (n > 0) byTable[t] = n;
  }
  return byTable;
}

/** One entry per device, by name then id, with its alert count and highest severity. */
function deviceSummaries(
  devices: ReadonlyMap<string, DeviceAcc>,
  deviceIds: readonly string[],
  perDevice: ReadonlyMap<string, { count: number; highest: Severity | null }>,
): DeviceSummary[] {
  return deviceIds
    .map((id) => {
      const acc = devices.get(id)!;
      const info = acc.info;
      const pd = perDevice.get(id);
      const os = info?.str('OSPlatform');
      const ip = info?.str('PublicIP');
      const group = info?.str('MachineGroup') ?? acc.adapters.values().next().value?.str('MachineGroup');
      return Object.freeze({
        id,
        name: acc.name,
        eventCount: acc.eventCount,
        firstSeen: acc.span.first,
        lastSeen: acc.span.last,
        ...(os !== undefined ? { osPlatform: os } : {}),
        ...(ip !== undefined ? { publicIp: ip } : {}),
        ...(group !== undefined ? { machineGroup: group } : {}),
        alertCount: pd?.count ?? 0,
        highestSeverity: pd?.highest ?? null,
      });
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A detector as the report describes it (its configured severity, ATT&CK names resolved). */
function detectorInfo(rt: Runtime): DetectorInfo {
  const m = rt.meta;
  return Object.freeze({
    id: m.id,
    title: m.title,
    summary: m.summary,
    rationale: m.rationale,
    severity: rt.ctx.severity,
    ...(m.severityNotes !== undefined ? { severityNotes: m.severityNotes } : {}),
    category: m.category,
    mitre: m.mitre.map((id) => ({ id, name: techniqueName(id)! })),
    ...(m.mitreNotes !== undefined ? { mitreNotes: m.mitreNotes } : {}),
    references: [...(m.references ?? [])],
    falsePositives: [...(m.falsePositives ?? [])],
    tables: [...m.tables],
    ...(m.actionTypes !== undefined ? { actionTypes: [...m.actionTypes] } : {}),
  });
}
