import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The source folders held to the style guide's module limit (core's engine has its own layout test). */
const FOLDERS = [
  'packages/cli/src',
  'packages/kql/src',
  'packages/narrative/src',
  'packages/reporter-markdown/src',
  'packages/reporter-sarif/src',
];
const MAX_LINES = 420;

/** The modules of a folder and its subfolders: not tests, and not generated tables. */
function modules(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...modules(path));
    else if (/\.[cm]?ts$/.test(entry.name) && !/\.(?:test|generated)\.[cm]?ts$/.test(entry.name)) out.push(path);
  }
  return out;
}

describe('module size', () => {
  it('finds the modules of each folder', () => {
    for (const folder of FOLDERS) expect(modules(join(root, folder)).length, folder).toBeGreaterThan(2);
  });

  it(`keeps every module under ${MAX_LINES} lines, small enough to read in one sitting`, () => {
    const long = FOLDERS.flatMap((folder) => modules(join(root, folder)))
      .map((path) => ({ path: relative(root, path), lines: readFileSync(path, 'utf8').split('\n').length }))
      .filter((m) => m.lines > MAX_LINES)
      .map((m) => `${m.path}: ${m.lines} lines`);
    expect(long).toEqual([]);
  });
});
