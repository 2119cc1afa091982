import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const TEXT = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');

/** The prose of a Markdown file: fenced blocks (the Mermaid chart, the folder tree) left out. */
export function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm, '');
}

/** Inline code that names a file or folder of the repository: `packages/…`, `docs/…`, `.changeset/` … */
export function namedPaths(markdown: string): string[] {
  const out = new Set<string>();
  for (const m of prose(markdown).matchAll(/`([^`\n]+)`/g)) {
    const text = m[1] as string;
    if (/^(?:packages|scripts|docs|examples|test|bench|\.changeset)\/[^\s<>*]*$/.test(text)) out.add(text);
    else if (/^[\w.-]+\.(?:json|ts|mjs|md)$/.test(text) && existsSync(join(root, text))) out.add(text);
  }
  return [...out].sort();
}

/** "`name` in `path`": a symbol the text says a file holds. */
export function namedSymbols(markdown: string): [symbol: string, path: string][] {
  const out: [string, string][] = [];
  for (const m of prose(markdown).matchAll(/`([A-Za-z_$][\w$]*)` in\s+`([^`\n]+)`/g)) {
    out.push([m[1] as string, m[2] as string]);
  }
  return out;
}

/** Whether `source` declares `name` (function, class, const, let, interface, type, enum). */
export function declares(source: string, name: string): boolean {
  return new RegExp(`\\b(?:function\\*?|class|const|let|interface|type|enum)\\s+${name.replace(/\$/g, '\\$')}\\b`).test(
    source,
  );
}

describe('ARCHITECTURE.md', () => {
  it('has a "Where to add X" section with a recipe for each kind of addition', () => {
    expect(TEXT).toContain('## Where to add X');
    for (const heading of ['An input format', 'A detector', 'A rule', 'An output format', 'A field of the alert']) {
      expect(TEXT).toContain(`### ${heading}`);
    }
  });

  it('the checks see paths and symbols, and not code blocks', () => {
    const sample = [
      'Edit `packages/nope/x.ts` and `vitest.config.ts`; `npm run x` and `@tripline/core` are no paths.',
      '`detectFormat` in `packages/core/src/internal/ingest/detect.ts`.',
      '```',
      '`packages/in-a-fence.ts`',
      '```',
    ].join('\n');
    expect(namedPaths(sample)).toEqual([
      'packages/core/src/internal/ingest/detect.ts',
      'packages/nope/x.ts',
      'vitest.config.ts',
    ]);
    expect(namedSymbols(sample)).toEqual([['detectFormat', 'packages/core/src/internal/ingest/detect.ts']]);
    expect(declares('export async function ingest(', 'ingest')).toBe(true);
    expect(declares('export function ingestAll(', 'ingest')).toBe(false);
  });

  it('every file and folder it names exists', () => {
    const paths = namedPaths(TEXT);
    expect(paths.length).toBeGreaterThan(20);
    const missing = paths.filter((p) => {
      if (!existsSync(join(root, p))) return true;
      return p.endsWith('/') && !statSync(join(root, p)).isDirectory();
    });
    expect(missing).toEqual([]);
  });

  it('every "`name` in `path`" names something that file declares', () => {
    const pairs = namedSymbols(TEXT);
    expect(pairs.length).toBeGreaterThan(10);
    const wrong = pairs
      .filter(
        ([name, path]) => !existsSync(join(root, path)) || !declares(readFileSync(join(root, path), 'utf8'), name),
      )
      .map(([name, path]) => `${name} in ${path}`);
    expect(wrong).toEqual([]);
  });

  it('the flow chart shows the decode step, per-input failures and the local-time conversion', () => {
    const chart = /```mermaid\n([\s\S]*?)```/.exec(TEXT)?.[1] ?? '';
    expect(chart).toMatch(/decode<br\/>.*gzip/);
    expect(chart).toContain('UTF-16');
    expect(chart).toContain('input-failed');
    expect(chart).toMatch(/local times → UTC/);
    expect(existsSync(join(root, 'packages/core/src/internal/ingest/decode.ts'))).toBe(true);
  });
});
