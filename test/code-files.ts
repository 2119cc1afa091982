/**
 * The repository's code as the repository tests read it: TypeScript and JavaScript files (`.ts`, `.mts`,
 * `.cts`, `.js`, `.mjs`, `.cjs`; not `.d.ts`) under the given folders, without builds (`dist`), installs
 * (`node_modules`) or hidden folders. Sorted.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export function codeFiles(...dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(?:[cm]?ts|[cm]?js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
    }
  };
  for (const dir of dirs) walk(dir);
  return out.sort();
}
