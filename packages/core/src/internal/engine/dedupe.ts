/**
 * The window of recently seen row identities behind duplicate detection. A row's identity is
 * (device, table, instant of `Timestamp`, `ReportId`) — Defender's ReportId is a per-device counter
 * that identifies an event only together with the device and the time.
 *
 * Identities whose ReportId is a decimal integer (every Defender export) are held in typed arrays:
 * an open-addressing hash table (linear probing, backward-shift deletion) over a ring of the last
 * `capacity` identities. Nothing is allocated per row and memory is fixed by the window (about 50
 * bytes per identity; the arrays grow with the rows until the window is full). Anything else — a
 * ReportId that is text, negative, or longer than 30 digits — goes to a plain string set with the
 * window size of its own. Every lookup compares all fields exactly: hashes only choose where to
 * look.
 */

const EMPTY = -1;
/** `b` of a ReportId of at most 15 digits (whose value is all in `a`), never a 15-digit tail. */
const SHORT = -1;
const TWO_32 = 2 ** 32;
/** Longest ReportId kept as numbers (two doubles of 15 digits). */
const MAX_DIGITS = 30;

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x5bd1e995);
  return h ^ (h >>> 15);
}

/** Hash of the numeric fields; doubles are fed as two 32-bit halves (all values are integers). */
function hashOf(device: number, table: number, ms: number, ticks: number, a: number, b: number): number {
  let h = mix(0x9747b28c, device);
  h = mix(h, table | (ticks << 4));
  h = mix(h, ms % TWO_32);
  h = mix(h, Math.floor(ms / TWO_32));
  h = mix(h, a % TWO_32);
  h = mix(h, Math.floor(a / TWO_32));
  h = mix(h, b % TWO_32);
  h = mix(h, Math.floor(b / TWO_32));
  return h >>> 0;
}

/** Remembers the last `capacity` distinct row identities and says which rows repeat one of them. */
export class DedupeWindow {
  readonly #capacity: number;
  // Ring of identities, in insertion order (oldest at #head once full).
  #device = new Int32Array(0);
  #tableTicks = new Int32Array(0);
  #ms = new Float64Array(0);
  #a = new Float64Array(0);
  #b = new Float64Array(0);
  #hash = new Uint32Array(0);
  #size = 0;
  #head = 0;
  // Hash table: slot -> ring index, EMPTY when free. Its length is a power of two, ≥ 2 × ring length.
  #slots = new Int32Array(0);
  #mask = 0;
  // Identities that are not numeric.
  readonly #other = new Set<string>();
  readonly #otherOrder: string[] = [];
  #otherHead = 0;

  constructor(capacity: number) {
    this.#capacity = Math.max(0, Math.floor(capacity));
    this.#resize(Math.min(this.#capacity, 1024));
  }

  /** Identities remembered at most (of each kind: numeric ReportIds and the others). */
  get capacity(): number {
    return this.#capacity;
  }

  /** Identities currently held (numeric and other). */
  get size(): number {
    return this.#size + this.#other.size;
  }

  /**
   * True when (device, table, ms, ticks, reportId) is among the identities remembered; otherwise
   * it is remembered (forgetting the oldest once the window is full) and the answer is false.
   * `device` and `table` are small non-negative integers chosen by the caller; `ticks` is 0–9999.
   */
  seen(device: number, table: number, ms: number, ticks: number, reportId: string): boolean {
    if (this.#capacity === 0) return false;
    // Decimal ReportIds (all of Defender's) exactly, in two doubles: the head (at most 15 digits) and
    // the 15-digit tail, read in one pass without a regex or slices. Anything else goes by text, and
    // so do leading zeros (never in canonical ReportIds): "007" and "7" must stay different.
    const n = reportId.length;
    if (n === 0 || n > MAX_DIGITS || (n > 1 && reportId.charCodeAt(0) === 0x30))
      return this.#seenOther(`${device}\u0000${table}\u0000${ms}\u0000${ticks}\u0000${reportId}`);
    const split = n > 15 ? n - 15 : n;
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      const d = reportId.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) return this.#seenOther(`${device}\u0000${table}\u0000${ms}\u0000${ticks}\u0000${reportId}`);
      if (i < split) a = a * 10 + d;
      else b = b * 10 + d;
    }
    if (n <= 15) b = SHORT;
    const tableTicks = table | (ticks << 4);
    const h = hashOf(device, table, ms, ticks, a, b);
    const slots = this.#slots;
    const mask = this.#mask;
    let i = h & mask;
    for (;;) {
      const e = slots[i]!;
      if (e === EMPTY) break;
      if (
        this.#hash[e] === h &&
        this.#ms[e] === ms &&
        this.#a[e] === a &&
        this.#b[e] === b &&
        this.#device[e] === device &&
        this.#tableTicks[e] === tableTicks
      )
        return true;
      i = (i + 1) & mask;
    }
    this.#insert(device, tableTicks, ms, a, b, h);
    return false;
  }

  #insert(device: number, tableTicks: number, ms: number, a: number, b: number, h: number): void {
    let e: number;
    if (this.#size < this.#capacity) {
      if (this.#size === this.#device.length) this.#resize(Math.min(this.#capacity, this.#device.length * 2));
      e = this.#size++;
    } else {
      e = this.#head;
      this.#remove(e);
      this.#head = (this.#head + 1) % this.#capacity;
    }
    this.#device[e] = device;
    this.#tableTicks[e] = tableTicks;
    this.#ms[e] = ms;
    this.#a[e] = a;
    this.#b[e] = b;
    this.#hash[e] = h;
    this.#place(e);
  }

  /** Put ring entry `e` into the first free slot from its home. */
  #place(e: number): void {
    const slots = this.#slots;
    const mask = this.#mask;
    let i = this.#hash[e]! & mask;
    while (slots[i] !== EMPTY) i = (i + 1) & mask;
    slots[i] = e;
  }

  /** Take ring entry `e` out of the table, shifting later entries of its probe run back. */
  #remove(e: number): void {
    const slots = this.#slots;
    const mask = this.#mask;
    let i = this.#hash[e]! & mask;
    while (slots[i] !== e) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const f = slots[j]!;
      if (f === EMPTY) break;
      const home = this.#hash[f]! & mask;
      // f may move back to i unless its home lies cyclically in (i, j].
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        slots[i] = f;
        i = j;
      }
    }
    slots[i] = EMPTY;
  }

  #resize(entries: number): void {
    const grow = <T extends Int32Array | Float64Array | Uint32Array>(old: T, make: (n: number) => T): T => {
      const next = make(entries);
      next.set(old.subarray(0, this.#size));
      return next;
    };
    this.#device = grow(this.#device, (n) => new Int32Array(n));
    this.#tableTicks = grow(this.#tableTicks, (n) => new Int32Array(n));
    this.#ms = grow(this.#ms, (n) => new Float64Array(n));
    this.#a = grow(this.#a, (n) => new Float64Array(n));
    this.#b = grow(this.#b, (n) => new Float64Array(n));
    this.#hash = grow(this.#hash, (n) => new Uint32Array(n));
    let slots = 2;
    while (slots < entries * 2) slots *= 2;
    this.#slots = new Int32Array(slots).fill(EMPTY);
    this.#mask = slots - 1;
    for (let e = 0; e < this.#size; e++) this.#place(e);
  }

  #seenOther(key: string): boolean {
    if (this.#other.has(key)) return true;
    this.#other.add(key);
    if (this.#otherOrder.length < this.#capacity) this.#otherOrder.push(key);
    else {
      this.#other.delete(this.#otherOrder[this.#otherHead]!);
      this.#otherOrder[this.#otherHead] = key;
      this.#otherHead = (this.#otherHead + 1) % this.#capacity;
    }
    return false;
  }
}
