import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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
  it.each([
    ['a literal', 'cmd.exe', 'suffix'],
    ['a literal with stars', '*\\cmd.exe*', 'exact'],
    ['a glob', 'users?bob*appdata', 'contains'],
  ] as const)('keeps neither the parts nor the folding function of %s in its matcher', async (_, written, anchor) => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // Made in a function: the test keeps only the pattern and weak references.
    const made = (() => {
      const fold = (s: string): string => s.toLowerCase();
      const parts = parseSigmaString(written);
      const pattern = compilePattern(parts, anchor, fold, written);
      return { pattern, fold: new WeakRef(fold), parts: new WeakRef(parts) };
    })();
    // A WeakRef keeps its target until the end of the job that made it.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(made.fold.deref()).toBeUndefined();
    expect(made.parts.deref()).toBeUndefined();
    expect(made.pattern.match('x c:\\users\\bob\\appdata\\cmd.exe y')).toBe(anchor !== 'suffix');
  });

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

describe('a value of one literal part', () => {
  it('compiles to its folded text under its anchor, matching as the glob of that anchor does', () => {
    const unit = fc.constantFrom('a', 'B', '-', '/', '\u2013', 'é', 'Σ', ' ');
    const anchors = ['exact', 'prefix', 'suffix', 'contains'] as const;
    const fold = (s: string) => normaliseDashes(s.toLowerCase());
    fc.assert(
      fc.property(
        fc.array(unit, { minLength: 1, maxLength: 6 }),
        fc.constantFrom(...anchors),
        fc.array(unit, { maxLength: 8 }),
        (p, anchor, t) => {
          const value = p.join('');
          const text = t.join('');
          const one = compilePattern(parseSigmaString(value), anchor, fold, value);
          expect(one.anchor).toBe(anchor);
          expect(one.text).toBe(fold(value));
          expect(one.written).toBe(value);
          expect(one.literals).toEqual([fold(value)]);
          const reference = { exact: '%s', prefix: '%s*', suffix: '*%s', contains: '*%s*' }[anchor];
          expect(one.match(fold(text))).toBe(
            globMatch(globCodes(parseSigmaString(reference.replace('%s', fold(value)))), fold(text)),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is parsed as the character-by-character reading gives (values with and without escapes)', () => {
    const reading = (value: string) => {
      const parts: { kind: string; text?: string }[] = [];
      let text = '';
      for (let i = 0; i < value.length; i++) {
        const c = value[i]!;
        const next = value[i + 1];
        if (c === '\\' && (next === '*' || next === '?' || next === '\\')) {
          text += next;
          i++;
        } else if (c === '*' || c === '?') {
          if (text) parts.push({ kind: 'text', text });
          text = '';
          if (c === '?' || parts.at(-1)?.kind !== 'any') parts.push({ kind: c === '*' ? 'any' : 'one' });
        } else text += c;
      }
      if (text) parts.push({ kind: 'text', text });
      return parts;
    };
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', '\\', '*', '?', ' '), { maxLength: 8 }), (p) => {
        const value = p.join('');
        expect(parseSigmaString(value)).toEqual(reading(value));
      }),
      { numRuns: 3000 },
    );
  });
});
