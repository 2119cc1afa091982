/**
 * JSON parsing that never loses a 64-bit integer. `JSON.parse` turns `639199803770463703` into
 * `639199803770463700`; here the native parse runs once and, only when its result holds an integer
 * beyond 2^53, the text is scanned (not parsed again) for the integer literals of 16 digits or more,
 * and each is written back, as its decimal string, at the path where it stands. Strings keep coming
 * from the native parser, which copies them: no value keeps a slice of the input text alive.
 * A value the scan cannot account for (an integer written as `1e20`) falls back to a small exact
 * parser. Rows without big numbers pay one cheap walk of their values.
 */

/** Largest nesting depth accepted by the exact parser (the native parser has no stack limit). */
export const MAX_JSON_DEPTH = 1000;

/**
 * Parse JSON text; integers outside the safe range come back as decimal strings. Throws SyntaxError,
 * also for values nested deeper than 1,000 levels (the native parser accepts any depth,
 * but every recursive consumer downstream — `JSON.stringify` included — would overflow its stack).
 */
export function parseJsonExact(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (!walk(value, false)) return value;
  const patched = patchBigIntegers(value, text);
  return patched === NOT_PATCHED ? new ExactParser(text).parseDocument() : patched;
}

/** The exact parser alone (no native parse): the reference the scan is tested against. */
export function parseJsonExactSlow(text: string): unknown {
  return new ExactParser(text).parseDocument();
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

const WS = new Uint8Array(128);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;

class ExactParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    const value = this.value(0);
    this.skipWs();
    if (this.pos !== this.text.length) this.fail('Unexpected data after JSON value');
    return value;
  }

  private fail(message: string): never {
    throw new SyntaxError(`${message} at position ${this.pos}`);
  }

  private skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c < 128 && WS[c] === 1) this.pos++;
      else break;
    }
  }

  private value(depth: number): unknown {
    if (depth > MAX_JSON_DEPTH) this.fail(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    this.skipWs();
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        return this.number();
    }
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail('Unexpected token');
    this.pos += word.length;
    return value;
  }

  private object(depth: number): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    this.skipWs();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '"') this.fail('Expected property name');
      const key = this.string();
      this.skipWs();
      if (this.text[this.pos] !== ':') this.fail("Expected ':'");
      this.pos++;
      // defineProperty, not assignment: a "__proto__" key stays a plain data property, as with JSON.parse.
      Object.defineProperty(out, key, {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipWs();
      const sep = this.text[this.pos++];
      if (sep === '}') return out;
      if (sep !== ',') this.fail("Expected ',' or '}'");
    }
  }

  private array(depth: number): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    this.skipWs();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.skipWs();
      const sep = this.text[this.pos++];
      if (sep === ']') return out;
      if (sep !== ',') this.fail("Expected ',' or ']'");
    }
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    let end = start + 1;
    for (;;) {
      if (end >= t.length) this.fail('Unterminated string');
      const c = t.charCodeAt(end);
      if (c === 0x22) break;
      end += c === 0x5c ? 2 : 1;
    }
    this.pos = end + 1;
    // JSON.parse copies: a slice of the text would keep the whole text alive as long as the value.
    return JSON.parse(t.slice(start, end + 1)) as string;
  }

  private number(): number | string {
    const t = this.text;
    const start = this.pos;
    let isInteger = true;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if ((c >= 0x30 && c <= 0x39) || c === 0x2d) this.pos++;
      else if (c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b) {
        isInteger = false;
        this.pos++;
      } else break;
    }
    const literal = t.slice(start, this.pos);
    if (literal.length === 0) this.fail('Unexpected token');
    const value = JSON.parse(literal) as number;
    if (isInteger && !Number.isSafeInteger(value)) return BigInt(literal).toString();
    return value;
  }
}
