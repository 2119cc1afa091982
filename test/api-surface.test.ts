/**
 * The public API is pinned: every entry of every package's `exports` map, its runtime names and its
 * type-only names, against test/api-surface.json (scripts/api-surface.mjs reads them with the TypeScript
 * checker from the sources). An export added or removed by accident fails here, naming it; a deliberate
 * change is accepted with `node scripts/api-surface.mjs --write` and listed in a changeset.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  apiSurface,
  changesMessage,
  SURFACE_FILE,
  surfaceChanges,
  // @ts-expect-error: a plain ESM script, without type declarations.
} from '../scripts/api-surface.mjs';

type Entry = { runtime: string[]; types: string[] } | { file: string };
type Surface = Record<string, Entry>;

const root = fileURLToPath(new URL('..', import.meta.url));
const surface = apiSurface() as Surface;
const pinned = JSON.parse(readFileSync(SURFACE_FILE, 'utf8')) as Surface;
const names = (specifier: string): string[] => {
  const e = surface[specifier];
  if (e === undefined || 'file' in e) throw new Error(`${specifier} is not a code entry`);
  return [...e.runtime, ...e.types];
};

describe('public API surface', () => {
  it('matches test/api-surface.json', () => {
    const changes = surfaceChanges(pinned, surface) as string[];
    expect(changes, changesMessage(changes) as string).toEqual([]);
  });

  it('covers every entry of every package.json exports map', () => {
    const expected: string[] = [];
    for (const dir of [
      'cli',
      'core',
      'detectors-defender',
      'reporter-markdown',
      'reporter-sarif',
      'sigma',
      'sigmahq',
      'kql',
      'state',
      'stream',
      'narrative',
    ]) {
      const m = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as {
        name: string;
        exports: Record<string, unknown>;
      };
      for (const sub of Object.keys(m.exports)) expected.push(sub === '.' ? m.name : `${m.name}${sub.slice(1)}`);
    }
    expect(Object.keys(surface).sort()).toEqual(expected.sort());
  });

  it('says what was added, removed and moved, and how to accept it', () => {
    const before: Surface = {
      '@x/a': { runtime: ['analyze', 'parseTimestamp'], types: ['Alert', 'Thing'] },
      '@x/a/schema.json': { file: './schema.json' },
    };
    const after: Surface = {
      '@x/a': { runtime: ['analyze', 'Thing'], types: ['Alert', 'NewType'] },
      '@x/a/unstable': { runtime: ['parseTimestamp'], types: [] },
    };
    const lines = surfaceChanges(before, after) as string[];
    expect(lines).toEqual([
      '~ @x/a: Thing (type → runtime)',
      '+ @x/a: NewType (type)',
      '- @x/a: parseTimestamp (runtime)',
      '- @x/a/schema.json: entry removed (file ./schema.json)',
      '+ @x/a/unstable: new entry',
      '+ @x/a/unstable: parseTimestamp (runtime)',
    ]);
    const message = changesMessage(lines) as string;
    expect(message).toContain('node scripts/api-surface.mjs --write');
    expect(message).toContain('changeset');
    expect(message).toContain('  - @x/a: parseTimestamp (runtime)');
    expect(surfaceChanges(before, before)).toEqual([]);
  });

  it('keeps plumbing off the root of @tripline/core: it is on @tripline/core/unstable, which the root does not repeat', () => {
    const rootNames = names('@tripline/core');
    const unstable = names('@tripline/core/unstable');
    for (const plumbing of [
      'diagnostic',
      'codesOfKind',
      'isCatalogCode',
      'templatePlaceholders',
      'hasUnsafeNumber',
      'parseJsonExact',
      'parseJsonColumn',
      'normalizeRow',
      'isRowProblem',
      'canonicalTimeZone',
      'compareInstants',
      'parseTimestamp',
      'severityRank',
      'maxSeverity',
      'tableSchema',
      'tableSchemas',
      'ingest',
    ]) {
      expect(rootNames, plumbing).not.toContain(plumbing);
      expect(unstable, plumbing).toContain(plumbing);
    }
    expect(rootNames.filter((n) => unstable.includes(n))).toEqual([]);
    expect(names('@tripline/core/testing')).toContain('validateDetector');
  });

  it('keeps on the root what users are shown', () => {
    const rootNames = names('@tripline/core');
    for (const name of [
      'analyze',
      'createAnalyzer',
      'Analyzer',
      'AnalyzerEvents',
      'AnalyzeOptions',
      'RunConfig',
      'fromFile',
      'fromStream',
      'fromString',
      'fromIterable',
      'INPUT_FORMATS',
      'defineDetector',
      'Detector',
      'TriplineError',
      'isTriplineError',
      'ERROR_CODES',
      'Alert',
      'AnalysisResult',
      'toJsonReport',
      'stringifyReport',
      'reportJsonSchema',
      'MdeEvent',
      'TABLE_NAMES',
      'TABLE_COLUMNS',
      'SEVERITIES',
      'Severity',
    ]) {
      expect(rootNames, name).toContain(name);
    }
  });

  it('documents @tripline/core/unstable as changing in any release', () => {
    const text = readFileSync(join(root, 'packages/core/src/unstable.ts'), 'utf8');
    expect(text).toContain('@packageDocumentation');
    expect(text).toMatch(/may change or disappear in any release/);
  });
});

describe('scripts/api-surface.mjs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-api-surface-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads each exports entry from its source, and tells runtime names from type-only ones', () => {
    mkdirSync(join(dir, 'packages', 'p', 'src'), { recursive: true });
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true } }));
    writeFileSync(
      join(dir, 'packages', 'p', 'package.json'),
      JSON.stringify({
        name: '@x/p',
        exports: {
          '.': { import: { types: './dist/index.d.ts', default: './dist/index.js' } },
          './extra': {
            require: { types: './dist/extra.d.cts', default: './dist/extra.cjs' },
            types: './dist/extra.d.ts',
          },
          './data.json': './data.json',
        },
      }),
    );
    writeFileSync(
      join(dir, 'packages', 'p', 'src', 'impl.ts'),
      'export class Thing {}\nexport const VALUE = 1;\nexport interface Shape { a: number }\nexport function f(): void {}\n',
    );
    writeFileSync(
      join(dir, 'packages', 'p', 'src', 'index.ts'),
      "export { f, type Shape, Thing } from './impl.js';\nexport type { VALUE as Hidden } from './impl.js';\n",
    );
    writeFileSync(join(dir, 'packages', 'p', 'src', 'extra.ts'), "export type { Thing } from './impl.js';\n");
    expect(apiSurface(dir)).toEqual({
      '@x/p': { runtime: ['Thing', 'f'], types: ['Hidden', 'Shape'] },
      '@x/p/data.json': { file: './data.json' },
      '@x/p/extra': { runtime: [], types: ['Thing'] },
    });
  });
});
