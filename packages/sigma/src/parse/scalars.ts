/**
 * The scalar and character rules of the fast YAML loader (`./fast.ts`): plain scalars resolved as the
 * YAML 1.2 core schema, indicators, double-quoted escapes, and the characters left to the `yaml` package.
 */

/** Thrown inside the fast loader when the text leaves the subset; caught by `fastLoad`. */
export const BAIL: { readonly bail: true } = { bail: true };

export const SP = 32;
export const HASH = 35;
export const COLON = 58;
export const DASH = 45;

/** Plain scalars of the core schema that are not strings (besides plain decimal integers). */
const CORE_NUMBER = [
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];

/** The value of a plain scalar (YAML 1.2 core schema), or BAIL when the fast loader leaves it to `yaml`. */
export function resolvePlain(s: string): unknown {
  switch (s) {
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 43 || c === DASH || c === 46) {
    if (s.length <= 15 && c !== 43 && c !== DASH && /^[0-9]+$/.test(s)) return Number.parseInt(s, 10);
    for (const re of CORE_NUMBER) if (re.test(s)) throw BAIL;
  }
  return s;
}

/**
 * Whether a plain scalar or key may not start with `c` followed by `next`: the YAML indicators; `-`, `?`
 * and `:` start a plain scalar only before a character other than a space.
 */
export function indicatorStart(c: number, next: number): boolean {
  if (c === DASH || c === 63 || c === COLON) return next === SP || Number.isNaN(next);
  // , [ ] { } # & * ! | > ' " % @ `
  return (
    c === 44 ||
    c === 91 ||
    c === 93 ||
    c === 123 ||
    c === 125 ||
    c === HASH ||
    c === 38 ||
    c === 42 ||
    c === 33 ||
    c === 124 ||
    c === 62 ||
    c === 39 ||
    c === 34 ||
    c === 37 ||
    c === 64 ||
    c === 96
  );
}

export const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r' };

/** The character of `\xHH` or `\uHHHH` (a lone surrogate as the `yaml` package gives it); undefined when not hex. */
export function hexChar(digits: string, length: number): string | undefined {
  if (digits.length !== length) return undefined;
  for (let i = 0; i < length; i++) {
    const c = digits.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return undefined;
  }
  return String.fromCodePoint(Number.parseInt(digits, 16));
}

/**
 * Whether the text has what the loader leaves to `yaml`: controls but LF (a tab is let through in a
 * comment line only), DEL and C1, BOM, unpaired surrogates, line and paragraph separators, document
 * markers and directives.
 */
export function outsideSubset(text: string): boolean {
  let lineStart = 0;
  /** Whether the current line is a comment line (first non-space `#`); undefined until a tab asks. */
  let commentLine: boolean | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 32 && c < 127) continue;
    if (c === 10) {
      lineStart = i + 1;
      commentLine = undefined;
      if (marker(text, lineStart)) return true;
      continue;
    }
    if (c === 9) {
      if (commentLine === undefined) {
        let f = lineStart;
        while (text.charCodeAt(f) === SP) f++;
        commentLine = f < i && text.charCodeAt(f) === HASH;
      }
      if (commentLine) continue;
      return true;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return true;
    }
    if (c < 160 || c === 0xfeff || (c >= 0xdc00 && c <= 0xdfff) || c === 0x2028 || c === 0x2029) return true;
  }
  return marker(text, 0);
}

/** `---`, `...` or `%` at offset `i` (the start of a line). */
function marker(text: string, i: number): boolean {
  const d = text.charCodeAt(i);
  return d === 37 || ((d === DASH || d === 46) && text.charCodeAt(i + 1) === d && text.charCodeAt(i + 2) === d);
}
