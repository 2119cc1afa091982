/**
 * Multi-pattern search: which of many needles occur in a text, in one pass over the text (Aho and
 * Corasick, 1975). Needles and texts are compared as UTF-16 code units, exactly as
 * `String.prototype.includes` compares them; the caller folds case before, once.
 *
 * The automaton is flat typed arrays built once: per state a sorted run of edges (code unit → state),
 * a failure link, and a link to the nearest state on the failure chain that ends a needle. A scan
 * costs O(text length + distinct needles found) and allocates nothing: each needle is reported at
 * most once per scan (a state's needles are reported the first time the scan reaches it).
 */

/** Code units below this have a direct table at the root (the common case: ASCII text). */
const ROOT_DIRECT = 128;
/** Runs of edges up to this long are searched linearly, longer ones by bisection. */
const LINEAR_EDGES = 8;

export class AhoCorasick {
  /** Number of needles given (ids are their positions in the list given to {@link AhoCorasick.build}). */
  readonly size: number;
  /** Number of states of the automaton (root included). */
  readonly states: number;
  /** Edges of state s: `edgeChar/edgeTarget[edgeStart[s] .. edgeStart[s + 1])`, sorted by code unit. */
  private readonly edgeStart: Int32Array;
  private readonly edgeChar: Uint16Array;
  private readonly edgeTarget: Int32Array;
  /** Root transitions for code units below {@link ROOT_DIRECT} (0: stay at the root). */
  private readonly rootDirect: Int32Array;
  private readonly fail: Int32Array;
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
    edgeStart: Int32Array,
    edgeChar: Uint16Array,
    edgeTarget: Int32Array,
    fail: Int32Array,
    dict: Int32Array,
    outStart: Int32Array,
    outNeedle: Int32Array,
  ) {
    this.size = size;
    this.states = fail.length;
    this.edgeStart = edgeStart;
    this.edgeChar = edgeChar;
    this.edgeTarget = edgeTarget;
    this.fail = fail;
    this.dict = dict;
    this.outStart = outStart;
    this.outNeedle = outNeedle;
    this.stamp = new Uint32Array(fail.length);
    this.rootDirect = new Int32Array(ROOT_DIRECT);
    for (let e = edgeStart[0]!; e < edgeStart[1]!; e++) {
      const c = edgeChar[e]!;
      if (c < ROOT_DIRECT) this.rootDirect[c] = edgeTarget[e]!;
    }
  }

  /** Build the automaton of `needles` (duplicates and the empty needle allowed). */
  static build(needles: readonly string[]): AhoCorasick {
    // The trie, with per-state maps while building.
    const children: Map<number, number>[] = [new Map()];
    const ends: number[][] = [[]];
    for (let id = 0; id < needles.length; id++) {
      const needle = needles[id]!;
      let s = 0;
      for (let i = 0; i < needle.length; i++) {
        const c = needle.charCodeAt(i);
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
    // Flatten the edges, sorted by code unit.
    const edgeStart = new Int32Array(n + 1);
    let edges = 0;
    for (let s = 0; s < n; s++) {
      edgeStart[s] = edges;
      edges += children[s]!.size;
    }
    edgeStart[n] = edges;
    const edgeChar = new Uint16Array(edges);
    const edgeTarget = new Int32Array(edges);
    for (let s = 0; s < n; s++) {
      const sorted = [...children[s]!].sort((a, b) => a[0] - b[0]);
      let e = edgeStart[s]!;
      for (const [c, t] of sorted) {
        edgeChar[e] = c;
        edgeTarget[e] = t;
        e++;
      }
    }
    // Failure and dictionary links, breadth first.
    const fail = new Int32Array(n);
    const dict = new Int32Array(n).fill(-1);
    const queue = new Int32Array(n);
    let head = 0;
    let tail = 0;
    for (let e = edgeStart[0]!; e < edgeStart[1]!; e++) queue[tail++] = edgeTarget[e]!;
    const step = (s: number, c: number): number => {
      for (;;) {
        const t = children[s]!.get(c);
        if (t !== undefined) return t;
        if (s === 0) return 0;
        s = fail[s]!;
      }
    };
    while (head < tail) {
      const s = queue[head++]!;
      const f = fail[s]!;
      // Children of the root keep fail 0; their own children start the search from there.
      dict[s] = ends[f]!.length > 0 ? f : dict[f]!;
      for (let e = edgeStart[s]!; e < edgeStart[s + 1]!; e++) {
        const t = edgeTarget[e]!;
        // The longest proper suffix of t's string that is in the trie (always shallower than t).
        fail[t] = step(f, edgeChar[e]!);
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
    return new AhoCorasick(needles.length, edgeStart, edgeChar, edgeTarget, fail, dict, outStart, outNeedle);
  }

  /** The state reached from `s` on code unit `c` along a trie edge, or -1. */
  private child(s: number, c: number): number {
    if (s === 0 && c < ROOT_DIRECT) {
      const t = this.rootDirect[c]!;
      return t === 0 ? -1 : t;
    }
    let lo = this.edgeStart[s]!;
    let hi = this.edgeStart[s + 1]!;
    const chars = this.edgeChar;
    if (hi - lo <= LINEAR_EDGES) {
      for (; lo < hi; lo++) {
        const x = chars[lo]!;
        if (x === c) return this.edgeTarget[lo]!;
        if (x > c) return -1;
      }
      return -1;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const x = chars[mid]!;
      if (x === c) return this.edgeTarget[mid]!;
      if (x < c) lo = mid + 1;
      else hi = mid;
    }
    return -1;
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
    const fail = this.fail;
    // The empty needle, if any, ends at the root.
    if (outStart[1]! > outStart[0]!) {
      stamp[0] = id;
      for (let o = outStart[0]!; o < outStart[1]!; o++) if (found(outNeedle[o]!) === true) return;
    }
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      for (;;) {
        const t = this.child(s, c);
        if (t >= 0) {
          s = t;
          break;
        }
        if (s === 0) break;
        s = fail[s]!;
      }
      if (s === 0) continue;
      // This state's needles, then those of its proper suffixes; stop at a state already reported.
      let r = outStart[s + 1]! > outStart[s]! ? s : dict[s]!;
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
