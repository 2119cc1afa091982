import { createReadStream, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ERROR_CODES, TriplineError } from '../errors.js';
import type { InputSource } from './types.js';

/** The error for an input that cannot be opened or read: names the input and the OS reason. */
export function unreadable(name: string, cause: unknown): TriplineError {
  if (cause instanceof TriplineError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const code = (cause as { code?: unknown } | null)?.code;
  return new TriplineError(ERROR_CODES.INPUT_UNREADABLE, `cannot read ${name}: ${reason}`, {
    details: { source: name, ...(typeof code === 'string' ? { osCode: code } : {}) },
    cause,
  });
}

async function* readFile(path: string): AsyncGenerator<Uint8Array> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (err) {
    throw unreadable(path, err);
  }
  if (isDirectory) {
    throw new TriplineError(ERROR_CODES.INPUT_UNREADABLE, `cannot read ${path}: it is a directory (EISDIR)`, {
      details: { source: path, osCode: 'EISDIR' },
    });
  }
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (err) {
    throw unreadable(path, err);
  } finally {
    stream.destroy();
  }
}

/**
 * A file on disk, streamed. The size (for progress) is taken now when the file exists; a missing or
 * unreadable path is reported when the source is read, as an `input-unreadable` error naming the path
 * and the OS reason ({@link analyze} lists it as an `input-failed` diagnostic and reads the other
 * inputs), so building sources never throws.
 */
export function fromFile(path: string): InputSource {
  let size: number | undefined;
  try {
    const st = statSync(path);
    if (st.isFile()) size = st.size;
  } catch {
    size = undefined; // reported when the file is opened
  }
  return { name: path, ...(size !== undefined ? { size } : {}), open: () => readFile(path) };
}

const STRING_SLICE = 1 << 20;

/** Text already in memory (a test fixture, an HTTP body). Handed over in 1 MiB slices so progress ticks. */
export function fromString(text: string, name = 'string'): InputSource {
  return {
    name,
    size: Buffer.byteLength(text, 'utf8'),
    open: () =>
      (async function* slices(): AsyncGenerator<string> {
        for (let at = 0; at < text.length; ) {
          let end = Math.min(at + STRING_SLICE, text.length);
          // Keep surrogate pairs whole.
          const last = text.charCodeAt(end - 1);
          if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
          yield text.slice(at, end);
          at = end;
        }
      })(),
  };
}

/** A Node readable (stdin, an HTTP response, a decompression stream). Old-style streams are wrapped. */
export function fromStream(stream: NodeJS.ReadableStream | Readable, name = 'stream'): InputSource {
  return {
    name,
    open: () =>
      Symbol.asyncIterator in stream
        ? (stream as AsyncIterable<Uint8Array | string>)
        : (new Readable({ objectMode: false }).wrap(stream) as AsyncIterable<Uint8Array | string>),
  };
}

/** Chunks from any (async) iterable of bytes or text, e.g. an Event Hub consumer or a blob download. */
export function fromIterable(
  iterable: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  name = 'iterable',
): InputSource {
  return {
    name,
    open: () =>
      Symbol.asyncIterator in iterable
        ? iterable
        : (async function* sync(): AsyncGenerator<Uint8Array | string> {
            yield* iterable as Iterable<Uint8Array | string>;
          })(),
  };
}
