import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern, globCodes, globMatch, normaliseDashes, parseSigmaString, WINDASH_CHARS } from './strings.js';

const lower = (s: string) => s.toLowerCase();

describe('Sigma escapes', () => {
  it.each([
    ['a\\*b', [{ kind: 'text', text: 'a*b' }]],
    ['a\\?b', [{ kind: 'text', text: 'a?b' }]],
    ['C:\\Windows\\', [{ kind: 'text', text: 'C:\\Windows\\' }]],
    ['\\\\server', [{ kind: 'text', text: '\\server' }]],
    ['a\\\\*', [{ kind: 'text', text: 'a\\' }, { kind: 'any' }]],
    ['a\\\\\\*', [{ kind: 'text', text: 'a\\*' }]],
    ['\\\\\\\\x', [{ kind: 'text', text: '\\\\x' }]],
    ['\\\\\\x', [{ kind: 'text', text: '\\\\x' }]],
    ['a*?b', [{ kind: 'text', text: 'a' }, { kind: 'any' }, { kind: 'one' }, { kind: 'text', text: 'b' }]],
  ])('%j', (written, parts) => {
    expect(parseSigmaString(written)).toEqual(parts);
  });
});

describe('compilePattern', () => {
  it('turns leading/trailing stars into anchors and keeps inner wildcards a glob', () => {
    expect(compilePattern(parseSigmaString('*\\cmd.exe'), 'exact', lower, '').anchor).toBe('suffix');
    expect(compilePattern(parseSigmaString('cmd*'), 'exact', lower, '').anchor).toBe('prefix');
    expect(compilePattern(parseSigmaString('*cmd*'), 'exact', lower, '').anchor).toBe('contains');
    const g = compilePattern(parseSigmaString('C:\\Users\\\\*\\AppData'), 'contains', lower, 'w');
    expect(g.anchor).toBe('glob');
    expect(g.literals).toEqual(['c:\\users\\', '\\appdata']);
    expect(g.match('x c:\\users\\bob\\appdata\\y')).toBe(true);
    expect(g.match('c:\\users\\bob')).toBe(false);
    const escaped = compilePattern(parseSigmaString('a\\*b'), 'exact', lower, '');
    expect(escaped).toMatchObject({ anchor: 'exact', text: 'a*b' });
    expect(escaped.match('a*b')).toBe(true);
    expect(escaped.match('axb')).toBe(false);
  });

  it('folds once at compile time', () => {
    const p = compilePattern(parseSigmaString('\\PowerShell.EXE'), 'suffix', lower, '\\PowerShell.EXE');
    expect(p.text).toBe('\\powershell.exe');
    expect(p.match('c:\\windows\\powershell.exe')).toBe(true);
  });
});

/** A reference glob: a RegExp built from our own parts (escaped), only in tests, on short strings. */
function reference(pattern: string, text: string): boolean {
  const src = [...pattern]
    .map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${src}$`).test(text);
}

describe('globMatch', () => {
  it('equals a reference matcher on short strings', () => {
    const alphabet = fc.constantFrom('a', 'b', '*', '?');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }),
        fc.array(fc.constantFrom('a', 'b'), { maxLength: 10 }),
        (p, t) => {
          const pattern = p.join('');
          const text = t.join('');
          return globMatch(globCodes(parseSigmaString(pattern)), text) === reference(pattern, text);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('stays fast on a hostile text', () => {
    const codes = globCodes(parseSigmaString('*a*a*a*a*a*a*b'));
    const text = 'a'.repeat(65_536);
    const t0 = performance.now();
    expect(globMatch(codes, text)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

/** The specification's windash: every permutation of the five dash characters at each dash position. */
function expand(pattern: string): string[] {
  let out = [''];
  for (const c of pattern) {
    out = (WINDASH_CHARS as readonly string[]).includes(c)
      ? out.flatMap((o) => WINDASH_CHARS.map((d) => o + d))
      : out.map((o) => o + c);
  }
  return out;
}

describe('windash by normalisation', () => {
  it('equals the explicit permutation expansion of the specification', () => {
    const ch = fc.constantFrom('a', 'b', ' ', ...WINDASH_CHARS);
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 4 }), fc.array(ch, { maxLength: 8 }), (p, t) => {
        const pattern = p.join('');
        const text = t.join('');
        const byExpansion = expand(pattern).some((x) => text.includes(x));
        const byNormalisation = normaliseDashes(text).includes(normaliseDashes(pattern));
        return byExpansion === byNormalisation;
      }),
      { numRuns: 3000 },
    );
  });
});
