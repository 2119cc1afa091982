/**
 * The fast YAML loader on every YAML file of ../shared/data/sigma (the SigmaHQ rules, the regression
 * data's rule copies, the Sigma specification's examples and tests): each one is read exactly as the
 * `yaml` package reads it, or left to it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { differential } from './support/yaml-differential.js';

const SIGMA = fileURLToPath(new URL('../../../../shared/data/sigma/', import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? yamlFiles(join(dir, e.name))
        : e.name.endsWith('.yml') || e.name.endsWith('.yaml')
          ? [join(dir, e.name)]
          : [],
    )
    .sort();
}

describe('the fast YAML loader on ../shared/data/sigma', () => {
  it('reads every YAML file as the yaml package does, or leaves it to it', () => {
    const files = yamlFiles(SIGMA);
    const diffs: string[] = [];
    let fast = 0;
    for (const f of files) {
      const d = differential(readFileSync(f, 'utf8'), f);
      if (d.fast) fast++;
      if (d.diff) diffs.push(`${f}: ${d.diff.slice(0, 400)}`);
    }
    console.log(`${files.length} YAML files, ${fast} read by the fast loader, the others by the yaml package`);
    expect(diffs).toEqual([]);
    expect(files.length).toBeGreaterThan(2000);
    expect(fast / files.length).toBeGreaterThan(0.95);
  }, 300_000);
});
