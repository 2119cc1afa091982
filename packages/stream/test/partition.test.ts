import { describe, expect, it } from 'vitest';
import { partitionOf } from '../src/partition.js';

describe('partitionOf', () => {
  it('is FNV-1a 32-bit over the UTF-8 bytes, modulo the partitions (fixed values every adapter shares)', () => {
    // FNV-1a reference values: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
    expect(partitionOf('', 2 ** 31)).toBe(0x811c9dc5 % 2 ** 31);
    expect(partitionOf('a', 2 ** 31)).toBe(0xe40c292c % 2 ** 31);
    expect(partitionOf('foobar', 2 ** 31)).toBe(0xbf9cf968 % 2 ** 31);
    expect(partitionOf('3db402e9217f30248e26406c0a48094b00a0062e', 4)).toBe(1);
    // UTF-8 bytes (c3 a9), not the UTF-16 code unit (e9 → 0x6c0b6c44).
    expect(partitionOf('é', 2 ** 31)).toBe(0x1e9de8c1 % 2 ** 31);
  });

  it('spreads device ids over the partitions and refuses a bad partition count', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[partitionOf(`${i.toString(16).padStart(40, '0')}`, 4)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
    expect(() => partitionOf('x', 0)).toThrow(RangeError);
    expect(() => partitionOf('x', 1.5)).toThrow(RangeError);
  });
});
