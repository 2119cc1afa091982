import type { Alert, AnalysisResult, Severity } from '@tripline/core';
import { findingId } from '@tripline/core/unstable';
import type * as Sarif from 'sarif';
import { sharedNameIds } from './devices.js';
import { hashParts } from './hash.js';
import { narrativeParagraphs, resultNarrative, type SarifNarrativeParagraph } from './narrative.js';
import { inputNotifications } from './notifications.js';
import { GITHUB_LIMITS, GITHUB_MAX_LOCATIONS, type SarifLimits, type SarifOptions } from './options.js';
import {
  alertParts,
  artifactUri,
  cmp,
  compareAlerts,
  deviceLabel,
  isoTime,
  stableIdentity,
  type UsedMessageString,
} from './results.js';
import { ruleFromAlert, ruleFromDetector } from './rules.js';
import { mapSeverity } from './severity.js';
import { cleanText, pathSegment, sarifText, sentence } from './text.js';

// What one result covers (an alert, or a finding on several devices), and the run context units are built in.

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

export function buildUnit(ctx: Context, unit: Unit, firstArtifact: number, part: UnitPart = 'both'): UnitOutput {
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
