import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  output?: string;
}

/**
 * The tarballs users install, checked from outside the repository: npm pack → publint/attw → npm install
 * into a scratch project → ESM/CJS imports and the `tripline` bin (scripts/pack-check.mjs). Slow (npm
 * install, about 1.5 min): it runs in CI on every build; set TRIPLINE_SKIP_PACK=1 to skip it locally.
 */
describe.skipIf(process.env.TRIPLINE_SKIP_PACK === '1')('packaging (npm pack → install → use)', () => {
  let checks: Check[] = [];

  beforeAll(async () => {
    let stdout: string;
    try {
      ({ stdout } = await run(process.execPath, [join(root, 'scripts/pack-check.mjs'), '--json'], {
        cwd: root,
        // About 1.5 min on an idle 2-core machine, 2.6 min at load 10–20: generous, so only a hang fails.
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
      }));
    } catch (error) {
      // Exit status 1 still prints the report: failed checks are asserted one by one below.
      stdout = String((error as { stdout?: unknown }).stdout ?? '');
      if (!stdout.trim().startsWith('{')) throw error;
    }
    checks = (JSON.parse(stdout) as { checks: Check[] }).checks;
  }, 610_000);

  const names = [
    'built',
    ...[
      '@tripline/core',
      '@tripline/detectors-defender',
      '@tripline/reporter-markdown',
      '@tripline/reporter-sarif',
      '@tripline/sigma',
      '@tripline/sigmahq',
      '@tripline/kql',
      '@tripline/state',
      '@tripline/stream',
      '@tripline/narrative',
      'tripline',
    ].flatMap((p) => [`pack ${p}`, `files ${p}`, `publint ${p}`, `attw ${p}`]),
    'install tarballs',
    'esm @tripline/core',
    'esm @tripline/core/testing',
    'esm @tripline/core/unstable',
    'esm @tripline/detectors-defender',
    'esm @tripline/reporter-markdown',
    'esm @tripline/reporter-sarif',
    'esm tripline',
    'cjs @tripline/core',
    'cjs @tripline/core/testing',
    'cjs @tripline/core/unstable',
    'cjs @tripline/detectors-defender',
    'cjs @tripline/reporter-markdown',
    'cjs @tripline/reporter-sarif',
    'cjs analyze with the preset',
    'esm @tripline/sigmahq',
    'cjs @tripline/sigmahq',
    'esm @tripline/kql',
    'cjs @tripline/kql',
    'cjs @tripline/core/report.schema.json',
    'npx tripline --version',
    'npx tripline analyze --format json',
    'npx tripline analyze --detectors @tripline/sigmahq',
    'npx tripline export kql',
  ];

  it.each(names)('%s', (name) => {
    const check = checks.find((c) => c.name === name);
    expect(
      check,
      `check "${name}" did not run (an earlier step failed: ${JSON.stringify(checks.filter((c) => !c.ok))})`,
    ).toBeDefined();
    expect(check!.ok, `${check!.detail}\n${check!.output ?? ''}`).toBe(true);
  });

  it('ran no check this test does not know', () => {
    expect(checks.map((c) => c.name).filter((n) => !names.includes(n))).toEqual([]);
  });
});

/**
 * The `--since` ref for `changeset status`: none when the base branch `main` exists locally (changesets'
 * default), else `origin/main`, else the first commit (a clone of another branch, a CI checkout).
 */
async function baseRef(): Promise<string | undefined> {
  const exists = (ref: string) =>
    run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: root }).then(
      () => true,
      () => false,
    );
  if (await exists('main')) return undefined;
  if (await exists('origin/main')) return 'origin/main';
  const { stdout } = await run('git', ['rev-list', '--max-parents=0', 'HEAD'], { cwd: root });
  return stdout.trim().split('\n').pop();
}

/**
 * The changesets `changeset status --since=ref` reads: those added or changed since `ref` diverged from
 * HEAD, found the way changesets finds them (git diff against the merge base, deletions left out).
 */
async function changesetsSince(ref: string): Promise<string[]> {
  const { stdout: base } = await run('git', ['merge-base', ref, 'HEAD'], { cwd: root });
  const { stdout } = await run('git', ['diff', '--name-only', '--diff-filter=d', '--no-relative', base.trim()], {
    cwd: root,
  });
  return stdout
    .split('\n')
    .filter((f) => /^\.changeset\/[^/]+\.md$/.test(f) && f !== '.changeset/README.md')
    .map((f) => f.replace(/^\.changeset\/|\.md$/g, ''));
}

/** Changesets: the pending changesets give a release plan (what `changeset version` turns into CHANGELOGs). */
describe('changesets', () => {
  interface Status {
    changesets: { id: string; releases: { name: string; type: string }[] }[];
    releases: { name: string; type: string; oldVersion: string; newVersion: string }[];
  }
  const publishable = readdirSync(join(root, 'packages')).map(
    (d) =>
      JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')) as { name: string; version: string },
  );

  it('npx changeset status reads every .changeset/*.md and plans one version for all packages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-changeset-'));
    try {
      const out = join(dir, 'status.json');
      // `changeset status` diffs against the base branch (config.json: main). A clone of another branch has
      // no local main: it is given --since, and then reads only the changesets added since that ref.
      const since = await baseRef();
      await run(
        'npx',
        ['--no-install', 'changeset', 'status', ...(since ? [`--since=${since}`] : []), '--output', out],
        {
          cwd: root,
          timeout: 60_000,
        },
      );
      const status = JSON.parse(readFileSync(out, 'utf8')) as Status;
      const files = (
        since === undefined
          ? readdirSync(join(root, '.changeset'))
              .filter((f) => f.endsWith('.md') && f !== 'README.md')
              .map((f) => f.replace(/\.md$/, ''))
          : await changesetsSince(since)
      ).sort();
      expect(status.changesets.map((c) => c.id).sort()).toEqual(files);
      // Every changeset names known packages with a bump type.
      const known = new Set(publishable.map((p) => p.name));
      for (const c of status.changesets) {
        expect(c.releases.length, c.id).toBeGreaterThan(0);
        for (const r of c.releases) {
          expect(known.has(r.name), `${c.id} names ${r.name}`).toBe(true);
          expect(['patch', 'minor', 'major']).toContain(r.type);
        }
      }
      if (status.changesets.length > 0) {
        // config.json "fixed": [["@tripline/*", "tripline"]] → all of them move together to one version.
        const releases = status.releases.filter((r) => known.has(r.name));
        expect(releases.map((r) => r.name).sort()).toEqual([...known].sort());
        expect(new Set(releases.map((r) => r.newVersion)).size).toBe(1);
        for (const r of releases) {
          expect(r.oldVersion).toBe(publishable.find((p) => p.name === r.name)!.version);
          expect(r.newVersion).not.toBe(r.oldVersion);
        }
        // Private workspaces (the examples) are listed as dependents only: their version never moves.
        for (const r of status.releases.filter((x) => !known.has(x.name))) {
          expect(r.name, 'only examples are private').toMatch(/^@tripline\/example-/);
          expect(r.newVersion).toBe(r.oldVersion);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The licence: MIT at the repository root, and the same file in every package tarball (npm pack --dry-run). */
describe('licence', () => {
  const licence = join(root, 'LICENSE');
  const packageDirs = readdirSync(join(root, 'packages')).sort();

  it('the repository has the MIT LICENSE its package.json files declare', () => {
    const text = readFileSync(licence, 'utf8');
    expect(text.split('\n')[0]).toBe('MIT License');
    expect(text).toMatch(/^Copyright \(c\) \d{4}/m);
    expect(text).toContain('Permission is hereby granted, free of charge');
    const manifests = ['package.json', ...packageDirs.map((d) => join('packages', d, 'package.json'))];
    // @tripline/sigmahq ships SigmaHQ's rules, under the Detection Rule License 1.1, beside its MIT code.
    const expected = (m: string) => (m === join('packages', 'sigmahq', 'package.json') ? 'MIT AND DRL-1.1' : 'MIT');
    for (const m of manifests) expect(JSON.parse(readFileSync(join(root, m), 'utf8')).license, m).toBe(expected(m));
  });

  it.each(packageDirs)('the tarball of packages/%s holds LICENSE, identical to the root one', async (dir) => {
    const cwd = join(root, 'packages', dir);
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd,
      timeout: 60_000,
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
    });
    const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files).toContain('LICENSE');
    // sigmahq's LICENSE is the root one followed by the DRL 1.1 of its rules (packages/sigmahq/test/package.test.ts).
    const own = readFileSync(join(cwd, 'LICENSE'), 'utf8');
    if (dir === 'sigmahq') expect(own.startsWith(readFileSync(licence, 'utf8'))).toBe(true);
    else expect(own).toBe(readFileSync(licence, 'utf8'));
  });
});
