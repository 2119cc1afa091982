import { describe, expect, it } from 'vitest';
import type { EvidenceValue } from '../detector/types.js';
import { prng as random } from '../ingest/testkit.js';
import { type EvidencePlan, GroupAcc } from './group.js';
import { FEW_VALUES } from './slot.js';

/** A plan of one `distinct` field with `cap`. */
function plan(cap: number): EvidencePlan {
  return {
    names: ['v'],
    columns: [undefined],
    fns: [undefined],
    combines: ['distinct'],
    caps: [cap],
    labels: ['V'],
    index: new Map([['v', 0]]),
  };
}

/** What `distinct` keeps: the first `cap` distinct values in order; cut when another value came. */
function reference(values: readonly (EvidenceValue | readonly EvidenceValue[])[], cap: number) {
  const kept: EvidenceValue[] = [];
  let truncated = false;
  for (const x of values)
    for (const v of typeof x === 'object' ? x : [x]) {
      if (kept.includes(v)) continue;
      if (kept.length >= cap) truncated = true;
      else kept.push(v);
    }
  return { kept, truncated };
}

describe('distinct evidence under its cap', () => {
  it('keeps the first cap distinct values and says when more came, also once full (property, with save and restore)', () => {
    const few: EvidenceValue[] = ['a', 'b', 'c', 'a'.repeat(3), 'd', 1, 2, true, false, '1'];
    // More values than a slot keeps in a list before it makes a Set (FEW_VALUES).
    const many: EvidenceValue[] = [...few, ...Array.from({ length: FEW_VALUES + 8 }, (_, i) => `value ${i}`)];
    for (let seed = 1; seed <= 400; seed++) {
      const next = random(seed);
      const pool = seed % 2 === 0 ? few : many;
      const cap = 1 + Math.floor(next() * (seed % 2 === 0 ? 4 : FEW_VALUES + 8));
      const n = Math.floor(next() * (seed % 2 === 0 ? 40 : 120));
      const values: (EvidenceValue | EvidenceValue[])[] = [];
      for (let i = 0; i < n; i++) {
        // Fresh strings (not the pool's objects), as rows give them; now and then a list of values.
        const one = () => {
          const v = pool[Math.floor(next() * pool.length)]!;
          return typeof v === 'string' ? [...v].join('') : v;
        };
        values.push(next() < 0.2 ? [one(), one()] : one());
      }
      const cut = Math.floor(next() * (n + 1));
      let g = new GroupAcc('t/d', 'dev', 'k', 'low', 5, false);
      for (let i = 0; i < n; i++) {
        if (i === cut) {
          // A later batch goes on from the saved state exactly as if it had seen the matches itself.
          const saved = JSON.parse(JSON.stringify(g.save(() => [] as never)));
          g = new GroupAcc('t/d', 'dev', 'k', 'low', 5, false);
          g.restore(saved, () => undefined as never);
        }
        expect(g.combine(0, 'distinct', cap, values[i]!, 1000 + i, 0)).toBe(true);
      }
      const want = reference(values, cap);
      const { evidence, truncated } = g.evidenceView(plan(cap));
      expect({ seed, kept: evidence.v, truncated: truncated.has('v') }).toEqual({
        seed,
        kept: want.kept,
        truncated: want.truncated,
      });
    }
  });
});

describe('distinct evidence of one value, then of a few', () => {
  type SlotView = { set: Set<EvidenceValue> | undefined; few: EvidenceValue[] | undefined };
  it('holds no list until a second value comes, and saves the value as a list of one', () => {
    const g = new GroupAcc('t/d', 'dev', 'k', 'low', 5, false);
    const slot = () => (g as unknown as { slots: SlotView[] }).slots[0]!;
    const saved = () => JSON.parse(JSON.stringify(g.save(() => [] as never))).sl as unknown[][];
    for (const v of ['a', 'a', ['a']]) expect(g.combine(0, 'distinct', 3, v, 1000, 0)).toBe(true);
    expect(slot().set).toBeUndefined();
    expect(slot().few).toBeUndefined();
    expect(g.evidenceView(plan(3)).evidence.v).toEqual(['a']);
    expect(saved()[0]![0]).toEqual(['a']);
    g.combine(0, 'distinct', 3, 'b', 1001, 0);
    expect(slot().few).toEqual(['a', 'b']);
    expect(slot().set).toBeUndefined();
    expect(saved()[0]![0]).toEqual(['a', 'b']);
    // Restored from a list of one: no list again, and the next value still joins it.
    const back = new GroupAcc('t/d', 'dev', 'k', 'low', 5, false);
    back.restore(
      { ...JSON.parse(JSON.stringify(g.save(() => [] as never))), sl: [[['a'], 0, null, 0, 0, 0, 0]] },
      () => undefined as never,
    );
    expect((back as unknown as { slots: SlotView[] }).slots[0]!.few).toBeUndefined();
    back.combine(0, 'distinct', 3, 'c', 1002, 0);
    expect(back.evidenceView(plan(3)).evidence.v).toEqual(['a', 'c']);
  });

  it(`keeps up to ${FEW_VALUES} values in a list, then a Set in the same order; a restored list takes new values`, () => {
    const g = new GroupAcc('t/d', 'dev', 'k', 'low', 5, false);
    const slot = () => (g as unknown as { slots: SlotView[] }).slots[0]!;
    const cap = FEW_VALUES + 4;
    // Fresh strings each time (as parsed rows give them), every value twice, NaN among them.
    const values: EvidenceValue[] = [Number.NaN];
    for (let i = 1; i < FEW_VALUES + 2; i++) values.push(`v${i}`);
    values.forEach((v, i) => {
      g.combine(0, 'distinct', cap, typeof v === 'string' ? [...v].join('') : v, 1000, 0);
      g.combine(0, 'distinct', cap, typeof v === 'string' ? [...v].join('') : v, 1000, 0);
      // (NaN is not === to itself: its second coming already makes a list of it.)
      if (i < FEW_VALUES) expect(slot().few).toHaveLength(i + 1);
      else expect(slot().few).toBeUndefined();
    });
    expect(slot().few).toBeUndefined();
    expect([...slot().set!]).toEqual(values);
    expect(g.evidenceView(plan(cap)).evidence.v).toEqual(values);
    // A list restored from saved state holds its values and goes on from them.
    const back = new GroupAcc('t/d', 'dev', 'k', 'low', 5, false);
    back.restore(
      { ...JSON.parse(JSON.stringify(g.save(() => [] as never))), sl: [[['x', 'y'], 0, null, 0, 0, 0, 0]] },
      () => undefined as never,
    );
    for (const v of ['y', 'x', 'z', 'y']) back.combine(0, 'distinct', 3, v, 1000, 0);
    expect(back.evidenceView(plan(3)).evidence.v).toEqual(['x', 'y', 'z']);
    back.combine(0, 'distinct', 3, 'w', 1000, 0);
    expect(back.evidenceView(plan(3)).truncated.has('v')).toBe(true);
  });
});
