/**
 * Allowlist patterns: `*` stands for any run of characters (line breaks included), every other
 * character stands for itself, and letters match regardless of case. Matching is done without
 * regular expressions, by the classic star-backtracking scan: it only ever returns to the most recent
 * `*`, so a test costs at most (text length × pattern length) steps whatever the input — an alert key
 * written by an attacker cannot make it hang.
 */

/** A compiled allowlist pattern. */
export interface GlobMatcher {
  /** The pattern as written. */
  readonly pattern: string;
  /** True when the whole `text` matches the pattern. */
  test(text: string): boolean;
}

const STAR = -1;

/**
 * Case folding of one UTF-16 code unit, the way a JavaScript regular expression with the `i` flag
 * (and without `u`) compares characters: by upper case, when that is a single code unit and does not
 * turn a non-ASCII character into an ASCII one.
 */
function fold(code: number): number {
  if (code < 128) return code >= 97 && code <= 122 ? code - 32 : code;
  const upper = String.fromCharCode(code).toUpperCase();
  if (upper.length !== 1) return code;
  const folded = upper.charCodeAt(0);
  return folded < 128 ? code : folded;
}

/** Compile an allowlist pattern. */
export function compileGlob(pattern: string): GlobMatcher {
  const units: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const code = pattern.charCodeAt(i);
    if (code === 42 /* * */) {
      if (units[units.length - 1] !== STAR) units.push(STAR);
    } else units.push(fold(code));
  }
  const pat = Int32Array.from(units);
  const m = pat.length;
  return Object.freeze({
    pattern,
    test(text: string): boolean {
      const n = text.length;
      let p = 0;
      let t = 0;
      let starP = -1;
      let starT = 0;
      while (t < n) {
        const c = p < m ? (pat[p] as number) : undefined;
        if (c === STAR) {
          starP = p++;
          starT = t;
        } else if (c !== undefined && c === fold(text.charCodeAt(t))) {
          p++;
          t++;
        } else if (starP >= 0) {
          // Let the last `*` take one more character and try the rest of the pattern again.
          p = starP + 1;
          t = ++starT;
        } else return false;
      }
      while (p < m && pat[p] === STAR) p++;
      return p === m;
    },
  });
}
