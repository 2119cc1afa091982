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
    expect(alert.evidence.keyComponents['First Success']).toBe('2025-11-14T02:04:31.552107Z');
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
