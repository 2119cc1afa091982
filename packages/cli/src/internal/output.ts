import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { access, constants, type FileHandle, lstat, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { type ChunkSink, isTriplineError, writeChunks } from '@tripline/core';
import { CliError, fsReason } from './errors.js';
import { terminalText } from './text.js';

/** What an input is on disk, to refuse an `--output` that would overwrite it. */
export interface InputIdentity {
  /** As the user wrote it. */
  readonly arg: string;
  readonly dev?: number;
  readonly ino?: number;
}

/** Where and how `--output` is written, decided before any input is read. */
export interface OutputPlan {
  /** As the user wrote it (for messages). */
  readonly path: string;
  /**
   * `atomic`: written to a temporary file in the target's folder and renamed over `target` at the
   * end. `direct`: an existing device, FIFO or socket (`/dev/stdout`, a named pipe), written through.
   */
  readonly kind: 'atomic' | 'direct';
  /** The file that is replaced: `path` with every symbolic link resolved. */
  readonly target: string;
  /** Permission bits (and owner) of the file being replaced, kept on the new one. */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
}

/** The file-system calls {@link planOutput} makes (tests inject their own). */
export interface OutputFs {
  stat(path: string): Promise<{
    isFile(): boolean;
    isDirectory(): boolean;
    dev: number;
    ino: number;
    mode: number;
    uid: number;
    gid: number;
  }>;
  lstat(path: string): Promise<{ isSymbolicLink(): boolean }>;
  realpath(path: string): Promise<string>;
  access(path: string, mode: number): Promise<void>;
}

const nodeFs: OutputFs = { stat, lstat, realpath, access };

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Check `--output` before the analysis starts, so that a report that could not be written does not
 * cost a long run: the folder must exist and be writable, the path must not be a folder, and it must
 * not be one of the inputs (same file by device and inode: the same path, a symbolic or hard link to
 * it). A symbolic link is followed: the file it points to is replaced atomically and the link stays.
 */
export async function planOutput(
  path: string,
  inputs: readonly InputIdentity[],
  fs: OutputFs = nodeFs,
): Promise<OutputPlan> {
  const shown = terminalText(path, 200);
  let info: Awaited<ReturnType<OutputFs['stat']>> | undefined;
  try {
    info = await fs.stat(path);
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw new CliError(`cannot write ${shown}: ${fsReason(error)}`, { cause: error });
  }
  let target: string;
  if (info !== undefined) {
    if (info.isDirectory()) throw new CliError(`cannot write ${shown}: is a directory`);
    const same = inputs.find((i) => i.dev === info.dev && i.ino === info.ino);
    if (same !== undefined) {
      throw new CliError(
        `refusing to write the report to ${shown}: it is the input ${terminalText(same.arg, 200)} (the report would replace the events it is about)`,
      );
    }
    if (!info.isFile()) return { path, kind: 'direct', target: path };
    try {
      target = await fs.realpath(path);
    } catch (error) {
      throw new CliError(`cannot write ${shown}: ${fsReason(error)}`, { cause: error });
    }
    // `-o /dev/stdout > file` (or a /proc/self/fd link): the descriptor's file is written through,
    // not replaced behind the shell's back (`>>` must append).
    if (/^\/(?:dev|proc)\//.test(resolve(path)) || /^\/(?:dev|proc)\//.test(target)) {
      return { path, kind: 'direct', target: path };
    }
  } else {
    let link = false;
    try {
      link = (await fs.lstat(path)).isSymbolicLink();
    } catch {
      link = false;
    }
    if (link) throw new CliError(`cannot write ${shown}: it is a symbolic link to a file that does not exist`);
    target = resolve(path);
  }
  const folder = dirname(target);
  try {
    if (!(await fs.stat(folder)).isDirectory()) throw new Error('not a directory');
  } catch (error) {
    throw new CliError(`cannot write ${shown}: the folder ${terminalText(dirname(path), 200)} does not exist`, {
      cause: error,
    });
  }
  try {
    await fs.access(folder, constants.W_OK);
  } catch (error) {
    throw new CliError(
      `cannot write ${shown}: the folder ${terminalText(dirname(path), 200)} is not writable (${fsReason(error)})`,
      { cause: error },
    );
  }
  return info !== undefined
    ? { path, kind: 'atomic', target, mode: info.mode & 0o7777, uid: info.uid, gid: info.gid }
    : { path, kind: 'atomic', target };
}

/** Temporary files being written right now, removed by {@link removePendingOutputs} on a signal. */
const pending = new Set<string>();

/**
 * Remove the temporary files of reports still being written (synchronously: it runs from a signal
 * handler right before the process exits). The report's target is untouched: it is either the
 * previous file or, once renamed, the complete new one.
 */
export function removePendingOutputs(): void {
  for (const temp of pending) {
    try {
      unlinkSync(temp);
    } catch {
      // Already renamed or removed.
    }
  }
  pending.clear();
}

/** Characters gathered per write to a file: each write waits for the previous one, so fewer is faster. */
const FILE_BATCH = 1024 * 1024;

/**
 * A file handle as a sink for `writeChunks`: each gathered write waits for the previous one
 * (`writeFile` writes the whole chunk at the handle's position, however many system calls it takes).
 */
function handleSink(handle: FileHandle): ChunkSink {
  return {
    write(chunk: string, callback?: (error?: Error | null) => void) {
      handle.writeFile(chunk, 'utf8').then(
        () => callback?.(),
        (error: Error) => callback?.(error),
      );
      return false;
    },
  };
}

/**
 * Write the report as planned, chunk by chunk (never as one string). Atomic targets get a temporary
 * file next to them (same folder, so the rename cannot cross file systems), created exclusively,
 * given the replaced file's mode (and owner when allowed), then renamed over the target: a reader, a
 * failed run or an interrupted one never sees half a report. Returns `'closed'` when a device or pipe
 * target was closed by its reader (EPIPE).
 */
export async function writeOutput(plan: OutputPlan, chunks: string | Iterable<string>): Promise<'written' | 'closed'> {
  const shown = terminalText(plan.path, 200);
  const parts = typeof chunks === 'string' ? [chunks] : chunks;
  if (plan.kind === 'direct') {
    try {
      // Append: opening /dev/stdout of a shell's `>>` with O_TRUNC would erase the file.
      const handle = await open(plan.path, 'a');
      try {
        await writeChunks(parts, handleSink(handle), { batch: FILE_BATCH });
      } finally {
        await handle.close();
      }
      return 'written';
    } catch (error) {
      if (isTriplineError(error)) throw error; // the report itself is at fault, not the file
      if (codeOf(error) === 'EPIPE') return 'closed'; // `-o /dev/stdout | head`
      throw new CliError(`cannot write ${shown}: ${fsReason(error)}`, { cause: error });
    }
  }
  const folder = dirname(plan.target);
  const temp = join(folder, `.${basename(plan.target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  pending.add(temp);
  try {
    const handle = await open(temp, 'wx', plan.mode ?? 0o666);
    try {
      if (plan.mode !== undefined) await handle.chmod(plan.mode); // the umask may have cleared bits
      if (plan.uid !== undefined && plan.gid !== undefined) {
        await handle.chown(plan.uid, plan.gid).catch(() => undefined); // only root may give files away
      }
      await writeChunks(parts, handleSink(handle), { batch: FILE_BATCH });
    } finally {
      await handle.close();
    }
    await rename(temp, plan.target);
    return 'written';
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    if (isTriplineError(error)) throw error; // the report itself is at fault, not the file
    throw new CliError(`cannot write ${shown}: ${fsReason(error)}`, { cause: error });
  } finally {
    pending.delete(temp);
  }
}
