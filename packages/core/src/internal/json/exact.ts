/**
 * JSON parsing that never loses a 64-bit integer. `JSON.parse` turns `639199803770463703` into
 * `639199803770463700`; here the native parse runs once and, only when its result holds an integer
 * beyond 2^53, the text's runs of 16 digits or more are read (one regex scan): when each rounded value
 * has one literal that rounds to it, that literal is written back as its decimal string. Otherwise
 * the text is scanned (not parsed again) for the integer literals of 16 digits or more, and each is
 * written back at the path where it stands. Strings keep coming
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
  if (value === null || typeof value !== 'object') {
    if (!hasUnsafeNumber(value)) return value;
  } else {
    const slots = unsafeSlots(value);
    if (slots === undefined) return value;
    if (patchByLiteral(slots, text)) return value;
  }
  const patched = patchBigIntegers(value, text);
  return patched === NOT_PATCHED ? new ExactParser(text).parseDocument() : patched;
}

/** The exact parser alone (no native parse): the reference the fast paths are tested against. */
export function parseJsonExactSlow(text: string): unknown {
  return new ExactParser(text).parseDocument();
}

/** Where an integer that lost precision stands: its holder (object or array) and key. */
type Slot = [holder: Record<string | number, unknown>, key: string | number, rounded: number];

/**
 * Like {@link walk} without freezing, but collecting the slots of the integers that lost precision
 * (undefined when there is none). Throws SyntaxError beyond {@link MAX_JSON_DEPTH}.
 */
function unsafeSlots(value: object): Slot[] | undefined {
  const slots: Slot[] = [];
  const stack: object[] = [value];
  const depths: number[] = [0];
  while (stack.length > 0) {
    const current = stack.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth > MAX_JSON_DEPTH) throw new SyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (Array.isArray(current)) {
      for (let i = 0; i < current.length; i++) {
        const v: unknown = current[i];
        if (typeof v === 'number') {
          if (!Number.isSafeInteger(v) && Number.isInteger(v)) slots.push([current, i, v]);
        } else if (v !== null && typeof v === 'object') {
          stack.push(v);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const key in current) {
      const v = current[key];
      if (typeof v === 'number') {
        if (!Number.isSafeInteger(v) && Number.isInteger(v)) slots.push([current, key, v]);
      } else if (v !== null && typeof v === 'object') {
        stack.push(v);
        depths.push(depth + 1);
      }
    }
  }
  return slots.length > 0 ? slots : undefined;
}

/** Runs of 16 digits or more (maximal: the scan starts each match at a run's first digit). */
const LONG_DIGITS = /[0-9]{16,}/g;
/**
 * A number token with an exponent, which may parse to an integer beyond 2^53 without being an
 * integer literal (`1e20`): a token starts after `:`, `,`, `[` or white space. Strings may match too
 * (` 3e5`), which only costs the fast path. Linear: the runs tried from different starts are disjoint.
 */
const EXPONENT_TOKEN = /[:,[\s]-?[0-9][0-9.]*[eE]/;

/**
 * The fast way to put the literals back: every integer token of 16 digits or more in the text is a
 * maximal run of digits (with its `-`) not part of a fraction or an exponent, so it is among these
 * candidates, strings' digit runs included. When, for each rounded value, the candidates that round to
 * it are all the same literal, that literal is the token's, wherever it stands. Only a fraction of 16
 * integer digits or more (`9007199254740993.0`) or an exponent can also parse to such a value: when the
 * text may hold one, when two different literals round to one value, or when none does, nothing is
 * written and false is returned: the caller places the literals by their paths. Linear in the text
 * (native regex scans).
 */
function patchByLiteral(slots: readonly Slot[], text: string): boolean {
  if (EXPONENT_TOKEN.test(text)) return false;
  const literals = new Map<number, string | null>();
  LONG_DIGITS.lastIndex = 0;
  for (let m = LONG_DIGITS.exec(text); m !== null; m = LONG_DIGITS.exec(text)) {
    let start = m.index;
    const end = start + m[0].length;
    const after = text.charCodeAt(end);
    // Maybe a fraction or an exponent of a value beyond 2^53: leave it to the paths.
    if (after === 0x2e /* . */ || after === 0x65 /* e */ || after === 0x45 /* E */) return false;
    if (text.charCodeAt(start - 1) === 0x2d /* - */) start--;
    const before = text.charCodeAt(start - 1);
    // A fraction's or an exponent's digits (`1.2345…`, `1e+2345…`, `1e-2345…`) are no token.
    if (before === 0x2e || before === 0x65 || before === 0x45 || before === 0x2b || before === 0x2d) continue;
    const literal = start === m.index ? m[0] : text.slice(start, end);
    const rounded = Number(literal);
    const seen = literals.get(rounded);
    if (seen === undefined) literals.set(rounded, literal);
    else if (seen !== null && seen !== literal) literals.set(rounded, null);
  }
  const exact: string[] = [];
  for (const [, , rounded] of slots) {
    const literal = literals.get(rounded);
    if (literal === undefined || literal === null) return false;
    exact.push(literal);
  }
  for (let i = 0; i < slots.length; i++) {
    const [holder, key] = slots[i]!;
    // Printed from a BigInt, not sliced: a slice would keep the whole text alive as long as the value.
    const literal = BigInt(exact[i]!).toString();
    if (key === '__proto__') {
      // A "__proto__" key is a plain own property here, as JSON.parse made it.
      Object.defineProperty(holder, key, { value: literal, enumerable: true, writable: true, configurable: true });
    } else holder[key] = literal;
  }
  return true;
}

/**
 * One iterative pass over a parsed value: true when it holds an integer that lost precision; throws
 * SyntaxError when it nests deeper than {@link MAX_JSON_DEPTH}; freezes every object on the way when
 * asked to.
 */
function walk(value: unknown, freeze: boolean): boolean {
  if (value === null || typeof value !== 'object') return hasUnsafeNumber(value);
  let unsafe = false;
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
        if (!unsafe && !Number.isSafeInteger(v) && Number.isInteger(v)) unsafe = true;
      } else if (v !== null && typeof v === 'object') {
        stack.push(v);
        depths.push(depth + 1);
      }
    }
  }
  return unsafe;
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
  if (!walk(value, true)) return value;
  // The walk froze what it saw: parse again (a JSON-in-text column, not a row) and patch that copy.
  const fresh = JSON.parse(text) as object;
  const slots = unsafeSlots(fresh);
  const patched = slots !== undefined && patchByLiteral(slots, text) ? fresh : patchBigIntegers(fresh, text);
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
 * (object keys and array indexes), the last one per path; undefined when a key cannot be read.
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
