/**
 * Golden files per operator: each `test/golden/<name>.yml` is one small Sigma rule, `<name>.kql` the
 * query it exports to (or `// refused:` lines). `UPDATE_GOLDEN=1 npx vitest run packages/kql/test/emit/golden.test.ts`
 * rewrites them; review the diff before committing.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSigma } from '@tripline/sigma';
import { describe, expect, it } from 'vitest';
import { exportSigma } from '../../src/emit/index.js';

const dir = fileURLToPath(new URL('../golden/', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

function render(name: string): string {
  const set = compileSigma([{ text: readFileSync(join(dir, `${name}.yml`), 'utf8'), name: `${name}.yml` }]);
  const out = exportSigma(set);
  expect(out).toHaveLength(1);
  const e = out[0]!;
  if (!e.ok) return `${e.refusals.map((r) => `// refused: ${r.code}: ${r.message}`).join('\n')}\n`;
  const warnings = e.query.warnings.map((w) => `// warning: ${w.code}: ${w.message}\n`).join('');
  return `${warnings}${e.query.text}\n`;
}

describe('golden queries, one per operator', () => {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => f.slice(0, -4))
    .sort();

  it('has goldens', () => {
    expect(names.length).toBeGreaterThanOrEqual(20);
  });

  for (const name of names) {
    it(name, () => {
      const actual = render(name);
      const file = join(dir, `${name}.kql`);
      if (update || !existsSync(file)) {
        if (!update) throw new Error(`${file} is missing: run with UPDATE_GOLDEN=1`);
        writeFileSync(file, actual);
      }
      expect(actual).toBe(readFileSync(file, 'utf8'));
    });
  }
});
