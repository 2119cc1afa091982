/**
 * Reports written as streams: a report is a sequence of string chunks (one per alert, finding, device…)
 * written to a stream with back-pressure, never one string. The string functions are the chunks joined,
 * so both forms give the same bytes by construction.
 */
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { ERROR_CODES, TriplineError } from '../errors.js';
import { canonicalAlert } from './canonical.js';
import { jsonReportSchema, REPORT_SCHEMA_VERSION } from './schema.js';
import type { AnalysisResult } from './types.js';

/** Options of {@link jsonReportChunks}. */
export interface JsonReportOptions {
  /**
   * One line (no indentation, a trailing newline) instead of the 2-space indented text: for machines
   * and line-oriented pipelines. The same JSON value either way.
   */
  readonly compact?: boolean;
}

/** The report's fields in the schema's order, each with its schema and, for a list, its items' schema. */
const FIELDS: readonly { key: string; schema: z.ZodType; item?: z.ZodType }[] = (() => {
  const shape = (jsonReportSchema.unwrap() as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
  return Object.entries(shape).map(([key, schema]) => {
    const inner = schema instanceof z.ZodReadonly ? (schema.unwrap() as z.ZodType) : schema;
    return inner instanceof z.ZodArray ? { key, schema, item: inner.element as z.ZodType } : { key, schema };
  });
})();

/**
 * The JSON report of a result as a sequence of chunks: `[...jsonReportChunks(result)].join('')` is
 * `stringifyReport(result)`, byte for byte (`{ compact: true }`: the same value on one line). Each list
 * item (an alert, a finding, a device…) is checked against the contract and written in the schema's
 * key order as it is reached, and items are gathered into chunks of about 64 K characters (an item
 * larger than that is one chunk): a stream written chunk by chunk makes a few large writes rather
 * than one per alert, and the report is never built as one string or one copy of the record. A result
 * that breaks the contract throws `invalid-report` naming the field when the generator reaches it (a
 * writer such as the CLI's then drops the partial output).
 */
export function* jsonReportChunks(result: AnalysisResult, options: JsonReportOptions = {}): Generator<string> {
  const compact = options.compact === true;
  const record = { schemaVersion: REPORT_SCHEMA_VERSION, ...result } as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!FIELDS.some((f) => f.key === key)) invalid('the analysis result', [], `Unrecognized key: "${key}"`);
  }
  // Pretty form: JSON.stringify(report, null, 2). A value at depth d is its own stringify with every
  // line after the first indented by d levels (JSON text holds no raw line breaks inside strings).
  const nl = compact ? '' : '\n';
  const pad1 = compact ? '' : '  ';
  const pad2 = compact ? '' : '    ';
  const colon = compact ? ':' : ': ';
  const text = (value: unknown, pad: string) => {
    const json = compact ? JSON.stringify(value) : JSON.stringify(value, null, 2);
    return pad === '' ? json : json.replaceAll('\n', `\n${pad}`);
  };
  let first = true;
  // Text gathered until it reaches CHUNK characters, then yielded as one chunk.
  let pending = `{${nl}`;
  for (const field of FIELDS) {
    const value = record[field.key];
    // An optional field without a value (`narrative` of a run not narrated) is left out, as JSON.stringify does.
    if (value === undefined && field.schema.safeParse(undefined).success) continue;
    const head = `${first ? '' : `,${nl}`}${pad1}${JSON.stringify(field.key)}${colon}`;
    first = false;
    if (field.item !== undefined && Array.isArray(value)) {
      if (value.length === 0) {
        pending += `${head}[]`;
        continue;
      }
      pending += `${head}[${nl}`;
      const fast = field.key === 'alerts';
      for (let i = 0; i < value.length; i++) {
        // An alert that certainly meets the contract is put in its key order by hand (the schema's
        // answer, checked in canonical.test.ts); anything else goes through the schema.
        const sure = fast ? canonicalAlert(value[i]) : undefined;
        const body =
          sure !== undefined ? item(sure, compact) : text(checked(field.item, value[i], [field.key, i]), pad2);
        pending += `${i > 0 ? `,${nl}` : ''}${pad2}${body}`;
        if (pending.length >= CHUNK) {
          yield pending;
          pending = '';
        }
      }
      pending += `${nl}${pad1}]`;
    } else {
      pending += `${head}${text(checked(field.schema, value, [field.key]), pad1)}`;
    }
    if (pending.length >= CHUNK) {
      yield pending;
      pending = '';
    }
  }
  yield `${pending}${nl}}\n`;
}

/** Characters a chunk of {@link jsonReportChunks} gathers before it is yielded (as {@link writeChunks} batches). */
const CHUNK = 64 * 1024;

/**
 * A list item of the report's top-level lists as written: compact, or indented as the item of a list
 * at depth 1 is (`JSON.stringify` of the item nested in two arrays gives its lines that indentation at
 * once; the two arrays' brackets are cut off), without re-indenting the text afterwards.
 */
function item(value: object, compact: boolean): string {
  if (compact) return JSON.stringify(value);
  const text = JSON.stringify([[value]], null, 2);
  return text.slice(NESTED_HEAD.length, text.length - NESTED_TAIL.length);
}

const NESTED_HEAD = '[\n  [\n    ';
const NESTED_TAIL = '\n  ]\n]';

function checked(schema: z.ZodType, value: unknown, at: readonly PropertyKey[]): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  invalid('the analysis result', [...at, ...issue.path], issue.message);
}

function invalid(what: string, path: readonly PropertyKey[], message: string): never {
  const where = path.length ? z.core.toDotPath(path as PropertyKey[]) : '(top level)';
  throw new TriplineError(
    ERROR_CODES.REPORT_INVALID,
    `${what} is not a valid tripline JSON report: ${where}: ${message}`,
  );
}

/** The part of a writable stream {@link writeChunks} uses: Node's `Writable`, or anything with a `write(chunk, callback)`. */
export type ChunkSink = Writable | { write(chunk: string, callback?: (error?: Error | null) => void): unknown };

/** Options of {@link writeChunks}. */
export interface WriteChunksOptions {
  /**
   * Chunks are gathered up to this many UTF-16 code units before a write (fewer, larger writes).
   * Default 64 K; a file written through a handle, where each write is a round trip, gains from more.
   */
  readonly batch?: number;
}

const BATCH = 64 * 1024;

/**
 * Write chunks to a stream with back-pressure: small chunks are gathered into writes of about 64 K
 * characters; when the stream says its buffer is full (`write` returns false) the next write waits for
 * `'drain'`. Resolves when the last write is handed to the stream's destination; rejects with the
 * first write error (and stops reading `chunks`). A chunk generator that throws rejects with its
 * error. Nothing is ended or closed: the caller owns the stream.
 *
 * ```ts
 * await writeChunks(jsonReportChunks(result), createWriteStream('report.json'));
 * ```
 */
export async function writeChunks(
  chunks: Iterable<string>,
  stream: ChunkSink,
  options: WriteChunksOptions = {},
): Promise<void> {
  const batch = options.batch !== undefined && options.batch >= 1 ? options.batch : BATCH;
  const emitter = stream as Partial<Pick<Writable, 'on' | 'off'>>;
  const events = typeof emitter.on === 'function' && typeof emitter.off === 'function';
  // Set from callbacks and listeners (an object, so the checks below are not narrowed away).
  const state: { failure?: { error: unknown } } = {};
  const check = () => {
    if (state.failure) throw state.failure.error;
  };
  let wake: (() => void) | undefined;
  const onError = (error: unknown) => {
    state.failure ??= { error };
    wake?.();
  };
  const onDrain = () => wake?.();
  if (events) {
    emitter.on!('error', onError);
    emitter.on!('drain', onDrain);
    emitter.on!('close', onDrain);
  }
  let last: Promise<void> = Promise.resolve();
  const put = async (text: string) => {
    let done!: () => void;
    let fail!: (error: unknown) => void;
    last = new Promise<void>((resolve, reject) => {
      done = resolve;
      fail = reject;
    });
    last.catch(() => undefined);
    const ok = stream.write(text, (error) => {
      if (error) {
        onError(error);
        fail(error);
      } else done();
    });
    check();
    if (ok === false) {
      if (events && !(stream as Writable).destroyed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          // The write callback settles `last` on error; a destroyed stream emits no 'drain'.
          last.then(
            () => undefined,
            () => resolve(),
          );
        });
        wake = undefined;
      } else await last;
      check();
    }
  };
  try {
    let pending = '';
    for (const chunk of chunks) {
      pending = pending === '' ? chunk : pending + chunk;
      if (pending.length >= batch) {
        const text = pending;
        pending = '';
        await put(text);
      }
    }
    if (pending !== '') await put(pending);
    await last;
    check();
  } finally {
    if (events) {
      emitter.off!('error', onError);
      emitter.off!('drain', onDrain);
      emitter.off!('close', onDrain);
    }
  }
}
