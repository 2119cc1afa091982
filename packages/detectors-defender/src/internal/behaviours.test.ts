import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAY_FIND_HINTS, mayFind } from './behaviours.js';

/** What mayFind promises: the same answer as looking for every hint with `includes`. */
const naive = (text: string): boolean => MAY_FIND_HINTS.some((h) => text.includes(h));

describe('mayFind', () => {
  it('knows hints of one character and of several', () => {
    expect(MAY_FIND_HINTS).toContain('|');
    expect(MAY_FIND_HINTS.some((h) => h.length > 4)).toBe(true);
    expect(mayFind('a | b')).toBe(true);
    expect(mayFind('curl')).toBe(true);
    expect(mayFind('xcurlx')).toBe(true);
    expect(mayFind('cur')).toBe(false);
    expect(mayFind('')).toBe(false);
    expect(mayFind('/usr/bin/ls -la')).toBe(false);
  });

  it('finds a hint at the very end, after non-ASCII text, and split by nothing else', () => {
    for (const h of MAY_FIND_HINTS) {
      expect(mayFind(h), h).toBe(true);
      expect(mayFind(`é😀 ${h}`), h).toBe(true);
      expect(mayFind(`${h.slice(0, -1)}é${h.slice(-1)}`), h).toBe(naive(`${h.slice(0, -1)}é${h.slice(-1)}`));
    }
  });

  it('answers like includes() over every hint, on texts built from hint fragments', () => {
    const fragments = MAY_FIND_HINTS.flatMap((h) => [h, h.slice(0, 1), h.slice(1), h.slice(0, -1), h.slice(-2)]);
    const piece = fc.oneof(
      fc.constantFrom(...fragments.filter((f) => f !== '')),
      fc.constantFrom(' ', '\n', 'x', 'é', '😀', '\u0000', '/', '-'),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        expect(mayFind(text)).toBe(naive(text));
      }),
      { numRuns: 3000, seed: 20261128 },
    );
  });
});
