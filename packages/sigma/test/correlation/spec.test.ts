/**
 * Four of the specification's correlation examples (copied, public domain) loaded by `compileSigma` with
 * the rules they name, and run on Defender rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AnalysisResult, analyzeEvents, type MdeEvent } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import type { SigmaSet } from '../../src/ir.js';
import { compileSigma } from '../../src/load.js';
import { testMapping } from './kit.js';
import { DC, logon, proc, WS } from './rows.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const read = (name: string) => ({ text: readFileSync(join(FIXTURES, name), 'utf8'), name });

/** The rules and the four examples, loaded together. */
export function loadSpec(): SigmaSet {
  return compileSigma(
    [
      read('rules.yml'),
      ...['event_count', 'value_count', 'temporal', 'temporal_ordered'].map((n) => read(`spec/${n}.yml`)),
    ],
    { mapping: testMapping },
  );
}

/** The family's members run with their own `match` (the same alerts as the family, by its contract). */
const run = (set: SigmaSet, rows: readonly MdeEvent[]): Promise<AnalysisResult> =>
  analyzeEvents(rows, { detectors: [...set.family.members, ...set.correlations] });

/** The detectors that alerted, rules that run on their own ("Any process creation") aside. */
const ids = (r: AnalysisResult) =>
  r.alerts
    .map((a) => a.detectorId)
    .filter((id) => id !== 'sigma/0a1b2c3d-0006-4e5f-8a9b-0c1d2e3f4a06')
    .sort();

describe('the specification examples on Defender rows', () => {
  const set = loadSpec();

  it('load: every correlation runs; the rules only they use raise no alerts of their own', () => {
    const correlations = set.report.entries.filter((e) => e.kind === 'correlation');
    expect(correlations.map((e) => [e.detectorId, e.status, e.reasons.map((r) => r.code)])).toEqual([
      ['sigma/0e95725d-7320-415d-80f7-004da920fc11', 'loaded', []],
      ['sigma/0e95725d-7320-415d-80f7-004da920fc12', 'loaded', []],
      ['sigma/recon', 'loaded', []],
      ['sigma/recon-ordered', 'loaded', []],
    ]);
    expect(set.report.correlations).toEqual({ loaded: 4, degraded: 0, skipped: 0 });
    expect(set.correlations.map((d) => d.meta.id)).toHaveLength(4);
    const quiet = set.report.entries.filter((e) => e.correlationOnly).map((e) => e.title);
    expect(quiet).toEqual([
      'Failed logon',
      'Whoami execution',
      'Net user enumeration',
      'Domain controller discovery with nltest',
    ]);
    expect(set.family.members.map((m) => m.meta.title)).toEqual([
      'Successful logon',
      'Web access by a process',
      'Plain HTTP connection',
      'Any process creation',
    ]);
  });

  it('event_count: 100 failed logons on one host within an hour', async () => {
    const hundred = Array.from({ length: 100 }, (_, i) => logon(i * 36, `user${i % 7}`));
    const result = await run(set, hundred);
    expect(ids(result)).toEqual(['sigma/0e95725d-7320-415d-80f7-004da920fc11']);
    expect(result.alerts[0]!.key).toBe(DC.DeviceName);
    expect(result.alerts[0]!.title).toBe('Many failed logins');
    expect(result.alerts[0]!.evidence.eventCount).toBe(100);
    // 99 in the hour: no alert; the rule alone raises none either (generate is false).
    expect(ids(await run(set, hundred.slice(1)))).toEqual([]);
    // The hour is inclusive: the 100th at exactly 1 h still counts.
    const edge = [...hundred.slice(0, 99), logon(3600, 'user1')];
    expect(ids(await run(set, edge))).toEqual(['sigma/0e95725d-7320-415d-80f7-004da920fc11']);
    const late = [...hundred.slice(0, 99), logon(3600.0000001, 'user1')];
    expect(ids(await run(set, late))).toEqual([]);
  });

  it('value_count: 100 accounts tried from one workstation within a day', async () => {
    const spray = Array.from({ length: 100 }, (_, i) =>
      logon(i * 60, `user${String(i).padStart(3, '0')}`, { RemoteDeviceName: 'kiosk-03' }),
    );
    const result = await run(set, spray);
    expect(ids(result)).toEqual(['sigma/0e95725d-7320-415d-80f7-004da920fc12']);
    expect(result.alerts[0]!.key).toBe(JSON.stringify([DC.DeviceName, 'kiosk-03']));
    // 100 logons of 99 accounts: no alert.
    const fewer = [...spray.slice(0, 99), logon(99 * 60, 'user000', { RemoteDeviceName: 'kiosk-03' })];
    expect(ids(await run(set, fewer))).toEqual([]);
    // A row without a WorkstationName belongs to no group.
    const noWorkstation = [...spray.slice(0, 99), logon(99 * 60, 'user099')];
    expect(ids(await run(set, noWorkstation))).toEqual([]);
  });

  it('temporal and temporal_ordered: a recon chain by one user on one host', async () => {
    const chain = [
      proc(0, 'whoami.exe', 'whoami /all'),
      proc(40, 'net.exe', 'net user /domain'),
      proc(90, 'nltest.exe', 'nltest /dclist:contoso.local'),
    ];
    expect(ids(await run(set, chain))).toEqual(['sigma/recon', 'sigma/recon-ordered']);
    // The same rows arriving in reverse order: the same alerts.
    expect(ids(await run(set, [...chain].reverse()))).toEqual(['sigma/recon', 'sigma/recon-ordered']);
    // Out of order in time (nltest first): temporal only.
    const shuffled = [
      proc(0, 'nltest.exe', 'nltest /dclist:contoso.local'),
      proc(40, 'whoami.exe', 'whoami /all'),
      proc(90, 'net.exe', 'net user /domain'),
    ];
    expect(ids(await run(set, shuffled))).toEqual(['sigma/recon']);
    // Another user, or another host, does not complete the chain.
    const otherUser = [...chain.slice(0, 2), proc(90, 'nltest.exe', 'nltest /dclist:contoso.local', 'mallory')];
    expect(ids(await run(set, otherUser))).toEqual([]);
    const otherHost = [...chain.slice(0, 2), proc(90, 'nltest.exe', 'nltest /dclist:contoso.local', 'jdoe', DC)];
    expect(ids(await run(set, otherHost))).toEqual([]);
    // Exactly 5 minutes from first to last: inside.
    const edge = [chain[0]!, chain[1]!, proc(300, 'nltest.exe', 'nltest /dclist:contoso.local')];
    expect(ids(await run(set, edge))).toEqual(['sigma/recon', 'sigma/recon-ordered']);
    expect(WS.DeviceName).toBe(chain[0]!.deviceName);
  });

  it('the alert carries the authors (DRL 1.1) and why each rule matched', async () => {
    const chain = [
      proc(0, 'whoami.exe', 'whoami /all'),
      proc(40, 'net.exe', 'net user /domain'),
      proc(90, 'nltest.exe', 'nltest /dclist:contoso.local'),
    ];
    const alert = (await run(set, chain)).alerts.find((a) => a.detectorId === 'sigma/recon')!;
    expect(alert.description).toContain('Sigma correlation by an unnamed author; its rules by tripline tests');
    const why = alert.evidence.keyComponents['Why it matched'] as readonly string[];
    expect(why.some((l) => l.startsWith('recon_cmd_c: selection › '))).toBe(true);
  });
});
