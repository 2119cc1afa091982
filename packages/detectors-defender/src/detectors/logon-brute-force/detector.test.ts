import { loadFixtures, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector } from './detector.js';

describe('defender/logon-brute-force', () => {
  const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));
  const byName = (n: string) => [...fixtures.fires, ...fixtures.ignores].find((f) => f.name === n)!;

  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('adds T1078 (and T1110.003 for many accounts) when the guessing succeeds', async () => {
    const result = await runFixture(detector, byName('fires.brute-force-then-root.json'));
    const alert = result.alerts[0]!;
    expect(alert.key).toBe('198.51.100.77');
    expect(alert.mitre.map((m) => m.id)).toEqual(['T1078', 'T1110', 'T1110.001', 'T1110.003']);
    expect(alert.evidence.keyComponents['Last Success']).toBe('2025-11-14T02:04:31.552107Z');
  });

  it('a success only before the failures does not escalate; many accounts are listed up to 20', async () => {
    const base = byName('fires.brute-force-no-success.json');
    const first = base.records[0]!;
    const props = first.properties as Record<string, unknown>;
    const at = (ts: string, extra: Record<string, unknown>) => ({
      ...first,
      properties: { ...props, Timestamp: ts, ...extra },
    });
    const before = at('2000-01-01T00:00:00Z', { ActionType: 'LogonSuccess', AccountName: 'alice', ReportId: 9001 });
    const guesses = base.records.map((r, i) => ({
      ...r,
      properties: { ...(r.properties as Record<string, unknown>), AccountName: `user${i}` },
    }));
    const result = await runFixture(detector, { ...base, records: [before, ...guesses] });
    const alert = result.alerts[0]!;
    expect(alert.severity).toBe('medium');
    expect(alert.title).toMatch(/: 12 failures$/);
    expect(alert.evidence.keyComponents['Success Account']).toBeUndefined();
    expect(alert.mitre.map((m) => m.id)).toEqual(['T1110', 'T1110.001', 'T1110.003']);
    const many = base.records.flatMap((r, i) =>
      [0, 1].map((k) => ({
        ...r,
        properties: {
          ...(r.properties as Record<string, unknown>),
          AccountName: `user${i}-${k}`,
          ReportId: 7000 + i * 2 + k,
        },
      })),
    );
    const crowded = (await runFixture(detector, { ...base, records: many })).alerts[0]!;
    expect(crowded.evidence.keyComponents['Accounts Tried']).toHaveLength(21);
    expect(crowded.evidence.keyComponents['Accounts Tried']?.at(-1)).toBe('(more than 20)');
    expect(crowded.description).toContain('against more than 20 account(s)');
  });

  it('takes its threshold and window from options', async () => {
    const slow = byName('ignores.slow-failures.json');
    const result = await runFixture(detector, slow, {
      detectors: { 'defender/logon-brute-force': { options: { threshold: 5, windowMinutes: 60 } } },
    });
    expect(result.alerts.map((a) => a.severity)).toEqual(['high']);
    expect(() =>
      runFixture(detector, slow, { detectors: { 'defender/logon-brute-force': { options: { threshold: 1 } } } }),
    ).rejects.toThrow();
  });
});
