import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, fromString, isDetectorFamily } from '@tripline/core';
import {
  detectors,
  loadSigmaHQ,
  report,
  SIGMAHQ_COMMIT,
  sigmahq,
  sigmahqRulesDir,
  sigmahqSources,
  withSigmaSelect,
} from '@tripline/sigmahq';
import { describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));

function ruleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? ruleFiles(join(dir, e.name)) : e.name.endsWith('.yml') ? [join(dir, e.name)] : [],
  );
}

/** `whoami /all` started by cmd.exe, as Defender's Streaming API writes the row. */
const WHOAMI_ALL = JSON.stringify({
  time: '2026-03-10T09:14:31.2043310Z',
  tenantId: '3a9c5e71-0b2d-4f68-9e14-c7d2a8f05b36',
  operationName: 'Publish',
  category: 'AdvancedHunting-DeviceProcessEvents',
  properties: {
    Timestamp: '2026-03-10T09:14:31.204331Z',
    DeviceId: '9b2e4c6a8d0f1e3a5c7b9d1f3e5a7c9b1d3f5e7a',
    DeviceName: 'ws-fin-07.contoso.local',
    ReportId: 4106,
    ActionType: 'ProcessCreated',
    FileName: 'whoami.exe',
    FolderPath: 'C:\\Windows\\System32\\whoami.exe',
    ProcessVersionInfoOriginalFileName: 'whoami.exe',
    ProcessCommandLine: 'whoami  /all',
    AccountDomain: 'contoso',
    AccountName: 'jdoe',
    InitiatingProcessFileName: 'cmd.exe',
    InitiatingProcessFolderPath: 'c:\\windows\\system32\\cmd.exe',
    InitiatingProcessCommandLine: 'cmd.exe /c whoami /all',
    InitiatingProcessId: 7388,
    ProcessId: 7412,
  },
  Tenant: 'DefaultTenant',
});

describe('@tripline/sigmahq', () => {
  it('loads every vendored rule at import: the load report accounts for each file', () => {
    const files = ruleFiles(sigmahqRulesDir);
    expect(files.length).toBe(1879);
    expect(sigmahqSources().length).toBe(files.length);
    expect(report.documents).toBe(files.length);
    expect(report.entries.length).toBe(files.length);
    const { loaded, degraded, skipped } = report.rules;
    expect(loaded + degraded + skipped + report.correlations.loaded + report.correlations.skipped).toBe(files.length);
    for (const entry of report.entries)
      expect(entry.source.file).toMatch(/^@tripline\/sigmahq\/rules\/(linux|windows)\//);
    expect(sigmahq.report).toBe(report);
  });

  it('keeps no copy of the rules: sigmahqSources reads the package files at each call', () => {
    const first = sigmahqSources();
    const again = sigmahqSources();
    // A new list each time (the package held one for the life of the process: 3 MB of text).
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(Object.isFrozen(again)).toBe(true);
    // What is read is the files' text, one source per file.
    const files = ruleFiles(sigmahqRulesDir);
    const byName = new Map(first.map((s) => [s.name, s.text]));
    expect(byName.size).toBe(files.length);
    const name = `@tripline/sigmahq/rules/${relative(sigmahqRulesDir, files[0]!).split(sep).join('/')}`;
    expect(byName.get(name)).toBe(readFileSync(files[0]!, 'utf8'));
  });

  it('detectors is the family of every loaded rule, then the correlations', () => {
    const [family, ...rest] = detectors;
    expect(isDetectorFamily(family)).toBe(true);
    expect(family).toBe(sigmahq.family);
    // Named apart from the `sigma` family of a user's own rules: both run in one analysis.
    expect(sigmahq.family.id).toBe('sigmahq');
    // Every rule entry with a detector is a member (a rule that can never match on MDE has none).
    const withDetector = report.entries.filter((e) => e.kind === 'rule' && e.detectorId !== undefined);
    expect(sigmahq.family.members.map((m) => m.meta.id).sort()).toEqual(withDetector.map((e) => e.detectorId).sort());
    expect(withDetector.length).toBeGreaterThan(1750);
    expect(rest).toEqual([...sigmahq.correlations]);
    for (const m of sigmahq.family.members) expect(m.meta.id).toMatch(/^sigma\/[0-9a-f-]{36}$/);
  });

  it('a whoami /all row raises the SigmaHQ rule, and the alert names the rule author (DRL 1.1)', async () => {
    const result = await analyze(fromString(`${WHOAMI_ALL}\n`, 'whoami.ndjson'), { detectors });
    const alert = result.alerts.find((a) => a.detectorId === 'sigma/c248c896-e412-4279-8c15-1c558067b6fa');
    expect(alert, JSON.stringify(result.alerts.map((a) => a.detectorId))).toBeDefined();
    expect(alert?.severity).toBe('medium');
    expect(JSON.stringify(alert)).toContain(
      'Florian Roth (Nextron Systems), Nasreddine Bencherchali (Nextron Systems)',
    );
  });

  it('loadSigmaHQ(options) compiles anew: a selection by level loads only those rules', () => {
    const high = loadSigmaHQ({ select: { minLevel: 'high' } });
    expect(high).not.toBe(sigmahq);
    const levels = new Set(high.rules.map((r) => r.rule.level));
    expect([...levels].sort()).toEqual(['critical', 'high']);
    expect(high.rules.length).toBeLessThan(sigmahq.rules.length);
    expect(high.rules.length).toBeGreaterThan(800);
  });

  it('withSigmaSelect(select) gives the detectors of the selection, as the CLI runs them', () => {
    const selected = withSigmaSelect({ minLevel: 'critical', status: ['stable', 'test'] });
    const family = selected[0]!;
    expect(isDetectorFamily(family)).toBe(true);
    if (!isDetectorFamily(family)) return;
    expect(family.id).toBe('sigmahq');
    expect(family.members.length).toBeGreaterThan(0);
    expect(family.members.length).toBeLessThan(sigmahq.family.members.length);
    expect(new Set(family.members.map((m) => m.meta.severity))).toEqual(new Set(['critical']));
  });

  it('SIGMAHQ_COMMIT is the commit SOURCE.md names', () => {
    expect(readFileSync(join(pkg, 'SOURCE.md'), 'utf8')).toContain(`Commit: \`${SIGMAHQ_COMMIT}\``);
  });
});
