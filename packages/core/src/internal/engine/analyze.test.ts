import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { makeEvent } from '../../testing.js';
import { defineDetector } from '../detector/define.js';
import type { AnyDetector, Detector } from '../detector/types.js';
import { isTriplineError } from '../errors.js';
import type { MdeEvent } from '../model/event.js';
import { stringifyReport, toJsonReport } from '../report/json.js';
import { reportJsonSchema } from '../report/schema.js';
import { createAnalyzer } from './analyze.js';
import { analyzeEvents } from './entry.js';

const DEVICE = '875524232b2377b606ca585f2a6692b5be921b94';
const NAME = 'wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net';
let report = 1000;

function proc(ts: string, fileName: string, extra: Record<string, unknown> = {}): MdeEvent {
  return makeEvent('DeviceProcessEvents', {
    Timestamp: ts,
    DeviceId: DEVICE,
    DeviceName: NAME,
    ActionType: 'ProcessCreated',
    FileName: fileName,
    ProcessId: 415044,
    InitiatingProcessId: 415044,
    InitiatingProcessFileName: 'dash',
    ReportId: report++,
    ...extra,
  });
}

const messages = {
  default: { title: 'Process {name}', description: 'Saw {name} {count} times', riskAssessment: 'Low risk.' },
  loud: { title: 'Loud {name}', description: 'Loud', riskAssessment: 'Medium risk.' },
};

function byName(overrides: Partial<Detector> = {}): AnyDetector {
  return defineDetector({
    meta: {
      id: 'test/by-name',
      title: 'Processes by name',
      summary: 'Groups process creations by image name.',
      rationale: 'Exercises grouping in tests.',
      severity: 'low',
      category: 'Testing',
      mitre: ['T1059.004'],
      tables: ['DeviceProcessEvents'],
      actionTypes: ['ProcessCreated'],
      messages,
      evidence: { pids: { from: (e: MdeEvent) => e.str('ProcessId'), combine: 'distinct', label: 'PIDs' } },
      columns: ['FileName'],
      values: ['name'],
    },
    match: (e: MdeEvent) => ({ key: e.str('FileName') ?? '' }),
    render: (g: { key: string }) => ({ values: { name: g.key } }),
    ...overrides,
  } as Detector);
}

describe('engine', () => {
  it('groups events by detector, device and key; counts all, keeps a capped sample', async () => {
    const events = Array.from({ length: 30 }, (_, i) =>
      proc(`2025-11-07T06:46:${String(59 - i).padStart(2, '0')}.1Z`, 'lsof'),
    );
    events.push(proc('2025-11-07T06:47:00Z', 'ps'));
    const result = await analyzeEvents(events, {
      detectors: [byName()],
      config: { evidenceLimit: 5 },
      generatedAt: 'x',
    });
    expect(result.alerts).toHaveLength(2);
    const lsof = result.alerts.find((a) => a.key === 'lsof')!;
    expect(lsof.evidence.eventCount).toBe(30);
    expect(lsof.evidence.events).toHaveLength(5);
    expect(lsof.evidence.events[0]!.timestamp).toBe('2025-11-07T06:46:30.1Z');
    expect(lsof.firstSeen).toBe('2025-11-07T06:46:30.1Z');
    expect(lsof.lastSeen).toBe('2025-11-07T06:46:59.1Z');
    expect(lsof.title).toBe('Process lsof');
    expect(lsof.description).toBe('Saw lsof 30 times');
    expect(lsof.mitre).toEqual([{ id: 'T1059.004', name: 'Command and Scripting Interpreter: Unix Shell' }]);
    expect(lsof.evidence.keyComponents.PIDs).toEqual(['415044']);
    expect(result.summary).toMatchObject({
      eventsRead: 31,
      eventsAnalyzed: 31,
      eventsRejected: 0,
      alertCount: 2,
      devices: 1,
    });
    expect(result.summary.timeRange).toEqual({ start: '2025-11-07T06:46:30.1Z', end: '2025-11-07T06:47:00Z' });
  });

  it('gives alerts stable ids and a deterministic order', async () => {
    const events = [proc('2025-11-07T06:46:01Z', 'ps'), proc('2025-11-07T06:46:00Z', 'lsof')];
    const run = () =>
      analyzeEvents(events, {
        detectors: [byName()],
        generatedAt: '2025-01-01T00:00:00Z',
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect(stringifyReport(a)).toBe(stringifyReport(b));
    expect(a.alerts.map((x) => x.key)).toEqual(['lsof', 'ps']);
    expect(a.alerts[0]!.id).toMatch(/^tl-[0-9a-f]{20}$/);
  });

  it('isolates a throwing detector: diagnostic names it and the row, other detectors still run', async () => {
    const boom = byName({
      meta: { ...byName().meta, id: 'test/boom' },
      match: () => {
        throw new Error('kaboom');
      },
    });
    const result = await analyzeEvents([proc('2025-11-07T06:46:01Z', 'ps')], { detectors: [boom, byName()] });
    expect(result.alerts.map((a) => a.detectorId)).toEqual(['test/by-name']);
    expect(result.diagnostics[0]).toMatchObject({
      level: 'error',
      code: 'detector-threw',
      detectorId: 'test/boom',
      source: 'fixture',
    });
    expect(result.diagnostics[0]!.message).toContain('kaboom');
  });

  it('stops a detector from mutating the event another detector sees', async () => {
    const seen: string[] = [];
    const mutator = byName({
      meta: { ...byName().meta, id: 'test/a-mutator' },
      match: (e) => {
        (e as unknown as { actionType: string }).actionType = 'Hacked';
        return undefined;
      },
    });
    const observer = byName({
      meta: { ...byName().meta, id: 'test/z-observer' },
      match: (e) => {
        seen.push(e.actionType ?? '');
        return undefined;
      },
    });
    const result = await analyzeEvents([proc('2025-11-07T06:46:01Z', 'ps')], { detectors: [mutator, observer] });
    expect(seen).toEqual(['ProcessCreated']);
    expect(result.diagnostics.some((d) => d.detectorId === 'test/a-mutator' && d.code === 'detector-threw')).toBe(true);
  });

  it('reports malformed matches and renders as diagnostics', async () => {
    const bad = byName({
      match: () => ({ key: 42, severity: 'catastrophic' }) as never,
    });
    const badRender = byName({
      meta: { ...byName().meta, id: 'test/bad-render' },
      render: () => ({ values: { x: {} }, keyComponents: {} }) as never,
    });
    const result = await analyzeEvents([proc('2025-11-07T06:46:01Z', 'ps')], { detectors: [bad, badRender] });
    expect(result.alerts).toHaveLength(0);
    expect(result.diagnostics.map((d) => d.code).sort()).toEqual([
      'detector-malformed-match',
      'detector-malformed-render',
    ]);
  });

  it('routes by table and ActionType only: other detectors are never called', async () => {
    const spy = vi.fn(() => undefined);
    const logons = defineDetector({
      meta: { ...byName().meta, id: 'test/logons', tables: ['DeviceLogonEvents'], actionTypes: ['LogonSuccess'] },
      match: spy,
      render: () => undefined,
    });
    await analyzeEvents([proc('2025-11-07T06:46:01Z', 'ps')], { detectors: [logons] });
    expect(spy).not.toHaveBeenCalled();
  });

  it('runs windows: an alert only when enough matches fall close together', async () => {
    const windowed = byName({ window: { sizeMs: 60_000, threshold: 3 } });
    const spread = ['06:40:00', '06:42:00', '06:44:00'].map((t) => proc(`2025-11-07T${t}Z`, 'ssh'));
    const burst = ['06:40:00', '06:40:10', '06:40:20'].map((t) => proc(`2025-11-07T${t}Z`, 'ssh'));
    expect((await analyzeEvents(spread, { detectors: [windowed] })).alerts).toHaveLength(0);
    expect((await analyzeEvents(burst, { detectors: [windowed] })).alerts).toHaveLength(1);
  });

  it('runs device-state and correlation detectors after the events', async () => {
    const info = makeEvent('DeviceInfo', {
      Timestamp: '2025-11-07T06:46:02.9561661Z',
      DeviceId: DEVICE,
      DeviceName: NAME,
      PublicIP: '52.186.168.241',
      MachineGroup: 'UnassignedGroup',
      ReportId: '639199803770463703',
    });
    const onDevice = defineDetector({
      meta: { ...byName().meta, id: 'test/device', tables: [] },
      onDevice: (d) => (d.info?.str('PublicIP') ? [{ key: 'public', events: [d.info] }] : []),
      render: (g) => ({ values: { name: g.device.name, count: g.count }, keyComponents: {}, severity: 'medium' }),
    });
    const correlate = defineDetector({
      meta: { ...byName().meta, id: 'test/correlate', tables: [], severity: 'high' },
      correlate: ({ alerts }) =>
        alerts
          .filter((a) => a.detectorId === 'test/device')
          .map((a) => ({ deviceId: a.deviceId, events: a.events, relatedAlerts: [a.id] })),
      render: (g) => ({ values: { name: 'x', count: g.relatedAlerts.length }, keyComponents: {} }),
    });
    const result = await analyzeEvents([info, proc('2025-11-07T06:46:01Z', 'ps')], {
      detectors: [correlate, onDevice],
    });
    expect(result.alerts.map((a) => [a.detectorId, a.severity])).toEqual([
      ['test/correlate', 'high'],
      ['test/device', 'medium'],
    ]);
    expect(result.alerts[0]!.relatedAlerts).toEqual([result.alerts[1]!.id]);
    expect(result.alerts[0]!.evidence.events[0]!.reportId).toBe('639199803770463703');
    expect(result.devices[0]).toMatchObject({
      name: NAME,
      publicIp: '52.186.168.241',
      machineGroup: 'UnassignedGroup',
      alertCount: 2,
    });
  });

  it('applies config: disable, severity override, allowlist, minSeverity', async () => {
    const events = [proc('2025-11-07T06:46:01Z', 'ps'), proc('2025-11-07T06:46:02Z', 'lsof')];
    const off = await analyzeEvents(events, {
      detectors: [byName()],
      config: { detectors: { 'test/by-name': { enabled: false } } },
    });
    expect(off.alerts).toHaveLength(0);
    const high = await analyzeEvents(events, {
      detectors: [byName()],
      config: { detectors: { 'test/by-name': { severity: 'high' } } },
    });
    expect(high.alerts.every((a) => a.severity === 'high')).toBe(true);
    // Escalations a detector makes above its default survive a lowered configured severity.
    const escalating = byName({
      meta: { ...byName().meta, severity: 'medium' },
      render: (g) => ({
        values: { name: g.key, count: g.count },
        keyComponents: {},
        ...(g.key === 'lsof' ? { severity: 'high' as const } : {}),
      }),
    });
    const lowered = await analyzeEvents(events, {
      detectors: [escalating],
      config: { detectors: { 'test/by-name': { severity: 'low' } } },
    });
    expect(Object.fromEntries(lowered.alerts.map((a) => [a.key, a.severity]))).toEqual({ lsof: 'high', ps: 'low' });
    const allowed = await analyzeEvents(events, {
      detectors: [byName()],
      config: { allowlist: [{ detector: 'test/*', key: 'ps', reason: 'ps is fine here' }] },
    });
    expect(allowed.alerts.map((a) => a.key)).toEqual(['lsof']);
    expect(allowed.diagnostics.find((d) => d.code === 'alerts-allowlisted')?.message).toContain('ps is fine here');
    const min = await analyzeEvents(events, { detectors: [byName()], config: { minSeverity: 'medium' } });
    expect(min.alerts).toHaveLength(0);
  });

  it('rejects bad configuration with errors that name the key', () => {
    const withOptions = byName({
      meta: { ...byName().meta, options: z.strictObject({ threshold: z.number().int().min(1).default(10) }) },
    });
    const cases: [unknown, RegExp][] = [
      [{ detectors: { 'test/nope': {} } }, /detectors\.test\/nope: no detector/],
      [{ detectors: { 'test/by-name': { severity: 'huge' } } }, /detectors\.test\/by-name\.severity/],
      [
        { detectors: { 'test/by-name': { options: { threshold: 0 } } } },
        /detectors\.test\/by-name\.options\.threshold/,
      ],
      [
        { detectors: { 'test/by-name': { options: { thresold: 3 } } } },
        /detectors\.test\/by-name\.options\.thresold: unknown key/,
      ],
      [{ minSeverity: 'loud' }, /minSeverity/],
      [{ surprise: true }, /surprise: unknown key/],
    ];
    for (const [config, message] of cases) {
      try {
        createAnalyzer({ detectors: [withOptions], config: config as never });
        expect.unreachable();
      } catch (error) {
        expect(isTriplineError(error, 'config-invalid')).toBe(true);
        expect((error as Error).message).toMatch(message);
      }
    }
  });

  it('refuses worker threads outside analyze(): createAnalyzer and analyzeEvents say so instead of ignoring them', async () => {
    const workers = { count: 2, detectors: '@tripline/detectors-defender' };
    const refused = (run: () => unknown, what: RegExp) => {
      try {
        run();
        expect.unreachable();
      } catch (error) {
        expect(isTriplineError(error, 'option-invalid')).toBe(true);
        expect((error as Error).message).toMatch(what);
      }
    };
    refused(
      () => createAnalyzer({ detectors: [byName()], workers }),
      /^workers is an option of analyze\(\): createAnalyzer\(\)/,
    );
    await expect(analyzeEvents([], { detectors: [byName()], workers })).rejects.toThrow(
      /^workers is an option of analyze\(\): analyzeEvents\(\)/,
    );
    refused(() => createAnalyzer({ detectors: [byName()], workers: { ...workers, count: 0 } }), /workers\.count 0/);
    // One thread is what they do anyway: accepted.
    expect(createAnalyzer({ detectors: [byName()], workers: { ...workers, count: 1 } })).toBeDefined();
    expect((await analyzeEvents([], { detectors: [byName()], workers: { ...workers, count: 1 } })).alerts).toEqual([]);
  });

  it('rejects invalid detectors at load: bad id, unknown ATT&CK id, duplicates', () => {
    expect(() => byName({ meta: { ...byName().meta, id: 'Bad Id' } })).toThrow(/meta\.id/);
    expect(() => byName({ meta: { ...byName().meta, mitre: ['T1070.999'] } })).toThrow(/T1070\.999/);
    expect(() => createAnalyzer({ detectors: [byName(), byName()] })).toThrow(/share the id/);
  });

  it('counts duplicated rows once per alert', async () => {
    const e = proc('2025-11-07T06:46:01Z', 'ps', { ReportId: 77 });
    const again = proc('2025-11-07T06:46:01Z', 'ps', { ReportId: 77 });
    const result = await analyzeEvents([e, again], { detectors: [byName()] });
    expect(result.summary.eventsRead).toBe(2);
    expect(result.summary.duplicateEvents).toBe(1);
    expect(result.alerts[0]!.evidence.eventCount).toBe(1);
  });

  it('keeps read = analysed + rejected and lists rejected rows', () => {
    const analyzer = createAnalyzer({ detectors: [byName()] });
    const rejected: unknown[] = [];
    analyzer.on('rejected', (r) => rejected.push(r));
    analyzer.pushEvent(proc('2025-11-07T06:46:01Z', 'ps'));
    analyzer.pushRejected({ source: 'events.ndjson', line: 4, code: 'malformed-json', reason: 'Unexpected token' });
    const result = analyzer.finish();
    expect(result.summary).toMatchObject({ eventsRead: 2, eventsAnalyzed: 1, eventsRejected: 1 });
    expect(result.rejected).toEqual([
      { source: 'events.ndjson', line: 4, code: 'malformed-json', reason: 'Unexpected token' },
    ]);
    expect(rejected).toHaveLength(1);
    expect(() => analyzer.pushEvent(proc('2025-11-07T06:46:01Z', 'ps'))).toThrow(/finished/);
  });

  it('writes a JSON report that validates against the published schema and keeps ReportIds exact', async () => {
    const result = await analyzeEvents([proc('2025-11-07T06:46:01Z', 'ps', { ReportId: '639199803770463703' })], {
      detectors: [byName()],
      generatedAt: '2025-11-12T09:00:36.000Z',
    });
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(reportJsonSchema);
    const json = JSON.parse(stringifyReport(result));
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(stringifyReport(result)).toContain('"reportId": "639199803770463703"');
    expect(toJsonReport(result).alerts[0]!.evidence.events[0]!.fields.ReportId).toBe('639199803770463703');
  });

  it('handles an empty input', async () => {
    const result = await analyzeEvents([], { detectors: [byName()] });
    expect(result.summary).toMatchObject({
      eventsRead: 0,
      alertCount: 0,
      highestSeverity: null,
      timeRange: null,
      devices: 0,
    });
    const ajv = new Ajv2020({ strict: false });
    expect(ajv.validate(reportJsonSchema, JSON.parse(stringifyReport(result)))).toBe(true);
  });
});
