import { type AnalysisResult, type AnyDetector, analyzeEvents, type MdeEvent } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import { compileCorrelations, correlationDetectorId, correlationWindow } from '../../src/correlation/compile.js';
import type { CompiledRule, SigmaCorrelation } from '../../src/ir.js';
import { context, correlation, rule, testMapping } from './kit.js';
import { DC, fileWrite, logon, proc, WS } from './rows.js';

const LOGON = { table: 'DeviceLogonEvents', actionTypes: ['LogonFailed'], platform: 'windows' } as const;
const PROCESS = { table: 'DeviceProcessEvents', actionTypes: ['ProcessCreated'], platform: 'windows' } as const;
const FILE = { table: 'DeviceFileEvents', actionTypes: ['FileCreated', 'FileModified'], platform: 'windows' } as const;

const failedLogon = rule('5638f7c0-ac70-491d-8465-2a65075e0d86', 'failed_logon', LOGON, () => true, 'Logon Author');
const reconA = rule(
  '1d7e2a40-0b7e-4c1e-9f43-6a3d1c0e0a01',
  'recon_cmd_a',
  PROCESS,
  (e) => e.str('FileName') === 'whoami.exe',
);
const reconB = rule(
  '1d7e2a40-0b7e-4c1e-9f43-6a3d1c0e0a02',
  'recon_cmd_b',
  PROCESS,
  (e) => e.str('FileName') === 'net.exe',
);
const reconC = rule(
  '1d7e2a40-0b7e-4c1e-9f43-6a3d1c0e0a03',
  'recon_cmd_c',
  PROCESS,
  (e) => e.str('FileName') === 'nltest.exe',
);
const fileWritten = rule('7a1c5b3e-2f4d-4e6a-8b9c-0d1e2f3a4b5c', 'file_written', FILE, () => true);
const RULES: readonly CompiledRule[] = [failedLogon, reconA, reconB, reconC, fileWritten];

function compile(...cs: SigmaCorrelation[]) {
  return compileCorrelations(cs, RULES, { mapping: testMapping, context });
}

async function run(c: SigmaCorrelation, rows: readonly MdeEvent[]): Promise<AnalysisResult> {
  const compiled = compile(c);
  expect(compiled.entries[0]!.status, JSON.stringify(compiled.entries[0]!.reasons)).not.toBe('skipped');
  return analyzeEvents(rows, { detectors: compiled.detectors as AnyDetector[] });
}

/** 10 failed logons for `account`, one every 30 s from `start` (the last 270 s later). */
function burst(start: number, account: string, n = 10, step = 30): MdeEvent[] {
  return Array.from({ length: n }, (_, i) => logon(start + i * step, account));
}

describe('event_count', () => {
  const c = correlation('event_count', ['failed_logon'], ['TargetUserName'], '5m', { gte: 10 });

  it('10 failed logons for one account within 5 minutes make one alert, keyed by the account', async () => {
    const result = await run(c, [...burst(0, 'svc_backup'), ...burst(0, 'jdoe', 9)]);
    expect(result.alerts).toHaveLength(1);
    const alert = result.alerts[0]!;
    expect(alert.detectorId).toBe('sigma/0e95725d-7320-415d-80f7-000000000011');
    expect(alert.key).toBe('svc_backup');
    expect(alert.severity).toBe('high');
    expect(alert.evidence.eventCount).toBe(10);
    expect(alert.evidence.keyComponents.TargetUserName).toBe('svc_backup');
    expect(alert.evidence.keyComponents['Correlated rules']).toEqual(['failed_logon']);
    // DRL 1.1: the correlation's author and its rule's author travel with the alert.
    expect(alert.description).toContain('Sigma correlation by Correlation Author; its rules by Logon Author');
    expect(alert.riskAssessment).toContain('matching events ≥ 10 within 5m, grouped by TargetUserName');
  });

  it('boundary: the 10th logon exactly 5 minutes after the first is inside; 100 ns later it is not', async () => {
    const rows = (last: number) => [...burst(0, 'svc_backup', 9, 1), logon(last, 'svc_backup')];
    expect((await run(c, rows(300))).alerts).toHaveLength(1);
    expect((await run(c, rows(300.0000001))).alerts).toHaveLength(0);
  });

  it('out-of-order arrival gives the same alert', async () => {
    const rows = burst(0, 'svc_backup');
    const shuffled = [
      rows[5]!,
      rows[9]!,
      rows[0]!,
      rows[3]!,
      rows[7]!,
      rows[1]!,
      rows[8]!,
      rows[2]!,
      rows[6]!,
      rows[4]!,
    ];
    const a = await run(c, rows);
    const b = await run(c, shuffled);
    expect(b.alerts.map((x) => [x.id, x.evidence.eventCount, x.firstSeen])).toEqual(
      a.alerts.map((x) => [x.id, x.evidence.eventCount, x.firstSeen]),
    );
  });

  it('a row without the group-by field takes no part', async () => {
    const rows = [...burst(0, 'svc_backup', 9), logon(280, undefined)];
    expect((await run(c, rows)).alerts).toHaveLength(0);
  });

  it('counts per device: the same account on two devices is two groups (and the load report says so)', async () => {
    const compiled = compile(c);
    expect(compiled.entries[0]!.status).toBe('degraded');
    expect(compiled.entries[0]!.reasons.map((r) => r.code)).toEqual(['semantic-degraded']);
    const rows = [
      ...burst(0, 'svc_backup', 5),
      ...Array.from({ length: 5 }, (_, i) => logon(i * 30 + 1, 'svc_backup', {}, WS)),
    ];
    expect((await run(c, rows)).alerts).toHaveLength(0);
    // Grouping by the device is exact: nothing degraded.
    const byHost = correlation('event_count', ['failed_logon'], ['ComputerName', 'TargetUserName'], '5m', { gte: 10 });
    expect(compile(byHost).entries[0]!.status).toBe('loaded');
    const result = await run(byHost, burst(0, 'svc_backup'));
    expect(result.alerts[0]!.key).toBe(JSON.stringify([DC.DeviceName, 'svc_backup']));
  });

  it('ranges and lt: "more than 3 and at most 5" within the window', async () => {
    const range = correlation('event_count', ['failed_logon'], ['TargetUserName'], '5m', { gt: 3, lte: 5 });
    expect(correlationWindow(range)).toEqual({
      sizeMs: 300_000,
      threshold: 3,
      compare: 'gt',
      and: { compare: 'lte', threshold: 5 },
    });
    expect((await run(range, burst(0, 'a', 4))).alerts).toHaveLength(1);
    expect((await run(range, burst(0, 'a', 3))).alerts).toHaveLength(0);
  });
});

describe('value_count', () => {
  it('one source address, many accounts: distinct TargetUserName per IpAddress', async () => {
    const c = correlation('value_count', ['failed_logon'], ['IpAddress'], '10m', { field: 'TargetUserName', gte: 5 });
    const spray = ['adm_jdoe', 'svc_sql', 'alice', 'bob', 'carol'].map((a, i) => logon(i * 60, a));
    const result = await run(c, spray);
    expect(result.alerts).toHaveLength(1);
    expect(result.alerts[0]!.key).toBe('203.0.113.45');
    expect(result.alerts[0]!.evidence.keyComponents.TargetUserName).toEqual([
      'adm_jdoe',
      'svc_sql',
      'alice',
      'bob',
      'carol',
    ]);
    // One account five times is one value.
    expect((await run(c, burst(0, 'alice', 5))).alerts).toHaveLength(0);
  });
});

describe('temporal and temporal_ordered', () => {
  const chain = ['recon_cmd_a', 'recon_cmd_b', 'recon_cmd_c'];
  const recon = (a: number, b: number, c: number) => [
    proc(a, 'whoami.exe', 'whoami /all'),
    proc(b, 'net.exe', 'net user /domain'),
    proc(c, 'nltest.exe', 'nltest /dclist:contoso.local'),
    proc(b + 1, 'notepad.exe', 'notepad.exe C:\\Users\\jdoe\\notes.txt'),
  ];

  it('temporal: the three recon commands in any order within 5 minutes, by the same user', async () => {
    const c = correlation('temporal', chain, ['ComputerName', 'User'], '5m');
    expect((await run(c, recon(100, 0, 200))).alerts).toHaveLength(1);
    expect((await run(c, recon(0, 100, 301))).alerts).toHaveLength(0);
    // Another user's nltest does not complete jdoe's chain.
    const split = [
      proc(0, 'whoami.exe', 'whoami'),
      proc(10, 'net.exe', 'net user'),
      proc(20, 'nltest.exe', 'nltest', 'mallory'),
    ];
    expect((await run(c, split)).alerts).toHaveLength(0);
    const alert = (await run(c, recon(100, 0, 200))).alerts[0]!;
    expect(alert.evidence.keyComponents['Correlated rules']).toEqual(['recon_cmd_a', 'recon_cmd_b', 'recon_cmd_c']);
    expect(alert.evidence.eventCount).toBe(3);
  });

  it('temporal with a condition: 2 of the 3 rules', async () => {
    const c = correlation('temporal', chain, ['ComputerName', 'User'], '5m', { gte: 2 });
    expect((await run(c, recon(0, 30, 9999))).alerts).toHaveLength(1);
  });

  it('temporal_ordered: in the order of rules; arrival order does not matter', async () => {
    const c = correlation('temporal_ordered', chain, ['ComputerName', 'User'], '5m');
    expect((await run(c, recon(0, 100, 200))).alerts).toHaveLength(1);
    expect((await run(c, recon(0, 100, 200).reverse())).alerts).toHaveLength(1);
    expect((await run(c, recon(100, 0, 200))).alerts).toHaveLength(0);
    expect((await run(c, recon(0, 100, 300))).alerts).toHaveLength(1);
    expect((await run(c, recon(0, 100, 300.0000001))).alerts).toHaveLength(0);
  });

  it('temporal_ordered with a condition other than "all" is refused with a reason', () => {
    const c = correlation('temporal_ordered', chain, ['User'], '5m', { gte: 2 });
    const entry = compile(c).entries[0]!;
    expect(entry.status).toBe('skipped');
    expect(entry.reasons[0]!.code).toBe('correlation-unsupported');
  });
});

describe('value_sum, value_avg, value_percentile', () => {
  // Sizes grow, so the windows that close early hold the small writes only.
  const rows = [
    fileWrite(0, 'index.dat', 1_000),
    fileWrite(60, 'customers.csv', 30_000_000),
    fileWrite(120, 'payroll-2026.xlsx', 35_000_000),
    fileWrite(180, 'readme.txt', undefined),
    fileWrite(240, 'q3-forecast.xlsx', 40_000_000),
  ];

  it('value_sum: bytes written by one user within an hour; rows without the field take no part', async () => {
    const c = correlation('value_sum', ['file_written'], ['User'], '1h', { field: 'FileSize', gt: 100_000_000 });
    const sum = await run(c, rows);
    expect(sum.alerts).toHaveLength(1);
    expect(sum.alerts[0]!.key).toBe('jdoe');
    expect(sum.alerts[0]!.evidence.eventCount).toBe(5);
    expect(sum.alerts[0]!.evidence.keyComponents.FileSize).toEqual(['1000', '30000000', '35000000', '40000000']);
    const over = correlation('value_sum', ['file_written'], ['User'], '1h', { field: 'FileSize', gt: 105_001_000 });
    expect((await run(over, rows)).alerts).toHaveLength(0);
    // A 2-minute window never holds more than 75 M.
    const short = correlation('value_sum', ['file_written'], ['User'], '2m', { field: 'FileSize', gt: 75_000_000 });
    expect((await run(short, rows)).alerts).toHaveLength(0);
  });

  it('value_avg: the mean of the window closing at each write', async () => {
    const avg = (timespan: string, gte: number) =>
      correlation('value_avg', ['file_written'], ['User'], timespan, { field: 'FileSize', gte });
    const three = rows.slice(1, 4); // 30 M, 35 M, no size
    // Windows of 1 h: {30 M} → 30 M, {30 M, 35 M} → 32.5 M.
    expect((await run(avg('1h', 32_500_000), three)).alerts).toHaveLength(1);
    expect((await run(avg('1h', 32_500_001), three)).alerts).toHaveLength(0);
    // All rows: with 2 minutes, the window closing at 240 s holds 35 M (at 120 s, exactly 2 minutes
    // before: inside) and 40 M — mean 37.5 M; with 1 h every window also holds the 1 K write.
    expect((await run(avg('2m', 37_500_000), rows)).alerts).toHaveLength(1);
    expect((await run(avg('1h', 37_500_000), rows)).alerts).toHaveLength(0);
    expect((await run(avg('1h', 26_250_250), rows)).alerts).toHaveLength(1);
  });

  it('value_percentile needs condition.percentile; with it, the nearest-rank percentile is compared', async () => {
    const spec = correlation('value_percentile', ['file_written'], ['User'], '24h', { field: 'FileSize', lte: 1 });
    const entry = compile(spec).entries[0]!;
    expect(entry.status).toBe('skipped');
    expect(entry.reasons[0]).toMatchObject({ code: 'correlation-unsupported', at: 'condition.percentile' });
    const p = (gt: number) =>
      correlation('value_percentile', ['file_written'], ['User'], '24h', { field: 'FileSize', percentile: 50, gt });
    expect(correlationWindow(p(1))).toMatchObject({
      measure: 'percentile',
      percentile: 50,
      threshold: 1,
      compare: 'gt',
    });
    // Medians of the windows: {1 K} 1 K, {1 K, 30 M} 1 K, {…, 35 M} 30 M, {…, 40 M} 30 M.
    expect((await run(p(29_999_999), rows)).alerts).toHaveLength(1);
    expect((await run(p(30_000_000), rows)).alerts).toHaveLength(0);
  });
});

describe('load report and generate', () => {
  it('a missing rule, an unmapped field and a chained correlation are skipped with their reasons', () => {
    const missing = correlation('event_count', ['no_such_rule'], ['TargetUserName'], '5m', { gte: 2 });
    const unmapped = correlation('event_count', ['failed_logon'], ['SubjectLogonId'], '5m', { gte: 2 }, { id: 'b1' });
    const inner = correlation(
      'event_count',
      ['failed_logon'],
      ['TargetUserName'],
      '10m',
      { gte: 10 },
      { id: 'inner-1', name: 'many_failed' },
    );
    const outer = correlation('temporal_ordered', ['many_failed', 'recon_cmd_a'], ['User'], '1h', undefined, {
      id: 'outer-1',
    });
    const { entries, detectors } = compile(missing, unmapped, inner, outer);
    expect(entries.map((e) => [e.status, e.reasons[0]?.code])).toEqual([
      ['skipped', 'correlation-rule-missing'],
      ['skipped', 'field-unmapped'],
      ['degraded', 'semantic-degraded'],
      ['skipped', 'correlation-unsupported'],
    ]);
    expect(entries[3]!.reasons[0]!.message).toMatch(/chained correlations are not run/);
    expect(detectors.map((d) => d.meta.id)).toEqual(['sigma/inner-1']);
  });

  it('rules only used by correlations without generate are quiet; generate: true keeps them', () => {
    const quiet = correlation('event_count', ['failed_logon'], ['TargetUserName'], '5m', { gte: 10 });
    expect([...compile(quiet).quiet]).toEqual(['sigma/5638f7c0-ac70-491d-8465-2a65075e0d86']);
    const loud = correlation(
      'event_count',
      ['5638f7c0-ac70-491d-8465-2a65075e0d86'],
      ['TargetUserName'],
      '5m',
      { gte: 10 },
      { generate: true, id: 'x2' },
    );
    expect([...compile(quiet, loud).quiet]).toEqual([]);
  });

  it('aliases give each rule its own group-by field', async () => {
    const c = correlation('temporal', ['failed_logon', 'file_written'], ['account'], '10m', undefined, {
      aliases: { account: { failed_logon: 'TargetUserName', file_written: 'User' } },
    });
    const result = await run(c, [logon(0, 'jdoe', {}, WS), fileWrite(60, 'q3-forecast.xlsx', 10)]);
    expect(result.alerts).toHaveLength(1);
    expect(result.alerts[0]!.key).toBe('jdoe');
    expect(result.alerts[0]!.evidence.keyComponents.account).toBe('jdoe');
  });

  it('an alias that names the device on every rule groups by device: nothing degraded', () => {
    const c = correlation('temporal', ['failed_logon', 'file_written'], ['host', 'account'], '10m', undefined, {
      aliases: {
        host: { failed_logon: 'ComputerName', file_written: 'ComputerName' },
        account: { failed_logon: 'TargetUserName', file_written: 'User' },
      },
    });
    expect(compile(c).entries[0]!.status).toBe('loaded');
    const half = correlation('temporal', ['failed_logon', 'file_written'], ['host'], '10m', undefined, {
      aliases: { host: { failed_logon: 'ComputerName', file_written: 'User' } },
    });
    expect(compile(half).entries[0]!.reasons.map((r) => r.code)).toEqual(['semantic-degraded']);
  });

  it('ATT&CK tags newer than the table are kept and reported, never fatal', () => {
    const c = correlation(
      'event_count',
      ['failed_logon'],
      ['ComputerName'],
      '5m',
      { gte: 10 },
      { tags: ['attack.t1110', 'attack.t1685'] },
    );
    const { entries, detectors } = compile(c);
    expect(entries[0]!.status).toBe('loaded');
    expect(entries[0]!.reasons.map((r) => r.code)).toEqual(['attack-unknown']);
    expect(detectors[0]!.meta.mitre).toEqual(['T1110']);
    expect(detectors[0]!.meta.rationale).toContain('T1685');
  });

  it('detector ids come from the id, else the name, else the title; a taken id is a duplicate', () => {
    const c = correlation('temporal', ['recon_cmd_a', 'recon_cmd_b'], ['User'], '5m');
    expect(correlationDetectorId({ ...c, id: undefined, name: 'Recon_Chain' })).toBe('sigma/recon-chain');
    expect(correlationDetectorId({ ...c, id: undefined, name: undefined, title: 'Recon ordered' })).toBe(
      'sigma/recon-ordered',
    );
    const taken = compileCorrelations([c], RULES, {
      mapping: testMapping,
      context,
      takenIds: new Set([correlationDetectorId(c)]),
    });
    expect(taken.entries[0]!.reasons[0]!.code).toBe('duplicate-id');
  });
});
