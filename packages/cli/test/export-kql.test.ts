import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { assertBuilt, type CliRun, ROOT, tripline } from './helpers.js';

const SIGMA_RULES = join(ROOT, 'examples/sigma/rules');
/** The ids of the two rules of SIGMA_RULES (both `high`), in the order an export lists them. */
const EXAMPLE_IDS = ['sigma/0d7a3c91-6e2f-4b85-a1c4-93f0e5d2b7a8', 'sigma/5b0c2f7e-8a41-4d3b-9f6e-1c2d3e4f5a6b'];
/** Every rule of SIGMA_RULES exported: what `--rules` gives, and a module of the same rules must give. */
const EXAMPLES_EXPORTED = EXAMPLE_IDS.map((id) => [id, 'exported']);

beforeAll(() => {
  assertBuilt();
});

function temp(): string {
  return mkdtempSync(join(tmpdir(), 'tripline-export-kql-'));
}

interface Entry {
  id: string;
  kind: string;
  status: 'exported' | 'refused' | 'invalid';
  paths?: string[];
  warnings?: { code: string; message: string }[];
  refusals?: { code: string; message: string }[];
  diagnostics?: { code: string; message: string }[];
}
interface Summary {
  target: string;
  counts: { total: number; exported: number; refused: number; invalid: number };
  refusedByCode: Record<string, number>;
  entries: Entry[];
}

/** `tripline export kql ARGS --target TARGET --output OUT`. */
function exportKql(target: string, out: string, ...args: string[]): Promise<CliRun> {
  return tripline(['export', 'kql', ...args, '--target', target, '--output', out]);
}

/** {@link exportKql} with `--format json`: the run and its summary (a run without one fails the test with its stderr). */
async function exportJson(target: string, out: string, ...args: string[]): Promise<CliRun & { summary: Summary }> {
  const r = await exportKql(target, out, ...args, '--format', 'json');
  try {
    return { ...r, summary: JSON.parse(r.stdout) as Summary };
  } catch {
    throw new Error(`exit ${r.code} with no JSON summary; stderr: ${r.stderr}`);
  }
}

/** A vendor module exporting one detector with the given `meta.kql` (plain objects: no import needed). */
function detectorModule(dir: string, id: string, title: string, kql: unknown): string {
  const file = join(dir, `${id.replace(/\W/g, '-')}.mjs`);
  writeFileSync(
    file,
    `export default {
  meta: {
    id: ${JSON.stringify(id)}, title: ${JSON.stringify(title)}, summary: 'A detector used by the CLI tests.',
    rationale: 'Tests.', severity: 'medium', category: 'Testing', mitre: ['T1059.004'],
    tables: ['DeviceProcessEvents'],
    messages: { default: { title: 'hit', description: 'a process', riskAssessment: 'none' } },
    kql: ${JSON.stringify(kql)},
  },
  match: () => ({}),
  render: () => ({ values: {}, keyComponents: {} }),
};
`,
  );
  return file;
}

const QUERY = [
  'DeviceProcessEvents',
  '| where FileName =~ "curl" and ProcessCommandLine contains "| sh"',
  '| project Timestamp, DeviceId, DeviceName, ReportId, AccountName, ProcessCommandLine',
].join('\n');

// Every test spawns the CLI, which checks each query with the language service: seconds each, much more on a loaded machine.
describe('tripline export kql', { timeout: 300_000 }, () => {
  it('exports the built-in detectors that declare a query and lists the others with their reason', async () => {
    const out = temp();
    const r = await exportJson('sentinel', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = r.summary;
    expect(s.target).toBe('sentinel');
    expect(s.counts).toEqual({ total: 18, exported: 5, refused: 13, invalid: 0 });
    expect(s.refusedByCode).toEqual({ 'detector-no-query': 13 });
    const exported = s.entries.filter((e) => e.status === 'exported');
    expect(exported.map((e) => e.id)).toEqual([
      'defender/logon-brute-force',
      'defender/public-remote-logon',
      'defender/root-cron-logon',
      'defender/unassigned-machine-group',
      'defender/unknown-signature',
    ]);
    expect(readdirSync(join(out, 'sentinel')).sort()).toEqual(
      exported.map((e) => `${e.id.replace('/', '-')}.yaml`).sort(),
    );
    const brute = parse(readFileSync(join(out, 'sentinel', 'defender-logon-brute-force.yaml'), 'utf8'));
    expect(brute.kind).toBe('Scheduled');
    expect(brute.tactics).toEqual([
      'InitialAccess',
      'Persistence',
      'PrivilegeEscalation',
      'DefenseEvasion',
      'CredentialAccess',
    ]);
    expect(exported.find((e) => e.id === 'defender/logon-brute-force')?.warnings?.map((w) => w.code)).toEqual([
      'fixed-buckets',
    ]);
    for (const e of s.entries.filter((x) => x.status === 'refused'))
      expect(e.refusals?.[0]?.message.length, e.id).toBeGreaterThan(40);
  });

  it('prints the refusals and the counts as text', async () => {
    const out = temp();
    const r = await exportKql('advanced-hunting', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^refused {3}defender\/destructive-deletion {2}detector-no-query: /m);
    expect(r.stdout).toMatch(/^warning {3}defender\/logon-brute-force {2}fixed-buckets: /m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(
      `5 of 18 rules and detectors exported to ${join(out, 'advanced-hunting')}; 13 refused (detector-no-query 13)`,
    );
    const kql = readFileSync(join(out, 'advanced-hunting', 'defender-root-cron-logon.kql'), 'utf8');
    expect(kql).toMatch(/^\/\/ Root logons opened by the cron daemon\n\/\/ id: defender\/root-cron-logon\n/);
    expect(kql).toContain('\nDeviceLogonEvents\n| where ActionType == "LogonSuccess"\n');
  });

  it('writes the same bytes on every run', async () => {
    const a = temp();
    const b = temp();
    for (const out of [a, b]) expect((await exportKql('custom-detection', out)).code).toBe(0);
    const files = readdirSync(join(a, 'custom-detection')).sort();
    expect(files).toHaveLength(5);
    for (const f of files)
      expect(readFileSync(join(b, 'custom-detection', f), 'utf8')).toBe(
        readFileSync(join(a, 'custom-detection', f), 'utf8'),
      );
    const body = JSON.parse(readFileSync(join(a, 'custom-detection', 'defender-logon-brute-force.json'), 'utf8'));
    expect(body.schedule).toEqual({ period: '1H' });
    expect(body.queryCondition.queryText).toContain('| project Timestamp, DeviceId, DeviceName, ReportId,');
  });

  it('refuses near-real-time custom detections over several tables', async () => {
    const out = temp();
    const r = await exportJson('custom-detection', out, '--period', '0');
    expect(r.code).toBe(0);
    const s = r.summary;
    const unassigned = s.entries.find((e) => e.id === 'defender/unassigned-machine-group');
    expect(unassigned?.status).toBe('refused');
    expect(unassigned?.refusals?.map((x) => x.code)).toEqual(['nrt-multi-table']);
    expect(existsSync(join(out, 'custom-detection', 'defender-unassigned-machine-group.json'))).toBe(false);
    const cron = JSON.parse(readFileSync(join(out, 'custom-detection', 'defender-root-cron-logon.json'), 'utf8'));
    expect(cron.schedule).toEqual({ period: '0' });
  });

  it('exports Sigma rules through the emitter', async () => {
    const out = temp();
    const r = await exportJson('advanced-hunting', out, '--no-builtin', '--rules', SIGMA_RULES);
    expect(r.code).toBe(0);
    const s = r.summary;
    expect(s.entries.map((e) => [e.id, e.kind, e.status])).toEqual(EXAMPLE_IDS.map((id) => [id, 'sigma', 'exported']));
    const kql = readFileSync(join(out, 'advanced-hunting', 'sigma-0d7a3c91-6e2f-4b85-a1c4-93f0e5d2b7a8.kql'), 'utf8');
    expect(kql).toContain('// licence: Sigma rule by ');
    expect(kql).toContain(', Detection Rule License 1.1\n');
    expect(kql).toContain('\nDeviceProcessEvents\n');
  });

  it('--sigma-level and --sigma-status: the rules left out are not exported, not listed as refused', async () => {
    const dir = temp();
    for (const f of readdirSync(SIGMA_RULES)) writeFileSync(join(dir, f), readFileSync(join(SIGMA_RULES, f), 'utf8'));
    writeFileSync(
      join(dir, 'whoami.yml'),
      `title: Whoami run, low
id: 2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182
status: stable
logsource:
  category: process_creation
  product: windows
detection:
  sel:
    Image|endswith: '\\whoami.exe'
  condition: sel
level: low
`,
    );
    const high = await exportJson('advanced-hunting', temp(), '--no-builtin', '--rules', dir, '--sigma-level', 'high');
    expect(high.code, high.stderr).toBe(0);
    expect(high.summary.entries.map((e) => [e.id, e.status])).toEqual(EXAMPLES_EXPORTED);
    const stable = await exportJson(
      'advanced-hunting',
      temp(),
      '--no-builtin',
      '--rules',
      dir,
      '--sigma-status',
      'stable',
    );
    expect(stable.summary.entries.map((e) => [e.id, e.status])).toEqual([
      ['sigma/2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182', 'exported'],
    ]);
    const none = await exportKql('advanced-hunting', temp(), '--sigma-level', 'high');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--sigma-level selects among the Sigma rules of --rules');
  });

  it('lists a Sigma correlation, exported or refused, never silently dropped', async () => {
    const dir = temp();
    const rules = join(dir, 'rules');
    mkdirSync(rules);
    writeFileSync(
      join(rules, 'whoami.yml'),
      `title: Whoami run
id: 6a1e0f7c-1d2b-4c3e-9f8a-7b6c5d4e3f21
name: whoami_run
status: test
logsource:
  category: process_creation
  product: windows
detection:
  selection:
    Image|endswith: '\\whoami.exe'
  condition: selection
level: low
---
title: Whoami run many times
id: 7b2f1a8d-2e3c-4d5f-8a9b-0c1d2e3f4a5b
correlation:
  type: event_count
  rules:
    - whoami_run
  group-by:
    - User
  timespan: 10m
  condition:
    gte: 5
level: medium
`,
    );
    const r = await exportJson('advanced-hunting', join(dir, 'out'), '--no-builtin', '--rules', rules);
    expect(r.code).toBe(0);
    const s = r.summary;
    expect(s.entries.map((e) => e.id)).toEqual([
      'sigma/6a1e0f7c-1d2b-4c3e-9f8a-7b6c5d4e3f21',
      'sigma/7b2f1a8d-2e3c-4d5f-8a9b-0c1d2e3f4a5b',
    ]);
    const correlation = s.entries[1];
    expect(correlation?.kind).toBe('sigma-correlation');
    if (correlation?.status !== 'exported')
      expect(correlation?.refusals?.map((x) => x.code)).toEqual(['correlation-unsupported']);
    expect(s.counts.total).toBe(2);
  });

  it('exports tripline rule files through the emitter, and counts refused rules once per code', async () => {
    const out = temp();
    const r = await exportJson('sentinel', out, '--no-builtin', '--rules', join(ROOT, 'examples/rules'));
    expect(r.code).toBe(0);
    const s = r.summary;
    expect(s.entries.every((e) => e.kind === 'rule-file' && e.id.startsWith('example/'))).toBe(true);
    expect(s.counts.total).toBe(
      readdirSync(join(ROOT, 'examples/rules')).filter((f) => /^[^.]+\.yaml$/.test(f)).length,
    );
    const refused = s.entries.filter((e) => e.status === 'refused');
    expect(Object.values(s.refusedByCode).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(refused.length);
    for (const [code, n] of Object.entries(s.refusedByCode))
      expect(n).toBe(refused.filter((e) => e.refusals?.some((x) => x.code === code)).length);
    const brute = s.entries.find((e) => e.id === 'example/rdp-brute-force');
    expect(brute?.status).toBe('exported');
    expect(brute?.warnings?.map((w) => w.code)).toEqual(['fixed-buckets']);
    const yaml = parse(readFileSync(join(out, 'sentinel', 'example-rdp-brute-force.yaml'), 'utf8'));
    expect(yaml.queryPeriod).toBe('1h');
    expect(yaml.query).toContain('bin(Timestamp, 10m)');
  });

  it('never writes a query that fails the check, and exits 1', async () => {
    const dir = temp();
    const out = join(dir, 'out');
    const bad = detectorModule(dir, 'acme/bad-query', 'Bad query', {
      query:
        'DeviceProcessEvents\n| where ProcessCommandLin contains "x"\n| project Timestamp, DeviceId, DeviceName, ReportId',
    });
    const good = detectorModule(dir, 'acme/curl-pipe-sh', 'curl piped into a shell', { query: QUERY });
    const r = await exportKql('advanced-hunting', out, '--no-builtin', '--detectors', bad, '--detectors', good);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^invalid {3}acme\/bad-query {2}KS142 at \d+: /m);
    expect(readdirSync(join(out, 'advanced-hunting'))).toEqual(['acme-curl-pipe-sh.kql']);
  });

  it('keeps hostile titles out of the terminal, the query and the YAML structure', async () => {
    const dir = temp();
    const out = join(dir, 'out');
    const title = 'evil\u001b[2J\nkind: NRT\n---\n| where 1 == 1';
    const mod = detectorModule(dir, 'acme/hostile', title, { query: QUERY });
    for (const target of ['advanced-hunting', 'sentinel']) {
      const r = await exportKql(target, out, '--no-builtin', '--detectors', mod);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain('\u001b');
    }
    const kql = readFileSync(join(out, 'advanced-hunting', 'acme-hostile.kql'), 'utf8');
    expect(kql.split('\n').filter((l) => !l.startsWith('//'))).toEqual([...QUERY.split('\n'), '']);
    const yaml = parse(readFileSync(join(out, 'sentinel', 'acme-hostile.yaml'), 'utf8'));
    expect(yaml.name).toBe(title);
    expect(yaml.kind).toBe('Scheduled');
    expect(yaml.query).toBe(QUERY);
  });

  it("exports a module's Sigma detectors from their rules, as --rules does (ES module, CommonJS, part of a set)", async () => {
    const dir = temp();
    const sources = readdirSync(SIGMA_RULES)
      .sort()
      .map((name) => ({ name, text: readFileSync(join(SIGMA_RULES, name), 'utf8') }));
    const esm = (body: string) =>
      `import { compileSigma } from ${JSON.stringify(pathToFileURL(join(ROOT, 'packages/sigma/dist/index.js')).href)};\nconst sources = ${JSON.stringify(sources)};\n${body}\n`;
    const modules = {
      'pack.mjs': esm('export const detectors = compileSigma(sources).detectors;'),
      // Through require, the pack compiles with the CommonJS build of @tripline/sigma; the CLI imports the ES one.
      'pack.cjs': `const { compileSigma } = require(${JSON.stringify(join(ROOT, 'packages/sigma/dist/index.cjs'))});\nexports.detectors = compileSigma(${JSON.stringify(sources)}).detectors;\n`,
      // A renamed family holding one member of its set: that rule alone.
      'part.mjs': esm(
        "const set = compileSigma(sources);\nexport default { ...set.family, id: 'part', members: set.family.members.filter((m) => m.meta.id.startsWith('sigma/5b0c')) };",
      ),
    };
    for (const [name, text] of Object.entries(modules)) writeFileSync(join(dir, name), text);
    const byRules = await exportJson('advanced-hunting', join(dir, 'rules'), '--no-builtin', '--rules', SIGMA_RULES);
    expect(byRules.summary.counts.exported).toBe(2);
    // Every file but its "// source:" line (the module names its sources as it likes) is the one --rules writes.
    const written = (out: string) =>
      Object.fromEntries(
        readdirSync(join(out, 'advanced-hunting')).map((f) => [
          f,
          readFileSync(join(out, 'advanced-hunting', f), 'utf8')
            .split('\n')
            .filter((l) => !l.startsWith('// source: '))
            .join('\n'),
        ]),
      );
    for (const name of ['pack.mjs', 'pack.cjs']) {
      const out = join(dir, `out-${name}`);
      const r = await exportJson('advanced-hunting', out, '--no-builtin', '--detectors', join(dir, name));
      expect(r.code, r.stderr).toBe(0);
      expect(r.summary.entries.map((e) => [e.id, e.kind, e.status])).toEqual(
        byRules.summary.entries.map((e) => [e.id, e.kind, e.status]),
      );
      expect(written(out), name).toEqual(written(join(dir, 'rules')));
      expect(
        readFileSync(join(out, 'advanced-hunting', 'sigma-0d7a3c91-6e2f-4b85-a1c4-93f0e5d2b7a8.kql'), 'utf8'),
      ).toContain('// source: office-spawns-shell.yml\n');
    }
    const part = await exportJson(
      'advanced-hunting',
      join(dir, 'part'),
      '--no-builtin',
      '--detectors',
      join(dir, 'part.mjs'),
    );
    expect(part.summary.entries.map((e) => [e.id, e.status])).toEqual([
      ['sigma/5b0c2f7e-8a41-4d3b-9f6e-1c2d3e4f5a6b', 'exported'],
    ]);
    // The same rules from a module and from --rules: an error, as for analyze (not two files for one id).
    const both = await exportKql(
      'advanced-hunting',
      join(dir, 'both'),
      '--detectors',
      join(dir, 'pack.mjs'),
      '--rules',
      SIGMA_RULES,
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(
      `two detectors have the id sigma/0d7a3c91-6e2f-4b85-a1c4-93f0e5d2b7a8: one from ${join(dir, 'pack.mjs')}, one from ${join(SIGMA_RULES, 'office-spawns-shell.yml')}`,
    );
    expect(existsSync(join(dir, 'both'))).toBe(false);
  });

  it("--sigma-level selects among a module's Sigma rules through withSigmaSelect, and is a usage error with nothing to select", async () => {
    const dir = temp();
    const sources = [
      ...readdirSync(SIGMA_RULES)
        .sort()
        .map((name) => ({ name, text: readFileSync(join(SIGMA_RULES, name), 'utf8') })),
      {
        name: 'whoami.yml',
        text: "title: Whoami run, low\nid: 2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182\nstatus: stable\nlogsource:\n  category: process_creation\n  product: windows\ndetection:\n  sel:\n    Image|endswith: '\\\\whoami.exe'\n  condition: sel\nlevel: low\n",
      },
    ];
    const head = `import { compileSigma } from ${JSON.stringify(pathToFileURL(join(ROOT, 'packages/sigma/dist/index.js')).href)};\nconst sources = ${JSON.stringify(sources)};\nexport const detectors = compileSigma(sources).detectors;\n`;
    writeFileSync(
      join(dir, 'select.mjs'),
      `${head}export const withSigmaSelect = (select) => compileSigma(sources, { select }).detectors;\n`,
    );
    writeFileSync(join(dir, 'plain.mjs'), head);
    const all = await exportJson(
      'advanced-hunting',
      join(dir, 'a'),
      '--no-builtin',
      '--detectors',
      join(dir, 'select.mjs'),
    );
    expect(all.summary.entries.map((e) => e.id)).toEqual([
      'sigma/0d7a3c91-6e2f-4b85-a1c4-93f0e5d2b7a8',
      'sigma/2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182',
      'sigma/5b0c2f7e-8a41-4d3b-9f6e-1c2d3e4f5a6b',
    ]);
    const high = await exportJson(
      'advanced-hunting',
      join(dir, 'h'),
      '--no-builtin',
      '--detectors',
      join(dir, 'select.mjs'),
      '--sigma-level',
      'high',
    );
    expect(high.code, high.stderr).toBe(0);
    // Left out by the selection: not exported, not listed (as with --rules).
    expect(high.summary.entries.map((e) => [e.id, e.status])).toEqual(EXAMPLES_EXPORTED);
    const none = await exportKql(
      'advanced-hunting',
      join(dir, 'n'),
      '--no-builtin',
      '--detectors',
      join(dir, 'plain.mjs'),
      '--sigma-level',
      'high',
    );
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      '--sigma-level selects among the Sigma rules of --rules and of detector modules that select theirs (as @tripline/sigmahq does), and none was given',
    );
  });

  it('exports @tripline/sigmahq given as a module as it exports its rules folder', async () => {
    const dir = temp();
    const args = ['--no-builtin', '--sigma-level', 'critical'];
    const pack = await exportJson('advanced-hunting', join(dir, 'm'), ...args, '--detectors', '@tripline/sigmahq');
    const files = await exportJson('advanced-hunting', join(dir, 'r'), ...args, '--rules', 'packages/sigmahq/rules');
    expect(pack.code, pack.stderr).toBe(0);
    expect(pack.summary.counts.exported).toBeGreaterThan(20);
    expect(pack.summary.counts).toEqual(files.summary.counts);
    expect(pack.summary.entries.map((e) => [e.id, e.status])).toEqual(
      files.summary.entries.map((e) => [e.id, e.status]),
    );
    expect(pack.summary.refusedByCode).not.toHaveProperty('detector-no-query');
  });

  it('lists a detector without meta.kql as detector-no-query', async () => {
    const dir = temp();
    const mod = join(dir, 'plain.mjs');
    writeFileSync(
      mod,
      `export default { meta: { id: 'acme/plain', title: 'Plain', summary: 's', rationale: 'r', severity: 'low', category: 'c', mitre: [], tables: ['DeviceProcessEvents'], messages: { default: { title: 't', description: 'd', riskAssessment: 'r' } } }, match: () => ({}), render: () => ({ values: {}, keyComponents: {} }) };\n`,
    );
    const r = await exportKql('sentinel', join(dir, 'o'), '--no-builtin', '--detectors', mod);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('refused   acme/plain  detector-no-query: the detector declares no query (meta.kql)\n');
  });

  it('is a usage error without --target or --output, with an unknown target, or a missing rules path', async () => {
    const out = temp();
    for (const args of [
      ['export', 'kql', '--output', out],
      ['export', 'kql', '--target', 'sentinel'],
      ['export', 'kql', '--target', 'splunk', '--output', out],
      ['export', 'kql', '--target', 'sentinel', '--output', out, '--rules', join(out, 'missing')],
    ]) {
      const r = await tripline(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^tripline: /);
      expect(r.stdout).toBe('');
    }
  });

  it('is a load error for a Sigma file that is not a valid Sigma document, as for analyze', async () => {
    const dir = temp();
    writeFileSync(
      join(dir, 'broken.yml'),
      'title: Broken\nlogsource:\n  category: process_creation\ndetection:\n  selection:\n    Image: x\n',
    );
    const r = await exportKql('sentinel', join(dir, 'o'), '--rules', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tripline: invalid Sigma rule: .*broken\.yml:\d+:\d+: /);
    expect(existsSync(join(dir, 'o'))).toBe(false);
  });

  it('is an output error when the folder cannot be written', async () => {
    const dir = temp();
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const r = await exportKql('sentinel', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tripline: cannot write .*a-file.*: a part of the path is not a directory\n$/);
  });
});

describe('checkKqlAll (the built package, on worker threads)', () => {
  it('answers every query at its index as checkKql does, whichever worker checked it', async () => {
    const kql = (await import(
      pathToFileURL(join(ROOT, 'packages/kql/dist/index.js')).href
    )) as typeof import('@tripline/kql');
    // Enough queries for two workers; every seventh is wrong in its own way, so a shifted answer shows.
    const jobs = Array.from({ length: kql.QUERIES_PER_WORKER * 2 + 10 }, (_, i) =>
      i % 7 === 3
        ? { text: `DeviceProcessEvents | where FileNme${i} =~ "x"` }
        : { text: `DeviceProcessEvents | where FileName =~ "tool${i}" | project Timestamp, DeviceId, ReportId` },
    );
    expect(kql.checkWorkerCount(jobs.length, 2)).toBe(2);
    const all = await kql.checkKqlAll(jobs, { workers: 2 });
    expect(all).toEqual(jobs.map((j) => kql.checkKql(j.text)));
    expect(all.filter((d) => d.length > 0).length).toBe(Math.ceil((jobs.length - 3) / 7));
    expect(all[3]?.[0]?.message).toContain('FileNme3');
  }, 240_000);
});
