import { parseJsonExact } from '../json/exact.js';
import type { Router } from './route.js';

/** A reader of decoded text pushed chunk by chunk. */
export interface TextReader {
  push(text: string): void;
  end(): void;
}

/** True when `text` (already at most `max` UTF-16 units long when called on the slow path) exceeds `max` UTF-8 bytes. */
export function exceedsBytes(text: string, max: number): boolean {
  // UTF-8 needs at least one byte per UTF-16 unit and at most three, so most lines are settled by their length.
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return Buffer.byteLength(text, 'utf8') > max;
}

/** Short, single-line form of a JSON.parse error message. */
export function syntaxMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const oneLine = msg.replace(/\s+/g, ' ');
  return oneLine.length > 160 ? `${oneLine.slice(0, 157)}...` : oneLine;
}

/**
 * Splits decoded text into lines with `indexOf` and hands each complete line to `onLine`. A line
 * split across chunks is kept as parts until its newline arrives; once its length passes
 * `maxBytes` the parts are dropped and the rest of the line is discarded as it streams by, so
 * memory stays bounded by `maxBytes` whatever the input.
 */
export class LineSplitter implements TextReader {
  #parts: string[] = [];
  #partChars = 0;
  #discarding = false;
  #line = 0;

  constructor(
    private readonly onLine: (text: string, line: number) => void,
    private readonly onTooLong: (line: number) => void,
    private readonly maxBytes: number,
  ) {}

  /** UTF-16 units currently held for an unfinished line (for tests of the memory bound). */
  get bufferedChars(): number {
    return this.#partChars;
  }

  push(text: string): void {
    const len = text.length;
    let start = 0;
    while (start < len) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) {
        this.#partial(start === 0 ? text : text.slice(start));
        return;
      }
      this.#line++;
      if (this.#discarding) {
        this.#discarding = false;
        this.onTooLong(this.#line);
      } else if (this.#parts.length === 0) {
        this.#complete(text.slice(start, nl));
      } else {
        const piece = text.slice(start, nl);
        if (this.#partChars + piece.length > this.maxBytes) {
          this.#parts = [];
          this.#partChars = 0;
          this.onTooLong(this.#line);
        } else {
          this.#parts.push(piece);
          const line = this.#parts.join('');
          this.#parts = [];
          this.#partChars = 0;
          this.#complete(line);
        }
      }
      start = nl + 1;
    }
  }

  end(): void {
    if (this.#discarding) {
      this.#line++;
      this.#discarding = false;
      this.onTooLong(this.#line);
    } else if (this.#parts.length > 0) {
      this.#line++;
      const line = this.#parts.join('');
      this.#parts = [];
      this.#partChars = 0;
      this.#complete(line);
    }
  }

  #partial(piece: string): void {
    if (this.#discarding) return;
    if (this.#partChars + piece.length > this.maxBytes) {
      this.#parts = [];
      this.#partChars = 0;
      this.#discarding = true;
      return;
    }
    this.#parts.push(piece);
    this.#partChars += piece.length;
  }

  #complete(raw: string): void {
    const line = raw.charCodeAt(raw.length - 1) === 0x0d ? raw.slice(0, -1) : raw;
    if (exceedsBytes(line, this.maxBytes)) this.onTooLong(this.#line);
    else this.onLine(line, this.#line);
  }
}

/**
 * The same splitting for undecoded input: newlines are found in the bytes (0x0A never occurs inside
 * a UTF-8 sequence) and each line is decoded on its own. Decoding line by line is much cheaper than
 * decoding whole chunks: a chunk holding one non-ASCII character (a `®` in a Windows version
 * string) decodes to a two-byte string, and so would every line sliced from it, while ASCII lines
 * decoded alone stay one-byte strings that `JSON.parse` reads faster. Invalid UTF-8 becomes U+FFFD
 * per line, whatever the chunking. A line split across chunks is kept as byte parts, bounded by
 * `maxBytes` like {@link LineSplitter}.
 */
export class ByteLineSplitter implements TextReader {
  #parts: Buffer[] = [];
  #partBytes = 0;
  #discarding = false;
  #line = 0;

  constructor(
    private readonly onLine: (text: string, line: number) => void,
    private readonly onTooLong: (line: number) => void,
    private readonly maxBytes: number,
  ) {}

  /** Bytes currently held for an unfinished line (for tests of the memory bound). */
  get bufferedBytes(): number {
    return this.#partBytes;
  }

  /** Decoded text (a string chunk of a source that mixes both) is split as its UTF-8 bytes. */
  push(text: string): void {
    this.pushBytes(Buffer.from(text, 'utf8'));
  }

  pushBytes(buf: Buffer): void {
    const len = buf.length;
    let start = 0;
    while (start < len) {
      const nl = buf.indexOf(0x0a, start);
      if (nl === -1) {
        this.#partial(buf, start, len);
        return;
      }
      this.#line++;
      if (this.#discarding) {
        this.#discarding = false;
        this.onTooLong(this.#line);
      } else if (this.#parts.length === 0) {
        this.#complete(buf, start, nl);
      } else if (this.#partBytes + (nl - start) > this.maxBytes + 1) {
        this.#parts = [];
        this.#partBytes = 0;
        this.onTooLong(this.#line);
      } else {
        this.#parts.push(buf.subarray(start, nl));
        const whole = Buffer.concat(this.#parts, this.#partBytes + (nl - start));
        this.#parts = [];
        this.#partBytes = 0;
        this.#complete(whole, 0, whole.length);
      }
      start = nl + 1;
    }
  }

  end(): void {
    if (this.#discarding) {
      this.#line++;
      this.#discarding = false;
      this.onTooLong(this.#line);
    } else if (this.#parts.length > 0) {
      this.#line++;
      const whole = Buffer.concat(this.#parts, this.#partBytes);
      this.#parts = [];
      this.#partBytes = 0;
      this.#complete(whole, 0, whole.length);
    }
  }

  #partial(buf: Buffer, start: number, end: number): void {
    if (this.#discarding) return;
    // One byte over the limit is allowed while the line is open: it may be the CR of a CRLF.
    if (this.#partBytes + (end - start) > this.maxBytes + 1) {
      this.#parts = [];
      this.#partBytes = 0;
      this.#discarding = true;
      return;
    }
    // A copy: the source may reuse its buffer once the next chunk is asked for.
    this.#parts.push(Buffer.from(buf.subarray(start, end)));
    this.#partBytes += end - start;
  }

  #complete(buf: Buffer, start: number, end: number): void {
    const stop = end > start && buf[end - 1] === 0x0d ? end - 1 : end;
    if (stop - start > this.maxBytes) this.onTooLong(this.#line);
    else this.onLine(buf.toString('utf8', start, stop), this.#line);
  }
}

/** NDJSON: one JSON value per line (bare row, streaming record, or a one-line envelope); blank lines skipped. */
export function ndjsonReader(router: Router, maxBytes: number, bytes: true): ByteLineSplitter;
export function ndjsonReader(router: Router, maxBytes: number, bytes?: false): LineSplitter;
export function ndjsonReader(router: Router, maxBytes: number, bytes = false): LineSplitter | ByteLineSplitter {
  const Splitter = bytes ? ByteLineSplitter : LineSplitter;
  return new Splitter(
    (line, n) => {
      let i = 0;
      const len = line.length;
      while (i < len && line.charCodeAt(i) <= 0x20) i++;
      if (i === len) return;
      let value: unknown;
      try {
        value = parseJsonExact(line);
      } catch (err) {
        router.reject(n, undefined, 'malformed-json', `line is not valid JSON: ${syntaxMessage(err)}`);
        return;
      }
      router.value(value, n, undefined);
    },
    (n) => router.reject(n, undefined, 'line-too-long', `line is longer than ${maxBytes} bytes`),
    maxBytes,
  );
}
