import { loadFixtures, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { describeInterval, detector, medianRunGapMs } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));
const fixture = (name: string) => [...fixtures.fires, ...fixtures.ignores].find((f) => f.name === `${name}.json`)!;
const point = (time: number) => ({ time, ticks: 0, tag: undefined });

describe('defender/root-cron-logon', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('groups the periodic logons into one alert with count, span, interval and parent', async () => {
    const result = await runFixture(detector, fixture('fires.cron-every-5-minutes'));
    expect(result.alerts).toHaveLength(1);
    const alert = result.alerts[0]!;
    expect(alert.detectorId).toBe('defender/root-cron-logon');
    expect(alert.severity).toBe('low');
    expect(alert.mitre).toEqual([]);
    expect(alert.firstSeen).toBe('2025-11-07T06:20:01.902417Z');
    expect(alert.lastSeen).toBe('2025-11-07T06:45:01.944426Z');
    expect(alert.message.values).toMatchObject({
      count: 9,
      interval: 'about every 5 minutes',
      commandLines: '/usr/sbin/cron -f -P',
      parentPids: '611',
      uid: 0,
    });
    expect(alert.evidence.keyComponents).toMatchObject({
      LogonType: ['Local'],
      Terminal: ['cron'],
      InitiatingProcessParentId: ['611'],
    });
  });

  it('uses the single-logon variant for one logon', async () => {
    const result = await runFixture(detector, fixture('fires.crond-rhel-single'));
    expect(result.alerts[0]!.message.templates).toBe(detector.meta.messages.single);
    expect(result.alerts[0]!.message.values.interval).toBe('a single run seen');
  });

  it.each([
    'ignores.sshd-root-logon',
    'ignores.login-serial-console',
    'ignores.cron-named-with-remote-ip',
    'ignores.cron-non-root-job',
  ])('does not take the look-alike %s', async (name) => {
    const result = await runFixture(detector, fixture(name));
    expect(result.alerts).toEqual([]);
  });

  it('computes the interval between runs, not between jobs of one run', () => {
    const min = 60_000;
    // Two jobs in the same second at every run: the gap that matters is 5 minutes.
    const timeline = [0, 300, 5 * min, 5 * min + 200, 10 * min, 15 * min].map(point);
    expect(medianRunGapMs(timeline)).toBe(5 * min);
    expect(describeInterval(medianRunGapMs(timeline))).toBe('about every 5 minutes');
    expect(medianRunGapMs([point(0)])).toBeUndefined();
    expect(describeInterval(60_000)).toBe('about every minute');
    expect(describeInterval(30_000)).toBe('about every 30 seconds');
    expect(describeInterval(2 * 3_600_000)).toBe('about every 2 hours');
    expect(describeInterval(86_400_000)).toBe('about every day');
  });
});
