import { loadFixtures, makeEvent, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));

/** A ProcessCreated row with just the columns the detector reads. */
const row = (commandLine: string) =>
  makeEvent('DeviceProcessEvents', {
    Timestamp: '2025-11-14T03:17:42.1211Z',
    DeviceId: 'c41f9e2a7b3d5e6f8091a2b3c4d5e6f708192a3b',
    DeviceName: 'app02',
    ActionType: 'ProcessCreated',
    ReportId: 1,
    ProcessCommandLine: commandLine,
  });

describe('acme/download-to-dev-shm', () => {
  it('fires on its fixtures and stays silent on the look-alikes', async () => {
    const report = await testDetector(detector, fixtures);
    const dropper = report.fixtures.find((f) => f.name === 'fires.wget-dropper-run.json')!;
    expect(dropper.alerts[0]?.title).toBe('wget download into /dev/shm/.k run on app02.fabrikam-hosting.net');
  });

  it.each([
    ['wget -O /dev/shm/a http://x', '/dev/shm/a'],
    ['wget --output-document=/dev/shm/b http://x', '/dev/shm/b'],
    ['wget -P /dev/shm http://x/c', '/dev/shm'],
    ['curl -o /run/shm/d http://x', '/run/shm/d'],
    ['curl --output "/dev/shm/e" http://x', '/dev/shm/e'],
    ['sh -c "curl -s http://x/f > /dev/shm/f"', '/dev/shm/f'],
  ])('finds the target of %s', (commandLine, target) => {
    expect(detector.match!(row(commandLine), undefined as never)).toMatchObject({ key: target });
  });

  it.each(['ls /dev/shm', 'wget -O /tmp/x http://x/dev/shm', 'mywget -O /dev/shm/x', 'cp /tmp/curl /dev/shm/curl'])(
    'ignores %s',
    (commandLine) => {
      expect(detector.match!(row(commandLine), undefined as never)).toBeUndefined();
    },
  );

  it('looks at the first 8 KiB of a command line only, in linear time', () => {
    const hostile = `wget ${' -O'.repeat(50_000)} /dev/shm/x`;
    const started = performance.now();
    expect(detector.match!(row(hostile), undefined as never)).toBeUndefined();
    // Room for a loaded CI machine; backtracking on 150k characters would take minutes.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
