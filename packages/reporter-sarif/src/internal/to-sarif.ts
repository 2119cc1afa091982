import { gzipSync } from 'node:zlib';
import type { Alert, AnalysisResult, Diagnostic, EvidenceEvent, Severity } from '@tripline/core';
import { parseTimestamp } from '@tripline/core/unstable';
import type * as Sarif from 'sarif';
import { sharedNameIds } from './devices.js';
import { hashParts } from './hash.js';
import { alertMessage } from './message.js';
import { ruleFromAlert, ruleFromDetector } from './rules.js';
import { mapSeverity, rank, SEVERITIES_DESC } from './severity.js';
import { stringifySarif } from './stringify.js';
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
}

/** GitHub's documented limits (25,000 results per run; 10 MB gzipped), with room to spare on size. */
export const GITHUB_LIMITS: SarifLimits = {
  maxResults: 25_000,
  maxGzipBytes: 10_000_000,
  maxEventsPerResult: 100,
  maxNotifications: 1_000,
};

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

/** Everything one alert contributes: its result and its evidence artifact (same position in both arrays). */
interface AlertOutput {
  readonly alert: Alert;
  readonly result: Sarif.Result;
  readonly artifact: Sarif.Artifact;
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

function buildAlertOutput(
  alert: Alert,
  index: number,
  uri: string,
  ruleIndex: number,
  maxEvents: number,
  shared: ReadonlyMap<string, string>,
): AlertOutput {
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
    locations: [
      {
        id: 0,
        physicalLocation: physical(keyLine, true),
        logicalLocations: logicalLocations(alert, key, shared),
        message: {
          text: key
            ? sentence(`Key event: ${sarifText(eventSummary(key), { max: 300 })}`)
            : 'Alert header; no evidence events were kept.',
        },
      },
    ],
    ...(related.length > 0 ? { relatedLocations: related } : {}),
    ...(codeFlows.length > 0 ? { codeFlows } : {}),
    partialFingerprints: {
      // GitHub only reads this key. Our artifacts are not files in the repository, so upload-sarif cannot
      // hash a source line: we give a per-alert value that stays the same across runs and uploads.
      primaryLocationLineHash: `${fingerprint.slice(0, 16)}:1`,
      'triplineAlert/v1': fingerprint,
    },
    ...(first || last
      ? {
          provenance: {
            ...(first ? { firstDetectionTimeUtc: first } : {}),
            ...(last ? { lastDetectionTimeUtc: last } : {}),
          },
        }
      : {}),
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
      },
    },
  };

  const artifact: Sarif.Artifact = {
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
  };
  return {
    alert,
    result,
    artifact,
    ...(message.id !== undefined && message.format !== undefined
      ? { messageString: { id: message.id, format: message.format } }
      : {}),
  };
}

/**
 * The rules with the message strings their kept results use (one per title template, ids sorted), so
 * a result's `message.id` always resolves on its rule.
 */
function withMessageStrings(
  rules: readonly Sarif.ReportingDescriptor[],
  outputs: readonly AlertOutput[],
): Sarif.ReportingDescriptor[] {
  const strings = new Map<number, Map<string, string>>();
  for (const o of outputs) {
    const index = o.result.ruleIndex;
    if (o.messageString === undefined || index === undefined) continue;
    const forRule = strings.get(index) ?? new Map<string, string>();
    forRule.set(o.messageString.id, o.messageString.format);
    strings.set(index, forRule);
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
 * Converts an analysis result to a SARIF 2.1.0 log: one run, one rule per detector, one result per
 * alert, its evidence embedded as a per-alert timeline artifact. Deterministic: the same result and
 * options give a byte-identical {@link stringifySarif} output (times come from the result, never the
 * clock). When the log would exceed the limits, the lowest-severity alerts are left out and a
 * notification says which.
 */
export function toSarif(result: AnalysisResult, options: SarifOptions = {}): Sarif.Log {
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
  const taken = new Set<string>();
  const shared = sharedNameIds(sorted);
  const outputs = sorted.map((alert, i) =>
    buildAlertOutput(
      alert,
      i,
      artifactUri(prefix, alert, taken, shared),
      ruleIndex.get(alert.detectorId)!,
      limits.maxEventsPerResult,
      shared,
    ),
  );
  const notifications = inputNotifications(result, ruleIndex, Math.max(0, limits.maxNotifications));

  const version = options.toolVersion ?? result.tool.version;
  const start = isoTime(options.invocation?.startTimeUtc);
  const end = isoTime(result.generatedAt);
  const category =
    options.category !== undefined ? cleanText(options.category, { max: 200 }).replace(/\/+$/, '') : undefined;

  const assemble = (kept: number, cut: Sarif.Notification | undefined, why = ''): Sarif.Log => {
    const chosen = outputs.slice(0, kept);
    const toolNotifications = cut ? [cut, ...notifications] : notifications;
    const run: Sarif.Run = {
      tool: {
        driver: {
          name: 'tripline',
          fullName: `tripline ${version} (Microsoft Defender for Endpoint events to alerts)`,
          semanticVersion: version,
          informationUri: options.informationUri ?? DEFAULT_INFORMATION_URI,
          rules: withMessageStrings(rules, chosen),
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
          ...(toolNotifications.length > 0 ? { toolExecutionNotifications: toolNotifications } : {}),
        },
      ],
      ...(chosen.length > 0 ? { artifacts: chosen.map((o) => o.artifact) } : {}),
      results: chosen.map((o) => o.result),
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
          alertsInLog: kept,
          alertsLeftOut: outputs.length - kept,
          alertsTotal: outputs.length,
          ...(kept < outputs.length ? { alertsLeftOutReason: why } : {}),
        },
      },
    };
    return { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] };
  };

  // The cut: a prefix of the severity-ordered alerts. First the result count, then the gzip size,
  // found by binary search over the prefix length (each probe serialises and compresses the log).
  let kept = Math.min(outputs.length, Math.max(0, limits.maxResults));
  let reason = kept < outputs.length ? `limit of ${limits.maxResults} results per run` : '';
  const cutFor = (k: number, why: string) =>
    k < outputs.length ? cutNotification(sorted.slice(k), k, outputs.length, why) : undefined;
  const gzipSize = (k: number, why: string) => gzipSync(stringifySarif(assemble(k, cutFor(k, why), why))).length;
  if (gzipSize(kept, reason) > limits.maxGzipBytes) {
    const why = `limit of ${limits.maxGzipBytes} bytes of gzip-compressed SARIF${reason ? ` and ${reason}` : ''}`;
    let lo = 0;
    let hi = kept - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (gzipSize(mid, why) <= limits.maxGzipBytes) lo = mid;
      else hi = mid - 1;
    }
    kept = Math.max(0, lo);
    reason = why;
  }
  return assemble(kept, cutFor(kept, reason), reason);
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
  const kept = run?.results?.length ?? 0;
  const total = typeof props?.alertsTotal === 'number' ? props.alertsTotal : kept;
  const reason = typeof props?.alertsLeftOutReason === 'string' ? props.alertsLeftOutReason : undefined;
  return kept < total && reason !== undefined ? { kept, total, reason } : { kept, total };
}
