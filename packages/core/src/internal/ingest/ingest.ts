import { StringDecoder } from 'node:string_decoder';
import { ERROR_CODES, TriplineError } from '../errors.js';
import { isTableName, TABLE_NAMES } from '../model/tables.js';
import { TimeZone } from '../model/time.js';
import { CsvReader } from './csv.js';
import { type DecodedInput, decodeInput } from './decode.js';
import { type ConcreteFormat, describeText, detectFormat, JSON_FORMATS, layoutOf, secondLineReady } from './detect.js';
import { JsonDocReader } from './jsondoc.js';
import { ByteLineSplitter, ndjsonReader, type TextReader } from './lines.js';
import { Router } from './route.js';
import { unreadable } from './sources.js';
import { INPUT_FORMATS, type IngestOptions, type IngestSink, type IngestStats, type InputSource } from './types.js';

const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Text gathered before sniffing when no newline shows up earlier. */
const SNIFF_CHARS = 64 * 1024;
const PROGRESS_EVERY = 64 * 1024;

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Enough to decide, whatever the chunking: a first line that is a complete object; otherwise the
 * first line and the next non-blank one (a pretty-printed `{` alone on a line says nothing yet, and
 * a damaged first line is told by the line after it); or a long prefix.
 */
function sniffReady(prefix: string): boolean {
  if (prefix.length >= SNIFF_CHARS) return true;
  let i = 0;
  while (i < prefix.length && (prefix.charCodeAt(i) <= 0x20 || prefix.charCodeAt(i) === 0xfeff)) i++;
  if (i >= prefix.length) return false;
  const nl = prefix.indexOf('\n', i);
  if (nl === -1) return false;
  // A complete first object is a line of NDJSON (or a one-line document).
  if (prefix.charCodeAt(i) === 0x7b /* { */ && prefix.slice(i, nl).trimEnd().endsWith('}')) return true;
  // Otherwise the next line tells a pretty-printed document or a CSV from a damaged first line.
  return secondLineReady(prefix, i);
}

/**
 * Read one input and push what it holds to `sink`, in input order: every row becomes exactly one
 * `sink.event` or one `sink.rejected` (`rowsRead = events + rejected`, always). The format is
 * detected from the first bytes ({@link detectFormat}) unless `options.format` forces one. Input is
 * streamed (one await per chunk); only a line, a CSV record or one array element is held at a time.
 *
 * An empty (or blank) input is 0 rows and reports format `ndjson` unless one was forced.
 *
 * Throws a `TriplineError`: `input-unreadable` when the source cannot be opened or read (naming it
 * and the OS reason), `input-format-unknown` when the input is not any supported format (or not the
 * forced one), `option-invalid` for bad options. Errors thrown by the sink propagate unchanged.
 */
export async function ingest(source: InputSource, sink: IngestSink, options: IngestOptions = {}): Promise<IngestStats> {
  const forced = options.format ?? 'auto';
  if (!(INPUT_FORMATS as readonly string[]).includes(forced)) {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      `unknown input format ${JSON.stringify(forced)}; use one of ${INPUT_FORMATS.join(', ')}`,
    );
  }
  if (options.table !== undefined && !isTableName(options.table)) {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      `unknown table ${JSON.stringify(options.table)}; use one of ${TABLE_NAMES.join(', ')}`,
    );
  }
  const maxBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      `maxLineBytes must be a positive integer, got ${String(maxBytes)}`,
    );
  }
  const timeZone = options.timezone === undefined ? undefined : timeZoneOption(options.timezone);
  const name = source.name;

  let iterator: AsyncIterator<Uint8Array | string>;
  let decoded: DecodedInput;
  try {
    decoded = decodeInput(source.open(), name, (n) => sink.notice?.(n));
    iterator = decoded.chunks[Symbol.asyncIterator]();
  } catch (err) {
    throw unreadable(name, err);
  }

  const decoder = new StringDecoder('utf8');
  let bytesRead = 0;
  let lastProgress = 0;
  let atStart = true;
  let pending: string[] | undefined = [];
  let pendingChars = 0;
  // The undecoded chunks read while sniffing, so that NDJSON can be split and decoded line by line.
  let pendingBytes: Buffer[] | undefined = [];
  let byteReader: ByteLineSplitter | undefined;
  let format: ConcreteFormat = forced === 'auto' ? 'ndjson' : forced;
  let router: Router | undefined;
  let reader: TextReader | undefined;

  const progress = (): void => {
    sink.progress?.({
      source: name,
      bytesRead,
      ...(source.size !== undefined ? { totalBytes: source.size } : {}),
      rowsRead: router?.rowsRead ?? 0,
    });
  };

  const start = (prefix: string, ended: boolean, bytes: boolean): TextReader => {
    const sniffed = detectFormat(prefix);
    if (forced === 'auto') {
      if (sniffed === undefined) {
        throw new TriplineError(
          ERROR_CODES.INPUT_FORMAT_UNKNOWN,
          `${name}: not NDJSON, an Event Hub message, an advanced hunting / Graph answer, Log Analytics rows or CSV (${decoded.layers() === '' ? '' : `this ${decoded.layers()}input `}starts with ${JSON.stringify(prefix.trimStart().slice(0, 40))})`,
          { details: { source: name } },
        );
      }
      format = sniffed;
    } else if (sniffed !== undefined && (forced === 'csv' ? JSON_FORMATS.has(sniffed) : sniffed === 'csv')) {
      throw new TriplineError(
        ERROR_CODES.INPUT_FORMAT_UNKNOWN,
        `${name}: input format ${forced} was forced, but the input looks like ${sniffed}`,
        {
          details: { source: name, forced, detected: sniffed },
        },
      );
    }
    const layout = layoutOf(prefix, format, forced !== 'auto', ended);
    router = new Router(sink, name, format === 'sentinel', options.table);
    if (options.readers !== undefined) return options.readers.reader(layout, router, { maxBytes, timeZone, format });
    if (layout === 'csv') return new CsvReader(router, maxBytes, timeZone);
    if (layout === 'document') return new JsonDocReader(router, maxBytes);
    return bytes ? ndjsonReader(router, maxBytes, true) : ndjsonReader(router, maxBytes);
  };

  /** Hand the sniffed prefix to the reader: as the raw bytes when it reads bytes, else as text. */
  const begin = (prefix: string, ended: boolean): void => {
    const r = start(prefix, ended, pendingBytes !== undefined);
    reader = r;
    if (r instanceof ByteLineSplitter && pendingBytes !== undefined) {
      byteReader = r;
      const all = pendingBytes.length === 1 ? (pendingBytes[0] as Buffer) : Buffer.concat(pendingBytes);
      const bom = all.length >= 3 && all[0] === 0xef && all[1] === 0xbb && all[2] === 0xbf;
      r.pushBytes(bom ? all.subarray(3) : all);
    } else r.push(prefix);
    pendingBytes = undefined;
  };

  let finished = false;
  /** The start of the text, for the message of an input that holds no row. */
  let firstText: string | undefined;
  try {
    for (;;) {
      let step: IteratorResult<Uint8Array | string>;
      try {
        step = await iterator.next();
      } catch (err) {
        throw unreadable(name, err);
      }
      if (step.done) break;
      const chunk = step.value;
      if (byteReader !== undefined) {
        // NDJSON from bytes: no chunk-wide decoding, lines are decoded one by one.
        if (typeof chunk === 'string') byteReader.push(chunk);
        else byteReader.pushBytes(toBuffer(chunk));
        bytesRead = decoded.rawBytes();
        if (bytesRead - lastProgress >= PROGRESS_EVERY) {
          lastProgress = bytesRead;
          progress();
        }
        continue;
      }
      let text: string;
      bytesRead = decoded.rawBytes();
      if (typeof chunk === 'string') {
        text = decoder.end() + chunk;
        pendingBytes = undefined;
      } else {
        // Copied: a source may reuse its buffer for the next chunk while this one waits here.
        if (reader === undefined) pendingBytes?.push(Buffer.from(toBuffer(chunk)));
        text = decoder.write(toBuffer(chunk));
      }
      if (atStart && text.length > 0) {
        atStart = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      if (reader !== undefined) reader.push(text);
      else if (pending !== undefined) {
        pending.push(text);
        pendingChars += text.length;
        // Looked at again only when a line ends or the prefix is long enough: tiny chunks stay linear.
        if (pending.length === 1 || pendingChars >= SNIFF_CHARS || text.includes('\n')) {
          const prefix: string = pending.length === 1 ? text : pending.join('');
          if (sniffReady(prefix)) {
            pending = undefined;
            firstText = prefix.slice(0, 256);
            begin(prefix, false);
          } else if (pending.length > 1) pending = [prefix];
        }
      }
      if (bytesRead - lastProgress >= PROGRESS_EVERY) {
        lastProgress = bytesRead;
        progress();
      }
    }
    const tail = byteReader === undefined ? decoder.end() : '';
    if (reader === undefined) {
      const prefix = (pending ?? []).join('') + tail;
      pending = undefined;
      if (prefix.trim() !== '') {
        firstText = prefix.slice(0, 256);
        begin(prefix, true);
      }
    } else if (tail !== '') reader.push(tail);
    reader?.end();
    finished = true;
  } finally {
    // Leaving early (an error was thrown): stop the source so file handles are released.
    if (!finished) {
      reader?.dispose?.();
      void iterator.return?.()?.catch(() => undefined);
    }
  }
  bytesRead = decoded.rawBytes();
  progress();
  const r = router;
  const text = firstText;
  // Text that is not empty, yet no row and no (empty) row container of an export: not an export.
  const noRows = (): TriplineError =>
    new TriplineError(
      ERROR_CODES.INPUT_FORMAT_UNKNOWN,
      `${name}: not an export tripline reads: no row found in this ${decoded.layers()}input; ${describeText(text ?? '', format)}`,
      { details: { source: name } },
    );
  // Readers of the caller's own count their rows where they are read: the caller makes the check.
  if (r !== undefined && text !== undefined && options.readers !== undefined) options.readers.noRows?.(noRows);
  else if (r !== undefined && r.rowsRead === 0 && !r.container && text !== undefined) throw noRows();
  const localTime = reader instanceof CsvReader ? reader.localTimes : undefined;
  return {
    source: name,
    format,
    rowsRead: r?.rowsRead ?? 0,
    events: r?.events ?? 0,
    rejected: r?.rejected ?? 0,
    bytesRead,
    ...(localTime !== undefined ? { localTime } : {}),
  };
}

/** The `timezone` option as a {@link TimeZone}; an unknown name is an `option-invalid` error. */
export function timeZoneOption(name: unknown): TimeZone {
  const zone = typeof name === 'string' ? TimeZone.of(name) : undefined;
  if (zone === undefined) {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      `unknown time zone ${JSON.stringify(typeof name === 'string' ? name.slice(0, 64) : name)}: give an IANA name such as Europe/Berlin, America/New_York or UTC`,
    );
  }
  return zone;
}
