import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { ERROR_CODES, TriplineError } from '../errors.js';
import type { IngestNotice } from './types.js';

/**
 * The byte layer under the readers: what the first bytes of an input say it is, and the stream of
 * text chunks it decodes to. UTF-8 (with or without a BOM) passes through as bytes; UTF-16 LE/BE
 * (with a BOM, or recognised without one by the NUL bytes of its first ASCII characters) is decoded
 * to text; gzip (magic bytes `1f 8b`) is decompressed as a stream, members concatenated as `gunzip`
 * does, and what it holds is sniffed again. Anything else that is not text (UTF-32, archives,
 * executables, other compressions, binary data) is named in an `input-format-unknown` error.
 */

/** Bytes looked at before deciding (fewer when the input is shorter). */
const HEAD_BYTES = 1024;

type Kind =
  | { readonly kind: 'utf-8'; readonly skip: number }
  | { readonly kind: 'utf-16le' | 'utf-16be'; readonly skip: number }
  | { readonly kind: 'gzip' }
  | { readonly kind: 'named'; readonly what: string };

const MAGIC: ReadonlyArray<readonly [readonly number[], string]> = [
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive (unzip it first)'],
  [[0x50, 0x4b, 0x05, 0x06], 'an empty ZIP archive'],
  [[0x42, 0x5a, 0x68], 'bzip2-compressed data (decompress it with bunzip2 first)'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz-compressed data (decompress it with unxz first)'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd-compressed data (decompress it with unzstd first)'],
  [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 'a 7-Zip archive'],
  [[0x7f, 0x45, 0x4c, 0x46], 'binary data (an ELF executable)'],
  [[0x25, 0x50, 0x44, 0x46, 0x2d], 'a PDF document'],
  [[0x50, 0x41, 0x52, 0x31], 'binary data (a Parquet file)'],
  [[0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20], 'binary data (an SQLite database)'],
];

function startsWith(head: Buffer, magic: readonly number[]): boolean {
  if (head.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[i] !== magic[i]) return false;
  return true;
}

/**
 * What the first bytes of an input are. `head` holds up to {@link HEAD_BYTES} bytes (all of the input
 * when it is shorter).
 */
export function sniffBytes(head: Buffer): Kind {
  const b = head;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { kind: 'utf-8', skip: 3 };
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0)
    return { kind: 'named', what: 'UTF-32 text (convert it to UTF-8, e.g. iconv -f UTF-32 -t UTF-8)' };
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff)
    return { kind: 'named', what: 'UTF-32 text (convert it to UTF-8, e.g. iconv -f UTF-32 -t UTF-8)' };
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { kind: 'utf-16le', skip: 2 };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { kind: 'utf-16be', skip: 2 };
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return { kind: 'gzip' };
  for (const [magic, what] of MAGIC) if (startsWith(b, magic)) return { kind: 'named', what };
  // Without a BOM: text of ASCII characters (`{`, `[`, a CSV header) in a wide encoding shows NULs
  // in fixed places.
  if (b.length >= 4 && b[0] !== 0 && b[1] === 0 && b[2] === 0 && b[3] === 0)
    return { kind: 'named', what: 'UTF-32 text (convert it to UTF-8, e.g. iconv -f UTF-32 -t UTF-8)' };
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] !== 0)
    return { kind: 'named', what: 'UTF-32 text (convert it to UTF-8, e.g. iconv -f UTF-32 -t UTF-8)' };
  if (b.length >= 2 && wide(b, 1)) return { kind: 'utf-16le', skip: 0 };
  if (b.length >= 2 && wide(b, 0)) return { kind: 'utf-16be', skip: 0 };
  // Binary: a NUL, or many control characters other than TAB, LF, CR, FF and ESC.
  let controls = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    if (c === 0) return { kind: 'named', what: 'binary data, not text' };
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) controls++;
  }
  if (controls * 10 > b.length) return { kind: 'named', what: 'binary data, not text' };
  return { kind: 'utf-8', skip: 0 };
}

/** UTF-16 without a BOM: the high byte of the first code units (at offset `zero` in each: 1 for LE, 0 for BE) is 0, the low one is not. */
function wide(b: Buffer, zero: 0 | 1): boolean {
  const units = Math.min(b.length >> 1, 8);
  if (units === 0) return false;
  let ascii = 0;
  for (let u = 0; u < units; u++) {
    const hi = b[2 * u + zero] as number;
    const lo = b[2 * u + 1 - zero] as number;
    if (hi === 0 && lo !== 0) ascii++;
  }
  // The first unit must be ASCII text, and most of the first eight.
  return (b[zero] as number) === 0 && (b[1 - zero] as number) !== 0 && ascii * 4 >= units * 3;
}

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** A decoded input: text or UTF-8 byte chunks, and the count of raw bytes read from the source. */
export interface DecodedInput {
  readonly chunks: AsyncIterable<Uint8Array | string>;
  /** Bytes read from the source so far (compressed bytes for gzip). */
  readonly rawBytes: () => number;
  /** What the bytes were, for messages (`''` for plain UTF-8, `'gzip-compressed '`, `'UTF-16 '`…). */
  readonly layers: () => string;
}

/**
 * Wrap a source's chunks: sniff the first bytes, then pass UTF-8 through, decode UTF-16, gunzip
 * gzip (once), or throw for anything else. String chunks (already text) pass through untouched.
 * A gzip stream that ends early or is damaged becomes a notice: the rows read before are kept.
 */
export function decodeInput(
  source: AsyncIterable<Uint8Array | string>,
  name: string,
  notice: (n: IngestNotice) => void,
): DecodedInput {
  let raw = 0;
  let layers = '';
  async function* counted(): AsyncGenerator<Uint8Array | string> {
    for await (const chunk of source) {
      if (typeof chunk === 'string') raw += Buffer.byteLength(chunk, 'utf8');
      else if (chunk instanceof Uint8Array) raw += chunk.byteLength;
      yield chunk;
    }
  }
  const chunks = decodeLayer(counted(), name, notice, 0, (what) => {
    layers += what;
  });
  return { chunks, rawBytes: () => raw, layers: () => layers };
}

async function* decodeLayer(
  input: AsyncIterable<Uint8Array | string>,
  name: string,
  notice: (n: IngestNotice) => void,
  depth: number,
  layer: (what: string) => void,
): AsyncGenerator<Uint8Array | string> {
  const iterator = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  try {
    while (headBytes < HEAD_BYTES) {
      const step = await iterator.next();
      if (step.done) {
        ended = true;
        break;
      }
      const chunk = step.value;
      if (typeof chunk === 'string') {
        // Text already: nothing to sniff or decode.
        for (const h of head) yield h;
        yield chunk;
        yield* rest(iterator);
        return;
      }
      if (!(chunk instanceof Uint8Array)) {
        throw new TriplineError(
          ERROR_CODES.INPUT_UNREADABLE,
          `cannot read ${name}: the source gave a ${chunk === null ? 'null' : typeof chunk} where bytes or text were expected`,
          { details: { source: name } },
        );
      }
      // Copied: a source may reuse its buffer for the next chunk.
      const b = Buffer.from(toBuffer(chunk));
      head.push(b);
      headBytes += b.length;
    }
    const all = head.length === 1 ? (head[0] as Buffer) : Buffer.concat(head);
    if (all.length === 0) return;
    const kind = sniffBytes(all.subarray(0, HEAD_BYTES));
    const prefix = depth > 0 ? 'gzip-compressed ' : '';
    switch (kind.kind) {
      case 'named':
        throw new TriplineError(
          ERROR_CODES.INPUT_FORMAT_UNKNOWN,
          `${name}: this is ${prefix}${kind.what}, not an export tripline reads (UTF-8 or UTF-16 text, plain or gzip-compressed)`,
          { details: { source: name, content: `${prefix}${kind.what}` } },
        );
      case 'utf-8': {
        yield all.subarray(kind.skip);
        if (!ended) yield* rest(iterator);
        return;
      }
      case 'utf-16le':
      case 'utf-16be': {
        layer('UTF-16 ');
        yield* utf16(all.subarray(kind.skip), ended ? undefined : iterator, kind.kind === 'utf-16be');
        return;
      }
      case 'gzip': {
        if (depth > 0) {
          throw new TriplineError(
            ERROR_CODES.INPUT_FORMAT_UNKNOWN,
            `${name}: this is gzip-compressed gzip data, not an export tripline reads (decompress it first)`,
            { details: { source: name, content: 'gzip inside gzip' } },
          );
        }
        layer('gzip-compressed ');
        yield* decodeLayer(gunzip(all, ended ? undefined : iterator, name, notice), name, notice, depth + 1, layer);
        return;
      }
    }
  } finally {
    // Stopped early, or read through `rest`: let the source release its handle (it may refuse).
    if (!ended) await iterator.return?.()?.catch(() => undefined);
  }
}

async function* rest(iterator: AsyncIterator<Uint8Array | string>): AsyncGenerator<Uint8Array | string> {
  for (;;) {
    const step = await iterator.next();
    if (step.done) return;
    yield step.value;
  }
}

/** UTF-16 bytes to text chunks; big-endian units are swapped first (an odd byte waits for its pair). */
async function* utf16(
  first: Buffer,
  iterator: AsyncIterator<Uint8Array | string> | undefined,
  bigEndian: boolean,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf16le');
  let odd: number | undefined;
  const decode = (chunk: Buffer): string => {
    if (!bigEndian) return decoder.write(chunk);
    const joined = odd === undefined ? chunk : Buffer.concat([Buffer.from([odd]), chunk]);
    const even = joined.length & ~1;
    odd = even < joined.length ? (joined[even] as number) : undefined;
    const swapped = Buffer.from(joined.subarray(0, even));
    swapped.swap16();
    return decoder.write(swapped);
  };
  const text = decode(first);
  if (text !== '') yield text;
  if (iterator !== undefined) {
    for (;;) {
      const step = await iterator.next();
      if (step.done) break;
      const chunk = step.value;
      const t = typeof chunk === 'string' ? chunk : decode(Buffer.from(toBuffer(chunk)));
      if (t !== '') yield t;
    }
  }
  const tail = decoder.end();
  if (tail !== '') yield tail;
}

/**
 * Gunzip as a stream: the compressed chunks are fed to zlib with backpressure and the output is
 * yielded as it comes, so memory stays at zlib's window and one output chunk. A zlib error (truncated
 * or damaged data) ends the stream after what was decompressed, with a notice; an error of the
 * source itself propagates.
 */
async function* gunzip(
  first: Buffer,
  iterator: AsyncIterator<Uint8Array | string> | undefined,
  name: string,
  notice: (n: IngestNotice) => void,
): AsyncGenerator<Buffer> {
  let sourceError: unknown;
  async function* compressed(): AsyncGenerator<Buffer> {
    yield first;
    if (iterator === undefined) return;
    try {
      for (;;) {
        const step = await iterator.next();
        if (step.done) return;
        const c = step.value;
        yield typeof c === 'string' ? Buffer.from(c, 'latin1') : Buffer.from(toBuffer(c));
      }
    } catch (err) {
      sourceError = err;
      throw err;
    }
  }
  const input = Readable.from(compressed(), { objectMode: false });
  const z = createGunzip();
  input.on('error', (err) => z.destroy(err));
  input.pipe(z);
  let out = 0;
  try {
    for await (const chunk of z) {
      out += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  } catch (err) {
    if (sourceError !== undefined) throw sourceError;
    const code = (err as { code?: unknown } | null)?.code;
    const reason = err instanceof Error ? err.message : String(err);
    const truncated = code === 'Z_BUF_ERROR' || /unexpected end/i.test(reason);
    notice({
      code: truncated ? 'input-truncated' : 'input-corrupt',
      message: truncated
        ? `${name}: the gzip data ends early (after ${out} decompressed bytes): the file is truncated; the rows before the cut were read`
        : `${name}: the gzip data is damaged after ${out} decompressed bytes (${reason}); the rows before the damage were read`,
      source: name,
    });
  } finally {
    input.destroy();
    z.destroy();
  }
}
