import type { Alert, EvidenceEvent } from '@tripline/core';
import { parseTimestamp } from '@tripline/core/unstable';
import type * as Sarif from 'sarif';
import { hashParts } from './hash.js';
import { alertMessage } from './message.js';
import { resultNarrative, type SarifNarrativeParagraph } from './narrative.js';
import { mapSeverity, rank } from './severity.js';
import { cleanText, pathSegment, sarifText, sentence } from './text.js';
import { eventFacts, eventsInTimeOrder, processChain, renderTimeline } from './timeline.js';

// One alert as a SARIF result: its locations, its evidence artifact, its message strings and its identity.

/**
 * A timestamp for SARIF `date-time` properties: core's canonical UTC form of the value
 * (`parseTimestamp`; a time core wrote is returned as is), or undefined when it is no timestamp.
 */
export function isoTime(value: string | undefined): string | undefined {
  return typeof value === 'string' ? parseTimestamp(value)?.iso : undefined;
}

/** Alerts in the order the cut keeps them: severity (highest first), first-seen time, id. */
export function compareAlerts(a: Alert, b: Alert): number {
  return (
    rank(b.severity) - rank(a.severity) ||
    cmp(a.firstSeen, b.firstSeen) ||
    cmp(a.id, b.id) ||
    cmp(a.detectorId, b.detectorId)
  );
}
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One alert's result (its evidence artifact is {@link AlertParts.artifact}). */
interface AlertOutput {
  readonly alert: Alert;
  readonly result: Sarif.Result;
  /** The rule message string the result's message uses (`id` → format). */
  readonly messageString?: { readonly id: string; readonly format: string };
}

/** The device's name; with a DeviceId prefix when another device of the log has the same name (`shared`, from {@link sharedNameIds}). */
export function deviceLabel(alert: Alert, shared: ReadonlyMap<string, string>): string {
  const name = cleanText(alert.device.name || alert.device.id || 'unknown-device', { max: 255 });
  const id = shared.get(alert.device.id);
  return id === undefined ? name : `${name} (DeviceId ${cleanText(id, { max: 120 })})`;
}

/** `<prefix>/devices/<device>/alerts/<detector>-<hash>.timeline.txt`, unique within the log. */
export function artifactUri(
  prefix: string,
  alert: Alert,
  taken: Set<string>,
  shared: ReadonlyMap<string, string>,
): string {
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

export function alertParts(
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
export interface UsedMessageString {
  readonly ruleIndex: number;
  readonly id: string;
  readonly format: string;
}

/**
 * The rules with the message strings their kept results use (one per title template, ids sorted), so
 * a result's `message.id` always resolves on its rule.
 */
export function withMessageStrings(
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

/**
 * What keeps a result the same result across runs and uploads: its fingerprints and detection times.
 * GitHub only reads `primaryLocationLineHash`; our artifacts are not files in the repository, so
 * upload-sarif cannot hash a source line, and we give a value per alert (or fleet finding) instead.
 */
export function stableIdentity(
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
