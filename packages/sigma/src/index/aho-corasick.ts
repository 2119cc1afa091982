/**
 * Multi-pattern search: which of many needles occur in a text, in one pass over the text (Aho and
 * Corasick, 1975). Needles and texts are compared as UTF-16 code units, exactly as
 * `String.prototype.includes` compares them; the caller folds case before, once.
 *
 * The automaton is built once into flat typed arrays: a complete transition table (a DFA: failure
 * links resolved at build time) over the needles' alphabet — each code unit that occurs in a needle
 * is a class, every other code unit is class 0, which always leads back to the root — and, per state,
 * the needles it ends and a link to the nearest state on its failure chain that ends one. A scan is
 * one table read per code unit, O(text length + distinct needles found), and allocates nothing: each
 * needle is reported at most once per scan (a state's needles the first time the scan reaches it).
 */

export class AhoCorasick {
  /** Number of needles given (ids are their positions in the list given to {@link AhoCorasick.build}). */
  readonly size: number;
  /** Number of states of the automaton (root included). */
  readonly states: number;
  /** Alphabet classes (class 0: every code unit no needle has). */
  private readonly width: number;
  /** Class of each ASCII code unit; `wideClass` for the others that occur in needles. */
  private readonly asciiClass: Uint16Array;
  private readonly wideClass: ReadonlyMap<number, number>;
  /** With `mergeWide`: the one class of every non-ASCII code unit (0 when no needle has one). */
  private readonly merged: number;
  /** Transition table: the state after state s reads class k is `delta[s * width + k]`. */
  private readonly delta: Uint16Array | Int32Array;
  /** The first state to report from s (s itself if it ends a needle, else its dictionary link), or -1. */
  private readonly report: Int32Array;
  /** Nearest proper suffix state that ends a needle (-1: none). */
  private readonly dict: Int32Array;
  /** Needles ending at state s: `outNeedle[outStart[s] .. outStart[s + 1])`. */
  private readonly outStart: Int32Array;
  private readonly outNeedle: Int32Array;
  /** Scan number when each state's needles were last reported (no allocation, no clearing per scan). */
  private readonly stamp: Uint32Array;
  private scanId = 0;

  private constructor(
    size: number,
    width: number,
    asciiClass: Uint16Array,
    wideClass: ReadonlyMap<number, number>,
    merged: number,
    delta: Uint16Array | Int32Array,
    dict: Int32Array,
    outStart: Int32Array,
    outNeedle: Int32Array,
  ) {
    this.size = size;
    this.states = dict.length;
    this.width = width;
    this.asciiClass = asciiClass;
    this.wideClass = wideClass;
    this.merged = merged;
    this.delta = delta;
    this.dict = dict;
    this.outStart = outStart;
    this.outNeedle = outNeedle;
    this.stamp = new Uint32Array(dict.length);
    this.report = new Int32Array(dict.length);
    for (let st = 0; st < dict.length; st++) this.report[st] = outStart[st + 1]! > outStart[st]! ? st : dict[st]!;
  }

  /**
   * Build the automaton of `needles` (duplicates and the empty needle allowed). With `mergeWide`, every
   * code unit beyond ASCII is one class: the table stays small whatever scripts the needles use (a
   * needle of Cyrillic homoglyphs would otherwise add a column per letter), and a scan reports every
   * needle that occurs plus, at worst, needles whose non-ASCII units differ from the text's — a
   * superset, which is what a prefilter may report.
   */
  static build(needles: readonly string[], mergeWide = false): AhoCorasick {
    // The trie, with per-state maps while building.
    const children: Map<number, number>[] = [new Map()];
    const ends: number[][] = [[]];
    for (let id = 0; id < needles.length; id++) {
      const needle = needles[id]!;
      let s = 0;
      for (let i = 0; i < needle.length; i++) {
        // Merged, every non-ASCII unit is the same letter of the trie (U+0080 stands for all).
        const raw = needle.charCodeAt(i);
        const c = mergeWide && raw >= 128 ? 0x80 : raw;
        let t = children[s]!.get(c);
        if (t === undefined) {
          t = children.length;
          children.push(new Map());
          ends.push([]);
          children[s]!.set(c, t);
        }
        s = t;
      }
      ends[s]!.push(id);
    }
    const n = children.length;
    // The alphabet: each code unit of some needle is a class (1…); all others are class 0.
    const units = new Set<number>();
    for (const needle of needles)
      for (let i = 0; i < needle.length; i++) {
        const raw = needle.charCodeAt(i);
        units.add(mergeWide && raw >= 128 ? 0x80 : raw);
      }
    const asciiClass = new Uint16Array(128);
    const wideClass = new Map<number, number>();
    let width = 1;
    let merged = 0;
    for (const c of [...units].sort((x, y) => x - y)) {
      if (c < 128) asciiClass[c] = width++;
      else if (!mergeWide) wideClass.set(c, width++);
      else if (merged === 0) merged = width++;
    }
    const classOf = (c: number): number => (c < 128 ? asciiClass[c]! : merged || (wideClass.get(c) ?? 0));
    // Failure links and the complete transition table, breadth first (a state's failure state is
    // shallower, so its row is complete when the state's own row is filled).
    const fail = new Int32Array(n);
    const dict = new Int32Array(n).fill(-1);
    const delta = n <= 0xffff ? new Uint16Array(n * width) : new Int32Array(n * width);
    const queue = new Int32Array(n);
    let head = 0;
    let tail = 0;
    for (const [c, t] of children[0]!) {
      delta[classOf(c)] = t;
      queue[tail++] = t;
    }
    while (head < tail) {
      const s = queue[head++]!;
      const f = fail[s]!;
      dict[s] = ends[f]!.length > 0 ? f : dict[f]!;
      const row = s * width;
      const frow = f * width;
      for (let k = 0; k < width; k++) delta[row + k] = delta[frow + k]!;
      for (const [c, t] of children[s]!) {
        const k = classOf(c);
        // The longest proper suffix of t's string that is in the trie: where f goes on this unit.
        fail[t] = delta[frow + k]!;
        delta[row + k] = t;
        queue[tail++] = t;
      }
    }
    // The root's own needles (the empty needle) are reported by every scan before its first unit.
    const outStart = new Int32Array(n + 1);
    let outs = 0;
    for (let s = 0; s < n; s++) {
      outStart[s] = outs;
      outs += ends[s]!.length;
    }
    outStart[n] = outs;
    const outNeedle = new Int32Array(outs);
    for (let s = 0; s < n; s++) outNeedle.set(ends[s]!, outStart[s]!);
    return new AhoCorasick(needles.length, width, asciiClass, wideClass, merged, delta, dict, outStart, outNeedle);
  }

  /**
   * Call `found(id)` once for each needle that occurs in `text` (ids as given to `build`, in the
   * order the scan meets them). `found` returning `true` stops the scan.
   */
  scan(text: string, found: (id: number) => unknown): void {
    const id = this.nextScan();
    const stamp = this.stamp;
    const outStart = this.outStart;
    const outNeedle = this.outNeedle;
    const dict = this.dict;
    // The empty needle, if any, ends at the root.
    if (outStart[1]! > outStart[0]!) {
      stamp[0] = id;
      for (let o = outStart[0]!; o < outStart[1]!; o++) if (found(outNeedle[o]!) === true) return;
    }
    const delta = this.delta;
    const width = this.width;
    const ascii = this.asciiClass;
    const wide = this.wideClass;
    const merged = this.merged;
    const report = this.report;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = delta[s * width + (c < 128 ? ascii[c]! : merged || (wide.get(c) ?? 0))]!;
      // This state's needles, then those of its proper suffixes; stop at a state already reported.
      let r = report[s]!;
      while (r > 0 && stamp[r] !== id) {
        stamp[r] = id;
        for (let o = outStart[r]!; o < outStart[r + 1]!; o++) if (found(outNeedle[o]!) === true) return;
        r = dict[r]!;
      }
    }
  }

  /** The ids of the needles that occur in `text`, ascending (allocates: for tests and tools). */
  matches(text: string): number[] {
    const out: number[] = [];
    this.scan(text, (id) => {
      out.push(id);
    });
    return out.sort((a, b) => a - b);
  }

  private nextScan(): number {
    this.scanId = (this.scanId + 1) >>> 0;
    if (this.scanId === 0) {
      // After 2^32 scans the stamps wrap: clear them once.
      this.stamp.fill(0);
      this.scanId = 1;
    }
    return this.scanId;
  }
}
