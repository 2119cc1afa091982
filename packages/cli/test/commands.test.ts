import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, ROOT, tripline } from './helpers.js';

// Each test starts Node processes; a loaded CI machine needs more than vitest's 5 s default.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

beforeAll(assertBuilt);

const version = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')).version as string;

describe.concurrent('tripline: version, help, detectors', () => {
  it('--version prints the version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await tripline([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it('--help lists the commands and exit codes', async () => {
    const r = await tripline(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('analyze');
    expect(r.stdout).toContain('detectors');
    expect(r.stdout).toContain('Exit status');
  });

  it('analyze --help documents every option', async () => {
    const r = await tripline(['analyze', '--help']);
    expect(r.code).toBe(0);
    for (const o of [
      '--format',
      '--output',
      '--fail-on',
      '--min-severity',
      '--config',
      '--input-format',
      '--generated-at',
      '--debug',
    ]) {
      expect(r.stdout).toContain(o);
    }
  });

  it('no command shows help on stderr and exits 2', async () => {
    const r = await tripline([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: tripline');
  });

  it('detectors lists id, severity, ATT&CK, tables and origin', async () => {
    const r = await tripline(['detectors']);
    expect(r.code).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+SEVERITY\s+ATT&CK\s+TABLES\s+ORIGIN$/);
    expect(rows.length).toBeGreaterThanOrEqual(13);
    expect(r.stdout).toMatch(
      /defender\/exec-process-replacement\s+medium\s+T1059\.004\s+DeviceProcessEvents\s+builtin\n/,
    );
  });

  it('detectors --json', async () => {
    const r = await tripline(['detectors', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as {
      id: string;
      severity: string;
      mitre: { id: string; name: string }[];
      tables: string[];
    }[];
    const ids = list.map((d) => d.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toContain('defender/root-cron-logon');
    for (const d of list) {
      expect(Array.isArray(d.tables)).toBe(true);
      for (const t of d.mitre) expect(t.name).not.toBe('');
    }
  });
});

describe.concurrent('the tripline binary', () => {
  it('package.json bin is a committed file that runs the built CLI', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ tripline: './bin/tripline.js' });
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, [join(ROOT, 'packages/cli/bin/tripline.js'), '--version'], {
      encoding: 'utf8',
    });
    expect(out).toBe(`${version}\n`);
  });

  it.skipIf(!existsSync(join(ROOT, 'node_modules/.bin/tripline')))(
    'node_modules/.bin/tripline (npx tripline) runs it',
    async () => {
      const { execFileSync } = await import('node:child_process');
      const out = execFileSync(join(ROOT, 'node_modules/.bin/tripline'), ['--version'], { encoding: 'utf8' });
      expect(out).toBe(`${version}\n`);
    },
  );
});
