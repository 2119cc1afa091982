/**
 * `jsonFileStateStore(path)`: the whole state in one JSON document, for small bots. Every write
 * replaces the file atomically (a temporary file in the same folder, flushed to disk, renamed over the
 * old one, the folder flushed), so a crash leaves the old or the new document, never a mix. One
 * process at a time has the file open: `open()` takes `<path>.lock` (see `lock.ts`).
 */
import { randomBytes } from 'node:crypto';
import { copyFile, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  type JsonValue,
  type OutboxEntry,
  STATE_NAMESPACES,
  STATE_SCHEMA_VERSION,
  type StateNamespace,
  type StateStore,
  type StateWrite,
} from '@tripline/core';
import {
  checkKey,
  checkNamespace,
  checkOutboxKeys,
  checkSchemaVersion,
  checkWrite,
  compareKeys,
  isStateNamespace,
  notOpen,
  stateUnreadable,
} from '@tripline/core/unstable';
import { acquireLock, type HeldLock, isCode, processAlive } from './lock.js';

/** The `format` field of every state document. */
export const JSON_STATE_FORMAT = 'tripline-state';

/** The steps of an atomic write, in order (tests inject a failure before one of them). */
export type JsonWriteStep = 'write-temp' | 'fsync-temp' | 'rename' | 'fsync-dir';

/** Test seams of the JSON-file store; not part of the public API. */
export interface JsonFileOptions {
  /** Called before each step of a write; a throw there is a crash at that point. */
  readonly beforeStep?: (step: JsonWriteStep) => void;
  /** Whether a process of this host runs (for stale locks). */
  readonly alive?: (pid: number) => boolean;
}

/**
 * A {@link StateStore} in one JSON file. `open()` creates the file (and its folder must exist), or
 * reads it: a damaged file is `state-unreadable`, one of a newer tripline `state-schema-newer`, an
 * older layout is migrated (the old file kept as `<path>.schema<N>.bak`). A second store — in this
 * process or another — opening the same path is refused with `state-locked` until the first closes;
 * a lock left by a process that no longer runs is taken over.
 *
 * ```ts
 * import { jsonFileStateStore } from '@tripline/state';
 * const analyzer = createAnalyzer({ detectors, state: { store: jsonFileStateStore('bot-state.json') } });
 * ```
 */
export function jsonFileStateStore(path: string): StateStore {
  return new JsonFileStateStore(path);
}

/** The store class, with its test seams (the public factory gives none). */
export class JsonFileStateStore implements StateStore {
  readonly kind = 'json-file';
  readonly path: string;
  readonly #options: JsonFileOptions;
  #lock: HeldLock | undefined;
  /** Each record as its JSON text, by namespace: written back as is, parsed on read (a fresh copy). */
  #records = new Map<StateNamespace, Map<string, string>>();
  #outbox: OutboxRecord[] = [];

  constructor(path: string, options: JsonFileOptions = {}) {
    if (typeof path !== 'string' || path === '')
      throw new TypeError('jsonFileStateStore: path must be a non-empty string');
    this.path = resolve(path);
    this.#options = options;
  }

  async open(): Promise<void> {
    if (this.#lock !== undefined) return;
    const lock = await acquireLock(this.path, this.#options.alive ?? processAlive);
    try {
      await this.#removeStaleTemps();
      let text: string | undefined;
      try {
        text = await readFile(this.path, 'utf8');
      } catch (error) {
        if (!isCode(error, 'ENOENT')) throw stateUnreadable(this.path, describeFsError(error), error);
      }
      if (text === undefined) {
        this.#records = emptyRecords();
        this.#outbox = [];
        await this.#persist(this.#records, this.#outbox);
      } else {
        const { records, outbox, schema } = parseDocument(text, this.path);
        if (schema < STATE_SCHEMA_VERSION) {
          await copyFile(this.path, `${this.path}.schema${schema}.bak`);
          await this.#persist(records, outbox);
        }
        this.#records = records;
        this.#outbox = outbox;
      }
      this.#lock = lock;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  async read(ns: StateNamespace): Promise<ReadonlyMap<string, JsonValue>> {
    this.#check('read');
    const records = this.#namespace(ns, 'read');
    const keys = [...records.keys()].sort(compareKeys);
    return new Map(keys.map((k) => [k, JSON.parse(records.get(k) as string) as JsonValue]));
  }

  async get(ns: StateNamespace, key: string): Promise<JsonValue | undefined> {
    this.#check('get');
    const text = this.#namespace(ns, 'get').get(checkKey(key, 'get'));
    return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
  }

  async write(batch: StateWrite): Promise<void> {
    this.#check('write');
    const w = checkWrite(batch);
    const pending = new Set(this.#outbox.map((o) => o.key));
    checkOutboxKeys(w, (key) => pending.has(key));
    // The next state is built beside the current one; it replaces it only once it is on disk.
    const next = new Map(this.#records);
    const touched = (ns: StateNamespace): Map<string, string> => {
      let m = next.get(ns);
      if (m === this.#records.get(ns)) {
        m = new Map(m);
        next.set(ns, m);
      }
      return m as Map<string, string>;
    };
    for (const ns of w.replace) next.set(ns, new Map());
    for (const d of w.delete) touched(d.ns).delete(d.key);
    for (const p of w.put) touched(p.ns).set(p.key, JSON.stringify(p.value));
    const delivered = new Set(w.delivered);
    const outbox = [
      ...this.#outbox.filter((o) => !delivered.has(o.key)),
      ...w.outbox.map((o) => ({ key: o.key, payload: JSON.stringify(o.payload), queuedAt: o.queuedAt })),
    ];
    try {
      await this.#persist(next, outbox);
    } catch (error) {
      // Renamed but the folder not flushed: the file holds the new state, so does the store; the
      // error still says its durability is not known.
      if ((error as { afterRename?: boolean })?.afterRename === true) {
        this.#records = next;
        this.#outbox = outbox;
      }
      throw error;
    }
    this.#records = next;
    this.#outbox = outbox;
  }

  async outbox(): Promise<readonly OutboxEntry[]> {
    this.#check('outbox');
    return this.#outbox.map((o) => ({ key: o.key, payload: JSON.parse(o.payload) as JsonValue, queuedAt: o.queuedAt }));
  }

  async close(): Promise<void> {
    const lock = this.#lock;
    this.#lock = undefined;
    this.#records = new Map();
    this.#outbox = [];
    await lock?.release();
  }

  #check(method: string): void {
    if (this.#lock === undefined) throw notOpen(this.kind, method);
  }

  #namespace(ns: StateNamespace, method: string): Map<string, string> {
    return this.#records.get(checkNamespace(ns, method)) as Map<string, string>;
  }

  /** Writes a whole document: temporary file, flushed, renamed over the file, folder flushed. */
  async #persist(records: ReadonlyMap<StateNamespace, ReadonlyMap<string, string>>, outbox: readonly OutboxRecord[]) {
    const text = serialize(records, outbox);
    const step = this.#options.beforeStep ?? (() => undefined);
    const temp = join(
      dirname(this.path),
      `.${basename(this.path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`,
    );
    let renamed = false;
    try {
      step('write-temp');
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        step('fsync-temp');
        await handle.sync();
      } finally {
        await handle.close();
      }
      step('rename');
      await rename(temp, this.path);
      renamed = true;
      try {
        step('fsync-dir');
        await syncDirectory(dirname(this.path));
      } catch (error) {
        if (typeof error === 'object' && error !== null) Object.defineProperty(error, 'afterRename', { value: true });
        throw error;
      }
    } finally {
      if (!renamed) await unlink(temp).catch(() => undefined);
    }
  }

  /** Temporary files of writes that crashed before their rename (we hold the lock: nobody else writes). */
  async #removeStaleTemps(): Promise<void> {
    const prefix = `.${basename(this.path)}.tmp-`;
    let names: string[];
    try {
      names = await readdir(dirname(this.path));
    } catch {
      return; // the folder's problems show when the file is read or written
    }
    for (const name of names)
      if (name.startsWith(prefix)) await unlink(join(dirname(this.path), name)).catch(() => undefined);
  }
}

interface OutboxRecord {
  readonly key: string;
  /** JSON text of the payload. */
  readonly payload: string;
  readonly queuedAt: string;
}

function emptyRecords(): Map<StateNamespace, Map<string, string>> {
  return new Map(STATE_NAMESPACES.map((ns) => [ns, new Map()]));
}

/**
 * The document, byte for byte the same for the same state: `format`, `schema`, the namespaces in the
 * contract's order with their keys in code-unit order, the outbox in queue order; one line per record.
 */
function serialize(records: ReadonlyMap<StateNamespace, ReadonlyMap<string, string>>, outbox: readonly OutboxRecord[]) {
  const parts: string[] = [
    `{"format":${JSON.stringify(JSON_STATE_FORMAT)},"schema":${STATE_SCHEMA_VERSION},"namespaces":{`,
  ];
  STATE_NAMESPACES.forEach((ns, i) => {
    const m = records.get(ns) ?? new Map<string, string>();
    const keys = [...m.keys()].sort(compareKeys);
    parts.push(`${i === 0 ? '' : ','}\n${JSON.stringify(ns)}:{`);
    keys.forEach((k, j) => {
      parts.push(`${j === 0 ? '' : ','}\n${JSON.stringify(k)}:${m.get(k)}`);
    });
    parts.push('}');
  });
  parts.push('},\n"outbox":[');
  outbox.forEach((o, i) => {
    parts.push(
      `${i === 0 ? '' : ','}\n{"key":${JSON.stringify(o.key)},"payload":${o.payload},"queuedAt":${JSON.stringify(o.queuedAt)}}`,
    );
  });
  parts.push(']}\n');
  return parts.join('');
}

/**
 * Reads a document of any schema this release knows, migrating older ones. Schema 0 (never written by
 * a release; the layout the migration path is exercised with): `{ "format": "tripline-state",
 * "schema": 0, "records": [[ns, key, value], …], "outbox": [[key, payload, queuedAt], …] }`.
 */
function parseDocument(text: string, path: string) {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw stateUnreadable(
      path,
      `it is not JSON (${(error as Error).message}): the file was cut off or edited by hand`,
      error,
    );
  }
  if (
    typeof doc !== 'object' ||
    doc === null ||
    Array.isArray(doc) ||
    (doc as { format?: unknown }).format !== JSON_STATE_FORMAT
  )
    throw stateUnreadable(path, `it is JSON but not a tripline state document (no "format": "${JSON_STATE_FORMAT}")`);
  const d = doc as Record<string, unknown>;
  const schema = checkSchemaVersion(d.schema, path);
  const records = emptyRecords();
  const outbox: OutboxRecord[] = [];
  const queued = new Set<string>();
  const bad = (what: string): never => {
    throw stateUnreadable(path, `schema ${schema} document: ${what}`);
  };
  const addOutbox = (key: unknown, payload: unknown, queuedAt: unknown, where: string) => {
    if (typeof key !== 'string' || key === '' || typeof queuedAt !== 'string' || payload === undefined)
      bad(`${where} is not an outbox entry`);
    if (queued.has(key as string)) bad(`${where}: the outbox key ${JSON.stringify(key)} is there twice`);
    queued.add(key as string);
    outbox.push({ key: key as string, payload: JSON.stringify(payload), queuedAt: queuedAt as string });
  };
  if (schema === 0) {
    if (!Array.isArray(d.records) || !Array.isArray(d.outbox)) bad('"records" and "outbox" must be lists');
    (d.records as unknown[]).forEach((r, i) => {
      if (
        !Array.isArray(r) ||
        r.length !== 3 ||
        !isStateNamespace(r[0]) ||
        typeof r[1] !== 'string' ||
        r[2] === undefined
      )
        bad(`records[${i}] is not [namespace, key, value]`);
      const [ns, key, value] = r as [StateNamespace, string, unknown];
      (records.get(ns) as Map<string, string>).set(key, JSON.stringify(value));
    });
    (d.outbox as unknown[]).forEach((o, i) => {
      if (!Array.isArray(o) || o.length !== 3) bad(`outbox[${i}] is not [key, payload, queuedAt]`);
      const [key, payload, queuedAt] = o as unknown[];
      addOutbox(key, payload, queuedAt, `outbox[${i}]`);
    });
    return { records, outbox, schema };
  }
  const namespaces = d.namespaces;
  if (typeof namespaces !== 'object' || namespaces === null || Array.isArray(namespaces))
    bad('"namespaces" is not an object');
  for (const [ns, values] of Object.entries(namespaces as Record<string, unknown>)) {
    if (!isStateNamespace(ns)) bad(`"${ns}" is not a state namespace`);
    if (typeof values !== 'object' || values === null || Array.isArray(values))
      bad(`namespace "${ns}" is not an object`);
    const m = records.get(ns as StateNamespace) as Map<string, string>;
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) m.set(key, JSON.stringify(value));
  }
  if (!Array.isArray(d.outbox)) bad('"outbox" is not a list');
  (d.outbox as unknown[]).forEach((o, i) => {
    if (typeof o !== 'object' || o === null) bad(`outbox[${i}] is not an object`);
    const e = o as Record<string, unknown>;
    addOutbox(e.key, e.payload, e.queuedAt, `outbox[${i}]`);
  });
  return { records, outbox, schema };
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms and file systems cannot flush a folder (Windows: EPERM/EISDIR); the rename stands.
    if (!isCode(error, 'EPERM') && !isCode(error, 'EISDIR') && !isCode(error, 'EINVAL')) throw error;
  } finally {
    await handle?.close();
  }
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder, not a file';
  return error instanceof Error ? error.message : String(error);
}
