import { parseJsonExact } from '../json/exact.js';
import type { Router } from './route.js';

/** A reader of decoded text pushed chunk by chunk. */
export interface TextReader {
  push(text: string): void;
  end(): void;
  /** Release what is held outside memory when reading stops early (an error was thrown). */
  dispose?(): void;
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
 * Splits a stream of chunks into lines and hands each complete line to `onLine`, with its 1-based
 * number. A line split across chunks is kept as parts until its newline arrives; once it passes
 * `maxBytes` (plus one unit, which may be the CR of a CRLF) the parts are dropped and the rest of
 * the line is discarded as it streams by, so memory stays bounded by `maxBytes` whatever the input.
 * Subclasses say how a chunk is searched, held, joined and turned into a line: {@link LineSplitter}
 * for decoded text, {@link ByteLineSplitter} for bytes.
 */
abstract class Splitter<P extends string | Buffer> implements TextReader {
  #parts: P[] = [];
  #held = 0;
  #discarding = false;
  #line = 0;

  constructor(
    protected readonly onLine: (text: string, line: number) => void,
    protected readonly onTooLong: (line: number) => void,
    protected readonly maxBytes: number,
  ) {}

  abstract push(text: string): void;

  /** Index of the next newline in `chunk` at or after `from`, or -1. */
  protected abstract newline(chunk: P, from: number): number;
  /** `chunk[start, end)` as a part to keep until the line's newline arrives. */
  protected abstract hold(chunk: P, start: number, end: number): P;
  /** The kept parts of one line, `length` units long in all. */
  protected abstract join(parts: P[], length: number): P;
  /** Deliver `chunk[start, end)` as line `line` (its CR dropped), or reject it as too long. */
  protected abstract complete(chunk: P, start: number, end: number, line: number): void;

  /** Units (UTF-16 code units or bytes) currently held for an unfinished line. */
  protected get held(): number {
    return this.#held;
  }

  protected split(chunk: P): void {
    const len = chunk.length;
    let start = 0;
    while (start < len) {
      const nl = this.newline(chunk, start);
      if (nl === -1) {
        this.#partial(chunk, start, len);
        return;
      }
      this.#line++;
      if (this.#discarding) {
        this.#discarding = false;
        this.onTooLong(this.#line);
      } else if (this.#parts.length === 0) {
        this.complete(chunk, start, nl, this.#line);
      } else if (this.#held + (nl - start) > this.maxBytes + 1) {
        this.#drop();
        this.onTooLong(this.#line);
      } else {
        this.#parts.push(this.hold(chunk, start, nl));
        const whole = this.join(this.#parts, this.#held + (nl - start));
        this.#drop();
        this.complete(whole, 0, whole.length, this.#line);
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
      const whole = this.join(this.#parts, this.#held);
      this.#drop();
      this.complete(whole, 0, whole.length, this.#line);
    }
  }

  #partial(chunk: P, start: number, end: number): void {
    if (this.#discarding) return;
    if (this.#held + (end - start) > this.maxBytes + 1) {
      this.#drop();
      this.#discarding = true;
      return;
    }
    this.#parts.push(this.hold(chunk, start, end));
    this.#held += end - start;
  }

  #drop(): void {
    this.#parts = [];
    this.#held = 0;
  }
}

/** Lines of decoded text, found with `indexOf('\n')`; a line's limit is checked in UTF-8 bytes. */
export class LineSplitter extends Splitter<string> {
  /** UTF-16 units currently held for an unfinished line (for tests of the memory bound). */
  get bufferedChars(): number {
    return this.held;
  }

  push(text: string): void {
    this.split(text);
  }

  protected newline(chunk: string, from: number): number {
    return chunk.indexOf('\n', from);
  }

  protected hold(chunk: string, start: number, end: number): string {
    return start === 0 && end === chunk.length ? chunk : chunk.slice(start, end);
  }

  protected join(parts: string[]): string {
    return parts.join('');
  }

  protected complete(chunk: string, start: number, end: number, line: number): void {
    const stop = end > start && chunk.charCodeAt(end - 1) === 0x0d ? end - 1 : end;
    const text = start === 0 && stop === chunk.length ? chunk : chunk.slice(start, stop);
    if (exceedsBytes(text, this.maxBytes)) this.onTooLong(line);
    else this.onLine(text, line);
  }
}

/**
 * Lines of undecoded input: newlines are found in the bytes (0x0A never occurs inside a UTF-8
 * sequence) and each line is decoded on its own. Decoding line by line is much cheaper than
 * decoding whole chunks: a chunk holding one non-ASCII character (a `®` in a Windows version
 * string) decodes to a two-byte string, and so would every line sliced from it, while ASCII lines
 * decoded alone stay one-byte strings that `JSON.parse` reads faster. Invalid UTF-8 becomes U+FFFD
 * per line, whatever the chunking.
 */
export class ByteLineSplitter extends Splitter<Buffer> {
  /** Bytes currently held for an unfinished line (for tests of the memory bound). */
  get bufferedBytes(): number {
    return this.held;
  }

  /** Decoded text (a string chunk of a source that mixes both) is split as its UTF-8 bytes. */
  push(text: string): void {
    this.split(Buffer.from(text, 'utf8'));
  }

  pushBytes(buf: Buffer): void {
    this.split(buf);
  }

  protected newline(chunk: Buffer, from: number): number {
    return chunk.indexOf(0x0a, from);
  }

  /** A copy: the source may reuse its buffer once the next chunk is asked for. */
  protected hold(chunk: Buffer, start: number, end: number): Buffer {
    return Buffer.from(chunk.subarray(start, end));
  }

  protected join(parts: Buffer[], length: number): Buffer {
    return Buffer.concat(parts, length);
  }

  protected complete(chunk: Buffer, start: number, end: number, line: number): void {
    const stop = end > start && chunk[end - 1] === 0x0d ? end - 1 : end;
    if (stop - start > this.maxBytes) this.onTooLong(line);
    else this.onLine(chunk.toString('utf8', start, stop), line);
  }
}

/** NDJSON: one JSON value per line (bare row, streaming record, or a one-line envelope); blank lines skipped. */
export function ndjsonReader(router: Router, maxBytes: number, bytes: true): ByteLineSplitter;
export function ndjsonReader(router: Router, maxBytes: number, bytes?: false): LineSplitter;
export function ndjsonReader(router: Router, maxBytes: number, bytes = false): LineSplitter | ByteLineSplitter {
  const Splitter = bytes ? ByteLineSplitter : LineSplitter;
  return new Splitter(
    ndjsonLine(router),
    (n) => router.reject(n, undefined, 'line-too-long', `line is longer than ${maxBytes} bytes`),
    maxBytes,
  );
}

/** One NDJSON line read into `router`: skipped when blank, rejected when not JSON. */
export function ndjsonLine(router: Router): (line: string, n: number) => void {
  return (line, n) => {
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
  };
}
