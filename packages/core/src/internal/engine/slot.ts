/** The combined state of one declared evidence field of one group, and numbers as the saved state writes them. */
import type { EvidenceValue } from '../detector/types.js';
import type { SlotRecord } from '../state/engine-state.js';

/** A number as JSON: finite numbers as they are, the others (`NaN`, `±Infinity`) as their text. */
export function numberOut(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}

/** {@link numberOut} read back. */
export function numberIn(n: number | string | null | undefined): number {
  return typeof n === 'number' ? n : Number(n);
}

/** Most `distinct` values a slot keeps in a list before it makes a Set of them. */
export const FEW_VALUES = 16;

/** Where `v` is in `list` by SameValueZero (a Set's equality: `NaN` is found), or -1. */
export function indexOfValue(list: readonly EvidenceValue[], v: EvidenceValue): number {
  if (typeof v === 'number' && Number.isNaN(v)) {
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      if (typeof x === 'number' && Number.isNaN(x)) return i;
    }
    return -1;
  }
  for (let i = 0; i < list.length; i++) if (list[i] === v) return i;
  return -1;
}

/** The combined state of one evidence field of one group. */
export class Slot {
  /**
   * `distinct`: the values kept, once there are more than {@link FEW_VALUES} (most slots only ever see
   * one value, many a few).
   */
  set: Set<EvidenceValue> | undefined;
  /** `distinct`: the values kept, in the order they came, while there are two to {@link FEW_VALUES}. */
  few: EvidenceValue[] | undefined;
  /**
   * `distinct`: the value last found in or added to `set` (it spares a lookup), or, while `set` is
   * undefined, the one value kept so far.
   */
  last: EvidenceValue | undefined = undefined;
  truncated = false;
  /** `first`/`last`/`min`/`max`: the value; `count`/`sum`: unused. */
  value: EvidenceValue | undefined = undefined;
  ms = 0;
  ticks = 0;
  /** `count`: matches that supplied a value; `sum`: the sum. */
  n = 0;
  /** A value was supplied (a `sum` of nothing is not shown). */
  seen = false;

  /** `distinct`: the values kept, in the order they came. */
  distinct(): EvidenceValue[] {
    if (this.set) return [...this.set];
    if (this.few) return [...this.few];
    return this.last !== undefined ? [this.last] : [];
  }

  save(): SlotRecord {
    return [
      this.set || this.few || this.last !== undefined ? this.distinct() : null,
      this.truncated ? 1 : 0,
      this.value === undefined ? null : this.value,
      numberOut(this.ms),
      this.ticks,
      numberOut(this.n),
      this.seen ? 1 : 0,
    ];
  }

  static restore(r: SlotRecord): Slot {
    const slot = new Slot();
    if (r[0] !== null && r[0].length === 1) slot.last = r[0][0];
    else if (r[0] !== null && r[0].length <= FEW_VALUES) {
      // A list needs its `last` (a slot with a list but no last would take the next value as its first).
      slot.few = [...r[0]];
      slot.last = r[0][r[0].length - 1];
    } else if (r[0] !== null) slot.set = new Set(r[0]);
    slot.truncated = r[1] === 1;
    if (r[2] !== null) slot.value = r[2];
    slot.ms = numberIn(r[3]);
    slot.ticks = r[4];
    slot.n = numberIn(r[5]);
    slot.seen = r[6] === 1;
    return slot;
  }
}
