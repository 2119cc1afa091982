import type { Readable, Writable } from 'node:stream';
import { isTriplineError, writeChunks } from '@tripline/core';
import { CliError, fsReason } from './errors.js';

/** The terminal-ish parts of a writable stream the CLI looks at. */
export interface CliOutput {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  /** True when the stream is a terminal (progress is drawn only then). */
  readonly isTTY?: boolean;
  /** Terminal width, when known. */
  readonly columns?: number;
}

/**
 * Where a {@link run} reads and writes. The real CLI passes `process`'s streams; tests pass their own.
 * Paths in `argv` are resolved against the process working directory.
 */
export interface CliIo {
  readonly stdin: Readable & { readonly isTTY?: boolean };
  readonly stdout: CliOutput | Writable;
  readonly stderr: CliOutput | Writable;
  /** Environment (`SOURCE_DATE_EPOCH` is read from here). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Monotonic clock in milliseconds (progress rate and run duration). Default `performance.now`. */
  readonly now?: () => number;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** True when the stream is an interactive terminal. */
export function isTerminal(stream: CliIo['stdout']): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/** Terminal width, or 80 when unknown. */
export function columnsOf(stream: CliIo['stdout']): number {
  const columns = (stream as { columns?: number }).columns;
  return typeof columns === 'number' && columns > 0 ? columns : 80;
}

/**
 * Write and wait until the chunk is handed to the OS (so a following exit does not cut it). A reader
 * that went away (`tripline … | head`: EPIPE) is not an error: there is nobody left to tell.
 */
export function writeAll(stream: CliIo['stdout'], text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      (stream as CliOutput).write(text, (error) =>
        error && (error as NodeJS.ErrnoException).code !== 'EPIPE' ? reject(error) : resolve(),
      );
    } catch (error) {
      reject(error);
    }
  });
}

/**
 * Write to stderr and never fail: when stderr itself cannot be written (closed, full disk) there is
 * nobody left to tell, and the exit status must not change because of it.
 */
export async function say(stream: CliIo['stderr'], text: string): Promise<void> {
  try {
    await writeAll(stream, text);
  } catch {
    // Nothing to do.
  }
}

const guarded = new WeakSet<object>();

/**
 * Make sure a stream the CLI writes to has an `error` listener: write errors are handled where the
 * write is awaited ({@link writeAll} rejects), but a Node stream also emits them as `error` events,
 * and one without a listener would crash the process.
 */
export function guardStream(stream: CliIo['stdout']): void {
  try {
    const s = stream as { on?: unknown } & object;
    if (typeof s.on !== 'function' || guarded.has(s)) return;
    guarded.add(s);
    (s as unknown as NodeJS.EventEmitter).on('error', () => undefined);
  } catch {
    // Not an event emitter after all: nothing to guard.
  }
}

/**
 * Write the command's output to stdout: a string, or the chunks of a report, written with
 * back-pressure (a slow reader holds the writer back instead of filling memory). A reader that
 * stopped early (EPIPE) is not an error: writing stops there. Any other write error (a full disk:
 * ENOSPC) is a {@link CliError}, one line and exit 2.
 */
export async function writeStdout(stream: CliIo['stdout'], text: string | Iterable<string>): Promise<void> {
  try {
    if (typeof text === 'string') await writeAll(stream, text);
    else await writeChunks(text, stream as CliOutput);
  } catch (error) {
    if (isTriplineError(error)) throw error; // the report itself is at fault, not stdout
    if ((error as NodeJS.ErrnoException | null)?.code === 'EPIPE') return;
    throw new CliError(`cannot write to stdout: ${fsReason(error)}`, { cause: error });
  }
}
