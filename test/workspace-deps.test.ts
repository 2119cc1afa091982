/**
 * Each package's `typecheck` (turbo: after the builds it depends on) sees the types of every workspace
 * package its sources and tests import. An import of a package that the importer neither depends on
 * (`dependencies`, `devDependencies`, `peerDependencies`) nor names in its own `turbo.json` leaves the
 * order of the two tasks to chance: on a fresh clone `npm ci && npm run typecheck` then fails with
 * "Cannot find module" whenever the imported package has not been built yet.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codeFiles } from './code-files.js';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Workspace {
  readonly dir: string;
  readonly name: string;
  /** Workspace packages its typecheck waits for the build of. */
  readonly waitsFor: ReadonlySet<string>;
}

function workspaces(): Workspace[] {
  return readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, 'packages', e.name, 'package.json')))
    .map((e) => {
      const dir = join(root, 'packages', e.name);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      const waitsFor = new Set<string>();
      for (const field of ['dependencies', 'devDependencies', 'peerDependencies'])
        for (const dep of Object.keys((pkg[field] as Record<string, string> | undefined) ?? {})) waitsFor.add(dep);
      const turbo = join(dir, 'turbo.json');
      if (existsSync(turbo)) {
        const config = JSON.parse(readFileSync(turbo, 'utf8')) as {
          tasks?: { typecheck?: { dependsOn?: string[] } };
        };
        for (const task of config.tasks?.typecheck?.dependsOn ?? []) {
          const m = /^(.+)#build$/.exec(task);
          if (m) waitsFor.add(m[1]!);
        }
      }
      return { dir, name: String(pkg.name), waitsFor };
    });
}

/** The package names a file imports (static `from`, `import()`, `require()`), without subpaths. */
function importedPackages(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(
    /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]((?:@[\w.-]+\/)?[\w.-]+)(?:\/[^'"]*)?['"]/g,
  ))
    out.add(m[1]!);
  return [...out];
}

describe('workspace dependencies', () => {
  const all = workspaces();
  const names = new Set(all.map((w) => w.name));

  it('finds every package and reads its imports', () => {
    expect(all.length).toBeGreaterThan(8);
    expect(names.has('@tripline/core')).toBe(true);
    expect(
      importedPackages("import { a } from '@tripline/core/testing';\nconst b = await import('tripline');"),
    ).toEqual(['@tripline/core', 'tripline']);
  });

  it("each package's typecheck waits for the build of every workspace package it imports", () => {
    const missing: string[] = [];
    for (const w of all) {
      const imported = new Set<string>();
      for (const file of codeFiles(w.dir))
        for (const name of importedPackages(readFileSync(file, 'utf8')))
          if (names.has(name) && name !== w.name) imported.add(name);
      for (const name of [...imported].sort())
        if (!w.waitsFor.has(name))
          missing.push(
            `${w.name} imports ${name}: neither a dependency nor a build its turbo.json typecheck waits for`,
          );
    }
    expect(missing).toEqual([]);
  });
});
