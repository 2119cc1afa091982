import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('.', import.meta.url));
const modules = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
const source = (f: string) => readFileSync(join(dir, f), 'utf8');

/** The engine modules a module imports (`./x.js`), type-only imports included: a cycle of types is still a tangle. */
function localImports(text: string): string[] {
  return [...text.matchAll(/^(?:import|export)[^;]*?from '\.\/([\w-]+)\.js';/gms)].map((m) => `${m[1]}.ts`);
}

describe('the engine’s layout', () => {
  it('keeps every module small enough to read in one sitting', () => {
    const long = modules.filter((f) => source(f).split('\n').length > 420);
    expect(long).toEqual([]);
  });

  it('has no import cycle between its modules', () => {
    const graph = new Map(modules.map((f) => [f, localImports(source(f))]));
    expect(graph.get('analyze.ts')).toContain('phases.ts');
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const next of graph.get(f) ?? []) visit(next, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of modules) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
