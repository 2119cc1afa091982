/**
 * Fleet findings: the same finding on many devices. An alert is one detector, one device, one subject;
 * a finding gathers the alerts of one detector, subject key and severity across devices, so a report on
 * 500 servers that raise the same benign alert reads as one finding with 500 devices. Every alert belongs
 * to exactly one finding; the alerts stay complete in `alerts`.
 */
import { hash } from 'node:crypto';
import { compareSeverity, type Severity } from '../severity.js';
import type { Alert, DetectorInfo, Finding } from './types.js';

/**
 * Stable finding id: the same detector, key and severity give the same id on every run. The hash input
 * is `detectorId NUL severity NUL key`: a detector id and a severity never hold a NUL, so the key (the
 * rest) cannot make two tuples collide whatever it holds.
 */
export function findingId(detectorId: string, key: string, severity: Severity): string {
  return `tf-${hash('sha256', `${detectorId}\u0000${severity}\u0000${key}`, 'hex').slice(0, 20)}`;
}

interface Acc {
  readonly detectorId: string;
  readonly key: string;
  readonly severity: Severity;
  readonly title: string;
  readonly devices: Set<string>;
  readonly alerts: string[];
  count: number;
  firstSeen: string;
  lastSeen: string;
}

/**
 * The findings of a run's alerts (`alerts` in report order). A finding's title is its detector's title
 * (the same on every device); an alert whose detector is not listed gives its own title. Findings sort
 * by severity (highest first), device count (most first), detector id, then key — the same alerts give
 * the same findings, in the same order, whatever order they come in.
 */
export function fleetFindings(alerts: readonly Alert[], detectors: readonly DetectorInfo[]): Finding[] {
  const titles = new Map(detectors.map((d) => [d.id, d.title]));
  // Keyed by the finding id's own input, so two tuples never share an entry.
  const accs = new Map<string, Acc>();
  for (const a of alerts) {
    const slot = `${a.detectorId}\u0000${a.severity}\u0000${a.key}`;
    let acc = accs.get(slot);
    if (acc === undefined) {
      acc = {
        detectorId: a.detectorId,
        key: a.key,
        severity: a.severity,
        title: titles.get(a.detectorId) ?? a.title,
        devices: new Set(),
        alerts: [],
        count: 0,
        firstSeen: a.firstSeen,
        lastSeen: a.lastSeen,
      };
      accs.set(slot, acc);
    }
    acc.devices.add(a.device.id);
    acc.alerts.push(a.id);
    acc.count += a.evidence.eventCount;
    if (a.firstSeen < acc.firstSeen) acc.firstSeen = a.firstSeen;
    if (a.lastSeen > acc.lastSeen) acc.lastSeen = a.lastSeen;
  }
  return [...accs.values()]
    .map(
      (f): Finding =>
        Object.freeze({
          id: findingId(f.detectorId, f.key, f.severity),
          detectorId: f.detectorId,
          key: f.key,
          severity: f.severity,
          title: f.title,
          devices: f.devices.size,
          alerts: Object.freeze(f.alerts),
          count: f.count,
          firstSeen: f.firstSeen,
          lastSeen: f.lastSeen,
        }),
    )
    .sort(compareFindings);
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    compareSeverity(b.severity, a.severity) ||
    b.devices - a.devices ||
    (a.detectorId < b.detectorId ? -1 : a.detectorId > b.detectorId ? 1 : 0) ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}
