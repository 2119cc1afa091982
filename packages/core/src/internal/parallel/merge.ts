/**
 * The result of a worker-sharded run: the shards' results (each an ordinary analysis of the devices it
 * owns) merged into the one a single thread gives. Per-device state never crosses shards, so alerts,
 * devices and counts are unions and sums; what spans devices is done here over the union: the
 * allowlist, `minSeverity`, the alert order, fleet findings, the rejected-row list and the closing
 * diagnostics.
 */
import { diagnostic } from '../catalog.js';
import { Allowlist } from '../engine/allowlist.js';
import { compareAlerts } from '../engine/assemble.js';
import type { AllowlistEntry } from '../engine/types.js';
import type { RejectedRow } from '../ingest/types.js';
import { compareInstants, parseTimestamp } from '../model/time.js';
import { fleetFindings } from '../report/findings.js';
import type { Alert, AnalysisResult, Diagnostic } from '../report/types.js';
import { maxSeverity, SEVERITIES, type Severity, severityRank } from '../severity.js';

const DIAGNOSTICS_LISTED = 1_000;

/** Diagnostics a shard makes at its end that the merge makes again over the whole run. */
const REMADE: ReadonlySet<string> = new Set([
  'duplicate-events',
  'rejected-list-truncated',
  'diagnostics-truncated',
  'window-timeline-capped',
]);

export interface ShardRun {
  readonly shards: readonly AnalysisResult[];
  /** Rows the main thread rejected, listed (in input order) and counted. */
  readonly rejected: readonly RejectedRow[];
  readonly rejectedCount: number;
  /** Diagnostics of reading, in order. */
  readonly diagnostics: readonly Diagnostic[];
  readonly inputs: AnalysisResult['inputs'];
  /** Position of each input by its name, for the order of rejected rows. */
  readonly inputOrder: ReadonlyMap<string, number>;
  readonly allowlist: readonly AllowlistEntry[];
  /** Ids of the detectors with `correlate` (their alerts are made after the others'). */
  readonly correlators: ReadonlySet<string>;
  readonly minSeverity: Severity | undefined;
  readonly maxRejectedListed: number;
  readonly generatedAt: string | Date | undefined;
}

function instant(text: string): { ms: number; ticks: number } {
  const p = parseTimestamp(text);
  return p ? { ms: p.ms, ticks: p.ticks } : { ms: Number.NaN, ticks: 0 };
}

/** Rows (and diagnostics) in input order: input, line, record. */
function byPosition(order: ReadonlyMap<string, number>) {
  return (
    a: {
      readonly source?: string | undefined;
      readonly line?: number | undefined;
      readonly record?: number | undefined;
    },
    b: {
      readonly source?: string | undefined;
      readonly line?: number | undefined;
      readonly record?: number | undefined;
    },
  ): number =>
    (order.get(a.source ?? '') ?? 0) - (order.get(b.source ?? '') ?? 0) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.record ?? 0) - (b.record ?? 0);
}

/** `window-timeline-capped` of the shards, one per detector: subjects and dropped matches added up. */
function cappedWindows(shards: readonly AnalysisResult[]): Diagnostic[] {
  const byDetector = new Map<string, { subjects: number; dropped: number; template: Diagnostic }>();
  for (const r of shards) {
    for (const d of r.diagnostics) {
      if (d.code !== 'window-timeline-capped' || d.detectorId === undefined) continue;
      // The message starts with the subject count and ends with the dropped count (see phases.ts).
      const subjects = Number.parseInt(d.message, 10);
      const tail = d.message.slice(d.message.lastIndexOf('not the other ') + 'not the other '.length);
      const dropped = Number.parseInt(tail.replaceAll(',', ''), 10);
      const e = byDetector.get(d.detectorId) ?? { subjects: 0, dropped: 0, template: d };
      e.subjects += subjects;
      e.dropped += dropped;
      byDetector.set(d.detectorId, e);
    }
  }
  const out: Diagnostic[] = [];
  for (const [id, e] of [...byDetector].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const cap = e.template.message
      .slice(e.template.message.indexOf('had more than ') + 'had more than '.length)
      .split(' ')[0];
    out.push(
      diagnostic('window-timeline-capped', {
        message: `${e.subjects} alert subject(s) of ${id} had more than ${cap} matches: their window saw the first ${cap} read, not the other ${e.dropped.toLocaleString('en-US')}`,
        detectorId: id,
      }),
    );
  }
  return out;
}

/** The run's result from its shards' results (see the module note). */
export function mergeShardResults(run: ShardRun): AnalysisResult {
  const { shards } = run;
  const first = shards[0]!;
  const detectors = first.detectors;
  const position = new Map(detectors.map((d, i) => [d.id, i]));
  // The order a single run hands alerts to the allowlist: detector by detector, each one's subjects
  // by device and key (correlators' alerts come last; they are in the detector order too).
  const rendered: Alert[] = shards.flatMap((r) => [...r.alerts]);
  const late = (a: Alert): number => (run.correlators.has(a.detectorId) ? 1 : 0);
  rendered.sort(
    (a, b) =>
      late(a) - late(b) ||
      (position.get(a.detectorId) ?? 0) - (position.get(b.detectorId) ?? 0) ||
      (a.device.id < b.device.id ? -1 : a.device.id > b.device.id ? 1 : 0) ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const closing: Diagnostic[] = [];
  const allowed = new Allowlist(run.allowlist).apply(rendered);
  closing.push(...allowed.diagnostics);
  let kept = allowed.kept;
  if (run.minSeverity) {
    const min = run.minSeverity;
    const above = kept.filter((a) => severityRank(a.severity) >= severityRank(min));
    const below = kept.length - above.length;
    if (below)
      closing.push(diagnostic('alerts-below-min-severity', { message: `${below} alert(s) below ${min} not reported` }));
    kept = above;
  }
  kept.sort(compareAlerts);

  const sum = (f: (r: AnalysisResult) => number): number => shards.reduce((t, r) => t + f(r), 0);
  const eventsAnalyzed = sum((r) => r.summary.eventsAnalyzed);
  const eventsRejected = sum((r) => r.summary.eventsRejected) + run.rejectedCount;
  const duplicates = sum((r) => r.summary.duplicateEvents);
  if (duplicates)
    closing.push(
      diagnostic('duplicate-events', {
        message: `${duplicates} row(s) repeated an earlier row (same table, DeviceId, Timestamp and ReportId): counted as analysed, not alerted twice`,
      }),
    );
  const order = byPosition(run.inputOrder);
  const rejected = [...run.rejected, ...shards.flatMap((r) => r.rejected)].sort(order).slice(0, run.maxRejectedListed);
  if (eventsRejected > rejected.length)
    closing.push(
      diagnostic('rejected-list-truncated', {
        message: `${eventsRejected} rows were rejected; the first ${rejected.length} are listed`,
      }),
    );

  // Diagnostics: reading, then what the shards said while analysing (in input order), then the end.
  const during = shards.flatMap((r) => r.diagnostics.filter((d) => !REMADE.has(d.code))).sort(order);
  const listed: Diagnostic[] = [];
  let dropped = 0;
  for (const d of [...run.diagnostics, ...during, ...cappedWindows(shards), ...closing]) {
    if (d.code === 'input-failed' || listed.length < DIAGNOSTICS_LISTED) listed.push(d);
    else dropped++;
  }
  dropped += sum((r) => {
    const t = r.diagnostics.find((d) => d.code === 'diagnostics-truncated');
    return t ? Number.parseInt(t.message, 10) : 0;
  });
  if (dropped)
    listed.push(diagnostic('diagnostics-truncated', { message: `${dropped} further diagnostics not listed` }));

  // Counts and time range.
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
  let start: string | undefined;
  let end: string | undefined;
  for (const r of shards) {
    const t = r.summary.timeRange;
    if (!t) continue;
    if (start === undefined) {
      start = t.start;
      end = t.end;
      continue;
    }
    const [s0, s1] = [instant(start), instant(t.start)];
    if (compareInstants(s1.ms, s1.ticks, s0.ms, s0.ticks) < 0) start = t.start;
    const [e0, e1] = [instant(end!), instant(t.end)];
    if (compareInstants(e1.ms, e1.ticks, e0.ms, e0.ticks) > 0) end = t.end;
  }
  const byTable: Record<string, number> = {};
  for (const r of shards)
    for (const [t, c] of Object.entries(r.summary.byTable)) byTable[t] = (byTable[t] ?? 0) + (c ?? 0);
  const tables = Object.fromEntries(
    Object.keys(byTable)
      .sort()
      .map((t) => [t, byTable[t]]),
  );
  const devices = shards
    .flatMap((r) => r.devices)
    .map((d) => {
      const pd = perDevice.get(d.id);
      return Object.freeze({ ...d, alertCount: pd?.count ?? 0, highestSeverity: pd?.highest ?? null });
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  return Object.freeze({
    tool: first.tool,
    generatedAt:
      run.generatedAt === undefined
        ? new Date().toISOString()
        : typeof run.generatedAt === 'string'
          ? run.generatedAt
          : run.generatedAt.toISOString(),
    summary: Object.freeze({
      eventsRead: eventsAnalyzed + eventsRejected,
      eventsAnalyzed,
      eventsRejected,
      duplicateEvents: duplicates,
      alertCount: kept.length,
      highestSeverity: highest,
      bySeverity: Object.freeze(bySeverity),
      devices: sum((r) => r.summary.devices),
      timeRange: eventsAnalyzed && start !== undefined ? Object.freeze({ start, end: end! }) : null,
      byTable: Object.freeze(tables),
    }),
    alerts: Object.freeze(kept),
    findings: Object.freeze(fleetFindings(kept, detectors)),
    rejected: Object.freeze(rejected),
    diagnostics: Object.freeze(listed),
    devices: Object.freeze(devices),
    detectors,
    inputs: Object.freeze([...run.inputs]),
  }) as AnalysisResult;
}
