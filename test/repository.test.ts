/**
 * A fresh clone is self-sufficient: what the default tests read lives in the repository, and what cannot
 * (copyleft datasets, large corpora in ../shared) is read only by the shared-data suite, which is skipped
 * with one line when ../shared is absent.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { codeFiles } from './code-files.js';

const sh = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const sharedPresent = existsSync(join(root, '../shared'));

/** Test code of every workspace: .ts/.mts/.mjs/.js files under packages/, test/ and examples/. */
function testCode(): string[] {
  return codeFiles(...['packages', 'test', 'examples'].map((top) => join(root, top)));
}

/** Environment for a nested vitest: none of the running vitest's own variables. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(?:VITEST|TEST$|NODE_ENV$)/.test(k)) env[k] = v;
  delete env.TRIPLINE_SKIP_SHARED;
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

/** Runs vitest on the two dataset test files (default: vendored data; shared: copyleft data). */
async function vitestDatasets(env: Record<string, string>): Promise<{ code: number; out: string }> {
  const args = [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'packages/core/src/internal/ingest/datasets'];
  try {
    const r = await sh(process.execPath, args, { cwd: root, env: childEnv(env), timeout: 120_000 });
    return { code: 0, out: `${r.stdout}${r.stderr}` };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('a fresh clone needs nothing beside the repository', () => {
  it('the vendored SARIF 2.1.0 schema is the OASIS file, unedited, with its notice', () => {
    const dir = join(root, 'packages/reporter-sarif/test/vendor');
    const bytes = readFileSync(join(dir, 'sarif-schema-2.1.0.json'));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(sha256).toBe('c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e');
    const notice = readFileSync(join(dir, 'NOTICE.md'), 'utf8');
    expect(notice).toContain(sha256);
    expect(notice).toContain('Copyright © OASIS Open');
    expect(JSON.parse(bytes.toString('utf8')).id).toBe(
      'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    );
  });

  it('only *.shared.test.ts files read ../shared', () => {
    // testkit.ts only defines the path the shared suite uses; a default test importing it is caught by SHARED.
    const allowed = new Set(['packages/core/src/internal/ingest/testkit.ts', 'test/repository.test.ts']);
    const offenders = testCode()
      .map((f) => relative(root, f))
      .filter((f) => !f.endsWith('.shared.test.ts') && !allowed.has(f))
      .filter((f) => /\.\.\/shared\b|['"`]shared\/|\bSHARED\b/.test(readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('without the shared data the run passes and says in one line which suite it skipped', async () => {
    const { code, out } = await vitestDatasets({ TRIPLINE_SKIP_SHARED: '1' });
    expect(code, out).toBe(0);
    expect(out).toContain('datasets.test.ts');
    expect(out).not.toContain('datasets.shared.test.ts');
    const notices = out.split('\n').filter((l) => l.includes('shared-data suite'));
    expect(notices).toEqual(['shared-data suite not run: TRIPLINE_SKIP_SHARED=1; .ci/run runs it']);
  });

  it.skipIf(!sharedPresent)('with ../shared beside the repository, the shared project runs its suite', async () => {
    const { code, out } = await vitestDatasets({});
    expect(code, out).toBe(0);
    expect(out).toMatch(/\bshared\b.*datasets\.shared\.test\.ts/);
    expect(out).toContain('datasets.test.ts');
    expect(out).not.toContain('shared-data suite not run');
  });

  it('CI counts a run without the shared-data suite as a failure (ci-summary --require-shared)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-ci-summary-'));
    try {
      const summary = async (files: string[], ...flags: string[]) => {
        const report = join(dir, 'report.json');
        const testResults = files.map((name) => ({
          name: join(root, name),
          status: 'passed',
          assertionResults: [{ status: 'passed', title: 't', fullName: 't', failureMessages: [] }],
        }));
        const skipped = flags.includes('--test-skipped') ? 1 : 0;
        flags = flags.filter((f) => f !== '--test-skipped');
        writeFileSync(
          report,
          JSON.stringify({ numPassedTests: files.length, numFailedTests: 0, numPendingTests: skipped, testResults }),
        );
        const args = [join(root, 'scripts/ci-summary.mjs'), report, '0', ...flags];
        return sh(process.execPath, args, { cwd: root }).then(
          (r) => ({ code: 0, out: r.stdout }),
          (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
        );
      };
      const defaultOnly = ['packages/core/src/internal/ingest/datasets.test.ts'];
      const withShared = [...defaultOnly, 'packages/core/src/internal/ingest/datasets.shared.test.ts'];
      expect(await summary(defaultOnly)).toEqual({ code: 0, out: '1 passed, 0 failed\n' });
      const missing = await summary(defaultOnly, '--require-shared');
      expect(missing.code).toBe(1);
      expect(missing.out).toMatch(/^shared-data suite did not run: .*\n1 passed, 1 failed\n$/);
      expect(await summary(withShared, '--require-shared')).toEqual({ code: 0, out: '2 passed, 0 failed\n' });
      // A skipped test is said on its own line; the last line keeps the exact form.
      expect(await summary(withShared, '--require-shared', '--test-skipped')).toEqual({
        code: 0,
        out: '1 skipped (not counted)\n2 passed, 0 failed\n',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('.ci/run requires the shared-data suite', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^unset TRIPLINE_SKIP_SHARED$/m);
    expect(ci).toMatch(/^node scripts\/ci-summary\.mjs .* --require-shared$/m);
  });

  it('.ci/run installs nats-server with apt when missing, before the tests, and fails when it cannot', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    const install = ci.indexOf('install -y -qq nats-server');
    expect(install).toBeGreaterThan(0);
    expect(install).toBeLessThan(ci.indexOf('\nnpm test '));
    const block = ci.slice(ci.lastIndexOf('\nif ', install), ci.indexOf('\nfi\n', install));
    expect(block).toMatch(/command -v nats-server/);
    expect(block).toMatch(/cannot install nats-server[^\n]*\n\s*echo "0 passed, 1 failed"\n\s*exit 1/);
  });

  it("every vitest project inherits the root's timeouts (30 s per test, not vitest's 5 s default)", async () => {
    const { default: config } = (await import('../vitest.config.js')) as {
      default: { test: { testTimeout: number; projects: { extends?: unknown; test: { name: string } }[] } };
    };
    expect(config.test.testTimeout).toBe(30_000);
    const names = config.test.projects.map((p) => p.test.name);
    expect(names).toEqual(expect.arrayContaining(['packages', 'examples', 'repo']));
    for (const p of config.test.projects) expect(p.extends, p.test.name).toBe(true);
  });
});
