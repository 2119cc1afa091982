import { loadFixtures, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));

describe('defender/unknown-signature', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('points to package-manager integrity checks and maps no technique', async () => {
    const result = await runFixture(detector, fixtures.fires[0]!);
    const alert = result.alerts[0]!;
    expect(alert.riskAssessment).toContain('debsums');
    expect(alert.riskAssessment).toContain('rpm -Va');
    expect(alert.description).toContain('rarely signed');
    expect(alert.mitre).toEqual([]);
    expect(alert.message.values.binaryCount).toBe('4');
  });
});
