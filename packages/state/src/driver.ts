/**
 * The two SQLite drivers behind one small interface: Node's built-in `node:sqlite` (`DatabaseSync`,
 * Node ≥ 22.13 and ≥ 23.4 without a flag; 22.5–22.12 and 23.0–23.3 with `--experimental-sqlite`) and `better-sqlite3` (an
 * optional dependency, compiled from source on install; the driver of Node 20). Both are synchronous
 * and have the same `exec` / `prepare` / `run` / `get` / `all` / `close`, which is all the store uses.
 */
import { resolve } from 'node:path';
import { stateUnreadable } from '@tripline/core/unstable';

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';
export const SQLITE_DRIVERS: readonly SqliteDriverName[] = ['node:sqlite', 'better-sqlite3'];

export type SqlParam = string | number | null | Uint8Array;

export interface SqliteStatement {
  run(...params: SqlParam[]): unknown;
  get(...params: SqlParam[]): Record<string, unknown> | undefined;
  all(...params: SqlParam[]): Record<string, unknown>[];
}

export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

export interface SqliteDriver {
  readonly name: SqliteDriverName;
  open(path: string): SqliteDatabase;
}

type DatabaseClass = new (path: string) => SqliteDatabase;

/**
 * Loads a driver: the one asked for, else `node:sqlite` when this runtime has it, else `better-sqlite3`.
 * When none loads, rejects with `state-unreadable` saying what to do (for `where`, the store's path).
 */
export async function loadDriver(where: string, only?: SqliteDriverName): Promise<SqliteDriver> {
  const reasons: string[] = [];
  for (const name of only === undefined ? SQLITE_DRIVERS : [only]) {
    const loaded = name === 'node:sqlite' ? loadNodeSqlite() : await loadBetterSqlite3();
    if (typeof loaded !== 'string') return { name, open: (path) => new loaded(path) };
    reasons.push(`${name}: ${loaded}`);
  }
  const prefix = resolve(process.execPath, '..', '..');
  throw stateUnreadable(
    where,
    `no SQLite driver could be loaded (${reasons.join('; ')}). The SQLite store needs Node >= 22.13 (node:sqlite built in), or the optional dependency better-sqlite3 built for Node ${process.versions.node}: \`npm rebuild better-sqlite3 --nodedir=${prefix}\` compiles it with this Node's headers (\`npm install better-sqlite3 --nodedir=${prefix}\` when npm left it out after a failed build; in the tripline repository \`npm run sqlite -- --build\`; see docs/state-stores.md#sqlite-drivers). The JSON-file store (jsonFileStateStore) needs neither`,
  );
}

/** Which drivers load in this runtime (for tests and diagnostics): name → true, or why not. */
export async function availableDrivers(): Promise<Record<SqliteDriverName, true | string>> {
  const node = loadNodeSqlite();
  const better = await loadBetterSqlite3();
  return {
    'node:sqlite': typeof node === 'string' ? node : true,
    'better-sqlite3': typeof better === 'string' ? better : true,
  };
}

function loadNodeSqlite(): DatabaseClass | string {
  try {
    // getBuiltinModule (Node >= 20.16) answers undefined, or throws, where the module is absent or
    // behind --experimental-sqlite (Node 22.5–22.12).
    const mod = process.getBuiltinModule('node:sqlite') as { DatabaseSync?: DatabaseClass } | undefined;
    if (typeof mod?.DatabaseSync === 'function') return mod.DatabaseSync;
  } catch {
    // absent
  }
  return `not in Node ${process.versions.node} (built in from 22.13 and 23.4; 22.5–22.12 and 23.0–23.3 need --experimental-sqlite)`;
}

async function loadBetterSqlite3(): Promise<DatabaseClass | string> {
  const specifier = 'better-sqlite3';
  try {
    const mod = (await import(specifier)) as { default?: DatabaseClass };
    const Database = mod.default ?? (mod as unknown as DatabaseClass);
    if (typeof Database !== 'function') return 'the module has no Database class';
    // The native addon is loaded at the first database: open one in memory to find out now.
    new Database(':memory:').close();
    return Database;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    if (
      (error as { code?: unknown })?.code === 'ERR_MODULE_NOT_FOUND' ||
      /Cannot find (module|package) 'better-sqlite3'/.test(message ?? '')
    )
      return 'not installed (its native build failed or was skipped on install)';
    if (/NODE_MODULE_VERSION/.test(message ?? '')) return `built for another Node version (${message})`;
    if (/bindings file/.test(message ?? '')) return 'installed but not built (its install script did not run)';
    return `cannot be loaded (${message})`;
  }
}
