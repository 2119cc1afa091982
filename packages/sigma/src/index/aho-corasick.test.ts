import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AhoCorasick, DENSE_DEPTH } from './aho-corasick.js';

/** What the automaton must answer: the ids of the needles `includes` finds. */
function naive(needles: readonly string[], text: string): number[] {
  const out: number[] = [];
  needles.forEach((n, i) => {
    if (text.includes(n)) out.push(i);
  });
  return out;
}

// Small alphabets make overlaps, shared prefixes and suffix chains likely; the wide one covers
// code units beyond ASCII (the root's direct table) and lone surrogates.
const small = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 6 });
const wide = fc.string({
  unit: fc.constantFrom('a', 'b', '-', '/', 'é', 'ß', '\u2013', '\ud83d', '\ude00', 'z', '\\'),
  maxLength: 8,
});

describe('AhoCorasick', () => {
  it('finds exactly the needles includes finds (small alphabet)', () => {
    fc.assert(
      fc.property(
        fc.array(small, { maxLength: 25 }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 60 }),
        (needles, text) => {
          expect(AhoCorasick.build(needles).matches(text)).toEqual(naive(needles, text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('finds exactly the needles includes finds (UTF-16 code units beyond ASCII)', () => {
    fc.assert(
      fc.property(
        fc.array(wide, { maxLength: 30 }),
        fc.array(
          fc.string({
            unit: fc.constantFrom('a', 'b', '-', '/', 'é', 'ß', '\u2013', '\ud83d', '\ude00', 'z', '\\'),
            maxLength: 80,
          }),
          { minLength: 1, maxLength: 4 },
        ),
        (needles, texts) => {
          const ac = AhoCorasick.build(needles);
          // The same automaton scanned many times: stamps of earlier scans never hide a needle.
          for (const text of texts) expect(ac.matches(text)).toEqual(naive(needles, text));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('with mergeWide, finds every needle includes finds, and exactly those on ASCII', () => {
    fc.assert(
      fc.property(
        fc.array(wide, { maxLength: 30 }),
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', '-', 'é', 'ß', '\u2013', 'z'), maxLength: 60 }), {
          minLength: 1,
          maxLength: 3,
        }),
        (needles, texts) => {
          const ac = AhoCorasick.build(needles, true);
          for (const text of texts) {
            const got = ac.matches(text);
            for (const id of naive(needles, text)) expect(got).toContain(id);
            const ascii = (s: string) => /^[\x00-\x7f]*$/.test(s);
            if (ascii(text))
              expect(got.filter((id) => ascii(needles[id]!))).toEqual(
                naive(needles, text).filter((id) => ascii(needles[id]!)),
              );
          }
        },
      ),
      { numRuns: 500 },
    );
    // Needles of several scripts share one column: a run of two non-ASCII units stands for both.
    const merged = AhoCorasick.build(['жф', 'ßé', 'ab'], true);
    expect(merged.matches('xжyabé')).toEqual([2]);
    expect(merged.matches('жé')).toEqual([0, 1]);
    expect(AhoCorasick.build(['жф', 'ßé', 'ab']).matches('жé')).toEqual([]);
  });

  it('reports each needle once per scan, duplicates and the empty needle included', () => {
    const ac = AhoCorasick.build(['he', 'she', 'his', 'hers', '', 'he', 'ushe']);
    const seen: number[] = [];
    ac.scan('ushers and he and she', (id) => {
      seen.push(id);
    });
    expect([...seen].sort()).toEqual([0, 1, 3, 4, 5, 6]);
    expect(new Set(seen).size).toBe(seen.length);
    expect(ac.matches('')).toEqual([4]);
    expect(ac.size).toBe(7);
  });

  it('stops when the callback says so', () => {
    const ac = AhoCorasick.build(['a', 'b', 'c']);
    const seen: number[] = [];
    ac.scan('abc', (id) => {
      seen.push(id);
      return true;
    });
    expect(seen).toEqual([0]);
  });

  it('scans a long adversarial text in one pass (no quadratic suffix walks)', () => {
    // Needles a, aa, …, a^200 and a text of 64K a's: every position ends 200 needles, yet each is
    // reported once, and the chain walk stops at states already reported.
    const needles = Array.from({ length: 200 }, (_, i) => 'a'.repeat(i + 1));
    const ac = AhoCorasick.build(needles);
    let calls = 0;
    ac.scan('a'.repeat(65536), () => {
      calls++;
    });
    expect(calls).toBe(200);
  });

  it('answers alike whatever depth the complete rows stop at (deep states follow edges and failure links)', () => {
    fc.assert(
      fc.property(
        fc.array(small, { maxLength: 25 }),
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 60 }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.constantFrom(0, 1, 2, 3, 100),
        (needles, texts, denseDepth) => {
          const ac = AhoCorasick.build(needles, false, denseDepth);
          for (const text of texts) expect(ac.matches(text)).toEqual(naive(needles, text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps complete rows only for the states near the root', () => {
    // 200 needles of 40 distinct units each: ≈ 8,000 states, a 60-class alphabet.
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWX';
    const needles = Array.from({ length: 200 }, (_, i) =>
      Array.from({ length: 40 }, (_, j) => alphabet[(i * 7 + j * 13 + ((i * j) % 5)) % alphabet.length]).join(''),
    );
    const sparse = AhoCorasick.build(needles);
    const dense = AhoCorasick.build(needles, false, 100);
    expect(sparse.states).toBe(dense.states);
    expect(dense.denseStates).toBe(dense.states);
    // The root, its children and theirs: at most 1 + 200 + 200 states.
    expect(sparse.denseStates).toBeLessThanOrEqual(1 + 2 * needles.length);
    expect(sparse.bytes * 3).toBeLessThan(dense.bytes);
    expect(DENSE_DEPTH).toBe(2);
    const text = `${needles[17]}${needles[3]!.slice(5)}${needles[190]}`;
    expect(sparse.matches(text)).toEqual(dense.matches(text));
    expect(sparse.matches(text)).toEqual(naive(needles, text));
  });
});
