/**
 * Multi-pattern search: which of many needles occur in a text, in one pass over the text (Aho and
 * Corasick, 1975). Needles and texts are compared as UTF-16 code units, exactly as
 * `String.prototype.includes` compares them; the caller folds case before, once.
 *
 * The automaton is built once into flat typed arrays over the needles' alphabet — each code unit that
 * occurs in a needle is a class, every other code unit is class 0, which always leads back to the
 * root. The states near the root (depth up to {@link DENSE_DEPTH}), where a scan spends most of its
 * steps, have a complete row of the transition table (failure links resolved at build time); the deep
 * states, most of the automaton and mostly with a single child, keep only their trie edges and a
 * failure link, followed until a state has the unit or a complete row answers. Each
 * failure step makes the state shallower, and a unit makes it at most one deeper, so a scan is still
 * O(text length + distinct needles found), and the table no longer grows with the number of states
 * times the width of the alphabet. A scan allocates nothing: each needle is reported at most once
 * per scan (a state's needles the first time the scan reaches it).
 */

/** States at this depth or shallower get a complete row of the transition table. */
export const DENSE_DEPTH = 2;

export class AhoCorasick {
  /** Number of needles given (ids are their positions in the list given to {@link AhoCorasick.build}). */
  readonly size: number;
  /** Number of states of the automaton (root included). */
  readonly states: number;
  /** Number of states with a complete row of the transition table. */
  readonly denseStates: number;
  /** Alphabet classes (class 0: every code unit no needle has). */
  private readonly width: number;
  /** Class of each ASCII code unit; `wideClass` for the others that occur in needles. */
  private readonly asciiClass: Uint16Array;
  private readonly wideClass: ReadonlyMap<number, number>;
  /** With `mergeWide`: the one class of every non-ASCII code unit (0 when no needle has one). */
  private readonly merged: number;
  /** Row of each state in `delta`, or -1 for a state without one (a deep state). */
  private readonly rowOf: Int32Array;
  /** Transition table of the states with a row: the state after reading class k is `delta[rowOf[s] * width + k]`. */
  private readonly delta: Uint16Array | Int32Array;
  /** Trie edges of the states without a row: `edgeClass/edgeTarget[edgeStart[s] .. edgeStart[s + 1])`. */
  private readonly edgeStart: Int32Array;
  private readonly edgeClass: Uint16Array;
  private readonly edgeTarget: Int32Array;
  /** Failure link: the longest proper suffix of the state's string that is a state. */
  private readonly fail: Int32Array;
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
    parts: {
      rowOf: Int32Array;
      delta: Uint16Array | Int32Array;
      edgeStart: Int32Array;
      edgeClass: Uint16Array;
      edgeTarget: Int32Array;
      fail: Int32Array;
      dict: Int32Array;
      outStart: Int32Array;
      outNeedle: Int32Array;
    },
  ) {
    const { dict, outStart } = parts;
    this.size = size;
    this.states = dict.length;
    this.width = width;
    this.asciiClass = asciiClass;
    this.wideClass = wideClass;
    this.merged = merged;
    this.rowOf = parts.rowOf;
    this.delta = parts.delta;
    this.denseStates = parts.delta.length / width;
    this.edgeStart = parts.edgeStart;
    this.edgeClass = parts.edgeClass;
    this.edgeTarget = parts.edgeTarget;
    this.fail = parts.fail;
    this.dict = dict;
    this.outStart = outStart;
    this.outNeedle = parts.outNeedle;
    this.stamp = new Uint32Array(dict.length);
    this.report = new Int32Array(dict.length);
    for (let st = 0; st < dict.length; st++) this.report[st] = outStart[st + 1]! > outStart[st]! ? st : dict[st]!;
  }

  /**
   * Build the automaton of `needles` (duplicates and the empty needle allowed). With `mergeWide`, every
   * code unit beyond ASCII is one class: the table stays small whatever scripts the needles use (a
   * needle of Cyrillic homoglyphs would otherwise add a column per letter), and a scan reports every
   * needle that occurs plus, at worst, needles whose non-ASCII units differ from the text's — a
   * superset, which is what a prefilter may report. `denseDepth`: see {@link DENSE_DEPTH}.
   */
  static build(needles: readonly string[], mergeWide = false, denseDepth = DENSE_DEPTH): AhoCorasick {
    // The trie in flat arrays (no object per state): each state's children as a list of siblings.
    let total = 1;
    for (const needle of needles) total += needle.length;
    const firstChild = new Int32Array(total).fill(-1);
    const nextSibling = new Int32Array(total).fill(-1);
    const label = new Int32Array(total);
    const depth = new Int32Array(total);
    const endOf = new Int32Array(needles.length);
    let n = 1;
    for (let id = 0; id < needles.length; id++) {
      const needle = needles[id]!;
      let s = 0;
      for (let i = 0; i < needle.length; i++) {
        // Merged, every non-ASCII unit is the same letter of the trie (U+0080 stands for all).
        const raw = needle.charCodeAt(i);
        const c = mergeWide && raw >= 128 ? 0x80 : raw;
        let t = firstChild[s]!;
        while (t !== -1 && label[t] !== c) t = nextSibling[t]!;
        if (t === -1) {
          t = n++;
          label[t] = c;
          depth[t] = i + 1;
          nextSibling[t] = firstChild[s]!;
          firstChild[s] = t;
        }
        s = t;
      }
      endOf[id] = s;
    }
    // The alphabet: each code unit of some needle is a class (1…); all others are class 0.
    const units = new Set<number>();
    for (let t = 1; t < n; t++) units.add(label[t]!);
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
    // Needles ending at each state, in id order.
    const outStart = new Int32Array(n + 1);
    for (let id = 0; id < needles.length; id++) outStart[endOf[id]! + 1]!++;
    for (let st = 0; st < n; st++) outStart[st + 1]! += outStart[st]!;
    const outNeedle = new Int32Array(needles.length);
    const fill = outStart.slice(0, n);
    for (let id = 0; id < needles.length; id++) outNeedle[fill[endOf[id]!]!++] = id;
    const endsAt = (st: number): boolean => outStart[st + 1]! > outStart[st]!;
    // Rows for the shallow states (the root always has one), edges for the deep ones.
    const rowOf = new Int32Array(n).fill(-1);
    let rows = 0;
    for (let st = 0; st < n; st++) if (depth[st]! <= Math.max(0, denseDepth)) rowOf[st] = rows++;
    const edgeStart = new Int32Array(n + 1);
    let edges = 0;
    for (let st = 0; st < n; st++) {
      edgeStart[st] = edges;
      if (rowOf[st] === -1) for (let t = firstChild[st]!; t !== -1; t = nextSibling[t]!) edges++;
    }
    edgeStart[n] = edges;
    const edgeClass = new Uint16Array(edges);
    const edgeTarget = new Int32Array(edges);
    for (let st = 0; st < n; st++) {
      if (rowOf[st] !== -1) continue;
      let e = edgeStart[st]!;
      for (let t = firstChild[st]!; t !== -1; t = nextSibling[t]!) {
        edgeClass[e] = classOf(label[t]!);
        edgeTarget[e++] = t;
      }
    }
    const delta = n <= 0xffff ? new Uint16Array(rows * width) : new Int32Array(rows * width);
    const fail = new Int32Array(n);
    const dict = new Int32Array(n).fill(-1);
    // Failure links and the rows, breadth first (a state's failure state is shallower: its row, or
    // its edges and failure link, are complete when the state's own are filled).
    const queue = new Int32Array(n);
    let head = 0;
    let tail = 0;
    for (let t = firstChild[0]!; t !== -1; t = nextSibling[t]!) {
      delta[classOf(label[t]!)] = t;
      queue[tail++] = t;
    }
    while (head < tail) {
      const st = queue[head++]!;
      const f = fail[st]!;
      dict[st] = endsAt(f) ? f : dict[f]!;
      const r = rowOf[st]!;
      if (r !== -1) {
        const row = r * width;
        const frow = rowOf[f]! * width;
        for (let k = 0; k < width; k++) delta[row + k] = delta[frow + k]!;
      }
      for (let t = firstChild[st]!; t !== -1; t = nextSibling[t]!) {
        const k = classOf(label[t]!);
        // The longest proper suffix of t's string that is in the trie: where f goes on this unit.
        fail[t] = nextState(f, k, rowOf, delta, width, edgeStart, edgeClass, edgeTarget, fail);
        if (r !== -1) delta[r * width + k] = t;
        queue[tail++] = t;
      }
    }
    // The root's own needles (the empty needle) are reported by every scan before its first unit.
    return new AhoCorasick(needles.length, width, asciiClass, wideClass, merged, {
      rowOf,
      delta,
      edgeStart,
      edgeClass,
      edgeTarget,
      fail,
      dict,
      outStart,
      outNeedle,
    });
  }

  /** Bytes of the typed arrays that make the automaton (for the benchmark and tests). */
  get bytes(): number {
    return (
      this.rowOf.byteLength +
      this.delta.byteLength +
      this.edgeStart.byteLength +
      this.edgeClass.byteLength +
      this.edgeTarget.byteLength +
      this.fail.byteLength +
      this.report.byteLength +
      this.dict.byteLength +
      this.outStart.byteLength +
      this.outNeedle.byteLength +
      this.stamp.byteLength
    );
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
    const rowOf = this.rowOf;
    const edgeStart = this.edgeStart;
    const edgeClass = this.edgeClass;
    const edgeTarget = this.edgeTarget;
    const fail = this.fail;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const k = c < 128 ? ascii[c]! : merged || (wide.get(c) ?? 0);
      const row = rowOf[s]!;
      s =
        row !== -1
          ? delta[row * width + k]!
          : nextState(s, k, rowOf, delta, width, edgeStart, edgeClass, edgeTarget, fail);
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

/**
 * The state after `s` reads class `k`: its row if it has one, else its edge on `k`, else the same
 * question asked of its failure state (shallower; the root has a row, so the walk ends).
 */
function nextState(
  s: number,
  k: number,
  rowOf: Int32Array,
  delta: Uint16Array | Int32Array,
  width: number,
  edgeStart: Int32Array,
  edgeClass: Uint16Array,
  edgeTarget: Int32Array,
  fail: Int32Array,
): number {
  for (;;) {
    const r = rowOf[s]!;
    if (r !== -1) return delta[r * width + k]!;
    for (let e = edgeStart[s]!, end = edgeStart[s + 1]!; e < end; e++) {
      if (edgeClass[e] === k) return edgeTarget[e]!;
    }
    s = fail[s]!;
  }
}
