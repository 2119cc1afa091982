/**
 * JSON parsing that never loses a 64-bit integer. `JSON.parse` turns `639199803770463703` into
 * `639199803770463700`; here the native parse runs once and, only when its result holds an integer
 * beyond 2^53, each such integer is written back as its decimal string, read from the text (never
 * parsed again): right after its key when the key is a word found once in the text (a Defender
 * `ReportId`), otherwise by one scan of the whole text for the integer literals of 16 digits or more,
 * each put back at the path where it stands. Strings keep coming
 * from the native parser, which copies them: no value keeps a slice of the input text alive.
 * A value the scan cannot account for (an integer written as `1e20`) falls back to a small exact
 * parser. Rows without big numbers pay one cheap walk of their values.
 */

import { ExactParser, MAX_JSON_DEPTH } from './exact-parser.js';

export { MAX_JSON_DEPTH };

/**
 * Parse JSON text; integers outside the safe range come back as decimal strings. Throws SyntaxError,
 * also for values nested deeper than 1,000 levels (the native parser accepts any depth,
 * but every recursive consumer downstream — `JSON.stringify` included — would overflow its stack).
 */
export function parseJsonExact(text: string): unknown {
  const value: unknown = JSON.parse(text);
  const holders: object[] = [];
  const keys: string[] = [];
  const found = walk(value, false, holders, keys);
  if (found === SAFE) return value;
  if (found === IN_OBJECTS && putBackByKey(text, holders, keys)) return value;
  const patched = patchBigIntegers(value, text);
  return patched === NOT_PATCHED ? new ExactParser(text).parseDocument() : patched;
}

/** The exact parser alone (no native parse): the reference the scan is tested against. */
export function parseJsonExactSlow(text: string): unknown {
  return new ExactParser(text).parseDocument();
}

/** What {@link walk} found: no integer beyond 2^53, some only as values of object keys, or some elsewhere. */
const SAFE = 0;
const IN_OBJECTS = 1;
const ELSEWHERE = 2;

/**
 * One iterative pass over a parsed value: {@link SAFE} unless it holds an integer that lost
 * precision; throws SyntaxError when it nests deeper than {@link MAX_JSON_DEPTH}; freezes every
 * object on the way when asked to. When `holders` is given, each object key holding such an integer
 * is listed (`holders[i]` has the key `keys[i]`), and the answer is {@link IN_OBJECTS} when those are
 * all of them (none in an array, none at the top).
 */
function walk(value: unknown, freeze: boolean, holders?: object[], keys?: string[]): number {
  if (value === null || typeof value !== 'object') return hasUnsafeNumber(value) ? ELSEWHERE : SAFE;
  let found = SAFE;
  const stack: object[] = [value];
  const depths: number[] = [0];
  while (stack.length > 0) {
    const current = stack.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth > MAX_JSON_DEPTH) throw new SyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (freeze) Object.freeze(current);
    for (const key in current) {
      const v = current[key];
      if (typeof v === 'number') {
        if (found === ELSEWHERE || Number.isSafeInteger(v) || !Number.isInteger(v)) continue;
        if (holders === undefined || keys === undefined || Array.isArray(current)) found = ELSEWHERE;
        else {
          found = IN_OBJECTS;
          holders.push(current);
          keys.push(key);
        }
      } else if (v !== null && typeof v === 'object') {
        stack.push(v);
        depths.push(depth + 1);
      }
    }
  }
  return found;
}

/** The most keys looked up one by one in a line (a Defender row has one, its `ReportId`). */
const MAX_LOOKUPS = 8;

/** A key whose quoted form cannot occur in valid JSON except as that very string: letters, digits, `_`. */
const WORD_KEY = /^\w+$/;
/** A `\u` escape of a letter, digit or `_` (or a few neighbours): a key could be spelt with it. */
const ESCAPED_WORD = /\\u00(?:3\d|[4-7][\dA-Fa-f])/;

/**
 * The targeted read: each key that holds an integer beyond 2^53 (`keys[i]` of `holders[i]`) is looked up as `"key"` in the text with `indexOf`, and the integer literal after its
 * colon is put back. In valid JSON a quote not escaped by a backslash always opens or closes a string,
 * and between two strings only brackets, commas, colons and spaces stand: so `"key"` found once, for a
 * key of word characters that no `\u` escape in the text could spell, is that key's one occurrence.
 * Anything else (the key found twice, no literal after it, a literal that does not round to the
 * parsed number) answers false and changes nothing: the caller scans the whole text instead.
 */
function putBackByKey(text: string, holders: object[], keys: string[]): boolean {
  // Each key costs a search of the line: a line with many is left to the one scan.
  if (keys.length > MAX_LOOKUPS) return false;
  if (text.includes('\\u') && ESCAPED_WORD.test(text)) return false;
  const literals: string[] = [];
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k] as string;
    if (!WORD_KEY.test(key)) return false;
    // The key and its closing quote, then the opening quote before it: a search that starts with a
    // quote, which JSON text is full of, is several times slower.
    const needle = `${key}"`;
    let at = -1;
    for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) {
      if (text.charCodeAt(i - 1) !== 0x22) continue;
      let slashes = 0;
      while (text.charCodeAt(i - 2 - slashes) === 0x5c) slashes++;
      if (slashes % 2 === 1) continue;
      if (at !== -1) return false;
      at = i;
    }
    if (at === -1) return false;
    let i = skipSpace(text, at + needle.length);
    if (text.charCodeAt(i) !== 0x3a /* : */) return false;
    i = skipSpace(text, i + 1);
    const start = i;
    if (text.charCodeAt(i) === 0x2d /* - */) i++;
    while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    const next = text.charCodeAt(i);
    if (i - start < BIG_DIGITS || next === 0x2e || next === 0x65 || next === 0x45) return false;
    // Printed from a BigInt, not sliced: a slice would keep the whole text alive as long as the value.
    const literal = BigInt(text.slice(start, i)).toString();
    if ((holders[k] as Record<string, unknown>)[key] !== Number(literal)) return false;
    literals.push(literal);
  }
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k] as string;
    const holder = holders[k] as Record<string, unknown>;
    // defineProperty for "__proto__": a plain own property here, as JSON.parse made it.
    if (key === '__proto__')
      Object.defineProperty(holder, key, { value: literals[k], enumerable: true, writable: true, configurable: true });
    else holder[key] = literals[k];
  }
  return true;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else return i;
  }
}

/**
 * True when `value` holds an integer that lost precision in `JSON.parse`. Iterative, so arbitrarily
 * deep input (which the native parser accepts) cannot overflow the stack here.
 */
export function hasUnsafeNumber(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isSafeInteger(value) && Number.isInteger(value);
  if (value === null || typeof value !== 'object') return false;
  const stack: object[] = [value];
  while (stack.length > 0) {
    const current = stack.pop() as Record<string, unknown>;
    for (const key in current) {
      const v = current[key];
      if (typeof v === 'number') {
        if (!Number.isSafeInteger(v) && Number.isInteger(v)) return true;
      } else if (v !== null && typeof v === 'object') stack.push(v);
    }
  }
  return false;
}

/**
 * {@link parseJsonExact} for values that are handed out read-only: the result is deeply frozen,
 * and the walk that freezes it is the one that looks for integers beyond 2^53 (one pass, not two).
 */
export function parseJsonExactFrozen(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== 'object') return hasUnsafeNumber(value) ? parseJsonExact(text) : value;
  if (walk(value, true) === SAFE) return value;
  // The walk froze what it saw: parse again (a JSON-in-text column, not a row) and patch that copy.
  const fresh: unknown = JSON.parse(text);
  const patched = patchBigIntegers(fresh, text);
  const exact = patched === NOT_PATCHED ? new ExactParser(text).parseDocument() : patched;
  const pending: unknown[] = [exact];
  while (pending.length > 0) {
    const current = pending.pop();
    if (current === null || typeof current !== 'object') continue;
    Object.freeze(current);
    for (const v of Object.values(current)) pending.push(v);
  }
  return exact;
}

const NOT_PATCHED: unique symbol = Symbol('not patched');

/** Digits from which an integer literal may lie beyond 2^53 (9007199254740992 has 16). */
const BIG_DIGITS = 16;

/**
 * Write the integer literals of `text` that `JSON.parse` rounded back into `value` (its result), as
 * decimal strings, found by one scan of the text that skips strings and builds nothing but the paths
 * of long literals. Every write is checked (the parsed number at that path is the literal's rounding)
 * and afterwards no unsafe integer may remain; otherwise {@link NOT_PATCHED}, and the caller parses
 * exactly. Duplicate keys: the last literal of a path is the one `JSON.parse` kept.
 */
function patchBigIntegers(value: unknown, text: string): unknown {
  const found = bigIntegerLiterals(text);
  if (found === undefined) return NOT_PATCHED;
  let root = value;
  for (const [path, literal] of found.values()) {
    if (path.length === 0) {
      if (typeof root !== 'number' || root !== Number(literal)) return NOT_PATCHED;
      root = literal;
      continue;
    }
    let parent: unknown = root;
    for (let i = 0; i < path.length - 1; i++) {
      if (parent === null || typeof parent !== 'object') return NOT_PATCHED;
      parent = (parent as Record<string | number, unknown>)[path[i]!];
    }
    if (parent === null || typeof parent !== 'object') return NOT_PATCHED;
    const last = path[path.length - 1]!;
    const holder = parent as Record<string | number, unknown>;
    if (!Object.hasOwn(holder, last)) return NOT_PATCHED;
    const current = holder[last];
    if (typeof current !== 'number') return NOT_PATCHED;
    if (Number.isSafeInteger(current)) continue;
    if (current !== Number(literal)) return NOT_PATCHED;
    // defineProperty: a "__proto__" key is a plain own property here, as JSON.parse made it.
    Object.defineProperty(holder, last, { value: literal, enumerable: true, writable: true, configurable: true });
  }
  return hasUnsafeNumber(root) ? NOT_PATCHED : root;
}

/**
 * The integer literals of {@link BIG_DIGITS} digits or more in valid JSON `text`, each with its path
 * (object keys and array indexes), the last one per path; undefined when a key cannot be read, or when
 * a fraction or an exponent may stand for an integer beyond 2^53.
 */
function bigIntegerLiterals(text: string): Map<string, [path: (string | number)[], literal: string]> | undefined {
  const out = new Map<string, [(string | number)[], string]>();
  // One frame per open container: the key (object) or index (array) of the value being read.
  const keys: (string | number)[] = [];
  const isArray: boolean[] = [];
  let expectKey = false;
  const len = text.length;
  let i = 0;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = text.indexOf('"', i + 1);
      let escaped = false;
      for (;;) {
        if (end === -1) return undefined;
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
        if (slashes > 0) escaped = true;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (expectKey) {
        keys[keys.length - 1] = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
        expectKey = false;
      }
      i = end + 1;
    } else if (c === 0x7b /* { */) {
      keys.push('');
      isArray.push(false);
      expectKey = true;
      i++;
    } else if (c === 0x5b /* [ */) {
      keys.push(0);
      isArray.push(true);
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      keys.pop();
      isArray.pop();
      i++;
    } else if (c === 0x2c /* , */) {
      const top = keys.length - 1;
      if (isArray[top]) keys[top] = (keys[top] as number) + 1;
      else expectKey = true;
      i++;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      let integer = true;
      let exponent = false;
      let intDigits = -1;
      i++;
      while (i < len) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) i++;
        else if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) {
          if (integer) intDigits = i - start - (c === 0x2d ? 1 : 0);
          if (d === 0x65 || d === 0x45) exponent = true;
          integer = false;
          i++;
        } else break;
      }
      const digits = i - start - (c === 0x2d ? 1 : 0);
      // A fraction or an exponent that may parse to an integer beyond 2^53 (`1e20`, `9007199254740993.0`)
      // has no literal to put back; as a duplicate key it would let an earlier literal be written in its
      // place: the exact parser decides.
      if (!integer && (exponent || intDigits >= BIG_DIGITS)) return undefined;
      if (integer && digits >= BIG_DIGITS) {
        const path = keys.slice();
        // Printed from a BigInt, not sliced: a slice would keep the whole text alive as long as the value.
        out.set(JSON.stringify(path), [path, BigInt(text.slice(start, i)).toString()]);
      }
    } else i++;
  }
  return out;
}
