/**
 * `sqliteStateStore(path)`: the state in one SQLite database (WAL), for bots of any size and for
 * ad-hoc queries. Records are one table `records(ns, key, escaped, encoding, value)` (value: JSON
 * text, deflated JSON when long, the bytes of an engine record compressed by core), the outbox a
 * table ordered by a sequence, the layout's version a row of `tripline_meta` (the layout and its
 * migrations: `sqlite-layout.ts`). Every write is one transaction (`BEGIN IMMEDIATE` … `COMMIT`,
 * rolled back on any error), with statements prepared once per open.
 */
import { resolve } from 'node:path';
import {
  type JsonValue,
  type OutboxEntry,
  STATE_SCHEMA_VERSION,
  type StateNamespace,
  type StateStore,
  type StateWrite,
} from '@tripline/core';
import {
  checkKey,
  checkNamespace,
  checkOutboxKeys,
  checkWrite,
  compareKeys,
  notOpen,
  stateUnreadable,
} from '@tripline/core/unstable';
import { loadDriver, type SqliteDatabase, type SqliteDriverName, type SqliteStatement } from './driver.js';
import {
  DEFLATE_ABOVE,
  decodeKey,
  decodePayload,
  decodeValue,
  encodeKey,
  encodePayload,
  encodeValue,
  PAGE_SIZE,
  prepareLayout,
  rebuildPages,
} from './sqlite-layout.js';

export type { SqliteDriverName } from './driver.js';
export { DEFLATE_ABOVE, encodeKey };

/** Options of {@link sqliteStateStore}. */
export interface SqliteStateStoreOptions {
  /** Use this driver only (default: `node:sqlite` when the runtime has it, else `better-sqlite3`). */
  readonly driver?: SqliteDriverName;
  /** How long a write waits for another process's transaction, in ms (SQLite `busy_timeout`). Default 5000. */
  readonly busyTimeoutMs?: number;
}

/** Test seams; not part of the public API. */
export interface SqliteTestOptions extends SqliteStateStoreOptions {
  /** Called after each statement of a write with its number (1, 2, …); a throw there fails the write mid-transaction. */
  readonly afterStatement?: (n: number) => void;
}

/**
 * A {@link StateStore} in an SQLite database file (created when missing). A damaged file, or a
 * database that is not tripline's, is `state-unreadable`; one written by a newer tripline
 * `state-schema-newer`; an older layout is migrated in one transaction. Several processes may open
 * one database: SQLite serialises their writes (a write waits up to `busyTimeoutMs`).
 *
 * ```ts
 * import { sqliteStateStore } from '@tripline/state';
 * const store = sqliteStateStore('bot-state.db');
 * ```
 */
export function sqliteStateStore(path: string, options: SqliteStateStoreOptions = {}): StateStore {
  return new SqliteStateStore(path, options);
}

interface Statements {
  get: SqliteStatement;
  readNs: SqliteStatement;
  put: SqliteStatement;
  deleteOne: SqliteStatement;
  deleteNs: SqliteStatement;
  outboxAll: SqliteStatement;
  outboxHas: SqliteStatement;
  outboxAdd: SqliteStatement;
  outboxDelete: SqliteStatement;
}

/** The store class, with its test seams (the public factory gives none). */
export class SqliteStateStore implements StateStore {
  readonly kind = 'sqlite';
  readonly path: string;
  readonly #options: SqliteTestOptions;
  #db: SqliteDatabase | undefined;
  #st: Statements | undefined;
  /** The driver of the open database (`node:sqlite` or `better-sqlite3`). */
  driver: SqliteDriverName | undefined;

  constructor(path: string, options: SqliteTestOptions = {}) {
    if (typeof path !== 'string' || path === '')
      throw new TypeError('sqliteStateStore: path must be a non-empty string');
    this.path = path === ':memory:' ? path : resolve(path);
    this.#options = options;
  }

  async open(): Promise<void> {
    if (this.#db !== undefined) return;
    const driver = await loadDriver(this.path, this.#options.driver);
    let db: SqliteDatabase;
    try {
      db = driver.open(this.path);
    } catch (error) {
      throw stateUnreadable(this.path, `cannot open the database (${messageOf(error)})`, error);
    }
    try {
      const busy = this.#options.busyTimeoutMs ?? 5000;
      db.exec(`PRAGMA busy_timeout = ${Number.isSafeInteger(busy) && busy >= 0 ? busy : 5000}`);
      try {
        // Before the first table exists (a new database): its page size, and freed pages can be given
        // back to the file system (see write). A database created before keeps its settings; these
        // are then no-ops (a migration rebuilds it with them, below).
        db.exec(`PRAGMA page_size = ${PAGE_SIZE}`);
        db.exec('PRAGMA auto_vacuum = INCREMENTAL');
        db.exec('PRAGMA journal_mode = WAL');
      } catch (error) {
        throw stateUnreadable(this.path, `it is not an SQLite database (${messageOf(error)})`, error);
      }
      db.exec('PRAGMA synchronous = FULL');
      let found = STATE_SCHEMA_VERSION;
      transaction(db, () => {
        found = prepareLayout(db, this.path);
      });
      if (found < STATE_SCHEMA_VERSION && Number(db.prepare('PRAGMA page_size').get()?.page_size) !== PAGE_SIZE)
        rebuildPages(db);
      this.#st = {
        get: db.prepare('SELECT encoding, value FROM records WHERE ns = ? AND key = ? AND escaped = ?'),
        readNs: db.prepare('SELECT key, escaped, encoding, value FROM records WHERE ns = ?'),
        put: db.prepare(
          'INSERT INTO records (ns, key, escaped, encoding, value) VALUES (?, ?, ?, ?, ?) ON CONFLICT (ns, key, escaped) DO UPDATE SET encoding = excluded.encoding, value = excluded.value',
        ),
        deleteOne: db.prepare('DELETE FROM records WHERE ns = ? AND key = ? AND escaped = ?'),
        deleteNs: db.prepare('DELETE FROM records WHERE ns = ?'),
        outboxAll: db.prepare('SELECT key, escaped, payload, queued_at FROM outbox ORDER BY seq'),
        outboxHas: db.prepare('SELECT 1 AS found FROM outbox WHERE key = ? AND escaped = ?'),
        outboxAdd: db.prepare('INSERT INTO outbox (key, escaped, payload, queued_at) VALUES (?, ?, ?, ?)'),
        outboxDelete: db.prepare('DELETE FROM outbox WHERE key = ? AND escaped = ?'),
      };
      this.#db = db;
      this.driver = driver.name;
    } catch (error) {
      db.close();
      if (isTripline(error)) throw error;
      throw stateUnreadable(this.path, `it is not a readable SQLite database (${messageOf(error)})`, error);
    }
  }

  async read(ns: StateNamespace): Promise<ReadonlyMap<string, JsonValue>> {
    const st = this.#check('read');
    const rows = st.readNs.all(checkNamespace(ns, 'read'));
    const entries = rows.map((r) => [decodeKey(r.key as string, r.escaped as number), r] as const);
    entries.sort((a, b) => compareKeys(a[0], b[0]));
    return new Map(entries.map(([k, r]) => [k, decodeValue(r.encoding, r.value, this.path)]));
  }

  async get(ns: StateNamespace, key: string): Promise<JsonValue | undefined> {
    const st = this.#check('get');
    const [k, escaped] = encodeKey(checkKey(key, 'get'));
    const row = st.get.get(checkNamespace(ns, 'get'), k, escaped);
    return row === undefined ? undefined : decodeValue(row.encoding, row.value, this.path);
  }

  async write(batch: StateWrite): Promise<void> {
    const st = this.#check('write');
    const db = this.#db as SqliteDatabase;
    const w = checkWrite(batch);
    let n = 0;
    const done = (): void => {
      n += 1;
      this.#options.afterStatement?.(n);
    };
    transaction(db, () => {
      checkOutboxKeys(w, (key) => st.outboxHas.get(...encodeKey(key)) !== undefined);
      for (const ns of w.replace) {
        st.deleteNs.run(ns);
        done();
      }
      for (const d of w.delete) {
        st.deleteOne.run(d.ns, ...encodeKey(d.key));
        done();
      }
      for (const p of w.put) {
        st.put.run(p.ns, ...encodeKey(p.key), ...encodeValue(p.value));
        done();
      }
      for (const key of w.delivered) {
        st.outboxDelete.run(...encodeKey(key));
        done();
      }
      for (const o of w.outbox) {
        st.outboxAdd.run(...encodeKey(o.key), encodePayload(o.payload), o.queuedAt);
        done();
      }
    });
    reclaimFreePages(db);
  }

  async outbox(): Promise<readonly OutboxEntry[]> {
    const st = this.#check('outbox');
    return st.outboxAll.all().map((r) => ({
      key: decodeKey(r.key as string, r.escaped as number),
      payload: decodePayload(r.payload),
      queuedAt: r.queued_at as string,
    }));
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    this.#st = undefined;
    db?.close();
  }

  #check(method: string): Statements {
    if (this.#st === undefined) throw notOpen(this.kind, method);
    return this.#st;
  }
}

/**
 * After a write: when more than an eighth of the file is free pages (a delivered outbox, records
 * deleted or shrunk), give them back to the file system, so that the file holds the state and not its
 * history. Only a database created with `auto_vacuum = INCREMENTAL` can (older ones: a no-op). The
 * write is already committed: a failure here loses nothing and is left for the next write.
 */
export function reclaimFreePages(db: SqliteDatabase): void {
  try {
    const free = Number(db.prepare('PRAGMA freelist_count').get()?.freelist_count ?? 0);
    const pages = Number(db.prepare('PRAGMA page_count').get()?.page_count ?? 0);
    if (free > 0 && free * 8 > pages) db.exec('PRAGMA incremental_vacuum');
  } catch {
    // the space stays free inside the file; SQLite reuses it for the next records
  }
}

/** Runs `body` in one `BEGIN IMMEDIATE` transaction: committed when it returns, rolled back when it throws. */
function transaction(db: SqliteDatabase, body: () => void): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    body();
    db.exec('COMMIT');
  } catch (error) {
    try {
      db.exec('ROLLBACK');
    } catch {
      // SQLite already rolled back (some errors end the transaction themselves)
    }
    throw error;
  }
}

function isTripline(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TriplineError';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
