import { describe, expect, it } from 'vitest';
import type { Severity } from '../severity.js';
import { findingId, fleetFindings } from './findings.js';
import type { Alert, DetectorInfo } from './types.js';

const DEVICES = ['web01', 'web02', 'web03'].map((name, i) => ({ id: `${i + 1}`.repeat(40), name }));

function alert(
  id: string,
  detectorId: string,
  key: string,
  device: number,
  over: { severity?: Severity; firstSeen?: string; lastSeen?: string; count?: number } = {},
): Alert {
  const firstSeen = over.firstSeen ?? '2025-11-07T06:40:09.1Z';
  return {
    id,
    detectorId,
    title: `${detectorId} on ${DEVICES[device]!.name}`,
    severity: over.severity ?? 'low',
    category: 'Execution',
    mitre: [],
    description: 'd',
    riskAssessment: 'r',
    device: DEVICES[device]!,
    firstSeen,
    lastSeen: over.lastSeen ?? firstSeen,
    evidence: { eventCount: over.count ?? 1, keyComponents: {}, events: [] },
    relatedAlerts: [],
    key,
    message: { templates: { title: 't', description: 'd', riskAssessment: 'r' }, values: {} },
  };
}

function detector(id: string, title: string): DetectorInfo {
  return {
    id,
    title,
    summary: 's',
    rationale: 'r',
    severity: 'low',
    category: 'Execution',
    mitre: [],
    references: [],
    falsePositives: [],
    tables: ['DeviceProcessEvents'],
  };
}

describe('fleetFindings', () => {
  it('gathers the alerts of one detector, key and severity across devices, with counts and the time span', () => {
    const alerts = [
      alert('a1', 'linux/agent-script', 'omsconfig', 0, { count: 3, firstSeen: '2025-11-07T06:41:00Z' }),
      alert('a2', 'linux/agent-script', 'omsconfig', 1, {
        count: 4,
        firstSeen: '2025-11-07T06:40:00Z',
        lastSeen: '2025-11-07T06:50:00Z',
      }),
      alert('a3', 'linux/agent-script', 'omsconfig', 2, { lastSeen: '2025-11-07T06:55:00.5Z' }),
    ];
    expect(fleetFindings(alerts, [detector('linux/agent-script', 'Agent script runs')])).toEqual([
      {
        id: findingId('linux/agent-script', 'omsconfig', 'low'),
        detectorId: 'linux/agent-script',
        key: 'omsconfig',
        severity: 'low',
        title: 'Agent script runs',
        devices: 3,
        alerts: ['a1', 'a2', 'a3'],
        count: 8,
        firstSeen: '2025-11-07T06:40:00Z',
        lastSeen: '2025-11-07T06:55:00.5Z',
      },
    ]);
  });

  it('keeps apart what differs in detector, key or severity, and counts a device once', () => {
    const alerts = [
      alert('a1', 'x/one', 'k', 0),
      alert('a2', 'x/one', 'k', 1, { severity: 'high' }),
      alert('a3', 'x/one', 'other', 1),
      alert('a4', 'x/two', 'k', 2),
      // the same device twice in one finding (an alert per subject that shares the key): one device.
      alert('a5', 'x/two', 'k', 2),
    ];
    const findings = fleetFindings(alerts, []);
    expect(findings.map((f) => [f.detectorId, f.key, f.severity, f.devices, f.alerts])).toEqual([
      ['x/one', 'k', 'high', 1, ['a2']],
      ['x/one', 'k', 'low', 1, ['a1']],
      ['x/one', 'other', 'low', 1, ['a3']],
      ['x/two', 'k', 'low', 1, ['a4', 'a5']],
    ]);
    // Every alert is in exactly one finding.
    expect(findings.flatMap((f) => f.alerts).sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    // A detector the result does not list: the first alert's title.
    expect(findings[0]!.title).toBe('x/one on web02');
  });

  it('orders by severity, then device count (most first), detector id and key, whatever the alert order', () => {
    const alerts = [
      alert('a1', 'b/det', 'k', 0),
      alert('a2', 'a/det', 'z', 0),
      alert('a3', 'a/det', 'y', 0),
      alert('a4', 'c/det', 'k', 0),
      alert('a5', 'c/det', 'k', 1),
      alert('a6', 'z/det', 'k', 0, { severity: 'medium' }),
    ];
    const order = (list: Alert[]) => fleetFindings(list, []).map((f) => `${f.detectorId}:${f.key}`);
    expect(order(alerts)).toEqual(['z/det:k', 'c/det:k', 'a/det:y', 'a/det:z', 'b/det:k']);
    expect(order([...alerts].reverse())).toEqual(order(alerts));
  });

  it('gives stable ids that no key can make collide', () => {
    expect(findingId('x/one', 'k', 'low')).toMatch(/^tf-[0-9a-f]{20}$/);
    expect(findingId('x/one', 'k', 'low')).toBe(findingId('x/one', 'k', 'low'));
    expect(findingId('x/one', 'k', 'low')).not.toBe(findingId('x/one', 'k', 'high'));
    expect(findingId('x/one', 'low\u0000k', 'low')).not.toBe(findingId('x/one', 'k', 'low'));
  });
});
