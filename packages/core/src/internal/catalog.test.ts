import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CODE_CATALOG, type CodeKind, codesOfKind, diagnostic, isCatalogCode, type TriplineCode } from './catalog.js';
import { ERROR_CODES, isTriplineError, TriplineError } from './errors.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const ALL = Object.keys(CODE_CATALOG) as TriplineCode[];

/** Codes kept in the catalog (and in public constants) that this release never emits, with why. */
const RESERVED: Readonly<Partial<Record<TriplineCode, string>>> = {
  'attack-unknown': 'ERROR_CODES.ATTACK_UNKNOWN is public; unknown techniques in metadata are detector-invalid',
};

/** The TypeScript sources of every package but @tripline/sigma and @tripline/kql, tests left out. */
function sources(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) && entry.name !== 'catalog.ts')
        out.push({ file: relative(root, path), text: readFileSync(path, 'utf8') });
    }
  };
  // @tripline/sigma's `code`s are Sigma load-report reasons (SIGMA_REASONS, pinned by that package's
  // tests), and @tripline/kql's are export refusals, warnings and checker codes (KQL_REFUSALS,
  // KQL_WARNINGS, `TL-*` in packages/kql/src/ir.ts): vocabularies of their own, not codes of this catalog.
  for (const pkg of readdirSync(join(root, 'packages')))
    if (pkg !== 'sigma' && pkg !== 'kql') walk(join(root, 'packages', pkg, 'src'));
  return out;
}

/**
 * The codes the sources emit, found where a code is written: `code: '…'` (and `code: x ? '…' : '…'`),
 * `diagnostic('…'`, `detectorFailed(rt, '…'`, the rejection code of `reject(line, record, '…'`, and
 * `ERROR_CODES.NAME`. Each pattern is linear: no nested quantifiers.
 */
function emitted(): Map<string, { kind: CodeKind | 'any'; file: string }> {
  const found = new Map<string, { kind: CodeKind | 'any'; file: string }>();
  const add = (code: string, kind: CodeKind | 'any', file: string) => {
    if (!found.has(code) || found.get(code)?.kind === 'any') found.set(code, { kind, file });
  };
  const thrown = ERROR_CODES as Record<string, string>;
  for (const { file, text } of sources()) {
    for (const m of text.matchAll(/\bcode: '([^'\n]+)'/g)) add(m[1]!, 'any', file);
    for (const m of text.matchAll(/\bcode: [\w.]+ \? '([^'\n]+)' : '([^'\n]+)'/g)) {
      add(m[1]!, 'any', file);
      add(m[2]!, 'any', file);
    }
    for (const m of text.matchAll(/\bdiagnostic\(\s*'([^'\n]+)'/g)) add(m[1]!, 'diagnostic', file);
    for (const m of text.matchAll(/\bdetectorFailed\(\s*\w+,\s*'([^'\n]+)'/g)) add(m[1]!, 'diagnostic', file);
    for (const m of text.matchAll(/\breject\(\s*[\w.#| ]+,\s*[\w.#| ]+,\s*'([^'\n]+)'/g)) add(m[1]!, 'rejection', file);
    for (const m of text.matchAll(/\bERROR_CODES\.([A-Z_]+)/g))
      add(thrown[m[1]!] ?? `ERROR_CODES.${m[1]}`, 'thrown', file);
  }
  return found;
}

describe('the code catalog', () => {
  it('gives every code a kind, a one-line meaning, its doc anchor, and a level exactly when it is a diagnostic', () => {
    expect(ALL.length).toBeGreaterThan(30);
    for (const code of ALL) {
      const info = CODE_CATALOG[code];
      expect(info.code).toBe(code);
      expect(code).toMatch(/^[a-z]+(?:-[a-z]+)+$/);
      expect(info.doc).toBe(`docs/errors.md#${code}`);
      expect(info.meaning).toMatch(/^\S[^\n]*\.$/);
      if (info.kind === 'diagnostic') expect(['info', 'warning', 'error']).toContain(info.level);
      else expect('level' in info).toBe(false);
    }
  });

  it('derives the thrown-code constants from the catalog, one for each thrown code', () => {
    expect(Object.values(ERROR_CODES).sort()).toEqual([...codesOfKind('thrown')].sort());
  });

  it('holds every code the sources emit, with the kind of the place that emits it', () => {
    const found = emitted();
    expect(found.size).toBeGreaterThan(25); // the scan sees the emission sites at all
    const problems: string[] = [];
    for (const [code, { kind, file }] of found) {
      if (!isCatalogCode(code)) problems.push(`${file}: ${code} is not in the catalog`);
      else if (kind !== 'any' && CODE_CATALOG[code].kind !== kind)
        problems.push(`${file}: ${code} is emitted as a ${kind} code but catalogued as ${CODE_CATALOG[code].kind}`);
    }
    expect(problems).toEqual([]);
  });

  it('holds no code the sources never emit (apart from the reserved ones)', () => {
    const found = emitted();
    const unused = ALL.filter((c) => !found.has(c) && RESERVED[c] === undefined);
    expect(unused).toEqual([]);
    for (const c of Object.keys(RESERVED)) expect(found.has(c)).toBe(false);
  });

  it('makes diagnostics with the level the catalog gives their code, the given fields after it in order', () => {
    const d = diagnostic('input-truncated', {
      message: 'events.json.gz: gzip stream ends early',
      source: 'events.json.gz',
    });
    expect(Object.keys(d)).toEqual(['level', 'code', 'message', 'source']);
    expect(d.level).toBe('warning');
    for (const code of codesOfKind('diagnostic'))
      expect(diagnostic(code, { message: 'x' }).level).toBe(CODE_CATALOG[code].level);
  });

  it('tells catalog codes from other strings, by kind', () => {
    expect(isCatalogCode('malformed-json')).toBe(true);
    expect(isCatalogCode('malformed-json', 'rejection')).toBe(true);
    expect(isCatalogCode('malformed-json', 'diagnostic')).toBe(false);
    expect(isCatalogCode('toString')).toBe(false);
    expect(isCatalogCode('__proto__')).toBe(false);
    expect(isCatalogCode(42)).toBe(false);
  });
});

describe('docs/errors.md', () => {
  const text = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  const sections = [...text.matchAll(/^## `([^`\n]+)`$/gm)].map((m) => m[1]!);

  it('has one section per catalog code, and no other', () => {
    expect([...sections].sort()).toEqual([...ALL].sort());
    expect(new Set(sections).size).toBe(sections.length);
  });

  it('gives each section its kind, an example and what to do', () => {
    const parts = text.split(/^## `/m).slice(1);
    for (const part of parts) {
      const code = part.slice(0, part.indexOf('`')) as TriplineCode;
      const info = CODE_CATALOG[code];
      const kind =
        info.kind === 'diagnostic'
          ? `Diagnostic, level \`${info.level}\``
          : info.kind === 'thrown'
            ? 'Thrown'
            : 'Rejected row';
      expect(part, code).toContain(kind);
      if (RESERVED[code] === undefined) {
        expect(part, code).toMatch(/\*\*Example\*\*/);
        expect(part, code).toMatch(/\*\*What to do\*\*/);
      }
    }
  });
});

describe('TriplineError', () => {
  it('keeps instanceof for errors of this build, and a subclass keeps its own prototype check', () => {
    class Special extends TriplineError {}
    const plain = new TriplineError('option-invalid', 'maxLineBytes must be a positive integer');
    const special = new Special('option-invalid', 'x');
    expect(plain instanceof TriplineError).toBe(true);
    expect(plain instanceof Error).toBe(true);
    expect(special instanceof TriplineError).toBe(true);
    expect(special instanceof Special).toBe(true);
    expect(plain instanceof Special).toBe(false);
    expect(isTriplineError(special, 'option-invalid')).toBe(true);
    expect(new Error('x') instanceof TriplineError).toBe(false);
  });
});
