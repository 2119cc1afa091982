/**
 * A bounded memo of values by their text, for data that repeats (a fleet's command lines, images,
 * paths). Bounded: at most `entries` keys of at most `maxLength` code units, `chars` code units in
 * all; a memo that would pass a bound is emptied. Self-limiting: a memo emptied after answering fewer
 * lookups than it held keys (the values do not repeat) rests — it neither answers nor stores — for
 * the next `8 × entries` lookups, then tries again, so data without repetition pays little for it.
 */

/** Bounds of a {@link BoundedMemo}. */
export interface MemoLimits {
  readonly entries: number;
  readonly chars: number;
  readonly maxLength: number;
}

/** Lookups a memo rests for, per key it held, after it did not pay. */
const REST_PER_ENTRY = 8;

export class BoundedMemo<V, K extends string | number = string> {
  private readonly map = new Map<K, V>();
  private chars = 0;
  private hits = 0;
  private rest = 0;

  constructor(readonly limits: MemoLimits) {}

  /** Keys held now. */
  get size(): number {
    return this.map.size;
  }

  /** Whether the memo is in use for this lookup (false while it rests: neither look up nor store). */
  ready(): boolean {
    if (this.rest === 0) return true;
    this.rest--;
    return false;
  }

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) this.hits++;
    return v;
  }

  /** Forget every key (the rest and the count of hits stay as they are). */
  clear(): void {
    this.map.clear();
    this.chars = 0;
  }

  /** Store `value` for `key` (a string key longer than `maxLength` is not kept; a number counts as 8 units). */
  set(key: K, value: V): void {
    const limits = this.limits;
    const length = typeof key === 'string' ? key.length : 8;
    if (length > limits.maxLength) return;
    if (this.map.size >= limits.entries || this.chars + length > limits.chars) {
      const paid = this.hits >= this.map.size;
      this.map.clear();
      this.chars = 0;
      this.hits = 0;
      if (!paid) {
        this.rest = REST_PER_ENTRY * limits.entries;
        return;
      }
    }
    this.map.set(key, value);
    this.chars += length;
  }
}

/** Slot of a number key (a non-negative integer below 2^53) in a table of `mask + 1` slots. */
function slotOf(key: number, mask: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 15;
  return h & mask;
}

/**
 * A {@link BoundedMemo} for keys that are mostly numbers (non-negative integers below 2^53), with the
 * same bounds, emptying and rest: the numbers in a flat table of its own (open addressing, at most half
 * full: a lookup reads two typed arrays, allocates nothing and follows no key object), the strings in a
 * `Map`. A number key counts as 8 code units, a string as its length.
 */
export class NumberKeyMemo<V> {
  private readonly keys: Float64Array;
  /** Per slot: 0 empty, else 1 + the index of the slot's value in `values`. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  private values: V[] = [];
  private readonly strings = new Map<string, V>();
  private count = 0;
  private chars = 0;
  private hits = 0;
  private rest = 0;

  constructor(readonly limits: MemoLimits) {
    let capacity = 8;
    while (capacity < limits.entries * 2) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  /** Keys held now. */
  get size(): number {
    return this.count;
  }

  /** Whether the memo is in use for this lookup (false while it rests: neither look up nor store). */
  ready(): boolean {
    if (this.rest === 0) return true;
    this.rest--;
    return false;
  }

  get(key: number | string): V | undefined {
    if (typeof key === 'string') {
      const v = this.strings.get(key);
      if (v !== undefined) this.hits++;
      return v;
    }
    const mask = this.mask;
    const keys = this.keys;
    const slots = this.slots;
    for (let i = slotOf(key, mask); ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) return undefined;
      if (keys[i] === key) {
        this.hits++;
        return this.values[s - 1];
      }
    }
  }

  /** Forget every key (the rest and the count of hits stay as they are). */
  clear(): void {
    if (this.count > 0) this.slots.fill(0);
    this.values = [];
    this.strings.clear();
    this.count = 0;
    this.chars = 0;
  }

  /** Store `value` for `key` (a string key longer than `maxLength` is not kept). */
  set(key: number | string, value: V): void {
    const limits = this.limits;
    const length = typeof key === 'string' ? key.length : 8;
    if (length > limits.maxLength) return;
    if (this.count >= limits.entries || this.chars + length > limits.chars) {
      const paid = this.hits >= this.count;
      this.clear();
      this.hits = 0;
      if (!paid) {
        this.rest = REST_PER_ENTRY * limits.entries;
        return;
      }
    }
    if (typeof key === 'string') {
      if (!this.strings.has(key)) {
        this.count++;
        this.chars += length;
      }
      this.strings.set(key, value);
      return;
    }
    const mask = this.mask;
    const keys = this.keys;
    const slots = this.slots;
    let i = slotOf(key, mask);
    for (; slots[i] !== 0; i = (i + 1) & mask)
      if (keys[i] === key) {
        this.values[slots[i]! - 1] = value;
        return;
      }
    keys[i] = key;
    slots[i] = this.values.push(value);
    this.count++;
    this.chars += length;
  }
}
