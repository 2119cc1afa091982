/**
 * The small exact JSON parser behind `parseJsonExact`: used when the native parse and the put-back of
 * big integer literals cannot account for a value, and as the reference the fast paths are tested
 * against. Integers beyond 2^53 come back as decimal strings; strings are copies, never slices.
 */

/** Largest nesting depth accepted by the exact parser (the native parser has no stack limit). */
export const MAX_JSON_DEPTH = 1000;

const WS = new Uint8Array(128);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;

/** A recursive-descent JSON parser that keeps every integer exact. */
export class ExactParser {
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
