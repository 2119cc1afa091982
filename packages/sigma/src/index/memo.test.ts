import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedMemo, NumberKeyedMemo } from './memo.js';

describe('BoundedMemo', () => {
  it('keeps values within its bounds: too long a key is not kept, a full memo is emptied', () => {
    const memo = new BoundedMemo<number>({ entries: 3, chars: 12, maxLength: 6 });
    memo.set('abcdefg', 1);
    expect(memo.get('abcdefg')).toBeUndefined();
    memo.set('a', 1);
    memo.set('b', 2);
    expect(memo.get('a')).toBe(1);
    expect(memo.get('b')).toBe(2);
    expect(memo.get('a')).toBe(1);
    memo.set('c', 3);
    expect(memo.size).toBe(3);
    // Full (3 keys) after 3 hits: emptied, and it keeps going (it paid).
    memo.set('d', 4);
    expect(memo.size).toBe(1);
    expect(memo.get('a')).toBeUndefined();
    expect(memo.get('d')).toBe(4);
    // 12 code units in all.
    memo.set('eeeeee', 5);
    expect(memo.get('eeeeee')).toBe(5);
    memo.set('ffffff', 6);
    expect(memo.get('d')).toBeUndefined();
    expect(memo.get('ffffff')).toBe(6);
  });

  it('rests after it did not pay (values that do not repeat), then tries again', () => {
    const memo = new BoundedMemo<number>({ entries: 4, chars: 1000, maxLength: 100 });
    let lookups = 0;
    let stored = 0;
    for (let i = 0; i < 200; i++) {
      if (!memo.ready()) continue;
      lookups++;
      if (memo.get(`value ${i}`) === undefined) {
        memo.set(`value ${i}`, i);
        stored++;
      }
    }
    // Fill 4, empty and rest 32 lookups, fill 4 again…: about one value in nine is looked up.
    expect(lookups).toBeLessThan(200 / 4);
    expect(stored).toBe(lookups);
    // Repeating values after a rest: the memo answers again.
    const again = new BoundedMemo<number>({ entries: 2, chars: 1000, maxLength: 100 });
    again.set('x', 1);
    again.set('y', 2);
    again.set('z', 3); // emptied without a hit: rests 16 lookups
    let ready = 0;
    for (let i = 0; i < 16; i++) if (again.ready()) ready++;
    expect(ready).toBe(0);
    expect(again.ready()).toBe(true);
    again.set('x', 1);
    expect(again.get('x')).toBe(1);
  });
});

describe('NumberKeyedMemo', () => {
  it('holds number keys up to 2^52 and string keys, and empties itself at its bounds', () => {
    const memo = new NumberKeyedMemo<string>({ entries: 4, chars: 64, maxLength: 10 });
    memo.set(0, 'zero');
    memo.set(2 ** 52 - 1, 'top');
    memo.set('0', 'text zero');
    expect(memo.get(0)).toBe('zero');
    expect(memo.get(2 ** 52 - 1)).toBe('top');
    expect(memo.get(2 ** 52 - 2)).toBeUndefined();
    // A number and the string of its digits are different keys.
    expect(memo.get('0')).toBe('text zero');
    expect(memo.get(1)).toBeUndefined();
    memo.set('much too long', 'x');
    expect(memo.get('much too long')).toBeUndefined();
    memo.set(7, 'seven');
    expect(memo.get(7)).toBe('seven');
    expect(memo.size).toBe(4);
    // Full after 4 hits: emptied, and it keeps going.
    memo.set(8, 'eight');
    expect(memo.size).toBe(1);
    expect(memo.get(0)).toBeUndefined();
    expect(memo.get('0')).toBeUndefined();
    expect(memo.get(8)).toBe('eight');
  });

  it('finds keys whose slots collide (keys that differ only above 32 bits, or by the table size)', () => {
    const memo = new NumberKeyedMemo<number>({ entries: 64, chars: 1 << 20, maxLength: 100 });
    const keys: number[] = [];
    for (let i = 0; i < 32; i++) keys.push(i * 2 ** 32 + 5, i * 128 + 3);
    for (const [n, k] of keys.entries()) memo.set(k, n);
    for (const [n, k] of keys.entries()) expect(memo.get(k)).toBe(n);
    expect(memo.get(32 * 2 ** 32 + 5)).toBeUndefined();
  });

  it('rests after it did not pay, like BoundedMemo', () => {
    const memo = new NumberKeyedMemo<number>({ entries: 2, chars: 1000, maxLength: 100 });
    memo.set(1, 1);
    memo.set(2, 2);
    memo.set(3, 3); // emptied without a hit: rests 16 lookups
    let ready = 0;
    for (let i = 0; i < 16; i++) if (memo.ready()) ready++;
    expect(ready).toBe(0);
    expect(memo.ready()).toBe(true);
    memo.set(1, 1);
    expect(memo.get(1)).toBe(1);
  });

  it('answers as BoundedMemo does for any sequence of lookups and stores of new keys', () => {
    const key = fc.oneof(
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 3 }).map((i) => 2 ** 52 - 1 - i * 2 ** 32),
      fc.constantFrom('a', 'bb', 'ccc', '0', '1'),
    );
    fc.assert(
      fc.property(
        fc.record({ entries: fc.integer({ min: 1, max: 8 }), chars: fc.integer({ min: 8, max: 64 }) }),
        fc.array(fc.tuple(key, fc.boolean()), { maxLength: 300 }),
        ({ entries, chars }, ops) => {
          const limits = { entries, chars, maxLength: 2 };
          const model = new BoundedMemo<number, number | string>(limits);
          const memo = new NumberKeyedMemo<number>(limits);
          ops.forEach(([k, ask], n) => {
            const ready = model.ready();
            expect(memo.ready()).toBe(ready);
            if (!ready) return;
            const want = model.get(k);
            expect(memo.get(k)).toBe(want);
            // The family stores a key only after a lookup missed it.
            if (want === undefined && ask) {
              model.set(k, n);
              memo.set(k, n);
            }
            expect(memo.size).toBe(model.size);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
