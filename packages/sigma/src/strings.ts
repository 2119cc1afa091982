/**
 * Sigma string values: the escape rules of the specification, wildcard globs and their linear matcher,
 * and the compiled string patterns the evaluator and the candidate index read.
 */
import type { StringPattern } from './ir.js';

/** One piece of a Sigma string after escape processing: literal text, `*` or `?`. */
export type GlobPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'one' };

/**
 * Split a value as written into literal text and wildcards, by the specification's escape rules:
 * `\*` and `\?` are literal wildcard characters, `\\` is one backslash, any other backslash is itself.
 */
export function parseSigmaString(value: string): GlobPart[] {
  // Most values have no backslash and no wildcard: one literal part, built without a scan by character.
  if (!value.includes('\\') && !value.includes('*') && !value.includes('?'))
    return value === '' ? [] : [{ kind: 'text', text: value }];
  const parts: GlobPart[] = [];
  let text = '';
  const flush = (): void => {
    if (text) parts.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') {
      const next = value[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        text += next;
        i++;
      } else text += c;
    } else if (c === '*') {
      flush();
      if (parts.at(-1)?.kind !== 'any') parts.push({ kind: 'any' });
    } else if (c === '?') {
      flush();
      parts.push({ kind: 'one' });
    } else text += c;
  }
  flush();
  return parts;
}

/** True when the parts hold a wildcard. */
export function hasWildcard(parts: readonly GlobPart[]): boolean {
  return parts.some((p) => p.kind !== 'text');
}

/** The literal text of wildcard-free parts. */
export function partsText(parts: readonly GlobPart[]): string {
  return parts.map((p) => (p.kind === 'text' ? p.text : p.kind === 'any' ? '*' : '?')).join('');
}

/** Our canonical glob spelling: literal `\`, `*` and `?` escaped with a backslash. */
export function globText(parts: readonly GlobPart[]): string {
  return parts
    .map((p) => (p.kind === 'text' ? p.text.replace(/[\\*?]/g, (c) => `\\${c}`) : p.kind === 'any' ? '*' : '?'))
    .join('');
}

const ANY = -2;
const ONE = -1;

/** A glob compiled to code units (`-2` = `*`, `-1` = `?`) for the two-pointer matcher. */
export function globCodes(parts: readonly GlobPart[]): Int32Array {
  const codes: number[] = [];
  for (const p of parts) {
    if (p.kind === 'any') codes.push(ANY);
    else if (p.kind === 'one') codes.push(ONE);
    else for (let i = 0; i < p.text.length; i++) codes.push(p.text.charCodeAt(i));
  }
  return Int32Array.from(codes);
}

/**
 * Whole-string glob match, two pointers with one remembered star: no RegExp, no recursion. Time is at
 * most text length × pattern length, and linear in the text for a given pattern.
 */
export function globMatch(codes: Int32Array, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  const n = text.length;
  const m = codes.length;
  while (t < n) {
    const c = p < m ? codes[p]! : 0;
    if (p < m && (c === ONE || c === text.charCodeAt(t))) {
      p++;
      t++;
    } else if (p < m && c === ANY) {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else return false;
  }
  while (p < m && codes[p] === ANY) p++;
  return p === m;
}

/** A compiled string pattern: the contract's fields, the value as the author wrote it, and its matcher. */
export interface CompiledPattern extends StringPattern {
  /** The value as written in the rule (before folding), for "why it matched". */
  readonly written: string;
  match(value: string): boolean;
}

export type Anchor = 'exact' | 'prefix' | 'suffix' | 'contains';

/** The longest literal pieces of parts (at most 3, longest first, ties in order), folded by `fold`. */
function literalsOf(parts: readonly GlobPart[], fold: (s: string) => string): string[] {
  const texts = parts.filter((p): p is { kind: 'text'; text: string } => p.kind === 'text').map((p) => fold(p.text));
  return texts
    .map((t, i) => ({ t, i }))
    .sort((a, b) => b.t.length - a.t.length || a.i - b.i)
    .slice(0, 3)
    .map((x) => x.t);
}

/**
 * Compile one value (already escape-parsed) under an anchor. `fold` lower-cases (or is the identity for
 * `cased`) and normalises dashes for `windash`; it is applied once here, never per event.
 */
export function compilePattern(
  parts: readonly GlobPart[],
  anchor: Anchor,
  fold: (s: string) => string,
  written: string,
): CompiledPattern {
  // One literal part (most values): what the general path below gives, without its intermediate lists.
  if (parts.length === 1 && parts[0]!.kind === 'text') {
    const text = fold(parts[0]!.text);
    return { anchor, text, literals: [text], written, match: literalMatcher(anchor, text) };
  }
  let ps: GlobPart[] = parts.map((p) => (p.kind === 'text' ? { kind: 'text', text: fold(p.text) } : p));
  if (anchor === 'prefix' || anchor === 'contains') ps = [...ps, { kind: 'any' }];
  if (anchor === 'suffix' || anchor === 'contains') ps = [{ kind: 'any' }, ...ps];
  // Collapse repeated stars.
  ps = ps.filter((p, i) => !(p.kind === 'any' && ps[i - 1]?.kind === 'any'));
  const literals = literalsOf(ps, (s) => s);
  const inner = ps.slice(ps[0]?.kind === 'any' ? 1 : 0, ps.at(-1)?.kind === 'any' && ps.length > 1 ? -1 : undefined);
  const lead = ps[0]?.kind === 'any';
  const trail = ps.length > 1 && ps.at(-1)?.kind === 'any';
  if (!hasWildcard(inner)) {
    const text = partsText(inner);
    const a: Anchor = lead ? (trail ? 'contains' : 'suffix') : trail ? 'prefix' : 'exact';
    return { anchor: a, text, literals, written, match: literalMatcher(a, text) };
  }
  return { anchor: 'glob', text: globText(ps), literals, written, match: globMatcher(globCodes(ps)) };
}

// The matchers are made outside `compilePattern`: a closure keeps the whole scope of the function it
// is made in (here the parts, the folding function and through it the compiler's state), and the
// rule set keeps its patterns for the life of the process.

/** The matcher of a literal under an anchor; it holds `text` alone. */
function literalMatcher(anchor: Anchor, text: string): (value: string) => boolean {
  if (anchor === 'exact') return (v) => v === text;
  if (anchor === 'prefix') return (v) => v.startsWith(text);
  if (anchor === 'suffix') return (v) => v.endsWith(text);
  return (v) => v.includes(text);
}

/** The matcher of a glob compiled by {@link globCodes}; it holds `codes` alone. */
function globMatcher(codes: Int32Array): (value: string) => boolean {
  return (v) => globMatch(codes, v);
}

/** Every dash character `windash` treats as one: `-`, `/`, en dash, em dash, horizontal bar. */
export const WINDASH_CHARS = ['-', '/', '\u2013', '\u2014', '\u2015'] as const;

/** Replace every `windash` dash character by `-` (one pass, no RegExp). */
export function normaliseDashes(s: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2f || c === 0x2013 || c === 0x2014 || c === 0x2015) {
      out += `${s.slice(last, i)}-`;
      last = i + 1;
    }
  }
  return last === 0 ? s : out + s.slice(last);
}
