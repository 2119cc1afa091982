import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutcomeKeys } from './outcome-key.js';

/** The plain key the numbers stand for: equal parts, equal keys. */
const plain = (rule: number, platform: number, ids: readonly number[]) => `${rule}.${platform}.${ids.join('.')}`;

describe('keys of the memo of outcomes', () => {
  for (const ruleCount of [1, 7, 1793, 2 ** 20]) {
    it(`are one-to-one, numbers exact, over ${ruleCount} rule(s)`, () => {
      // Each rule reads a fixed number of views (1 to 4), as in the family.
      const arity = (rule: number) => (rule % 4) + 1;
      const keys = new OutcomeKeys(ruleCount, 4);
      // Ids around the radix of each arity (2^k for k up to 49) as well as small ones.
      const id = fc.oneof(
        fc.nat(40),
        fc.integer({ min: 0, max: 49 }).chain((k) => fc.integer({ min: Math.max(0, 2 ** k - 3), max: 2 ** k + 3 })),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      );
      const part = fc.record({
        rule: fc.nat(ruleCount - 1),
        platform: fc.nat(3),
        ids: fc.array(id, { minLength: 4, maxLength: 4 }),
      });
      fc.assert(
        fc.property(fc.array(part, { minLength: 2, maxLength: 40 }), (parts) => {
          const byKey = new Map<number | string, string>();
          for (const p of parts) {
            const ids = p.ids.slice(0, arity(p.rule));
            const k = keys.key(p.rule, p.platform, Float64Array.from(p.ids), ids.length);
            if (typeof k === 'number') {
              expect(Number.isSafeInteger(k)).toBe(true);
              expect(k).toBeLessThan(2 ** 52);
            } else expect(k).toBe(plain(p.rule, p.platform, ids));
            const was = byKey.get(k);
            if (was !== undefined) expect(was).toBe(plain(p.rule, p.platform, ids));
            byKey.set(k, plain(p.rule, p.platform, ids));
          }
          // Distinct parts, distinct keys.
          expect(byKey.size).toBe(
            new Set(parts.map((p) => plain(p.rule, p.platform, p.ids.slice(0, arity(p.rule))))).size,
          );
        }),
        { numRuns: 300 },
      );
    });
  }

  it('tells apart ids in another order, and the platform from the ids', () => {
    const keys = new OutcomeKeys(3, 4);
    expect(keys.key(1, 0, [4, 5], 2)).not.toBe(keys.key(1, 0, [5, 4], 2));
    expect(keys.key(1, 1, [4, 5], 2)).not.toBe(keys.key(1, 0, [4, 5], 2));
    expect(keys.key(0, 0, [4], 1)).not.toBe(keys.key(1, 0, [4], 1));
    expect(typeof keys.key(2, 3, [7, 8, 9, 10], 4)).toBe('number');
  });

  it('falls back to the string of the parts when an id reaches the radix', () => {
    // 2^20 rules: 30 bits for the ids, 15 for each of two.
    const keys = new OutcomeKeys(2 ** 20, 4);
    expect(typeof keys.key(5, 1, [2 ** 15 - 1, 3], 2)).toBe('number');
    expect(keys.key(5, 1, [2 ** 15, 3], 2)).toBe('5.1.32768.3');
    expect(keys.key(5, 1, [3, 2 ** 32 - 1], 2)).toBe(`5.1.3.${2 ** 32 - 1}`);
  });
});
