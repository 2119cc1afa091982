/**
 * JSON parsing that never loses a 64-bit integer. `JSON.parse` turns `639199803770463703` into
 * `639199803770463700`; here the fast native parse runs first and, only when the result holds an
 * integer beyond 2^53, the text is parsed again by a small exact parser that keeps such integers
 * as their decimal string. Rows without big numbers pay one cheap walk of their top-level values.
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
  return walk(value, false) ? new ExactParser(text).parseDocument() : value;
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
  const exact = new ExactParser(text).parseDocument();
  const pending: unknown[] = [exact];
  while (pending.length > 0) {
    const current = pending.pop();
    if (current === null || typeof current !== 'object') continue;
    Object.freeze(current);
    for (const v of Object.values(current)) pending.push(v);
  }
  return exact;
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
    let escaped = false;
    for (;;) {
      if (end >= t.length) this.fail('Unterminated string');
      const c = t.charCodeAt(end);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        end += 2;
      } else end++;
    }
    this.pos = end + 1;
    const slice = t.slice(start, end + 1);
    return escaped ? (JSON.parse(slice) as string) : slice.slice(1, -1);
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
    if (isInteger && !Number.isSafeInteger(value)) return literal.replace(/^(-?)0+(?=\d)/, '$1');
    return value;
  }
}
