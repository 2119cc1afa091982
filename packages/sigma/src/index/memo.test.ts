import { describe, expect, it } from 'vitest';
import { BoundedMemo } from './memo.js';

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
