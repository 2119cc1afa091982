/**
 * The lock file of a file store: `<path>.lock` holds `{ pid, host, created }` of the one process that
 * has the state open. It is created whole (written under a temporary name, then hard-linked to the
 * lock name, which fails when the name exists), so a lock file is never seen half-written. A lock
 * whose process no longer runs on this host is stale: it is taken over on the next open.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { stateLocked, stateUnreadable } from '@tripline/core/unstable';

/** What a lock file holds. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly created: string;
}

/** A held lock; `release()` removes the lock file (only when it is still ours). */
export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * Takes the lock of `storePath` or throws `state-locked` naming the process that holds it. `alive`
 * tells whether a process of this host runs (tests inject it).
 */
export async function acquireLock(
  storePath: string,
  alive: (pid: number) => boolean = processAlive,
): Promise<HeldLock> {
  const path = `${storePath}.lock`;
  const owner: LockOwner = { pid: process.pid, host: hostname(), created: new Date().toISOString() };
  const text = `${JSON.stringify(owner)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createWhole(path, text)) return held(path, text);
    const found = await readOwner(path);
    if (found === 'missing') continue; // released between our two steps: try again
    if (found !== 'unreadable' && (found.host !== owner.host || alive(found.pid)))
      throw stateLocked(
        storePath,
        found.host === owner.host
          ? `process ${found.pid}${found.pid === process.pid ? ' (this process: another open store)' : ''} (lock file ${path})`
          : `process ${found.pid} on ${found.host} (lock file ${path}; remove it if that host no longer runs it)`,
        { pid: found.pid, host: found.host, lock: path },
      );
    // Stale (its process is gone) or damaged (a lock file is written whole, so never by us): take it
    // over. Moving it aside first, then checking it is still what we judged stale, keeps us from
    // removing a lock another process took in between.
    const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
    try {
      await rename(path, aside);
    } catch (error) {
      if (isCode(error, 'ENOENT')) continue;
      throw error;
    }
    const moved = await readOwner(aside);
    if (moved !== 'missing' && moved !== 'unreadable' && !sameOwner(moved, found)) {
      // Someone else's fresh lock: put it back (if nobody took the name meanwhile) and give up.
      await link(aside, path).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      throw stateLocked(storePath, `process ${moved.pid} (lock file ${path})`, { pid: moved.pid, lock: path });
    }
    await unlink(aside).catch(() => undefined);
  }
  throw stateLocked(storePath, `another process (lock file ${path} keeps changing)`, { lock: path });
}

function held(path: string, text: string): HeldLock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      // Only our own lock is removed (a lock taken over as stale by another process stays).
      const now = await readFile(path, 'utf8').catch(() => undefined);
      if (now === text) await unlink(path).catch(() => undefined);
    },
  };
}

/** Creates `path` with `text`, whole, unless it exists: false then. */
async function createWhole(path: string, text: string): Promise<boolean> {
  const temp = `${path}.new-${process.pid}-${randomBytes(6).toString('hex')}`;
  await writeFile(temp, text, { flag: 'wx' });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    throw stateUnreadable(path.slice(0, -'.lock'.length), `cannot create the lock file ${path}`, error);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function readOwner(path: string): Promise<LockOwner | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return 'missing';
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && Number.isSafeInteger(value.pid) && typeof value.host === 'string')
      return { pid: value.pid, host: value.host, created: String(value.created) };
  } catch {
    // not JSON: damaged
  }
  return 'unreadable';
}

function sameOwner(a: LockOwner, b: LockOwner | 'unreadable'): boolean {
  return b !== 'unreadable' && a.pid === b.pid && a.host === b.host && a.created === b.created;
}

/** Whether a process of this host runs: signal 0 checks without sending anything. */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isCode(error, 'EPERM'); // it runs, as another user
  }
}

export function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
