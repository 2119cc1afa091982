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
