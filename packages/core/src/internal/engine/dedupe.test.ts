import { describe, expect, it } from 'vitest';
import { prng } from '../ingest/testkit.js';
import { DedupeWindow } from './dedupe.js';

type Id = [device: number, table: number, ms: number, ticks: number, reportId: string];

/** The obvious implementation: a set of text keys and a ring of the last `capacity` of them. */
class Ring {
  readonly keys = new Set<string>();
  readonly order: string[] = [];
  head = 0;
  constructor(readonly capacity: number) {}
  seen(key: string): boolean {
    if (this.capacity === 0) return false;
    if (this.keys.has(key)) return true;
    this.keys.add(key);
    if (this.order.length < this.capacity) this.order.push(key);
    else {
      this.keys.delete(this.order[this.head]!);
      this.order[this.head] = key;
      this.head = (this.head + 1) % this.capacity;
    }
    return false;
  }
}

/** The documented behaviour: one window for decimal ReportIds, one of the same size for the rest. */
class Model {
  readonly numeric: Ring;
  readonly other: Ring;
  constructor(capacity: number) {
    this.numeric = new Ring(capacity);
    this.other = new Ring(capacity);
  }
  seen(...id: Id): boolean {
    return (/^(?:0|[1-9]\d{0,29})$/.test(id[4]) ? this.numeric : this.other).seen(id.join('|'));
  }
  get size(): number {
    return this.numeric.keys.size + this.other.keys.size;
  }
}

describe('DedupeWindow', () => {
  it('finds a repeated identity and tells apart every field', () => {
    const w = new DedupeWindow(100);
    const base: Id = [3, 1, 1762473600000, 1234, '4127'];
    expect(w.seen(...base)).toBe(false);
    expect(w.seen(...base)).toBe(true);
    expect(w.seen(4, 1, 1762473600000, 1234, '4127')).toBe(false);
    expect(w.seen(3, 2, 1762473600000, 1234, '4127')).toBe(false);
    expect(w.seen(3, 1, 1762473600001, 1234, '4127')).toBe(false);
    expect(w.seen(3, 1, 1762473600000, 1235, '4127')).toBe(false);
    expect(w.seen(3, 1, 1762473600000, 1234, '4128')).toBe(false);
    expect(w.size).toBe(6);
  });

  it('keeps 64-bit ReportIds exact: neighbours beyond 2^53 are different rows', () => {
    const w = new DedupeWindow(100);
    expect(w.seen(0, 4, 1, 0, '639199803770463703')).toBe(false);
    expect(w.seen(0, 4, 1, 0, '639199803770463704')).toBe(false);
    expect(w.seen(0, 4, 1, 0, '639199803770463703')).toBe(true);
    // Same tail, different head; a 15-digit id against the 16-digit one that ends in its digits.
    expect(w.seen(0, 4, 1, 0, '5000000000000000')).toBe(false);
    expect(w.seen(0, 4, 1, 0, '5')).toBe(false);
    expect(w.seen(0, 4, 1, 0, '000000000000005')).toBe(false);
    expect(w.seen(0, 4, 1, 0, '1000000000000000005')).toBe(false);
    expect(w.seen(0, 4, 1, 0, '10000000000000005')).toBe(false);
    expect(w.seen(0, 4, 1, 0, '5000000000000000')).toBe(true);
    expect(w.seen(0, 4, 1, 0, '5')).toBe(true);
  });

  it('reads text, negative and leading-zero ReportIds by their text', () => {
    const w = new DedupeWindow(100);
    for (const id of ['abc', '-5', '007', '7', '1'.repeat(40)]) expect(w.seen(1, 0, 0, 0, id)).toBe(false);
    for (const id of ['abc', '-5', '007', '7', '1'.repeat(40)]) expect(w.seen(1, 0, 0, 0, id)).toBe(true);
  });

  it('forgets the oldest identity once the window is full', () => {
    const w = new DedupeWindow(3);
    for (const id of ['1', '2', '3']) expect(w.seen(0, 0, 0, 0, id)).toBe(false);
    expect(w.seen(0, 0, 0, 0, '1')).toBe(true);
    expect(w.seen(0, 0, 0, 0, '4')).toBe(false); // forgets 1
    expect(w.seen(0, 0, 0, 0, '1')).toBe(false); // so 1 is new again (and 2 is forgotten)
    expect(w.seen(0, 0, 0, 0, '3')).toBe(true);
    expect(w.seen(0, 0, 0, 0, '2')).toBe(false);
    expect(w.size).toBe(3);
  });

  it('a window of 0 remembers nothing', () => {
    const w = new DedupeWindow(0);
    expect(w.seen(0, 0, 0, 0, '1')).toBe(false);
    expect(w.seen(0, 0, 0, 0, '1')).toBe(false);
  });

  it('every identity still in the window is found, at every fill and wrap-around of the table', () => {
    // Sequential ids through small windows: probe runs cross the end of the table and deletions
    // shift entries back over it; after each row, each of the last `capacity` ids must be found.
    for (let capacity = 2; capacity < 40; capacity++) {
      const w = new DedupeWindow(capacity);
      let missing = 0;
      for (let n = 0; n < 3000; n++) {
        expect(w.seen(0, 0, 0, 0, String(n))).toBe(false);
        for (let k = Math.max(0, n - capacity + 1); k <= n; k++) if (!w.seen(0, 0, 0, 0, String(k))) missing++;
      }
      expect(missing, `window of ${capacity}`).toBe(0);
      expect(w.size).toBe(capacity);
    }
  });

  it('answers exactly as the obvious implementation over random streams (growth, wrap-around, deletions)', () => {
    for (const [capacity, seed] of [
      [1, 1],
      [7, 2],
      [8, 5],
      [13, 6],
      [64, 7],
      [1000, 3],
      [5000, 4],
    ] as const) {
      const rand = prng(seed);
      const w = new DedupeWindow(capacity);
      const m = new Model(capacity);
      // Few distinct values per field, so that repeats, near-misses and probe collisions are common.
      for (let n = 0; n < 40_000; n++) {
        const r = rand();
        const id: Id = [
          Math.floor(rand() * 4),
          Math.floor(rand() * 3),
          1762473600000 + Math.floor(rand() * 50) * 1000,
          Math.floor(rand() * 3),
          r < 0.05
            ? `x${Math.floor(rand() * 20)}`
            : r < 0.1
              ? `63919980377046${Math.floor(rand() * 9000) + 1000}`
              : String(Math.floor(rand() * 200)),
        ];
        const want = m.seen(...id);
        const got = w.seen(...id);
        if (got !== want) expect({ n, id, got }).toEqual({ n, id, got: want });
      }
      expect(w.size).toBe(m.size);
    }
  });
});
