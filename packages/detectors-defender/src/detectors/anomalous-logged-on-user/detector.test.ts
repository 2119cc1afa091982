import { loadFixtures, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector, nameProblem } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));
const fixture = (name: string) => [...fixtures.fires, ...fixtures.ignores].find((f) => f.name === `${name}.json`)!;

describe('defender/anomalous-logged-on-user', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('reports the utmp LOGIN placeholder on Linux as medium, without a technique, with the way to confirm', async () => {
    const result = await runFixture(detector, fixture('fires.login-placeholder-azure-linux'));
    const alert = result.alerts[0]!;
    expect(alert.severity).toBe('medium');
    expect(alert.mitre).toEqual([]);
    expect(alert.message.templates).toBe(detector.meta.messages.utmpLogin);
    expect(alert.message.values).toMatchObject({ userName: 'LOGIN', osPlatform: 'Linux', snapshots: 1, logons: 0 });
    expect(alert.evidence.keyComponents['How To Confirm']).toContain('getent passwd LOGIN (no such account)');
    expect(alert.key).toBe('LOGIN');
  });

  it('raises LOGIN to high and maps T1078 when a real logon by that name is seen', async () => {
    const result = await runFixture(detector, fixture('fires.login-with-real-logon'));
    expect(result.alerts).toHaveLength(1);
    const alert = result.alerts[0]!;
    expect(alert.severity).toBe('high');
    expect(alert.mitre.map((m) => m.id)).toEqual(['T1078']);
    expect(alert.message.templates).toBe(detector.meta.messages.utmpLoginWithLogon);
    expect(alert.evidence.eventCount).toBe(2);
  });

  it('reports generic admin-like names high without a technique when no logon is seen', async () => {
    const result = await runFixture(detector, fixture('fires.admin-logged-on'));
    expect(result.alerts[0]!.severity).toBe('high');
    expect(result.alerts[0]!.mitre).toEqual([]);
    expect(result.alerts[0]!.message.templates).toBe(detector.meta.messages.default);
  });

  it.each(['ignores.plausible-users', 'ignores.no-logged-on-users', 'ignores.generic-logon-without-snapshot'])(
    'does not take the look-alike %s',
    async (name) => {
      expect((await runFixture(detector, fixture(name))).alerts).toEqual([]);
    },
  );

  it('classifies names', () => {
    expect(nameProblem('LOGIN', true)).toBe('utmp-login');
    expect(nameProblem('LOGIN', false)).toBe('generic');
    expect(nameProblem('login', true)).toBe('generic');
    for (const n of ['admin', 'Administrator', 'TEST', 'guest', 'user']) expect(nameProblem(n, true)).toBe('generic');
    expect(nameProblem('', true)).toBe('empty');
    expect(nameProblem('   ', false)).toBe('empty');
    expect(nameProblem('root\u0007', true)).toBe('control-characters');
    expect(nameProblem('a;rm -rf', true)).toBe('odd-characters');
    expect(nameProblem('x'.repeat(300), true)).toBe('too-long');
    for (const n of ['root', 'azureuser', 'wazuh-indexer', 'j.doe', 'Anna Müller', 'svc_backup$', 'jdoe@contoso.com']) {
      expect(nameProblem(n, true)).toBeUndefined();
    }
    expect(nameProblem('deploy', true, new Set(['deploy']))).toBe('generic');
  });

  it('accepts extra generic names from options', async () => {
    const base = fixture('ignores.plausible-users');
    const result = await runFixture(detector, base, {
      detectors: { 'defender/anomalous-logged-on-user': { options: { extraGenericNames: ['AzureUser'] } } },
    });
    expect(result.alerts.map((a) => a.key)).toEqual(['azureuser']);
  });

  it('stays linear on long hostile names', () => {
    const start = performance.now();
    nameProblem(`${'a '.repeat(50_000)}!`, true);
    nameProblem(`${'a'.repeat(200)} ${'-'.repeat(50)}!`, true);
    // Linear is milliseconds; quadratic on 100k characters is many seconds. The bound leaves room for a loaded CI machine.
    expect(performance.now() - start).toBeLessThan(3_000);
  });
});
