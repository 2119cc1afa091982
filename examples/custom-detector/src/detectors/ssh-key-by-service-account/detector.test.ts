import { loadFixtures, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector } from './detector.js';

describe('acme/ssh-key-by-service-account', () => {
  it('fires on its fixtures and stays silent on root, people and known_hosts', async () => {
    const report = await testDetector(detector, loadFixtures(new URL('./fixtures', import.meta.url)));
    const fired = report.fixtures.filter((f) => f.kind === 'fires').flatMap((f) => f.alerts);
    expect(fired.map((a) => [a.detectorId, a.severity, a.mitre.map((m) => m.id)])).toEqual([
      ['acme/ssh-key-by-service-account', 'high', ['T1098.004']],
    ]);
    expect(fired[0]?.message.values).toMatchObject({ accounts: 'www-data', uids: '33' });
  });
});
