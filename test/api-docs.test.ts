/**
 * The typedoc API reference (`npm run docs`, run by CI with warnings as errors): modules named by the
 * package a user imports, the README as its landing page, and the CLI's programmatic `run` included.
 * typedoc runs once, with the repository's typedoc.json, into a temporary folder.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM typedoc plugin, without type declarations.
import { packageModuleName } from '../scripts/typedoc-package-names.mjs';

const sh = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

interface Reflection {
  name: string;
  children?: Reflection[];
  readme?: { kind: string; text: string }[];
}

describe('API reference (typedoc)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-typedoc-'));
  let project: Reflection;
  let log = '';

  beforeAll(async () => {
    const args = [join(root, 'node_modules/typedoc/bin/typedoc'), '--out', join(dir, 'html')];
    const r = await sh(process.execPath, [...args, '--json', join(dir, 'api.json')], {
      cwd: root,
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    log = `${r.stdout}${r.stderr}`;
    project = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as Reflection;
  }, 250_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds without a warning (CI treats warnings as errors)', () => {
    expect(log).not.toMatch(/\[(?:warning|error)\]/);
  });

  it('names every module after the package a user imports', () => {
    // Every code entry of every package's exports map: `.` and subpaths such as `./testing`, `./eventhubs`.
    const packages = readdirSync(join(root, 'packages'))
      .flatMap((d) => {
        const manifest = JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')) as {
          name: string;
          exports?: Record<string, unknown>;
        };
        const subpaths = Object.keys(manifest.exports ?? {}).filter((k) => k !== '.' && !k.endsWith('.json'));
        return [manifest.name, ...subpaths.map((k) => `${manifest.name}/${k.slice(2)}`)];
      })
      .sort();
    expect((project.children ?? []).map((m) => m.name).sort()).toEqual(packages);
  });

  it("has the README as its landing page and documents the CLI's run()", () => {
    const readme = (project.readme ?? []).map((p) => p.text).join('');
    expect(readme.startsWith('# tripline\n')).toBe(true);
    const cli = project.children?.find((m) => m.name === 'tripline');
    expect(cli?.children?.map((c) => c.name)).toContain('run');
  });

  it('maps folder names to package names, and refuses anything else', () => {
    const manifest = (folder: string) => ({ name: folder === 'cli' ? 'tripline' : `@tripline/${folder}` });
    expect(packageModuleName('core/src', manifest)).toBe('@tripline/core');
    expect(packageModuleName('core/src/testing', manifest)).toBe('@tripline/core/testing');
    expect(packageModuleName('cli/src', manifest)).toBe('tripline');
    expect(packageModuleName('core', manifest)).toBeUndefined();
    expect(packageModuleName('core/lib/x', manifest)).toBeUndefined();
  });
});
