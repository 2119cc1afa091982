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

/**
 * What every memo of this module shares: its bounds, the count of lookups it answered, and its rest.
 * A subclass holds the keys (`size`, `empty`) and counts the code units it stores in `chars`.
 */
abstract class MemoBounds {
  /** Code units of the keys held (a number key counts as 8). */
  protected chars = 0;
  private hits = 0;
  private rest = 0;

  constructor(readonly limits: MemoLimits) {}

  /** Keys held now. */
  abstract get size(): number;

  /** Forget every key. */
  protected abstract empty(): void;

  /** Whether the memo is in use for this lookup (false while it rests: neither look up nor store). */
  ready(): boolean {
    if (this.rest === 0) return true;
    this.rest--;
    return false;
  }

  /** Forget every key (the rest and the count of hits stay as they are). */
  clear(): void {
    this.empty();
    this.chars = 0;
  }

  /** `v`, counted as an answered lookup when it is a value. */
  protected answered<V>(v: V | undefined): V | undefined {
    if (v !== undefined) this.hits++;
    return v;
  }

  /**
   * Whether a key of `length` units may be stored now: not when it is longer than the memo keeps, nor
   * when the memo, full, was emptied without having paid (it then rests).
   */
  protected room(length: number): boolean {
    const limits = this.limits;
    if (length > limits.maxLength) return false;
    if (this.size >= limits.entries || this.chars + length > limits.chars) {
      const paid = this.hits >= this.size;
      this.clear();
      this.hits = 0;
      if (!paid) {
        this.rest = REST_PER_ENTRY * limits.entries;
        return false;
      }
    }
    return true;
  }
}

export class BoundedMemo<V, K extends string | number = string> extends MemoBounds {
  protected readonly map = new Map<K, V>();

  get size(): number {
    return this.map.size;
  }

  protected empty(): void {
    this.map.clear();
  }

  get(key: K): V | undefined {
    return this.answered(this.map.get(key));
  }

  /** Store `value` for `key` (a string key longer than `maxLength` is not kept; a number counts as 8 units). */
  set(key: K, value: V): void {
    const length = typeof key === 'string' ? key.length : 8;
    if (!this.room(length)) return;
    this.map.set(key, value);
    this.chars += length;
  }
}

/**
 * A {@link BoundedMemo} of string keys that gives each key its place: 0, 1, 2… in the order stored
 * (the memo is only ever emptied whole, so the places in use are `0 .. size - 1`). A caller keeps what
 * it knows of each key in arrays by place.
 */
export class PlaceMemo extends BoundedMemo<number> {
  /**
   * Store a key not held (see {@link BoundedMemo.set}); its place, or -1 when it was not stored. The
   * memo may have been emptied first: the key then has place 0.
   */
  add(key: string): number {
    if (!this.room(key.length)) return -1;
    const place = this.map.size;
    this.map.set(key, place);
    this.chars += key.length;
    return place;
  }
}

/**
 * A {@link BoundedMemo} for keys that are mostly numbers (the family's outcome keys: integers below
 * 2^52): those live in an open-addressing table of doubles, without a `Map` entry or a boxed number per
 * lookup; string keys go to a `Map`. The same bounds, emptying and rest as {@link BoundedMemo}.
 */
export class NumberKeyedMemo<V> extends MemoBounds {
  /** Keys of the table (`NaN`: an empty slot; no key is `NaN`). */
  private readonly keys: Float64Array;
  private readonly values: (V | undefined)[];
  private readonly mask: number;
  private readonly strings = new Map<string, V>();
  private numbers = 0;

  constructor(limits: MemoLimits) {
    super(limits);
    // At most half full, so that probes stay short.
    let capacity = 16;
    while (capacity < limits.entries * 2) capacity *= 2;
    this.keys = new Float64Array(capacity).fill(Number.NaN);
    this.values = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.numbers + this.strings.size;
  }

  protected empty(): void {
    if (this.numbers > 0) {
      this.keys.fill(Number.NaN);
      this.values.fill(undefined);
      this.numbers = 0;
    }
    this.strings.clear();
  }

  /** The first slot probed for a number key (its low and high 32 bits mixed). */
  private slotOf(key: number): number {
    const lo = key >>> 0;
    const hi = (key / 4294967296) >>> 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
    h ^= h >>> 15;
    return h & this.mask;
  }

  get(key: number | string): V | undefined {
    return typeof key === 'string' ? this.getString(key) : this.getNumber(key);
  }

  /** {@link get} for a number key (a caller with a number in hand never boxes it). */
  getNumber(key: number): V | undefined {
    const keys = this.keys;
    for (let s = this.slotOf(key); ; s = (s + 1) & this.mask) {
      const k = keys[s]!;
      if (k === key) return this.answered(this.values[s]);
      if (Number.isNaN(k)) return undefined; // an empty slot: the key is not held
    }
  }

  /** {@link get} for a string key. */
  getString(key: string): V | undefined {
    return this.answered(this.strings.get(key));
  }

  /** Store `value` for `key` (a string key longer than `maxLength` is not kept; a number counts as 8 units). */
  set(key: number | string, value: V): void {
    if (typeof key === 'string') this.setString(key, value);
    else this.setNumber(key, value);
  }

  /** {@link set} for a number key. */
  setNumber(key: number, value: V): void {
    if (!this.room(8)) return;
    const keys = this.keys;
    for (let s = this.slotOf(key); ; s = (s + 1) & this.mask) {
      const k = keys[s]!;
      if (k === key) {
        this.values[s] = value;
        return;
      }
      if (Number.isNaN(k)) {
        keys[s] = key;
        this.values[s] = value;
        this.numbers++;
        this.chars += 8;
        return;
      }
    }
  }

  /** {@link set} for a string key. */
  setString(key: string, value: V): void {
    if (!this.room(key.length)) return;
    if (!this.strings.has(key)) this.chars += key.length;
    this.strings.set(key, value);
  }
}
