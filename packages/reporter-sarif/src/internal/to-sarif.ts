import type { Alert, AnalysisResult, Diagnostic, EvidenceEvent, Severity } from '@tripline/core';
import { findingId, parseTimestamp } from '@tripline/core/unstable';
import type * as Sarif from 'sarif';
import { sharedNameIds } from './devices.js';
import { hashParts } from './hash.js';
import { alertMessage } from './message.js';
import { DeflateMeter, deflatedBytes, gzippedBytes } from './meter.js';
import { narrativeParagraphs, resultNarrative, runNarrative, type SarifNarrativeParagraph } from './narrative.js';
import { ruleFromAlert, ruleFromDetector } from './rules.js';
import { mapSeverity, rank, SEVERITIES_DESC } from './severity.js';
import { stringifyElement, stringifySarif } from './stringify.js';
import { cleanText, pathSegment, sarifText, sentence } from './text.js';
import { eventFacts, eventsInTimeOrder, processChain, renderTimeline } from './timeline.js';

/** Where tripline's documentation lives; the default `tool.driver.informationUri`. */
export const DEFAULT_INFORMATION_URI = 'https://github.com/tripline/tripline';
/** The `$schema` GitHub's documentation uses (SchemaStore's copy of the OASIS 2.1.0 schema). */
export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Upload limits the output is cut to. Defaults are GitHub code scanning's. */
export interface SarifLimits {
  /** Results per run. GitHub rejects more than 25,000 (and displays the top 5,000 by severity). */
  readonly maxResults: number;
  /** Size of the gzip-compressed SARIF, in bytes. GitHub rejects uploads over 10 MB. */
  readonly maxGzipBytes: number;
  /** Evidence events linked per result (related locations and code-flow steps); the timeline still counts all. */
  readonly maxEventsPerResult: number;
  /** Rejected-row and diagnostic notifications listed one by one; the rest are counted in one notification. */
  readonly maxNotifications: number;
  /**
   * Locations of a fleet result (one per device of a finding on two or more devices). GitHub keeps the
   * first 100 of a result and rejects a result with more than 1,000, so the default is 100 and a larger
   * value counts as 1,000; the devices beyond it are counted in the result's properties, with every alert id.
   */
  readonly maxLocationsPerResult: number;
}

/** GitHub's documented limits (25,000 results per run; 10 MB gzipped; 100 locations kept per result), with room to spare on size. */
export const GITHUB_LIMITS: SarifLimits = {
  maxResults: 25_000,
  maxGzipBytes: 10_000_000,
  maxEventsPerResult: 100,
  maxNotifications: 1_000,
  maxLocationsPerResult: 100,
};

/** GitHub rejects a result with more locations than this. */
const GITHUB_MAX_LOCATIONS = 1_000;

/** Options of {@link toSarif}. All optional; the defaults suit GitHub code scanning. */
export interface SarifOptions {
  /** `tool.driver.informationUri`. Default {@link DEFAULT_INFORMATION_URI}. */
  readonly informationUri?: string;
  /** `tool.driver.semanticVersion`. Default: the version of tripline that produced the result (`result.tool.version`). */
  readonly toolVersion?: string;
  /**
   * Analysis category, written as `automationDetails.id = "<category>/"`. Leave unset when the upload
   * step sets one: `github/codeql-action/upload-sarif` only applies its `category` input to runs that
   * have no `automationDetails`.
   */
  readonly category?: string;
  /** First path segment of the synthetic evidence files (`<prefix>/devices/<device>/alerts/<alert>.timeline.txt`). Default `tripline`. */
  readonly pathPrefix?: string;
  /** Documentation link per rule (`helpUri`); return undefined for none. Default: none. */
  readonly helpUri?: (detectorId: string) => string | undefined;
  /** Facts of the invocation the result does not hold: when it started and how it was called. */
  readonly invocation?: { readonly startTimeUtc?: string; readonly commandLine?: string };
  /** Override some limits (tests use small numbers to exercise the cut). */
  readonly limits?: Partial<SarifLimits>;
}

/**
 * A timestamp for SARIF `date-time` properties: core's canonical UTC form of the value
 * (`parseTimestamp`; a time core wrote is returned as is), or undefined when it is no timestamp.
 */
function isoTime(value: string | undefined): string | undefined {
  return typeof value === 'string' ? parseTimestamp(value)?.iso : undefined;
}

/** Alerts in the order the cut keeps them: severity (highest first), first-seen time, id. */
function compareAlerts(a: Alert, b: Alert): number {
  return (
    rank(b.severity) - rank(a.severity) ||
    cmp(a.firstSeen, b.firstSeen) ||
    cmp(a.id, b.id) ||
    cmp(a.detectorId, b.detectorId)
  );
}
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Notification descriptors, in `tool.driver.notifications` order. */
const NOTIFICATIONS = [
  {
    id: 'tripline/input-rejected',
    name: 'InputRejected',
    short: 'An input row could not be analysed.',
    full: 'A row of the input was rejected (malformed, unknown table, missing required columns); the notification names its source, line or record, and the reason.',
    level: 'warning',
    help: 'Fix or remove the row and run the analysis again; the JSON report lists every rejected row.',
  },
  {
    id: 'tripline/diagnostic',
    name: 'AnalysisDiagnostic',
    short: 'The analysis reported a problem.',
    full: 'A diagnostic of the analysis engine or of a detector (for example a detector that threw on an event, or a list that was capped).',
    level: 'warning',
    help: "An error from a detector means some events were not checked by it: report it to the detector's authors. Warnings and notes are informational.",
  },
  {
    id: 'tripline/results-cut',
    name: 'ResultsCut',
    short: 'Alerts were left out to stay within upload limits.',
    full: 'The SARIF log would have exceeded the configured limits (GitHub code scanning: 25,000 results per run, 10 MB gzip-compressed), so the lowest-severity alerts were left out; the notification says how many, of which severities.',
    level: 'warning',
    help: 'Raise the minimum severity (--min-severity) or split the input so that each upload stays within the limits; the JSON and Markdown reports always list every alert.',
  },
  {
    id: 'tripline/notifications-cut',
    name: 'NotificationsCut',
    short: 'Some notifications were counted but not listed.',
    full: 'More rejected rows or diagnostics than the configured maximum; the rest are counted in this notification.',
    level: 'note',
    help: 'The JSON report lists every rejected row and diagnostic.',
  },
] as const;
const N_REJECTED = 0;
const N_DIAGNOSTIC = 1;
const N_CUT = 2;
const N_NOTIFICATIONS_CUT = 3;

function notificationDescriptors(): Sarif.ReportingDescriptor[] {
  return NOTIFICATIONS.map((n) => ({
    id: n.id,
    name: n.name,
    shortDescription: { text: n.short },
    fullDescription: { text: n.full },
    help: { text: n.help },
    defaultConfiguration: { level: n.level },
  }));
}

function notification(
  which: number,
  level: NonNullable<Sarif.Result['level']>,
  text: string,
  properties?: Record<string, unknown>,
  associatedRule?: { id: string; index: number },
): Sarif.Notification {
  return {
    level,
    message: { text: sentence(text) },
    descriptor: { id: NOTIFICATIONS[which]!.id, index: which },
    ...(associatedRule ? { associatedRule } : {}),
    ...(properties ? { properties } : {}),
  };
}

function where(row: { source?: string | undefined; line?: number | undefined; record?: number | undefined }): string {
  const src = row.source !== undefined ? sarifText(row.source, { max: 200 }) : 'input';
  return `${src}${row.line !== undefined ? ` line ${row.line}` : ''}${row.record !== undefined ? ` record ${row.record}` : ''}`;
}

function rejectedNotification(row: AnalysisResult['rejected'][number]): Sarif.Notification {
  return notification(
    N_REJECTED,
    'warning',
    `Input row rejected (${sarifText(row.code, { max: 60 })}) at ${where(row)}: ${sarifText(row.reason, { max: 300 })}`,
    {
      source: cleanText(row.source, { max: 200 }),
      ...(row.line !== undefined ? { line: row.line } : {}),
      ...(row.record !== undefined ? { record: row.record } : {}),
      code: cleanText(row.code, { max: 60 }),
    },
  );
}

const DIAGNOSTIC_LEVEL: Readonly<Record<Diagnostic['level'], NonNullable<Sarif.Result['level']>>> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

function diagnosticNotification(d: Diagnostic, ruleIndex: ReadonlyMap<string, number>): Sarif.Notification {
  const detector = d.detectorId !== undefined ? ` in detector ${sarifText(d.detectorId, { max: 120 })}` : '';
  const at = d.source !== undefined || d.line !== undefined || d.record !== undefined ? ` at ${where(d)}` : '';
  const text = `${sarifText(d.code, { max: 80 })}${detector}${at}: ${sarifText(d.message, { max: 500 })}`;
  const idx = d.detectorId !== undefined ? ruleIndex.get(d.detectorId) : undefined;
  return notification(
    N_DIAGNOSTIC,
    DIAGNOSTIC_LEVEL[d.level] ?? 'warning',
    text,
    {
      code: cleanText(d.code, { max: 80 }),
      ...(d.detectorId !== undefined ? { detectorId: cleanText(d.detectorId, { max: 120 }) } : {}),
      ...(d.source !== undefined ? { source: cleanText(d.source, { max: 200 }) } : {}),
      ...(d.line !== undefined ? { line: d.line } : {}),
      ...(d.record !== undefined ? { record: d.record } : {}),
      ...(d.reportId !== undefined ? { reportId: cleanText(d.reportId, { max: 40 }) } : {}),
    },
    idx !== undefined && d.detectorId !== undefined ? { id: d.detectorId, index: idx } : undefined,
  );
}

/** Rejected rows and diagnostics as notifications, listing at most `max` one by one. */
function inputNotifications(
  result: AnalysisResult,
  ruleIndex: ReadonlyMap<string, number>,
  max: number,
): Sarif.Notification[] {
  const out: Sarif.Notification[] = [];
  const { eventsRejected, eventsRead } = result.summary;
  if (eventsRejected > 0) {
    out.push(
      notification(
        N_REJECTED,
        'warning',
        `${eventsRejected} of ${eventsRead} input rows were rejected and not analysed; ${result.rejected.length} are listed in the analysis result`,
        {
          eventsRead,
          eventsRejected,
          listed: result.rejected.length,
        },
      ),
    );
  }
  const items: Sarif.Notification[] = [
    ...result.rejected.map(rejectedNotification),
    ...result.diagnostics.map((d) => diagnosticNotification(d, ruleIndex)),
  ];
  out.push(...items.slice(0, max));
  if (items.length > max) {
    const rejected = Math.max(0, result.rejected.length - Math.min(max, result.rejected.length));
    const diagnostics = items.length - max - rejected;
    out.push(
      notification(
        N_NOTIFICATIONS_CUT,
        'note',
        `${items.length - max} more notifications are not listed (${rejected} rejected rows, ${diagnostics} diagnostics); see the JSON report`,
        {
          notListed: items.length - max,
          rejectedNotListed: rejected,
          diagnosticsNotListed: diagnostics,
        },
      ),
    );
  }
  return out;
}

/** One alert's result (its evidence artifact is {@link AlertParts.artifact}). */
interface AlertOutput {
  readonly alert: Alert;
  readonly result: Sarif.Result;
  /** The rule message string the result's message uses (`id` → format). */
  readonly messageString?: { readonly id: string; readonly format: string };
}

/** The device's name; with a DeviceId prefix when another device of the log has the same name (`shared`, from {@link sharedNameIds}). */
function deviceLabel(alert: Alert, shared: ReadonlyMap<string, string>): string {
  const name = cleanText(alert.device.name || alert.device.id || 'unknown-device', { max: 255 });
  const id = shared.get(alert.device.id);
  return id === undefined ? name : `${name} (DeviceId ${cleanText(id, { max: 120 })})`;
}

/** `<prefix>/devices/<device>/alerts/<detector>-<hash>.timeline.txt`, unique within the log. */
function artifactUri(prefix: string, alert: Alert, taken: Set<string>, shared: ReadonlyMap<string, string>): string {
  const segment = (raw: string, fallback: string) => {
    const slug = pathSegment(raw);
    // A changed or empty slug could collide with another value's slug: add a short hash of the original.
    return slug === raw && slug !== '' ? slug : `${slug || fallback}-${hashParts(raw).slice(0, 8)}`;
  };
  // File name: the detector's short name (readable in every list) plus a hash of the alert id (stable
  // across runs, unique per subject); core's alert ids are long and full of separators.
  const detector = pathSegment(alert.detectorId.split('/').pop() ?? '', 48) || 'alert';
  const id = shared.get(alert.device.id);
  const deviceName = alert.device.name || alert.device.id;
  const base = `${prefix}/devices/${segment(id === undefined ? deviceName : `${deviceName}-${id}`, 'device')}/alerts/${detector}-${hashParts(alert.detectorId, alert.id).slice(0, 12)}`;
  let uri = `${base}.timeline.txt`;
  for (let n = 2; taken.has(uri); n++) uri = `${base}-${n}.timeline.txt`;
  taken.add(uri);
  return uri;
}

function logicalLocations(
  alert: Alert,
  key: EvidenceEvent | undefined,
  shared: ReadonlyMap<string, string>,
): Sarif.LogicalLocation[] {
  const device = deviceLabel(alert, shared);
  const out: Sarif.LogicalLocation[] = [];
  const chain = key ? processChain(key) : [];
  if (chain.length > 0) {
    // First, because Azure DevOps shows logicalLocations[0].fullyQualifiedName as the result's path.
    out.push({ name: chain[chain.length - 1]!, fullyQualifiedName: [device, ...chain].join('/'), kind: 'process' });
  }
  out.push({ name: device, fullyQualifiedName: device, kind: 'device' });
  return out;
}

/**
 * The parts of one alert's output, each built only when asked for: its evidence artifact, its primary
 * location (on the key event's line of that artifact), and its whole result. A fleet result needs the
 * first two of each device's alert; writing the artifacts array needs only the first.
 */
interface AlertParts {
  artifact(): Sarif.Artifact;
  primaryLocation(): Sarif.Location;
  output(): AlertOutput;
}

function alertParts(
  alert: Alert,
  index: number,
  uri: string,
  ruleIndex: number,
  maxEvents: number,
  shared: ReadonlyMap<string, string>,
  paragraphs: ReadonlyMap<string, SarifNarrativeParagraph> = new Map(),
): AlertParts {
  const events = eventsInTimeOrder(alert).slice(0, Math.max(0, maxEvents));
  const timeline = renderTimeline(alert, events);
  const device = deviceLabel(alert, shared);
  const sev = mapSeverity(alert.severity);
  const keyAt = events.length > 0 ? 0 : -1;
  const key = events[keyAt];
  const keyLine = keyAt >= 0 ? timeline.eventLines[keyAt]! : timeline.headerLine;
  const lineText = (line: number) => timeline.lines[line - 1] ?? '';
  const artifactLocation = { uri, index };
  const physical = (line: number, withSnippet: boolean): Sarif.PhysicalLocation => {
    const text = lineText(line);
    const region = { startLine: line, startColumn: 1, endLine: line, endColumn: text.length + 1 };
    if (!withSnippet) return { artifactLocation, region };
    const from = Math.max(1, line - 2);
    const to = Math.min(timeline.lines.length, line + 2);
    const context = timeline.lines.slice(from - 1, to);
    return {
      artifactLocation,
      region: { ...region, snippet: { text } },
      contextRegion: {
        startLine: from,
        startColumn: 1,
        endLine: to,
        endColumn: (context[context.length - 1] ?? '').length + 1,
        snippet: { text: context.join('\n') },
      },
    };
  };
  const eventSummary = (e: EvidenceEvent) => {
    const facts = eventFacts(e);
    const action = e.actionType !== undefined ? ` ${cleanText(e.actionType, { max: 60 })}` : '';
    return `${cleanText(e.timestamp, { max: 40 })} ${e.table}${action}${facts ? `: ${facts}` : ''}`;
  };
  const primaryLocation = (): Sarif.Location => ({
    id: 0,
    physicalLocation: physical(keyLine, true),
    logicalLocations: logicalLocations(alert, key, shared),
    message: {
      text: key
        ? sentence(`Key event: ${sarifText(eventSummary(key), { max: 300 })}`)
        : 'Alert header; no evidence events were kept.',
    },
  });
  const artifact = (): Sarif.Artifact => ({
    location: { uri },
    description: {
      text: sentence(
        `Device ${sarifText(device)}: evidence timeline of alert ${sarifText(alert.id, { max: 200 })} (${alert.detectorId})`,
      ),
    },
    mimeType: 'text/plain',
    roles: ['analysisTarget'],
    length: Buffer.byteLength(timeline.text, 'utf8'),
    contents: { text: timeline.text },
  });
  return { artifact, primaryLocation, output: () => alertOutput() };

  function alertOutput(): AlertOutput {
    const related: Sarif.Location[] = events.map((e, i) => ({
      id: i + 1,
      physicalLocation: physical(timeline.eventLines[i]!, false),
      message: { text: sentence(sarifText(eventSummary(e), { max: 300 })) },
      properties: {
        table: e.table,
        timestamp: cleanText(e.timestamp, { max: 40 }),
        ...(e.actionType !== undefined ? { actionType: cleanText(e.actionType, { max: 100 }) } : {}),
        ...(e.reportId !== undefined ? { reportId: cleanText(e.reportId, { max: 40 }) } : {}),
        source: cleanText(e.source.source, { max: 200 }),
        ...(e.source.line !== undefined ? { line: e.source.line } : {}),
        ...(e.source.record !== undefined ? { record: e.source.record } : {}),
      },
    }));

    const codeFlows: Sarif.CodeFlow[] =
      events.length > 1
        ? [
            {
              message: {
                text: sentence(
                  `Evidence of alert ${sarifText(alert.id, { max: 120 })} on ${sarifText(device)}, in time order`,
                ),
              },
              threadFlows: [
                {
                  locations: events.map((e, i) => {
                    const t = isoTime(e.timestamp);
                    return {
                      executionOrder: i + 1,
                      ...(t ? { executionTimeUtc: t } : {}),
                      importance: i === keyAt ? ('essential' as const) : ('important' as const),
                      location: {
                        physicalLocation: physical(timeline.eventLines[i]!, false),
                        message: { text: sentence(sarifText(eventSummary(e), { max: 200 })) },
                      },
                    };
                  }),
                },
              ],
            },
          ]
        : [];

    // Links to related locations; only these `[..](n)` sequences are unescaped in the message.
    const links = events.slice(0, 10).map((_, i) => `[event ${i + 1}](${i + 1})`);
    const more = alert.evidence.eventCount - Math.min(events.length, 10);
    const evidence =
      links.length > 0
        ? ` Evidence: ${links.join(', ')}${more > 0 ? ` and ${more} more in the timeline` : ''}.`
        : ` No evidence events were kept (${alert.evidence.eventCount} counted).`;
    const when =
      alert.firstSeen === alert.lastSeen
        ? `at ${sarifText(alert.firstSeen, { max: 40 })}`
        : `from ${sarifText(alert.firstSeen, { max: 40 })} to ${sarifText(alert.lastSeen, { max: 40 })}`;
    const message = alertMessage(alert, {
      device: sarifText(device),
      severity: alert.severity,
      eventCount: alert.evidence.eventCount,
      when,
      evidence,
      alertId: sarifText(alert.id, { max: 200 }),
    });

    const fingerprint = hashParts('tripline-alert/v1', alert.detectorId, alert.device.id, alert.id);
    const first = isoTime(alert.firstSeen);
    const last = isoTime(alert.lastSeen);

    const keyComponents: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(alert.evidence.keyComponents)) {
      keyComponents[cleanText(k, { max: 100 })] =
        typeof v === 'string' ? cleanText(v) : v.slice(0, 50).map((x) => cleanText(x));
    }

    const result: Sarif.Result = {
      ruleId: alert.detectorId,
      ruleIndex,
      level: sev.level,
      kind: 'fail',
      message:
        message.id !== undefined && message.arguments !== undefined
          ? { text: message.text, id: message.id, arguments: [...message.arguments] }
          : { text: message.text },
      locations: [primaryLocation()],
      ...(related.length > 0 ? { relatedLocations: related } : {}),
      ...(codeFlows.length > 0 ? { codeFlows } : {}),
      ...stableIdentity('triplineAlert/v1', fingerprint, first, last),
      properties: {
        tripline: {
          alertId: cleanText(alert.id, { max: 200 }),
          detectorId: alert.detectorId,
          severity: alert.severity,
          securitySeverity: sev.securitySeverity,
          category: cleanText(alert.category, { max: 200 }),
          device: { id: cleanText(alert.device.id, { max: 200 }), name: device },
          firstSeen: cleanText(alert.firstSeen, { max: 40 }),
          lastSeen: cleanText(alert.lastSeen, { max: 40 }),
          eventCount: alert.evidence.eventCount,
          eventsShown: events.length,
          mitre: alert.mitre.map((m) => ({ id: cleanText(m.id, { max: 20 }), name: cleanText(m.name, { max: 200 }) })),
          keyComponents,
          reportIds: events.flatMap((e) => (e.reportId !== undefined ? [cleanText(e.reportId, { max: 40 })] : [])),
          relatedAlerts: alert.relatedAlerts.slice(0, 100).map((id) => cleanText(id, { max: 200 })),
          ...resultNarrative(paragraphs, [alert.id]),
        },
      },
    };

    return {
      alert,
      result,
      ...(message.id !== undefined && message.format !== undefined
        ? { messageString: { id: message.id, format: message.format } }
        : {}),
    };
  }
}

/** A message string a kept result uses, on its rule. */
interface UsedMessageString {
  readonly ruleIndex: number;
  readonly id: string;
  readonly format: string;
}

/**
 * The rules with the message strings their kept results use (one per title template, ids sorted), so
 * a result's `message.id` always resolves on its rule.
 */
function withMessageStrings(
  rules: readonly Sarif.ReportingDescriptor[],
  used: Iterable<UsedMessageString | undefined>,
): Sarif.ReportingDescriptor[] {
  const strings = new Map<number, Map<string, string>>();
  for (const u of used) {
    if (u === undefined) continue;
    const forRule = strings.get(u.ruleIndex) ?? new Map<string, string>();
    forRule.set(u.id, u.format);
    strings.set(u.ruleIndex, forRule);
  }
  return rules.map((rule, i) => {
    const forRule = strings.get(i);
    if (forRule === undefined) return rule;
    const ids = [...forRule.keys()].sort(cmp);
    return { ...rule, messageStrings: Object.fromEntries(ids.map((id) => [id, { text: forRule.get(id)! }])) };
  });
}

function cutNotification(dropped: readonly Alert[], kept: number, total: number, reason: string): Sarif.Notification {
  const bySeverity: Partial<Record<Severity, number>> = {};
  for (const a of dropped) bySeverity[a.severity] = (bySeverity[a.severity] ?? 0) + 1;
  const counts = SEVERITIES_DESC.filter((s) => bySeverity[s]).map((s) => `${bySeverity[s]} ${s}`);
  return notification(
    N_CUT,
    'warning',
    `${dropped.length} of ${total} alerts were left out of this SARIF log (${reason}); the ${kept} kept are the highest severity, then earliest. Left out: ${counts.join(', ')}. The JSON and Markdown reports list every alert`,
    {
      reason,
      total,
      kept,
      dropped: dropped.length,
      droppedBySeverity: bySeverity,
      droppedAlertIds: dropped.slice(0, 100).map((a) => cleanText(a.id, { max: 200 })),
    },
  );
}

/**
 * What one SARIF result covers: one alert, or a fleet finding (the same detector, key and severity on
 * two or more devices) with its alerts in the log's alert order. `listed` are the alerts shown as
 * locations (at most `maxLocationsPerResult`), each with the URI of its evidence timeline.
 */
interface Unit {
  readonly alerts: readonly Alert[];
  readonly listed: readonly { readonly alert: Alert; readonly uri: string }[];
  readonly finding?: {
    readonly detectorId: string;
    readonly key: string;
    readonly severity: Severity;
    readonly devices: number;
  };
}

/**
 * Everything a unit contributes: its artifacts (in `run.artifacts` order), its result, its message
 * string. Built for one `part` when only that is written (`artifacts`: no result; `result`: no artifacts).
 */
interface UnitOutput {
  readonly artifacts: readonly Sarif.Artifact[];
  readonly result?: Sarif.Result;
  readonly messageString?: UsedMessageString;
}
type UnitPart = 'artifacts' | 'result' | 'both';

/**
 * The same finding: detector, subject key and severity — the grouping of the record's `findings`
 * (core's `fleetFindings`), derived here from the alerts themselves so that every alert of the result
 * is in the log whatever a hand-built record's `findings` say; the id is core's `findingId`.
 */
function findingKey(alert: Alert): string {
  return JSON.stringify([alert.detectorId, alert.key, alert.severity]);
}

/**
 * The results of the log, in order. Alerts sorted as the cut keeps them (severity, first seen, id);
 * the alerts of a finding on two or more devices become one unit, at the place of its first alert
 * (its highest-ranked), so that the order of everything else is today's order.
 */
function fleetUnits(
  sorted: readonly Alert[],
  prefix: string,
  shared: ReadonlyMap<string, string>,
  maxLocations: number,
): Unit[] {
  const groups = new Map<string, { alerts: Alert[]; devices: Set<string> }>();
  for (const a of sorted) {
    const k = findingKey(a);
    const g = groups.get(k) ?? { alerts: [], devices: new Set<string>() };
    g.alerts.push(a);
    g.devices.add(a.device.id);
    groups.set(k, g);
  }
  const taken = new Set<string>();
  const units: Unit[] = [];
  const emitted = new Set<string>();
  for (const a of sorted) {
    const k = findingKey(a);
    const g = groups.get(k)!;
    if (g.devices.size < 2) {
      units.push({ alerts: [a], listed: [{ alert: a, uri: artifactUri(prefix, a, taken, shared) }] });
      continue;
    }
    if (emitted.has(k)) continue;
    emitted.add(k);
    units.push({
      alerts: g.alerts,
      listed: g.alerts
        .slice(0, maxLocations)
        .map((alert) => ({ alert, uri: artifactUri(prefix, alert, taken, shared) })),
      finding: { detectorId: a.detectorId, key: a.key, severity: a.severity, devices: g.devices.size },
    });
  }
  return units;
}

/** A rule's short description without its closing period: the detector's title, escaped. */
function ruleTitle(rule: Sarif.ReportingDescriptor | undefined, fallback: string): string {
  const text = rule?.shortDescription?.text ?? sarifText(fallback, { max: 300 });
  return text.endsWith('.') && !text.endsWith('\\.') ? text.slice(0, -1) : text;
}

/** Most device names written into a fleet result's message; the rest are counted. */
const DEVICES_IN_MESSAGE = 10;

/**
 * The result of a fleet finding: one result whose locations are its devices (each the primary
 * location of that device's alert, on its evidence timeline), the devices beyond the location limit
 * counted, every alert id in the properties, and a fingerprint that depends only on the finding's
 * identity (detector, key, severity), so the next run's upload updates the same alert.
 */
function buildFindingOutput(
  unit: Unit,
  finding: NonNullable<Unit['finding']>,
  firstArtifact: number,
  ruleIndex: number,
  rule: Sarif.ReportingDescriptor | undefined,
  maxEvents: number,
  shared: ReadonlyMap<string, string>,
  part: UnitPart,
  paragraphs: ReadonlyMap<string, SarifNarrativeParagraph>,
): UnitOutput {
  const parts = unit.listed.map((l, i) => alertParts(l.alert, firstArtifact + i, l.uri, ruleIndex, maxEvents, shared));
  const labels = unit.listed.map((l) => sarifText(deviceLabel(l.alert, shared)));
  if (part === 'artifacts') return { artifacts: parts.map((p) => p.artifact()) };
  const locations: Sarif.Location[] = parts.map((p, i) => {
    const primary = p.primaryLocation();
    const physical = primary.physicalLocation!;
    const region = physical.region!;
    return {
      id: i,
      physicalLocation:
        i === 0
          ? physical
          : {
              artifactLocation: physical.artifactLocation!,
              region: {
                startLine: region.startLine!,
                startColumn: region.startColumn!,
                endLine: region.endLine!,
                endColumn: region.endColumn!,
              },
            },
      ...(primary.logicalLocations ? { logicalLocations: primary.logicalLocations } : {}),
      message: { text: sentence(`Device ${labels[i]!}. ${primary.message?.text ?? ''}`) },
    };
  });
  const alerts = unit.alerts;
  const listedDevices = new Set(unit.listed.map((l) => l.alert.device.id)).size;
  const devicesNotListed = finding.devices - listedDevices;
  const eventCount = alerts.reduce((n, a) => n + a.evidence.eventCount, 0);
  let firstSeen = alerts[0]!.firstSeen;
  let lastSeen = alerts[0]!.lastSeen;
  for (const a of alerts) {
    if (a.firstSeen < firstSeen) firstSeen = a.firstSeen;
    if (a.lastSeen > lastSeen) lastSeen = a.lastSeen;
  }
  const sev = mapSeverity(finding.severity);
  const named = labels.slice(0, DEVICES_IN_MESSAGE);
  const moreNamed = finding.devices - named.length;
  const when =
    firstSeen === lastSeen
      ? `at ${sarifText(firstSeen, { max: 40 })}`
      : `from ${sarifText(firstSeen, { max: 40 })} to ${sarifText(lastSeen, { max: 40 })}`;
  const notListed =
    devicesNotListed > 0
      ? ` ${devicesNotListed} of the devices are not listed as locations (limit of ${unit.listed.length} locations per result); their alert ids are in the result's properties.`
      : '';
  const text = `${ruleTitle(rule, finding.detectorId)} on ${finding.devices} devices. Severity ${finding.severity}, ${alerts.length} alerts, ${eventCount} events ${when}. Devices: ${named.join(', ')}${moreNamed > 0 ? ` and ${moreNamed} more` : ''}.${notListed}`;
  const fingerprint = hashParts('tripline-finding/v1', finding.detectorId, finding.key, finding.severity);
  const first = isoTime(firstSeen);
  const last = isoTime(lastSeen);
  const head = alerts[0]!;
  const result: Sarif.Result = {
    ruleId: finding.detectorId,
    ruleIndex,
    level: sev.level,
    kind: 'fail',
    message: { text },
    locations,
    ...stableIdentity('triplineFinding/v1', fingerprint, first, last),
    properties: {
      tripline: {
        finding: true,
        findingId: findingId(finding.detectorId, finding.key, finding.severity),
        detectorId: finding.detectorId,
        key: cleanText(finding.key, { max: 500 }),
        severity: finding.severity,
        securitySeverity: sev.securitySeverity,
        category: cleanText(head.category, { max: 200 }),
        devices: finding.devices,
        devicesListed: listedDevices,
        devicesNotListed,
        alertCount: alerts.length,
        alertIds: alerts.map((a) => cleanText(a.id, { max: 200 })),
        firstSeen: cleanText(firstSeen, { max: 40 }),
        lastSeen: cleanText(lastSeen, { max: 40 }),
        eventCount,
        mitre: head.mitre.map((m) => ({ id: cleanText(m.id, { max: 20 }), name: cleanText(m.name, { max: 200 }) })),
        ...resultNarrative(
          paragraphs,
          alerts.map((a) => a.id),
        ),
      },
    },
  };
  return { artifacts: part === 'result' ? [] : parts.map((p) => p.artifact()), result };
}

/** Everything the log is made of, computed once from the result and the options. */
export interface Context {
  readonly result: AnalysisResult;
  readonly options: SarifOptions;
  readonly limits: SarifLimits;
  readonly rules: readonly Sarif.ReportingDescriptor[];
  readonly ruleIndex: ReadonlyMap<string, number>;
  readonly shared: ReadonlyMap<string, string>;
  readonly units: readonly Unit[];
  /** `covered[k]`: alerts the first `k` units cover. */
  readonly covered: readonly number[];
  readonly notifications: readonly Sarif.Notification[];
  /** The narrated alerts' paragraphs by alert id (a narrated run). */
  readonly paragraphs: ReadonlyMap<string, SarifNarrativeParagraph>;
}

export function context(result: AnalysisResult, options: SarifOptions): Context {
  const limits: SarifLimits = { ...GITHUB_LIMITS, ...options.limits };
  const prefix = pathSegment(options.pathPrefix ?? 'tripline') || 'tripline';

  // Rules: the detectors that ran (sorted by id, as core reports them), then any detector an alert names
  // that is missing from that list, so every result resolves to a rule.
  const rules: Sarif.ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  const helpUri = (id: string) => {
    const uri = options.helpUri?.(id);
    return uri !== undefined ? { helpUri: uri } : {};
  };
  for (const d of [...result.detectors].sort((a, b) => cmp(a.id, b.id))) {
    if (ruleIndex.has(d.id)) continue;
    ruleIndex.set(d.id, rules.length);
    rules.push(ruleFromDetector(d, helpUri(d.id)));
  }
  const orphans = result.alerts
    .filter((a) => !ruleIndex.has(a.detectorId))
    .sort((a, b) => cmp(a.detectorId, b.detectorId));
  for (const a of orphans) {
    if (ruleIndex.has(a.detectorId)) continue;
    ruleIndex.set(a.detectorId, rules.length);
    rules.push(ruleFromAlert(a, helpUri(a.detectorId)));
  }

  const sorted = [...result.alerts].sort(compareAlerts);
  const shared = sharedNameIds(sorted);
  const units = fleetUnits(
    sorted,
    prefix,
    shared,
    Math.min(GITHUB_MAX_LOCATIONS, Math.max(1, Math.floor(limits.maxLocationsPerResult))),
  );
  const covered = [0];
  for (const u of units) covered.push(covered[covered.length - 1]! + u.alerts.length);
  const notifications = inputNotifications(result, ruleIndex, Math.max(0, limits.maxNotifications));
  const paragraphs = narrativeParagraphs(result.narrative);
  return { result, options, limits, rules, ruleIndex, shared, units, covered, notifications, paragraphs };
}

function buildUnit(ctx: Context, unit: Unit, firstArtifact: number, part: UnitPart = 'both'): UnitOutput {
  const ruleIndex = ctx.ruleIndex.get(unit.alerts[0]!.detectorId)!;
  if (unit.finding !== undefined) {
    return buildFindingOutput(
      unit,
      unit.finding,
      firstArtifact,
      ruleIndex,
      ctx.rules[ruleIndex],
      ctx.limits.maxEventsPerResult,
      ctx.shared,
      part,
      ctx.paragraphs,
    );
  }
  const { alert, uri } = unit.listed[0]!;
  const parts = alertParts(
    alert,
    firstArtifact,
    uri,
    ruleIndex,
    ctx.limits.maxEventsPerResult,
    ctx.shared,
    ctx.paragraphs,
  );
  if (part === 'artifacts') return { artifacts: [parts.artifact()] };
  const o = parts.output();
  return {
    artifacts: part === 'result' ? [] : [parts.artifact()],
    result: o.result,
    ...(o.messageString !== undefined ? { messageString: { ruleIndex, ...o.messageString } } : {}),
  };
}

/** Stand-ins for the two long arrays in the log's skeleton; cleaned text never holds U+0000. */
const ARTIFACTS_MARK = '\u0000tripline:artifacts';
const RESULTS_MARK = '\u0000tripline:results';

/** How many units the log keeps, why the others are left out, and the message strings the kept ones use. */
export interface Plan {
  readonly kept: number;
  readonly reason: string;
  readonly used: readonly (UsedMessageString | undefined)[];
}

/**
 * The log without its artifacts and results (`marks`) or with them: the run's tool, rules (with the
 * message strings of the kept results), invocation and notifications (the cut first), properties.
 */
function assemble(
  ctx: Context,
  kept: number,
  why: string,
  used: readonly (UsedMessageString | undefined)[],
  arrays: { artifacts: unknown; results: unknown },
): Sarif.Log {
  const { result, options, units, covered } = ctx;
  const version = options.toolVersion ?? result.tool.version;
  const start = isoTime(options.invocation?.startTimeUtc);
  const end = isoTime(result.generatedAt);
  const category =
    options.category !== undefined ? cleanText(options.category, { max: 200 }).replace(/\/+$/, '') : undefined;
  const total = covered[units.length]!;
  const inLog = covered[kept]!;
  const cut =
    kept < units.length
      ? cutNotification(
          units.slice(kept).flatMap((u) => u.alerts),
          inLog,
          total,
          why,
        )
      : undefined;
  const toolNotifications = cut ? [cut, ...ctx.notifications] : ctx.notifications;
  const findings = units.slice(0, kept).filter((u) => u.finding !== undefined).length;
  const run: Sarif.Run = {
    tool: {
      driver: {
        name: 'tripline',
        fullName: `tripline ${version} (Microsoft Defender for Endpoint events to alerts)`,
        semanticVersion: version,
        informationUri: options.informationUri ?? DEFAULT_INFORMATION_URI,
        rules: withMessageStrings(ctx.rules, used.slice(0, kept)),
        notifications: notificationDescriptors(),
      },
    },
    ...(category !== undefined && category !== '' ? { automationDetails: { id: `${category}/` } } : {}),
    invocations: [
      {
        executionSuccessful: true,
        ...(start ? { startTimeUtc: start } : {}),
        ...(end ? { endTimeUtc: end } : {}),
        ...(options.invocation?.commandLine !== undefined
          ? { commandLine: cleanText(options.invocation.commandLine, { max: 2000 }) }
          : {}),
        ...(toolNotifications.length > 0 ? { toolExecutionNotifications: [...toolNotifications] } : {}),
      },
    ],
    ...(kept > 0 ? { artifacts: arrays.artifacts as Sarif.Artifact[] } : {}),
    results: arrays.results as Sarif.Result[],
    columnKind: 'utf16CodeUnits',
    properties: {
      tripline: {
        generatedAt: cleanText(result.generatedAt, { max: 40 }),
        summary: result.summary,
        inputs: result.inputs.map((i) => ({
          ...i,
          source: cleanText(i.source, { max: 200 }),
          format: cleanText(i.format, { max: 40 }),
          ...(i.error
            ? {
                error: {
                  code: cleanText(i.error.code, { max: 80 }),
                  message: cleanText(i.error.message, { max: 1000 }),
                },
              }
            : {}),
        })),
        alertsInLog: inLog,
        alertsLeftOut: total - inLog,
        alertsTotal: total,
        ...(findings > 0 ? { fleetFindings: findings } : {}),
        ...(kept < units.length ? { alertsLeftOutReason: why } : {}),
        ...runNarrative(result.narrative),
      },
    },
  };
  return { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] };
}

/** The skeleton's text split around the two arrays, and the indentation of their elements. */
interface Skeleton {
  readonly beforeArtifacts: string;
  readonly beforeResults: string;
  readonly afterResults: string;
  readonly hasArtifacts: boolean;
  /** Indentation of an array element, and of the array's closing bracket. */
  readonly indent: string;
  readonly close: string;
}

function skeleton(ctx: Context, kept: number, why: string, used: readonly (UsedMessageString | undefined)[]): Skeleton {
  const text = stringifySarif(assemble(ctx, kept, why, used, { artifacts: ARTIFACTS_MARK, results: RESULTS_MARK }));
  const a = JSON.stringify(ARTIFACTS_MARK);
  const r = JSON.stringify(RESULTS_MARK);
  const [head, tail, ...extra] = text.split(r);
  if (head === undefined || tail === undefined || extra.length > 0) throw new Error('SARIF skeleton: results mark');
  const parts = head.split(a);
  if (parts.length > 2 || (parts.length === 2) !== kept > 0) throw new Error('SARIF skeleton: artifacts mark');
  const lineStart = head.lastIndexOf('\n') + 1;
  const close = /^ */.exec(head.slice(lineStart))![0];
  return {
    beforeArtifacts: parts.length === 2 ? parts[0]! : '',
    beforeResults: parts.length === 2 ? parts[1]! : parts[0]!,
    afterResults: tail,
    hasArtifacts: parts.length === 2,
    indent: `${close}  `,
    close,
  };
}

/** The skeleton's text as one string (what its gzip size is measured on). */
function skeletonText(s: Skeleton): string {
  return s.beforeArtifacts + s.beforeResults + s.afterResults;
}

/** An array element as written in the log: a separator unless it is the first, the indentation, the element. */
function element(value: unknown, first: boolean, indent: string): string {
  return `${first ? '' : ',\n'}${indent}${stringifyElement(value, indent)}`;
}

/** A measured point of the planning pass: units before it, compressed bytes and windows of both arrays. */
interface Checkpoint {
  readonly unit: number;
  readonly artifacts: number;
  readonly a: number;
  readonly r: number;
  readonly aWindow: Buffer;
  readonly rWindow: Buffer;
}

/** Raw bytes per measured block of the planning pass. Exported for tests (small blocks, many checkpoints). */
export const PLAN_BLOCK_CHARS = 1 << 20;
/**
 * The margin of the size estimate. The skeleton and the two arrays are measured apart; one gzip of the
 * whole file was found up to 1 % larger than the sum (zlib's blocks straddle where the kinds of
 * content change), so the arrays' estimate is raised by 2 % and every estimate by 1 KiB.
 */
const SIZE_FACTOR = 1.02;
const SIZE_SLACK = 1024;

/**
 * Decides, in one pass over the results, how many fit the limits. Each unit is built and serialised
 * once; the serialised artifacts and results are fed to two deflate meters (one per array, as they sit
 * in the file) in blocks of `blockChars`, each block measured once. The skeleton (rules, invocation,
 * properties) is measured separately. When the log fits, that is all. When it does not, the
 * checkpoint where it stops fitting is found from the recorded block sizes, and only the units of that
 * one block are built again to find the last one that fits, each probe measuring only that block.
 */
export function planSarif(ctx: Context, blockChars = PLAN_BLOCK_CHARS): Plan {
  const { units, limits } = ctx;
  const m = Math.min(units.length, Math.max(0, Math.floor(limits.maxResults)));
  const countReason = m < units.length ? `limit of ${limits.maxResults} results per run` : '';
  const used: (UsedMessageString | undefined)[] = [];
  const layout = skeleton(ctx, m, countReason, used);
  const indent = layout.indent;
  const A = new DeflateMeter();
  const R = new DeflateMeter();
  const empty = Buffer.alloc(0);
  const checkpoints: Checkpoint[] = [{ unit: 0, artifacts: 0, a: 0, r: 0, aWindow: empty, rWindow: empty }];
  let artifacts = 0;
  for (let i = 0; i < m; i++) {
    const out = buildUnit(ctx, units[i]!, artifacts);
    for (const artifact of out.artifacts) A.add(element(artifact, artifacts++ === 0, indent));
    R.add(element(out.result, i === 0, indent));
    used.push(out.messageString);
    if (A.pendingLength + R.pendingLength >= blockChars || i === m - 1) {
      A.flush();
      R.flush();
      checkpoints.push({ unit: i + 1, artifacts, a: A.done, r: R.done, aWindow: A.window, rWindow: R.window });
      // Already over the limit without the skeleton: the cut is at or before this point.
      if (A.done + R.done > limits.maxGzipBytes) break;
    }
  }
  const fits = (k: number, bytes: number, why: string) =>
    gzippedBytes(skeletonText(skeleton(ctx, k, why, used))) + Math.ceil(bytes * SIZE_FACTOR) + SIZE_SLACK <=
    limits.maxGzipBytes;
  const last = checkpoints[checkpoints.length - 1]!;
  const why = `limit of ${limits.maxGzipBytes} bytes of gzip-compressed SARIF${countReason ? ` and ${countReason}` : ''}`;
  if (checkpoints.length === 1) {
    // No results to keep (none, or a limit of 0 results): nothing is left out for size.
    return { kept: 0, reason: m < units.length ? countReason : '', used };
  }
  if (last.unit === m && fits(m, last.a + last.r, countReason)) return { kept: m, reason: countReason, used };

  // The last checkpoint does not fit: find the last one that does (the first, with nothing, is the floor).
  let lo = 0;
  let hi = checkpoints.length - 2;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const c = checkpoints[mid]!;
    if (fits(c.unit, c.a + c.r, why)) lo = mid;
    else hi = mid - 1;
  }
  const from = checkpoints[lo]!;
  const to = checkpoints[lo + 1]!;
  // Build the units of the block after it again, and find the last of them that fits.
  const aPieces: string[][] = [];
  const rPieces: string[] = [];
  let index = from.artifacts;
  for (let i = from.unit; i < to.unit; i++) {
    const out = buildUnit(ctx, units[i]!, index);
    aPieces.push(out.artifacts.map((artifact) => element(artifact, index++ === 0, indent)));
    rPieces.push(element(out.result, i === 0, indent));
  }
  const bytesAt = (k: number) =>
    from.a +
    deflatedBytes(aPieces.slice(0, k - from.unit).flat(), from.aWindow) +
    from.r +
    deflatedBytes(rPieces.slice(0, k - from.unit), from.rWindow);
  let klo = from.unit;
  let khi = to.unit - 1;
  while (klo < khi) {
    const mid = Math.ceil((klo + khi) / 2);
    if (fits(mid, bytesAt(mid), why)) klo = mid;
    else khi = mid - 1;
  }
  return { kept: klo, reason: klo < units.length ? why : '', used: used.slice(0, klo) };
}

/**
 * Converts an analysis result to a SARIF 2.1.0 log: one run, one rule per detector, one result per
 * alert — or, for a finding on two or more devices (same detector, key and severity), one result with
 * the devices as locations — each alert's evidence embedded as a per-alert timeline artifact.
 * Deterministic: the same result and options give a byte-identical {@link stringifySarif} output
 * (times come from the result, never the clock), equal to the chunks of {@link sarifChunks}. When the
 * log would exceed the limits, the lowest-severity results are left out and a notification says which.
 */
export function toSarif(result: AnalysisResult, options: SarifOptions = {}): Sarif.Log {
  const ctx = context(result, options);
  const plan = planSarif(ctx);
  const artifacts: Sarif.Artifact[] = [];
  const results: Sarif.Result[] = [];
  for (let i = 0; i < plan.kept; i++) {
    const out = buildUnit(ctx, ctx.units[i]!, artifacts.length);
    artifacts.push(...out.artifacts);
    results.push(out.result!);
  }
  return assemble(ctx, plan.kept, plan.reason, plan.used, { artifacts, results });
}

/**
 * The SARIF log of {@link toSarif}, written as string chunks, result by result: joined, they are
 * byte-identical to `stringifySarif(toSarif(result, options))` ({@link renderSarif}). The log is sized
 * before the first chunk, in one pass (see docs/sarif.md, "Limits"); then the artifacts and the results
 * are built and serialised one at a time, so the whole log is never held in memory. The generator's
 * return value says how many alerts the log holds ({@link SarifResultCount}).
 */
export function* sarifChunks(
  result: AnalysisResult,
  options: SarifOptions = {},
): Generator<string, SarifResultCount, undefined> {
  const ctx = context(result, options);
  const plan = planSarif(ctx);
  const layout = skeleton(ctx, plan.kept, plan.reason, plan.used);
  const array = function* (part: 'artifacts' | 'results'): Generator<string> {
    if (plan.kept === 0) {
      yield '[]';
      return;
    }
    yield '[\n';
    let index = 0;
    for (let i = 0; i < plan.kept; i++) {
      const unit = ctx.units[i]!;
      if (part === 'artifacts') {
        const out = buildUnit(ctx, unit, index, 'artifacts');
        for (const artifact of out.artifacts) yield element(artifact, index++ === 0, layout.indent);
      } else {
        yield element(buildUnit(ctx, unit, index, 'result').result, i === 0, layout.indent);
        index += unit.listed.length;
      }
    }
    yield `\n${layout.close}]`;
  };
  if (layout.hasArtifacts) {
    yield layout.beforeArtifacts;
    yield* array('artifacts');
  }
  yield layout.beforeResults;
  yield* array('results');
  yield layout.afterResults;
  const total = ctx.covered[ctx.units.length]!;
  const kept = ctx.covered[plan.kept]!;
  return kept < total ? { kept, total, reason: plan.reason } : { kept, total };
}

/**
 * How many of the result's alerts the log of {@link sarifChunks} (or {@link toSarif}) with these options
 * holds, without building the log: the sizing pass alone. For a writer that stopped before the
 * generator's end (a reader that closed the pipe) and must still say that the log was cut.
 */
export function sarifPlannedCount(result: AnalysisResult, options: SarifOptions = {}): SarifResultCount {
  const ctx = context(result, options);
  const plan = planSarif(ctx);
  const total = ctx.covered[ctx.units.length]!;
  const kept = ctx.covered[plan.kept]!;
  return kept < total ? { kept, total, reason: plan.reason } : { kept, total };
}

/** The SARIF log as one string: `stringifySarif(toSarif(result, options))`, made from {@link sarifChunks}. */
export function renderSarif(result: AnalysisResult, options: SarifOptions = {}): string {
  let out = '';
  for (const chunk of sarifChunks(result, options)) out += chunk;
  return out;
}

/** How many of a run's alerts a SARIF log holds, and why the others were left out. */
export interface SarifResultCount {
  /** Alerts kept as results. */
  readonly kept: number;
  /** Alerts in the analysis result. */
  readonly total: number;
  /** Why `total - kept` alerts were left out (the limit that was reached), when any were. */
  readonly reason?: string;
}

/**
 * The number of alerts a log made by {@link toSarif} holds out of the run's total (the log is cut to
 * stay within upload limits: GitHub reads 25,000 results per run and 10 MB gzip-compressed). Callers
 * that write the log say so when `kept < total`; the log itself carries a `tripline/results-cut`
 * notification and the same figures in `runs[0].properties.tripline`.
 */
export function sarifResultCount(log: Sarif.Log): SarifResultCount {
  const run = log.runs[0];
  const props = (run?.properties as { tripline?: Record<string, unknown> } | undefined)?.tripline;
  // A fleet result covers several alerts: count alerts, as the log's properties do, not results.
  const kept = typeof props?.alertsInLog === 'number' ? props.alertsInLog : (run?.results?.length ?? 0);
  const total = typeof props?.alertsTotal === 'number' ? props.alertsTotal : kept;
  const reason = typeof props?.alertsLeftOutReason === 'string' ? props.alertsLeftOutReason : undefined;
  return kept < total && reason !== undefined ? { kept, total, reason } : { kept, total };
}

/**
 * What keeps a result the same result across runs and uploads: its fingerprints and detection times.
 * GitHub only reads `primaryLocationLineHash`; our artifacts are not files in the repository, so
 * upload-sarif cannot hash a source line, and we give a value per alert (or fleet finding) instead.
 */
function stableIdentity(
  name: 'triplineAlert/v1' | 'triplineFinding/v1',
  fingerprint: string,
  first: string | undefined,
  last: string | undefined,
): Pick<Sarif.Result, 'partialFingerprints' | 'provenance'> {
  return {
    partialFingerprints: { primaryLocationLineHash: `${fingerprint.slice(0, 16)}:1`, [name]: fingerprint },
    ...(first || last
      ? {
          provenance: {
            ...(first ? { firstDetectionTimeUtc: first } : {}),
            ...(last ? { lastDetectionTimeUtc: last } : {}),
          },
        }
      : {}),
  };
}
