/**
 * A loader for the YAML subset Sigma rules are written in: one document of block maps and block
 * sequences (a sequence may sit at its key's indentation), plain, single- and double-quoted scalars on
 * one line (as keys too), `|`/`>` block scalars (clip or strip), comments and blank lines. Plain scalars
 * resolve as the YAML 1.2 core schema does (dates stay strings).
 *
 * It builds the same tree, offsets included, as the `yaml` package does for such a text, and gives up
 * (returns undefined, and the caller asks the `yaml` package) on anything else: document markers,
 * directives, tabs (but in comment lines), CR, control characters, unpaired surrogates, anchors,
 * aliases, tags, flow collections, nested sequences on one line, multi-line plain or quoted scalars,
 * explicit keys, duplicate keys, keys that resolve to no string, `<<`, numbers other than plain decimal
 * integers, escapes other than `\\ \" \/ \n \t \r \xHH \uHHHH`, odd indentation (`./scalars.ts`
 * holds the scalar and character rules). Every step is a forward scan: linear in the length of the text.
 */

import {
  BAIL,
  COLON,
  DASH,
  ESCAPES,
  HASH,
  hexChar,
  indicatorStart,
  outsideSubset,
  resolvePlain,
  SP,
} from './scalars.js';
import { own, ownValue, type YMap, type YNode, type YPair, type YScalar, type YSeq } from './tree.js';

class Loader {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  /** The number of leading spaces of each line. */
  readonly indents: number[] = [];
  line = 0;

  constructor(readonly text: string) {
    let s = 0;
    for (;;) {
      const nl = text.indexOf('\n', s);
      const e = nl < 0 ? text.length : nl;
      let i = s;
      while (i < e && text.charCodeAt(i) === SP) i++;
      this.starts.push(s);
      this.ends.push(e);
      this.indents.push(i - s);
      if (nl < 0) break;
      s = nl + 1;
    }
  }

  indent(l: number): number {
    return this.indents[l]!;
  }

  /** Whether line `l` holds only spaces, or only a comment. */
  empty(l: number): boolean {
    const p = this.starts[l]! + this.indents[l]!;
    return p === this.ends[l] || this.text.charCodeAt(p) === HASH;
  }

  /** The next line with content from `this.line` on (skipping blank and comment lines); -1 at the end. */
  nextContent(): number {
    while (this.line < this.starts.length && this.empty(this.line)) this.line++;
    return this.line < this.starts.length ? this.line : -1;
  }

  /** A block node whose lines are indented more than `parent`, starting at the current content line. */
  block(parent: number): YNode {
    const l = this.nextContent();
    if (l < 0) throw BAIL;
    const ind = this.indent(l);
    if (ind <= parent) throw BAIL;
    const p = this.starts[l]! + ind;
    if (this.isEntry(p, this.ends[l]!)) return this.seq(ind);
    return this.map(l, ind);
  }

  isEntry(p: number, e: number): boolean {
    return this.text.charCodeAt(p) === DASH && (p + 1 === e || this.text.charCodeAt(p + 1) === SP);
  }

  /** A block sequence whose `-` are at column `ind`; starts at the current content line. */
  seq(ind: number): YSeq {
    const items: (YNode | null)[] = [];
    let offset = -1;
    for (;;) {
      const l = this.nextContent();
      if (l < 0) break;
      const i = this.indent(l);
      if (i < ind) break;
      if (i > ind) throw BAIL;
      const dash = this.starts[l]! + i;
      const e = this.ends[l]!;
      if (!this.isEntry(dash, e)) break;
      if (offset < 0) offset = dash;
      let p = dash + 1;
      while (p < e && this.text.charCodeAt(p) === SP) p++;
      if (p === e) {
        if (p > dash + 2) throw BAIL;
        this.line = l + 1;
        items.push(this.emptyValue(p, ind, false, true));
        continue;
      }
      const c = this.text.charCodeAt(p);
      if (c === 39 || c === 34 ? this.quotedKey(p, e) : this.keyEnd(p, e) >= 0)
        items.push(this.map(l, p - this.starts[l]!));
      else if (this.isEntry(p, e)) throw BAIL;
      else items.push(this.scalar(l, p, ind));
    }
    if (offset < 0) throw BAIL;
    return { kind: 'seq', offset, items };
  }

  /** The value after an indicator with nothing after it: a nested block, or a null scalar at `p`. */
  emptyValue(p: number, parent: number, sameIndentSeq: boolean, nullHere: boolean): YNode {
    const l = this.nextContent();
    if (l >= 0) {
      const i = this.indent(l);
      if (i > parent) return this.block(parent);
      if (sameIndentSeq && i === parent && this.isEntry(this.starts[l]! + i, this.ends[l]!)) return this.seq(parent);
    }
    if (!nullHere) throw BAIL;
    return { kind: 'scalar', offset: p, value: null };
  }

  /** Whether the quoted scalar at `p` is followed by `:` (a key; multi-line quotes are left to `yaml`). */
  quotedKey(p: number, e: number): boolean {
    const k = this.quoted(p, e).end;
    return this.text.charCodeAt(k) === COLON && (k + 1 === e || this.text.charCodeAt(k + 1) === SP);
  }

  /** The offset of the `:` ending an implicit key that starts at `p`, or -1 when the line has none. */
  keyEnd(p: number, e: number): number {
    const { text } = this;
    for (let j = p; j < e; j++) {
      const c = text.charCodeAt(j);
      if (c === COLON && (j + 1 === e || text.charCodeAt(j + 1) === SP)) return j;
      if (c === HASH && j > p && text.charCodeAt(j - 1) === SP) return -1;
    }
    return -1;
  }

  /** A block map whose keys are at column `col`; the first key on line `first`. */
  map(first: number, col: number): YMap {
    const pairs: YPair[] = [];
    const keys = new Set<string>();
    let l = first;
    for (;;) {
      const p = this.starts[l]! + col;
      const e = this.ends[l]!;
      const q = this.text.charCodeAt(p);
      let k: number;
      let keyValue: unknown;
      if (q === 39 || q === 34) {
        const quoted = this.quoted(p, e);
        k = quoted.end;
        if (this.text.charCodeAt(k) !== COLON || (k + 1 < e && this.text.charCodeAt(k + 1) !== SP)) throw BAIL;
        keyValue = own(quoted.value);
      } else {
        k = this.keyEnd(p, e);
        if (k < 0) throw BAIL;
        const name = this.text.slice(p, k);
        if (name.length === 0 || indicatorStart(name.charCodeAt(0), name.charCodeAt(1))) throw BAIL;
        if (name.charCodeAt(name.length - 1) === SP || name === '<<') throw BAIL;
        keyValue = ownValue(resolvePlain(name));
      }
      if (typeof keyValue !== 'string' || k - p > 1000 || keys.has(keyValue)) throw BAIL;
      keys.add(keyValue);
      const key: YScalar = { kind: 'scalar', offset: p, value: keyValue };
      let v = k + 1;
      while (v < e && this.text.charCodeAt(v) === SP) v++;
      let value: YNode;
      if (v === e) {
        if (v > k + 2) throw BAIL;
        this.line = l + 1;
        value = this.emptyValue(v, col, true, true);
      } else if (this.text.charCodeAt(v) === HASH) {
        // `key: # comment`: the value is the block on the next lines (a null would start who knows where)
        this.line = l + 1;
        value = this.emptyValue(v, col, true, false);
      } else value = this.scalar(l, v, col);
      pairs.push({ key, value });
      const next = this.nextContent();
      if (next < 0) break;
      const i = this.indent(next);
      if (i < col) break;
      if (i > col || this.isEntry(this.starts[next]! + i, this.ends[next]!)) throw BAIL;
      l = next;
    }
    return { kind: 'map', offset: this.starts[first]! + col, pairs };
  }

  /** A scalar starting at `p` on line `l` (a block scalar takes the lines after it); `parent` its indentation. */
  scalar(l: number, p: number, parent: number): YScalar {
    const { text } = this;
    const e = this.ends[l]!;
    const c = text.charCodeAt(p);
    if (c === 124 || c === 62) return this.blockScalar(l, p, parent, c === 62);
    if (c !== 39 && c !== 34) {
      if (indicatorStart(c, p + 1 < e ? text.charCodeAt(p + 1) : Number.NaN)) throw BAIL;
      let stop = e;
      for (let j = p; j < e; j++) {
        const d = text.charCodeAt(j);
        if (d === HASH && text.charCodeAt(j - 1) === SP) {
          stop = j;
          break;
        }
        if (d === COLON && (j + 1 === e || text.charCodeAt(j + 1) === SP)) throw BAIL;
      }
      while (stop > p && text.charCodeAt(stop - 1) === SP) stop--;
      this.line = l + 1;
      return { kind: 'scalar', offset: p, value: ownValue(resolvePlain(text.slice(p, stop))) };
    }
    const { value, end } = this.quoted(p, e);
    // After a quoted scalar: spaces, then nothing or a comment.
    let j = end;
    while (j < e && text.charCodeAt(j) === SP) j++;
    if (j < e && (text.charCodeAt(j) !== HASH || j === end)) throw BAIL;
    this.line = l + 1;
    return { kind: 'scalar', offset: p, value: own(value) };
  }

  /** The single- or double-quoted scalar at `p`, on one line ending at `e`; `end` is after the closing quote. */
  quoted(p: number, e: number): { value: string; end: number } {
    const { text } = this;
    let value = '';
    let j = p + 1;
    let from = j;
    if (text.charCodeAt(p) === 39) {
      for (;;) {
        if (j >= e) throw BAIL;
        if (text.charCodeAt(j) === 39) {
          value += text.slice(from, j);
          if (j + 1 < e && text.charCodeAt(j + 1) === 39) {
            value += "'";
            j += 2;
            from = j;
            continue;
          }
          return { value, end: j + 1 };
        }
        j++;
      }
    }
    for (;;) {
      if (j >= e) throw BAIL;
      const d = text.charCodeAt(j);
      if (d === 34) return { value: value + text.slice(from, j), end: j + 1 };
      if (d === 92) {
        const x = j + 1 < e ? text[j + 1]! : '';
        const hex = x === 'x' ? 2 : x === 'u' ? 4 : 0;
        const esc = hex ? hexChar(text.slice(j + 2, Math.min(j + 2 + hex, e)), hex) : ESCAPES[x];
        if (esc === undefined) throw BAIL;
        value += text.slice(from, j) + esc;
        j += 2 + hex;
        from = j;
        continue;
      }
      j++;
    }
  }

  /** `|` or `>` at `p` (clip, or strip with `-`), its lines indented more than `parent`. */
  blockScalar(l: number, p: number, parent: number, folded: boolean): YScalar {
    const { text } = this;
    const e = this.ends[l]!;
    let j = p + 1;
    const strip = text.charCodeAt(j) === DASH;
    if (strip) j++;
    const h = j;
    while (j < e && text.charCodeAt(j) === SP) j++;
    if (j < e && (text.charCodeAt(j) !== HASH || j === h)) throw BAIL;
    // The lines of the scalar: up to the first non-blank line indented less than the first content line.
    let m = -1;
    const lines: string[] = [];
    let last = l;
    let n = l + 1;
    for (; n < this.starts.length; n++) {
      const s = this.starts[n]!;
      const i = this.indent(n);
      const blank = s + i === this.ends[n];
      if (blank) {
        if (m >= 0 ? i > m : i > 0) throw BAIL;
        lines.push('');
        continue;
      }
      if (m < 0) {
        if (i <= parent) break;
        m = i;
      } else if (i < m) break;
      const content = text.slice(s + m, this.ends[n]);
      if (folded && content.charCodeAt(0) === SP) throw BAIL;
      lines.push(content);
      last = n;
    }
    if (m < 0 || this.ends[last] === text.length) throw BAIL;
    const kept = lines.slice(0, lines.length - (n - 1 - last));
    let value: string;
    if (folded) {
      if (kept[0] === '') throw BAIL;
      value = kept[0]!;
      let blanks = 0;
      for (let k = 1; k < kept.length; k++) {
        if (kept[k] === '') blanks++;
        else {
          value += blanks === 0 ? ` ${kept[k]}` : '\n'.repeat(blanks) + kept[k];
          blanks = 0;
        }
      }
    } else value = kept.join('\n');
    if (!strip) value += '\n';
    this.line = last + 1;
    return { kind: 'scalar', offset: p, value: own(value) };
  }
}

/**
 * The tree of a one-document text in the subset, with the start offset of every line; undefined when
 * the text is outside it (or holds no document).
 */
export function fastLoad(text: string): { readonly root: YNode; readonly lineStarts: readonly number[] } | undefined {
  if (outsideSubset(text)) return undefined;
  const loader = new Loader(text);
  try {
    const l = loader.nextContent();
    if (l < 0) return undefined;
    const root = loader.block(-1);
    if (loader.nextContent() >= 0) return undefined;
    return { root, lineStarts: loader.starts };
  } catch (error) {
    if (error === BAIL) return undefined;
    throw error;
  }
}
