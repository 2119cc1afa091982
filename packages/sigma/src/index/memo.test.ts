import { describe, expect, it } from 'vitest';
import { BoundedMemo, NumberKeyMemo } from './memo.js';

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

describe('NumberKeyMemo', () => {
  it('answers as BoundedMemo does, lookup for lookup (numbers near 2^52, colliding slots, strings)', () => {
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    // Keys from a small pool so that values repeat; numbers of every size up to 2^52, and strings.
    const pool: (number | string)[] = [];
    for (let i = 0; i < 300; i++) {
      const r = next() % 4;
      if (r === 0) pool.push(i);
      else if (r === 1) pool.push(2 ** 52 - 1 - i * 4096);
      else if (r === 2) pool.push((next() % 2 ** 20) * 2 ** 32 + next());
      else pool.push(`${i}.${next() % 7}`);
    }
    for (const limits of [
      { entries: 64, chars: 4096, maxLength: 16 },
      { entries: 16, chars: 100, maxLength: 8 },
    ]) {
      const a = new NumberKeyMemo<number>(limits);
      const b = new BoundedMemo<number, number | string>(limits);
      let answered = 0;
      for (let step = 0; step < 20_000; step++) {
        // Stretches that repeat a few keys (the memo pays), stretches that do not (it rests).
        const key = step % 5000 < 2500 ? pool[next() % 40]! : pool[next() % pool.length]!;
        const ready = a.ready();
        expect(b.ready()).toBe(ready);
        if (!ready) continue;
        const got = a.get(key);
        expect(got).toBe(b.get(key));
        if (got === undefined) {
          a.set(key, step);
          b.set(key, step);
        } else answered++;
        expect(a.size).toBe(b.size);
      }
      expect(answered).toBeGreaterThan(50);
    }
  });

  it('keeps distinct keys that fall on one slot apart, and forgets them all when emptied', () => {
    const memo = new NumberKeyMemo<string>({ entries: 4, chars: 1000, maxLength: 100 });
    // 8 slots: among 9 keys two share a first slot; all found while the memo holds 4 of them.
    const keys = [0, 8, 16, 2 ** 40, 2 ** 40 + 8, 2 ** 52 - 8];
    for (const k of keys.slice(0, 4)) memo.set(k, `v${k}`);
    for (const k of keys.slice(0, 4)) expect(memo.get(k)).toBe(`v${k}`);
    expect(memo.get(keys[4]!)).toBeUndefined();
    memo.set('s', 'string key');
    expect(memo.size).toBe(1);
    expect(memo.get(0)).toBeUndefined();
    expect(memo.get('s')).toBe('string key');
  });
});
