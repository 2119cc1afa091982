import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../model/event.js';
import type { Alert } from '../report/types.js';
import type { Severity } from '../severity.js';
import { decodeAlertRecord } from './alert-record.js';
import { computeLifecycle, durationMs, type LifecycleOutcome, lifecycleWrite, resolvePolicy } from './lifecycle.js';
import type { LifecyclePolicy, Suppression } from './types.js';

function alert(
  id: string,
  over: {
    severity?: Severity;
    count?: number;
    lastSeen?: string;
    detector?: string;
    device?: string;
    key?: string;
  } = {},
): Alert {
  return {
    id,
    detectorId: over.detector ?? 'defender/encoded-powershell',
    title: `Encoded PowerShell on ${over.device ?? 'ws-01.contoso.local'}`,
    severity: over.severity ?? 'high',
    category: 'execution',
    mitre: [],
    description: 'd',
    riskAssessment: 'r',
    device: { id: `dev-${over.device ?? 'ws-01'}`, name: over.device ?? 'ws-01.contoso.local' },
    firstSeen: '2026-12-01T10:00:00.000Z',
    lastSeen: over.lastSeen ?? '2026-12-01T10:05:00.000Z',
    evidence: { eventCount: over.count ?? 1, keyComponents: {}, events: [] },
    relatedAlerts: [],
    key: over.key ?? 'powershell.exe',
    message: { templates: { title: 't', description: 'd', riskAssessment: 'r' }, values: {} },
  } as unknown as Alert;
}

const T0 = new Date('2026-12-01T11:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const H = 3_600_000;

/** Runs batches through the lifecycle with one record map, as a store would keep it. */
function stream(policy?: LifecyclePolicy) {
  const records = new Map<string, JsonValue>();
  const suppressions: Suppression[] = [];
  return {
    records,
    suppressions,
    run(alerts: Alert[], now: Date): LifecycleOutcome {
      const out = computeLifecycle({
        stream: 'default',
        alerts,
        records,
        suppressions,
        policy: resolvePolicy(policy),
        now,
      });
      for (const p of lifecycleWrite(out).put) records.set(p.key, p.value);
      return out;
    },
  };
}

const kinds = (o: LifecycleOutcome) => o.changes.map((c) => `${c.kind}${c.notify ? '!' : ''}`);

describe('alert lifecycle', () => {
  it('notifies a new alert once, with revision 1 and the key <id>:1; the same alerts again change nothing', () => {
    const s = stream();
    const first = s.run([alert('a1')], T0);
    expect(first.changes).toEqual([
      {
        kind: 'new',
        alertId: 'a1',
        detector: 'defender/encoded-powershell',
        device: 'dev-ws-01',
        revision: 1,
        notify: true,
        idempotencyKey: 'a1:1',
        reason: 'high, 1 event(s)',
      },
    ]);
    expect(first.outbox.map((o) => o.key)).toEqual(['a1:1']);
    expect(first.outbox[0]!.queuedAt).toBe(T0.toISOString());
    expect((first.outbox[0]!.payload as { alert: { title: string } }).alert.title).toBe(
      'Encoded PowerShell on ws-01.contoso.local',
    );
    const replay = s.run([alert('a1')], T0);
    expect(replay.changes).toEqual([]);
    expect(replay.outbox).toEqual([]);
  });

  it('escalates on severity up (notifies), updates silently on a lower severity', () => {
    const s = stream();
    s.run([alert('a1', { severity: 'medium' })], T0);
    const up = s.run([alert('a1', { severity: 'critical', count: 2 })], at(1000));
    expect(kinds(up)).toEqual(['escalated!']);
    expect(up.changes[0]!.reason).toBe('severity medium → critical');
    expect(up.changes[0]!.idempotencyKey).toBe('a1:2');
    const down = s.run([alert('a1', { severity: 'low', count: 2 })], at(2000));
    expect(kinds(down)).toEqual(['updated']);
    expect(down.changes[0]!.reason).toBe('severity critical → low');
  });

  it('notifies an update only when the count crosses a threshold', () => {
    const s = stream({ countThresholds: [5, 50] });
    s.run([alert('a1', { count: 1 })], T0);
    const small = s.run([alert('a1', { count: 4 })], at(1));
    expect(kinds(small)).toEqual(['updated']);
    expect(small.outbox).toEqual([]);
    const crossed = s.run([alert('a1', { count: 60 })], at(2));
    expect(kinds(crossed)).toEqual(['updated!']);
    expect(crossed.changes[0]!.reason).toBe('count 4 → 60, count crossed 50');
    expect(crossed.outbox.map((o) => o.key)).toEqual(['a1:3']);
    expect(kinds(s.run([alert('a1', { count: 61 })], at(3)))).toEqual(['updated']);
  });

  it('a later last seen with the same count is new evidence too', () => {
    const s = stream();
    s.run([alert('a1')], T0);
    const later = s.run([alert('a1', { lastSeen: '2026-12-01T10:09:00.000Z' })], at(1));
    expect(kinds(later)).toEqual(['updated']);
    expect(later.changes[0]!.reason).toBe('last seen 2026-12-01T10:09:00.000Z');
  });

  it('compares last seen as instants, not text (precisions differ)', () => {
    const s = stream();
    s.run([alert('a1', { lastSeen: '2026-12-01T10:05:01.5Z' })], T0);
    // The same count and an earlier instant whose text sorts after: not new evidence.
    expect(kinds(s.run([alert('a1', { lastSeen: '2026-12-01T10:05:01Z' })], at(1)))).toEqual([]);
    expect(kinds(s.run([alert('a1', { lastSeen: '2026-12-01T10:05:01.5000001Z' })], at(2)))).toEqual(['updated']);
  });

  it('resolves after resolveAfter without new evidence, and reopens on new evidence', () => {
    const s = stream({ resolveAfter: 'PT2H' });
    s.run([alert('a1')], T0);
    expect(kinds(s.run([alert('a1')], at(2 * H - 1)))).toEqual([]);
    const resolved = s.run([alert('a1')], at(2 * H));
    expect(kinds(resolved)).toEqual(['resolved!']);
    expect(resolved.changes[0]!.reason).toBe('no new evidence for 2h');
    expect(kinds(s.run([alert('a1')], at(10 * H)))).toEqual([]);
    const reopened = s.run([alert('a1', { count: 3 })], at(11 * H));
    expect(kinds(reopened)).toEqual(['reopened!']);
    expect(reopened.changes[0]!.idempotencyKey).toBe('a1:3');
    expect(decodeAlertRecord('["default","a1"]', s.records.get('["default","a1"]')!).status).toBe('active');
  });

  it('resolves alerts this batch did not produce (a detector removed, state dropped)', () => {
    const s = stream({ resolveAfter: 1000 });
    s.run([alert('a1'), alert('a2', { key: 'cmd.exe' })], T0);
    const out = s.run([alert('a1', { count: 2 })], at(5000));
    expect(out.changes.map((c) => `${c.alertId}:${c.kind}`)).toEqual(['a1:updated', 'a2:resolved']);
  });

  it('repeats an alert still active repeatAfter after the last notification, then counts from the repeat', () => {
    const s = stream({ repeatAfter: 'PT4H', resolveAfter: 'P7D' });
    s.run([alert('a1')], T0);
    expect(kinds(s.run([alert('a1', { count: 2 })], at(3 * H)))).toEqual(['updated']);
    const rep = s.run([alert('a1', { count: 2 })], at(4 * H));
    expect(kinds(rep)).toEqual(['repeated!']);
    expect(rep.changes[0]!.reason).toBe('still active 4h after the last notification');
    expect(kinds(s.run([alert('a1', { count: 2 })], at(7 * H)))).toEqual([]);
    expect(kinds(s.run([alert('a1', { count: 2 })], at(8 * H)))).toEqual(['repeated!']);
  });

  it('never repeats by default', () => {
    const s = stream({ resolveAfter: 'P30D' });
    s.run([alert('a1')], T0);
    expect(kinds(s.run([alert('a1')], at(29 * 24 * H)))).toEqual([]);
  });

  it('suppresses by detector, device or key pattern: reported, never notified, and says by what', () => {
    const s = stream();
    s.suppressions.push({
      id: 'sup-1',
      action: 'suppress',
      match: { detector: 'defender/*', device: 'BUILD-*' },
      reason: 'CI runners',
      author: 'secops',
      created: T0.toISOString(),
    });
    const out = s.run([alert('a1', { device: 'build-07.contoso.local' }), alert('a2')], T0);
    expect(out.changes.map((c) => `${c.alertId}:${c.kind}${c.notify ? '!' : ''}`)).toEqual([
      'a1:suppressed',
      'a2:new!',
    ]);
    expect(out.changes[0]!.reason).toBe('suppressed by sup-1 (CI runners; secops): new, high, 1 event(s)');
    expect(out.outbox.map((o) => o.key)).toEqual(['a2:1']);
    // a key pattern
    const k = stream();
    k.suppressions.push({
      id: 'sup-1',
      action: 'suppress',
      match: { key: '*\\Temp\\*' },
      reason: 'r',
      author: 'a',
      created: T0.toISOString(),
    });
    expect(kinds(k.run([alert('a1', { key: 'C:\\Users\\x\\AppData\\Local\\Temp\\a.ps1' })], T0))).toEqual([
      'suppressed',
    ]);
  });

  it('an acknowledgement silences updates and repeats, not escalations', () => {
    const s = stream({ repeatAfter: 'PT1H', countThresholds: [10] });
    s.run([alert('a1', { severity: 'medium' })], T0);
    s.suppressions.push({
      id: 'ack-1',
      action: 'acknowledge',
      match: { alert: 'a1' },
      reason: 'ticket SEC-12',
      author: 'alice',
      created: T0.toISOString(),
    });
    const ack = s.run([alert('a1', { severity: 'medium' })], at(1));
    expect(kinds(ack)).toEqual(['acknowledged']);
    expect(ack.changes[0]!.reason).toBe('acknowledged by ack-1 (ticket SEC-12; alice): updated, still active');
    expect(kinds(s.run([alert('a1', { severity: 'medium', count: 20 })], at(2 * H)))).toEqual(['acknowledged']);
    expect(kinds(s.run([alert('a1', { severity: 'medium', count: 20 })], at(5 * H)))).toEqual([]);
    const esc = s.run([alert('a1', { severity: 'high', count: 21 })], at(6 * H));
    expect(kinds(esc)).toEqual(['escalated!']);
    expect(esc.changes[0]!.reason).toBe(
      'severity medium → high; acknowledged by ack-1 (ticket SEC-12; alice), an escalation notifies all the same',
    );
  });

  it('an expired suppression stops applying and says so; the alert notifies again', () => {
    const s = stream({ resolveAfter: 'P7D' });
    s.suppressions.push({
      id: 'sup-1',
      action: 'suppress',
      match: { alert: 'a1' },
      reason: 'maintenance',
      author: 'bob',
      expires: at(2 * H).toISOString(),
      created: T0.toISOString(),
    });
    expect(kinds(s.run([alert('a1')], T0))).toEqual(['suppressed']);
    expect(kinds(s.run([alert('a1', { count: 2 })], at(H)))).toEqual(['suppressed']);
    const after = s.run([alert('a1', { count: 2 })], at(2 * H));
    expect(kinds(after)).toEqual(['repeated!']);
    expect(after.changes[0]!.reason).toBe(`still active; suppression sup-1 expired at ${at(2 * H).toISOString()}`);
    expect(kinds(s.run([alert('a1', { count: 2 })], at(3 * H)))).toEqual([]);
  });

  it('a removed suppression says so with the next change', () => {
    const s = stream();
    s.suppressions.push({
      id: 'sup-1',
      action: 'suppress',
      match: { alert: 'a1' },
      reason: 'r',
      author: 'a',
      created: T0.toISOString(),
    });
    s.run([alert('a1')], T0);
    s.suppressions.length = 0;
    const out = s.run([alert('a1', { severity: 'critical' })], at(1));
    expect(kinds(out)).toEqual(['escalated!']);
    expect(out.changes[0]!.reason).toBe('severity high → critical; suppression sup-1 removed');
  });

  it('keeps streams apart: records by stream, keys of other streams prefixed, other streams never resolved', () => {
    const records = new Map<string, JsonValue>();
    const policy = resolvePolicy({ resolveAfter: 1000 });
    const run = (stream: string, alerts: Alert[], now: Date) => {
      const out = computeLifecycle({ stream, alerts, records, suppressions: [], policy, now });
      for (const p of lifecycleWrite(out).put) records.set(p.key, p.value);
      return out;
    };
    expect(run('default', [alert('a1')], T0).outbox.map((o) => o.key)).toEqual(['a1:1']);
    expect(run('eventhub/partition-3', [alert('a1')], T0).outbox.map((o) => o.key)).toEqual([
      'eventhub/partition-3/a1:1',
    ]);
    expect([...records.keys()]).toEqual(['["default","a1"]', '["eventhub/partition-3","a1"]']);
    // the default stream's batch resolves its own a1 only
    const later = run('default', [], at(5000));
    expect(later.changes.map((c) => c.idempotencyKey)).toEqual(['a1:2']);
    const other = '["eventhub/partition-3","a1"]';
    expect(decodeAlertRecord(other, records.get(other)!).status).toBe('active');
  });

  it('the same input gives the same changes, records and outbox (deterministic)', () => {
    const make = () => {
      const s = stream({ countThresholds: [3] });
      const a = s.run([alert('b'), alert('a', { key: 'k2' })], T0);
      const b = s.run([alert('b', { count: 5 }), alert('a', { key: 'k2' })], at(1));
      return JSON.stringify([a, b, [...s.records]]);
    };
    expect(make()).toBe(make());
  });

  it('refuses an unreadable record and a bad policy, naming them', () => {
    expect(() =>
      computeLifecycle({
        stream: 'default',
        alerts: [alert('a1')],
        records: new Map([['["default","a1"]', { id: 'a1' }]]),
        suppressions: [],
        policy: resolvePolicy(undefined),
        now: T0,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'state-unreadable',
        message: 'state: the lifecycle record of alert a1 (["default","a1"]) is not readable',
      }),
    );
    expect(() => resolvePolicy({ countThresholds: [10, 5] })).toThrow('countThresholds');
    expect(() => resolvePolicy({ resolveAfter: 'P1M' })).toThrow('state.policy.resolveAfter');
  });
});

describe('durationMs', () => {
  it('reads ms and ISO 8601 durations of weeks to seconds', () => {
    expect(durationMs(1500, 'x')).toBe(1500);
    expect(durationMs('PT1H', 'x')).toBe(H);
    expect(durationMs('P1DT12H', 'x')).toBe(36 * H);
    expect(durationMs('P2W', 'x')).toBe(14 * 24 * H);
    expect(durationMs('PT0.5S', 'x')).toBe(500);
    for (const bad of ['P', 'PT', 'P1Y', '1h', '', -1, Number.NaN])
      expect(() => durationMs(bad, 'opt')).toThrow('opt:');
  });
});
