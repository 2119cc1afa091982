import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const built = ['core', 'sigma', 'sigmahq'].map((p) => join(root, 'packages', p, 'dist', 'index.js'));

/** Node run from the repository root, as an installed project would import the package. */
function node(args: string[]): string {
  for (const f of built)
    if (!existsSync(f)) throw new Error(`${f} does not exist: build first (npm run build at the repository root)`);
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

describe('the built @tripline/sigmahq finds its rules beside itself', () => {
  it('as an ES module (import.meta.url)', () => {
    const out = node([
      '--input-type=module',
      '-e',
      "const m = await import('@tripline/sigmahq'); console.log(m.report.documents, m.sigmahqRulesDir);",
    ]);
    expect(out).toBe(`1879 ${join(root, 'packages', 'sigmahq', 'rules')}\n`);
  });

  it('as CommonJS (__dirname)', () => {
    const out = node([
      '-e',
      "const m = require('@tripline/sigmahq'); console.log(m.report.documents, m.sigmahqRulesDir);",
    ]);
    expect(out).toBe(`1879 ${join(root, 'packages', 'sigmahq', 'rules')}\n`);
  });
});
