import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { testRuleFile } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const RULES = readdirSync(HERE)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('example rules: each fires on its fires fixtures and not on its ignores fixtures', () => {
  it('there are at least six', () => {
    expect(RULES.length).toBeGreaterThanOrEqual(6);
  });
  it.each(RULES)('%s', async (file) => {
    const check = await testRuleFile(`${HERE}${file}`);
    expect(check.fixtures.some((f) => f.kind === 'fires')).toBe(true);
    expect(check.fixtures.some((f) => f.kind === 'ignores')).toBe(true);
  });
});
