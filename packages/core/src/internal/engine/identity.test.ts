/**
 * Alert identity: detector, device and subject key. A NUL inside a DeviceId or a key must not let two
 * distinct subjects share one group or one alert id; ordinary ids stay what they always were (they are
 * in users' allowlists, SARIF baselines and golden reports).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../testing.js';
import { defineDetector } from '../detector/define.js';
import type { AnyDetector } from '../detector/types.js';
import { alertId } from './analyze.js';
import { analyzeEvents } from './entry.js';

/** An exec without fork, as in the G14 reproduction: the initiating image and the new one share a PID. */
function exec(deviceId: string, from: string, to: string, reportId: number) {
  return makeEvent('DeviceProcessEvents', {
    Timestamp: `2025-11-20T10:01:0${reportId}Z`,
    DeviceId: deviceId,
    DeviceName: `n-${reportId}`,
    ActionType: 'ProcessCreated',
    ReportId: reportId,
    FileName: to,
    FolderPath: `/usr/bin/${to}`,
    ProcessId: 100 + reportId,
    InitiatingProcessId: 100 + reportId,
    InitiatingProcessFileName: from,
    InitiatingProcessFolderPath: `/usr/bin/${from}`,
  });
}

const pairs = defineDetector({
  meta: {
    id: 'test/exec-pairs',
    title: 'Exec pairs',
    summary: 'One alert per device and image pair.',
    rationale: 'Exercises alert identity in tests.',
    severity: 'low',
    category: 'Testing',
    mitre: [],
    tables: ['DeviceProcessEvents'],
    messages: { default: { title: 'Exec {pair}', description: 'D', riskAssessment: 'R' } },
  },
  match: (e) => ({ key: `${e.str('InitiatingProcessFileName')} -> ${e.str('FileName')}` }),
  render: (g) => ({ values: { pair: g.key }, keyComponents: {} }),
}) as AnyDetector;

describe('alert identity', () => {
  it('keeps two subjects apart when a NUL in DeviceId would make their NUL-joined tuples equal', async () => {
    const events = [exec('a', 'b\u0000c', 'd', 1), exec('a\u0000b', 'c', 'd', 2), exec('a', 'x', 'y', 3)];
    const result = await analyzeEvents(events, { detectors: [pairs], generatedAt: '2025-01-01T00:00:00Z' });
    expect(result.alerts).toHaveLength(3);
    expect(new Set(result.alerts.map((a) => a.id)).size).toBe(3);
    expect(result.alerts.map((a) => `${a.device.id}|${a.key}`).sort()).toEqual(
      ['a|b\u0000c -> d', 'a|x -> y', 'a\u0000b|c -> d'].sort(),
    );
    // Each alone gives the same id as in the joint run: ids depend on the subject only.
    for (const e of events) {
      const alone = await analyzeEvents([e], { detectors: [pairs], generatedAt: '2025-01-01T00:00:00Z' });
      const same = result.alerts.find((a) => a.device.id === e.deviceId && a.key === alone.alerts[0]!.key)!;
      expect(alone.alerts[0]!.id).toBe(same.id);
    }
  });

  it('gives different ids to every split of the same NUL-joined text', () => {
    const tuples: [string, string][] = [
      ['a', 'b\u0000c'],
      ['a\u0000b', 'c'],
      ['a\u0000b\u0000c', ''],
      ['', 'a\u0000b\u0000c'],
      ['a', '["a\\u0000b","c"]'],
      ['["a\\u0000b","c"]', ''],
    ];
    const ids = tuples.map(([d, k]) => alertId('test/x', d, k));
    expect(new Set(ids).size).toBe(tuples.length);
  });

  it('keeps the ids of ordinary subjects unchanged (no NUL in the DeviceId)', () => {
    const old = (det: string, dev: string, key: string) =>
      `tl-${createHash('sha256').update(`${det}\u0000${dev}\u0000${key}`).digest('hex').slice(0, 20)}`;
    for (const [dev, key] of [
      ['875524232b2377b606ca585f2a6692b5be921b94', 'dash -> lsof'],
      ['d1', ''],
      ['d1', 'key with a \u0000 NUL'],
    ] as const) {
      expect(alertId('defender/exec-process-replacement', dev, key)).toBe(
        old('defender/exec-process-replacement', dev, key),
      );
    }
    expect(
      alertId('defender/exec-process-replacement', '875524232b2377b606ca585f2a6692b5be921b94', 'dash -> lsof'),
    ).toBe(
      'tl-' +
        createHash('sha256')
          .update('defender/exec-process-replacement\u0000875524232b2377b606ca585f2a6692b5be921b94\u0000dash -> lsof')
          .digest('hex')
          .slice(0, 20),
    );
  });

  it('orders subjects by device, then key, not by their concatenation', async () => {
    const events = [exec('ab', 'c', 'd', 1), exec('a', 'bc', 'd', 2)];
    const order = async (list: typeof events) => {
      const seen: string[] = [];
      const spy = defineDetector({
        ...pairs,
        meta: { ...pairs.meta, id: 'test/render-order' },
        render: (g) => {
          seen.push(`${g.device.id}|${g.key}`);
          return { values: { pair: g.key }, keyComponents: {} };
        },
      }) as AnyDetector;
      await analyzeEvents(list, { detectors: [spy], generatedAt: '2025-01-01T00:00:00Z' });
      return seen;
    };
    expect(await order(events)).toEqual(await order([...events].reverse()));
    expect(await order(events)).toEqual(['a|bc -> d', 'ab|c -> d']);
  });
});
