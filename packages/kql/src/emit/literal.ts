/**
 * Kusto literals: every value the emitter writes into a query goes through here, so that rule-author or
 * attacker text (`"); drop table`, a newline) always stays inside its literal.
 */

/** Characters that force the escaped `"…"` form: the quote, control characters, line separators, surrogates. */
function needsEscapes(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22 || c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029 || (c >= 0xd800 && c <= 0xdfff)) {
      return true;
    }
  }
  return false;
}

const hex4 = (c: number): string => `\\u${c.toString(16).padStart(4, '0')}`;

/**
 * A Kusto string literal holding exactly `value`: the verbatim form `@"…"` (the backslash stands for
 * itself) when the value has no double quote and no control character, else the escaped form `"…"` with
 * `\\`, `\"`, `\n`, `\r`, `\t` and `\uXXXX` for every other control character, line separator or
 * surrogate half.
 */
export function kqlString(value: string): string {
  if (!needsEscapes(value)) return `@"${value}"`;
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const c = value.charCodeAt(i);
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029 || (c >= 0xd800 && c <= 0xdfff)) out += hex4(c);
    else out += ch;
  }
  return `${out}"`;
}

/** A list of string literals for `in`/`in~`: `("a", "b")`. */
export function kqlStringList(values: readonly string[]): string {
  return `(${values.map(kqlString).join(', ')})`;
}

/**
 * A number as a Kusto literal: integers as `long`, others as `real`; undefined for what Kusto cannot
 * spell the same way (NaN, infinities, exponent forms).
 */
export function kqlNumber(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  const text = String(n);
  if (text.includes('e') || text.includes('E')) return undefined;
  return text;
}

/** RE2 metacharacters escaped in a literal piece of a regex (ASCII punctuation; letters and digits stay). */
export function regexEscape(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    const punct =
      (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
    if (punct) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x{${c.toString(16)}}`;
    else out += ch;
  }
  return out;
}
