import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT, tripline } from './helpers.js';

const EXAMPLE = join(ROOT, 'examples/sigma');
const RULES = join(ROOT, 'examples/rules');

beforeAll(() => {
  assertBuilt();
});

const WHOAMI = `title: Whoami Run
id: 0f3a1b2c-4d5e-4f60-8a9b-0c1d2e3f4a5b
status: experimental
description: whoami.exe ran.
author: Jane Rule-Author
date: 2026-03-12
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    condition: selection
level: low
`;
/** A valid Sigma rule for a log source Defender has no table for; its title tries a terminal escape. */
const AUDITD = `title: "Bash profile edit \\e[31mRED\\e[0m"
id: 6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
status: experimental
description: auditd only.
author: Jane Rule-Author
date: 2026-03-12
logsource:
    product: linux
    service: auditd
detection:
    selection:
        type: PATH
        name: /root/.bashrc
    condition: selection
level: medium
`;

function temp(): string {
  return mkdtempSync(join(tmpdir(), 'tripline-sigma-'));
}

/** A folder with a tripline rule and its fixtures, and the given Sigma files. */
function mixed(sigma: Record<string, string>): string {
  const dir = temp();
  for (const f of readdirSync(RULES).filter((n) => n.startsWith('encoded-powershell.')))
    copyFileSync(join(RULES, f), join(dir, f));
  for (const [name, text] of Object.entries(sigma)) writeFileSync(join(dir, name), text);
  return dir;
}

interface SigmaReport {
  documents: number;
  rules: { loaded: number; degraded: number; skipped: number };
  byReason: Record<string, number>;
  entries: {
    id: string;
    status: string;
    source: { file: string; line: number; column: number };
    reasons: { code: string }[];
  }[];
}

describe.concurrent('tripline rules check with Sigma files', () => {
  it('a folder mixing both: the tripline rule runs its fixtures, the Sigma load report lists the skipped rule', async () => {
    const dir = mixed({ 'whoami.yml': WHOAMI, 'auditd.yml': AUDITD });
    const r = await tripline(['rules', 'check', dir]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^ok {4}example\/encoded-powershell/m);
    expect(r.stdout).toMatch(/^Sigma: 2 documents; rules 1 loaded, 0 degraded, 1 skipped;/m);
    expect(r.stdout).toMatch(/^ {2}reasons: .*logsource-unroutable 1/m);
    expect(r.stdout).toContain(`skipped   ${join(dir, 'auditd.yml')}:1:1`);
    expect(r.stdout).toMatch(/^ {10}logsource-unroutable/m);
    // The rule author's title reaches the terminal escaped.
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toContain('⟪U+001B⟫[31mRED');
    expect(r.stdout).toContain('1 of 2 Sigma documents loaded as written; 1 skipped or degraded');
    expect(r.stdout).toMatch(/^1 of 1 rule file passed$/m);

    const j = await tripline(['rules', 'check', '--format', 'json', dir]);
    expect(j.code).toBe(0);
    const out = JSON.parse(j.stdout) as { ok: boolean; rules: { id: string }[]; sigma: SigmaReport };
    expect(out.rules.map((x) => x.id)).toEqual(['example/encoded-powershell']);
    expect(out.sigma.documents).toBe(2);
    expect(out.sigma.byReason['logsource-unroutable']).toBe(1);
    const skipped = out.sigma.entries.find((e) => e.status === 'skipped')!;
    expect(skipped).toMatchObject({ id: '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', source: { line: 1, column: 1 } });
    expect(j.stdout).not.toContain('\u001b');
  });

  it('--strict: a skipped Sigma rule fails the check (exit 1); all loaded passes', async () => {
    const dir = mixed({ 'whoami.yml': WHOAMI, 'auditd.yml': AUDITD });
    const r = await tripline(['rules', 'check', '--strict', dir]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toContain('1 skipped or degraded (--strict: exit 1)');
    const ok = await tripline(['rules', 'check', '--strict', join(EXAMPLE, 'rules')]);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^Sigma: 2 documents; rules 2 loaded, 0 degraded, 0 skipped;/m);
  });

  it('exit 2 when a Sigma file is not a valid Sigma document, naming file:line:column', async () => {
    const dir = mixed({ 'whoami.yml': WHOAMI.replace('level: low', 'level: urgent') });
    const r = await tripline(['rules', 'check', dir]);
    expect(r.code, r.stdout).toBe(2);
    expect(r.stdout).toMatch(
      new RegExp(`^error ${join(dir, 'whoami.yml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `, 'm'),
    );
    const a = await tripline(['analyze', '--no-builtin', '--rules', dir, join(EXAMPLE, 'events.ndjson')]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(`tripline: invalid Sigma rule: ${join(dir, 'whoami.yml')}:`);
  });
});

describe.concurrent('tripline analyze --rules with Sigma files', () => {
  it('runs the Sigma rules of a folder on Defender rows: one alert per rule, the author in it', async () => {
    const r = await tripline([
      'analyze',
      '--no-builtin',
      '--rules',
      join(EXAMPLE, 'rules'),
      '--format',
      'json',
      '--no-progress',
      join(EXAMPLE, 'events.ndjson'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('Sigma document');
    const alerts = (JSON.parse(r.stdout) as { alerts: { detectorId: string; severity: string }[] }).alerts;
    expect(alerts.map((a) => a.detectorId).sort()).toEqual([
      'sigma/0d7a3c91-6e2f-4b85-a1c4-93f0e5d2b7a8',
      'sigma/5b0c2f7e-8a41-4d3b-9f6e-1c2d3e4f5a6b',
    ]);
    expect(r.stdout).toContain('tripline examples');
  });

  it('a skipped Sigma rule is one warning line on stderr; the others run next to tripline rules', async () => {
    const dir = mixed({ 'whoami.yml': WHOAMI, 'auditd.yml': AUDITD });
    const r = await tripline([
      'analyze',
      '--no-builtin',
      '--rules',
      dir,
      '--format',
      'json',
      '--no-progress',
      join(EXAMPLE, 'events.ndjson'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'tripline: warning: of 2 Sigma documents in --rules, 1 skipped (tripline rules check <path> lists each with its reason)',
    );
    const ids = (JSON.parse(r.stdout) as { alerts: { detectorId: string }[] }).alerts.map((a) => a.detectorId);
    expect(ids).toContain('sigma/0f3a1b2c-4d5e-4f60-8a9b-0c1d2e3f4a5b');
  });

  it('tripline detectors lists each Sigma rule with its file as origin', async () => {
    const r = await tripline(['detectors', '--format', 'json', '--no-builtin', '--rules', join(EXAMPLE, 'rules')]);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { id: string; origin: string; originKind: string; severity: string }[];
    expect(list).toHaveLength(2);
    expect(list.find((d) => d.id === 'sigma/5b0c2f7e-8a41-4d3b-9f6e-1c2d3e4f5a6b')).toMatchObject({
      origin: join(EXAMPLE, 'rules', 'run-key-to-temp.yml'),
      originKind: 'rule',
      severity: 'high',
    });
  });
});

/** WHOAMI again as a stable rule at medium, under its own id. */
const WHOAMI_STABLE = WHOAMI.replace('0f3a1b2c-4d5e-4f60-8a9b-0c1d2e3f4a5b', '7d4e5f60-1a2b-4c3d-8e9f-0a1b2c3d4e5f')
  .replace('title: Whoami Run', 'title: Whoami Run Stable')
  .replace('status: experimental', 'status: stable')
  .replace('level: low', 'level: medium');
const HIGH_IDS = ['sigma/0d7a3c91-6e2f-4b85-a1c4-93f0e5d2b7a8', 'sigma/5b0c2f7e-8a41-4d3b-9f6e-1c2d3e4f5a6b'];
const LOW_ID = 'sigma/0f3a1b2c-4d5e-4f60-8a9b-0c1d2e3f4a5b';
const STABLE_ID = 'sigma/7d4e5f60-1a2b-4c3d-8e9f-0a1b2c3d4e5f';

/** The example's two rules (high, experimental), WHOAMI (low, experimental) and WHOAMI_STABLE (medium, stable). */
function selectable(): string {
  const dir = temp();
  for (const f of readdirSync(join(EXAMPLE, 'rules'))) copyFileSync(join(EXAMPLE, 'rules', f), join(dir, f));
  writeFileSync(join(dir, 'whoami.yml'), WHOAMI);
  writeFileSync(join(dir, 'whoami-stable.yml'), WHOAMI_STABLE);
  return dir;
}

/** The detector ids of the alerts of `tripline analyze --no-builtin --rules DIR ARGS` on the example's events. */
async function alertIds(dir: string, ...args: string[]): Promise<{ ids: string[]; stderr: string }> {
  const r = await tripline([
    'analyze',
    '--no-builtin',
    '--rules',
    dir,
    ...args,
    '--format',
    'json',
    '--no-progress',
    join(EXAMPLE, 'events.ndjson'),
  ]);
  expect(r.code, r.stderr).toBe(0);
  const alerts = (JSON.parse(r.stdout) as { alerts: { detectorId: string }[] }).alerts;
  return { ids: [...new Set(alerts.map((a) => a.detectorId))].sort(), stderr: r.stderr };
}

describe.concurrent('selecting Sigma rules: --sigma-level and --sigma-status', () => {
  it('analyze runs only the rules at the level or above, of the statuses given, and warns of none of the others', async () => {
    const dir = selectable();
    expect((await alertIds(dir)).ids).toEqual([...HIGH_IDS, LOW_ID, STABLE_ID].sort());
    const high = await alertIds(dir, '--sigma-level', 'high');
    expect(high.ids).toEqual(HIGH_IDS);
    // Left out on request: not a "skipped" warning.
    expect(high.stderr).not.toContain('warning');
    expect((await alertIds(dir, '--sigma-level', 'medium')).ids).toEqual([...HIGH_IDS, STABLE_ID].sort());
    expect((await alertIds(dir, '--sigma-status', 'stable')).ids).toEqual([STABLE_ID]);
    expect((await alertIds(dir, '--sigma-status', 'Test, stable')).ids).toEqual([STABLE_ID]);
    // Nothing selected and nothing else to run: said, not an empty report.
    const nothing = await tripline([
      'analyze',
      '--no-builtin',
      '--rules',
      dir,
      '--sigma-level',
      'high',
      '--sigma-status',
      'stable',
      join(EXAMPLE, 'events.ndjson'),
    ]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain(
      'tripline: no detectors to run: --sigma-level high --sigma-status stable left out every Sigma rule of --rules',
    );
    // A rule that did not load for another reason is still a warning.
    writeFileSync(join(dir, 'auditd.yml'), AUDITD);
    const mixedRun = await alertIds(dir, '--sigma-level', 'low');
    expect(mixedRun.stderr).toContain('tripline: warning: of 5 Sigma documents in --rules, 1 skipped');
  });

  it('tripline detectors lists the selected rules only', async () => {
    const r = await tripline([
      'detectors',
      '--format',
      'json',
      '--no-builtin',
      '--rules',
      selectable(),
      '--sigma-level',
      'medium',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { id: string }[]).map((d) => d.id).sort()).toEqual([...HIGH_IDS, STABLE_ID].sort());
  });

  it('rules check counts the rules left out, lists none of them, and --strict does not fail on them', async () => {
    const dir = selectable();
    const r = await tripline(['rules', 'check', '--strict', '--sigma-level', 'high', dir]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^Sigma: 4 documents; rules 2 loaded, 0 degraded, 2 skipped;/m);
    expect(r.stdout).toMatch(/^ {2}reasons: not-selected 2$/m);
    expect(r.stdout).not.toMatch(/^skipped /m);
    expect(r.stdout).toContain('2 of 4 Sigma documents loaded as written; 2 not selected (--sigma-level high)');
    const j = await tripline(['rules', 'check', '--format', 'json', '--sigma-status', 'stable', dir]);
    expect(j.code).toBe(0);
    const report = (JSON.parse(j.stdout) as { sigma: SigmaReport }).sigma;
    const left = report.entries.filter((e) => e.reasons.some((x) => x.code === 'not-selected'));
    expect(left.map((e) => e.id).sort()).toEqual([...HIGH_IDS, LOW_ID].map((id) => id.slice('sigma/'.length)).sort());
    // A rule skipped for another reason still fails --strict.
    writeFileSync(join(dir, 'auditd.yml'), AUDITD);
    const strict = await tripline(['rules', 'check', '--strict', '--sigma-level', 'medium', dir]);
    expect(strict.code, strict.stdout).toBe(1);
    expect(strict.stdout).toMatch(/^skipped {3}.*auditd\.yml:1:1/m);
    expect(strict.stdout).toContain(
      '3 of 5 Sigma documents loaded as written; 1 not selected (--sigma-level medium); 1 skipped or degraded (--strict: exit 1)',
    );
  });

  it('the config file selects too (sigmaLevel, sigmaStatus); each flag replaces its key', async () => {
    const dir = selectable();
    const config = (body: string): string => {
      const file = join(temp(), 'tripline.yaml');
      writeFileSync(file, `rules: [${JSON.stringify(dir)}]\nbuiltin: false\n${body}`);
      return file;
    };
    const high = config('sigmaLevel: High\n');
    expect((await alertIds(dir, '--config', high)).ids).toEqual(HIGH_IDS);
    expect((await alertIds(dir, '--config', high, '--sigma-level', 'low')).ids).toEqual(
      [...HIGH_IDS, LOW_ID, STABLE_ID].sort(),
    );
    const stable = config("sigmaStatus: ['Stable', stable]\n");
    expect((await alertIds(dir, '--config', stable)).ids).toEqual([STABLE_ID]);
    expect((await alertIds(dir, '--config', stable, '--sigma-status', 'experimental')).ids).toEqual(
      [...HIGH_IDS, LOW_ID].sort(),
    );
    // Both keys, and `tripline detectors` reads them as analyze does.
    const both = config('sigmaLevel: medium\nsigmaStatus: [experimental]\n');
    expect((await alertIds(dir, '--config', both)).ids).toEqual(HIGH_IDS);
    const listed = await tripline(['detectors', '--format', 'json', '--config', both]);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((d) => d.id).sort()).toEqual(HIGH_IDS);
    // A bad value names the file and the key (exit 2).
    const events = join(EXAMPLE, 'events.ndjson');
    const badLevel = config('sigmaLevel: urgent\n');
    const level = await tripline(['analyze', '--config', badLevel, events]);
    expect(level.code).toBe(2);
    expect(level.stderr).toContain(
      `tripline: invalid configuration: ${badLevel}: sigmaLevel: one of informational, low, medium, high, critical`,
    );
    // Nothing to select among: the error names the key that asked.
    const file = join(temp(), 'tripline.yaml');
    writeFileSync(file, 'sigmaLevel: high\n');
    const noSigma = await tripline(['analyze', '--config', file, '--sigma-status', 'stable', events]);
    expect(noSigma.code).toBe(2);
    expect(noSigma.stderr).toContain(
      'tripline: sigmaLevel (--config) and --sigma-status select among the Sigma rules of rules and --rules and of detector modules that select theirs (as @tripline/sigmahq does), and none was given',
    );
    const badStatus = config('sigmaStatus: stable\n');
    const status = await tripline(['analyze', '--config', badStatus, events]);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain(
      `${badStatus}: sigmaStatus: a list of stable, test, experimental, deprecated, unsupported`,
    );
  });

  it('a module with withSigmaSelect (@tripline/sigmahq) is selected too: analyze, detectors, the config file', async () => {
    const events = join(EXAMPLE, 'events.ndjson');
    const run = async (...args: string[]) => {
      const r = await tripline([
        'analyze',
        '--no-builtin',
        '--detectors',
        '@tripline/sigmahq',
        ...args,
        '--format',
        'json',
        '--no-progress',
        events,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { alerts: { detectorId: string; severity: string }[] }).alerts;
    };
    const all = await run();
    const high = await run('--sigma-level', 'high');
    expect(all.some((a) => a.severity === 'medium' || a.severity === 'low')).toBe(true);
    expect(high.length).toBeGreaterThan(0);
    expect(high.every((a) => a.severity === 'high' || a.severity === 'critical')).toBe(true);
    expect(high.map((a) => a.detectorId)).toEqual(
      all.filter((a) => a.severity === 'high' || a.severity === 'critical').map((a) => a.detectorId),
    );
    const listed = await tripline([
      'detectors',
      '--format',
      'json',
      '--no-builtin',
      '--detectors',
      '@tripline/sigmahq',
      '--sigma-level',
      'critical',
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    const critical = JSON.parse(listed.stdout) as { severity: string; origin: string }[];
    expect(critical.length).toBeGreaterThan(0);
    expect(new Set(critical.map((d) => `${d.severity} ${d.origin}`))).toEqual(new Set(['critical @tripline/sigmahq']));
    // A selection that leaves the module no rule, and nothing else: said as such.
    const empty = await tripline([
      'analyze',
      '--no-builtin',
      '--detectors',
      '@tripline/sigmahq',
      '--sigma-status',
      'unsupported',
      events,
    ]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(
      'tripline: no detectors to run: --sigma-status unsupported left out every Sigma rule of the detector modules',
    );
    const file = join(temp(), 'tripline.yaml');
    writeFileSync(file, "modules: ['@tripline/sigmahq']\nbuiltin: false\nsigmaLevel: high\n");
    const r = await tripline(['analyze', '--config', file, '--format', 'json', '--no-progress', events]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { alerts: { detectorId: string }[] }).alerts.map((a) => a.detectorId)).toEqual(
      high.map((a) => a.detectorId),
    );
  });

  it('a usage error (exit 2) for a value it does not know, or with no Sigma file to select among', async () => {
    const events = join(EXAMPLE, 'events.ndjson');
    const level = await tripline([
      'analyze',
      '--no-builtin',
      '--rules',
      selectable(),
      '--sigma-level',
      'urgent',
      events,
    ]);
    expect(level.code).toBe(2);
    expect(level.stderr).toContain('Allowed choices are informational, low, medium, high, critical.');
    const status = await tripline(['analyze', '--rules', selectable(), '--sigma-status', 'stable,beta', events]);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain(
      'Expected a comma-separated list of stable, test, experimental, deprecated, unsupported.',
    );
    // Nothing to select among (the built-in preset has no Sigma rules): saying nothing would be a silent no-op.
    const none = await tripline(['analyze', '--sigma-level', 'high', events]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      'tripline: --sigma-level selects among the Sigma rules of --rules and of detector modules that select theirs (as @tripline/sigmahq does), and none was given',
    );
    // A module without withSigmaSelect is not selected: given alone, the same error.
    const plain = join(temp(), 'plain.mjs');
    writeFileSync(
      plain,
      "export { defenderDetectors as detectors } from '@tripline/detectors-defender';\n".replace(
        '@tripline/detectors-defender',
        join(ROOT, 'packages/detectors-defender/dist/index.js'),
      ),
    );
    const unselectable = await tripline([
      'analyze',
      '--no-builtin',
      '--detectors',
      plain,
      '--sigma-level',
      'high',
      events,
    ]);
    expect(unselectable.code).toBe(2);
    expect(unselectable.stderr).toContain('and of detector modules that select theirs');
    const check = await tripline(['rules', 'check', '--sigma-status', 'stable', join(ROOT, 'examples/rules')]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('--sigma-status selects among the Sigma rules of --rules');
  });
});
