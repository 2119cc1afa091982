import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const detectorsDir = new URL('./detectors/', import.meta.url);

/** Relative module specifiers of a TypeScript source (static imports and re-exports). */
function relativeImports(source: string): string[] {
  const out: string[] = [];
  for (const line of source.split('\n')) {
    const from = line.indexOf(" from '");
    if (from < 0) continue;
    const start = from + 7;
    const end = line.indexOf("'", start);
    if (end > start && line.startsWith('.', start)) out.push(line.slice(start, end));
  }
  return out;
}

describe('pack layout', () => {
  it('keeps each detector folder self-contained: shared code lives in src/internal, not in a sibling detector', () => {
    const crossings: string[] = [];
    for (const name of readdirSync(detectorsDir).sort()) {
      const folder = new URL(`${name}/`, detectorsDir);
      for (const file of readdirSync(folder).sort()) {
        if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
        const source = readFileSync(new URL(file, folder), 'utf8');
        for (const spec of relativeImports(source)) {
          if (spec.startsWith('./') || spec.startsWith('../../internal/')) continue;
          crossings.push(`${name}/${file} imports ${spec}`);
        }
      }
    }
    expect(crossings).toEqual([]);
  });
});
