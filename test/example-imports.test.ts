import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = join(root, 'packages');

/** Script files of the examples (what a user copies), not their installed dependencies. */
function exampleScripts(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(?:[cm]?[jt]s|tsx)$/.test(entry.name)) out.push(path);
    }
  };
  walk(join(root, 'examples'));
  return out.sort();
}

/** Exported subpaths of each workspace package, by package name (`.`, `./testing`, `./package.json` …). */
function workspaceExports(): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const entry of readdirSync(packagesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const manifest = JSON.parse(readFileSync(join(packagesDir, entry.name, 'package.json'), 'utf8')) as {
      name: string;
      exports?: string | Record<string, unknown>;
    };
    const keys =
      manifest.exports === undefined || typeof manifest.exports === 'string' ? ['.'] : Object.keys(manifest.exports);
    map.set(manifest.name, new Set(keys));
  }
  return map;
}

/**
 * Module specifiers and file URLs a script names: `import … from 'x'`, `import 'x'`, `import('x')`,
 * `require('x')`, `require.resolve('x')`, `new URL('x', import.meta.url)`. The patterns have no nested
 * quantifiers (linear time).
 */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  const pattern =
    /(?:\bfrom|\bimport|\brequire(?:\.resolve)?\s*\(|\bimport\s*\(|\bnew URL\s*\()\s*(['"`])([^'"`\n]+)\1/g;
  for (const match of text.matchAll(pattern)) out.push(match[2] as string);
  return out;
}

/** Why `spec`, named in `file`, bypasses a package's stable exports; undefined when it goes through them. */
export function bypass(file: string, spec: string, exportsByName: Map<string, Set<string>>): string | undefined {
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const target = spec.startsWith('/') ? spec : join(dirname(file), spec);
    const rel = relative(packagesDir, target);
    if (rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep)) {
      return `${spec} is a relative path into packages/ (import the package by its name)`;
    }
    return undefined;
  }
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
  const exported = exportsByName.get(name);
  if (exported === undefined) return undefined; // not a package of this repository
  const subpath = spec === name ? '.' : `.${spec.slice(name.length)}`;
  if (!exported.has(subpath)) return `${spec} is not an export of ${name} (exports: ${[...exported].join(', ')})`;
  if (subpath === './unstable') return `${spec} may change in any release: an example shows the stable API`;
  return undefined;
}

describe('examples use the packages as users do', () => {
  const exportsByName = workspaceExports();
  const files = exampleScripts();

  it('finds the example scripts and the workspace packages', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(exportsByName.get('@tripline/core')).toContain('./testing');
    expect(exportsByName.has('tripline')).toBe(true);
  });

  it('the check sees a relative path into packages/ and a deep import past the exports', () => {
    const file = join(root, 'examples', 'x', 'y.test.ts');
    const text = [
      "import { detector } from '../../packages/detectors-defender/src/detectors/edr-agent-recon/detector.js';",
      "const cli = new URL('../../packages/cli/bin/tripline.js', import.meta.url);",
      "const m = await import('@tripline/core/dist/index.js');",
      "import { analyze } from '@tripline/core';",
      "import { runFixtures } from '@tripline/core/testing';",
      "import { fromFile } from './local.js';",
      "import { ingest } from '@tripline/core/unstable';",
    ].join('\n');
    const found = specifiers(text).map((spec) => bypass(file, spec, exportsByName) !== undefined);
    expect(found).toEqual([true, true, true, false, false, false, true]);
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s imports packages only through their exports', (_n, file) => {
    const text = readFileSync(file as string, 'utf8');
    const problems = specifiers(text)
      .map((spec) => bypass(file as string, spec, exportsByName))
      .filter((p): p is string => p !== undefined);
    expect(problems).toEqual([]);
  });
});
