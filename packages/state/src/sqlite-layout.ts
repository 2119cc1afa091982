/**
 * The SQLite store's layout: its tables, how a record's value is stored, and the migrations from the
 * older layouts. Schema 2 (this one): `records(ns, key, escaped, encoding, value)` in 16 KiB pages;
 * schema 1 had no `encoding` (text was JSON, a BLOB deflated JSON) and 4 KiB pages; schema 0 was
 * never released (the flat layout the migration path is exercised with).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { type JsonValue, STATE_SCHEMA_VERSION } from '@tripline/core';
import { checkSchemaVersion, isWellFormed, stateUnreadable } from '@tripline/core/unstable';
import type { SqliteDatabase } from './driver.js';

/** The `format` row of `tripline_meta`. */
const FORMAT = 'tripline-state';

/**
 * The page size of a new database. A group record (a deflated evidence sample) is about a kilobyte:
 * in 4 KiB pages the records leave more of each page unused, and longer ones go to overflow pages.
 */
export const PAGE_SIZE = 16_384;

/** `records.encoding`: how `value` holds the record. */
export const ENCODING = {
  /** JSON text. */
  json: 0,
  /** Raw DEFLATE of the JSON text (a BLOB). */
  deflated: 1,
  /** A record `{"z": "<base64>"}` (the engine's compressed records): the bytes the base64 spells (a BLOB). */
  packed: 2,
} as const;

/** Values whose JSON text is longer than this are stored deflated (a BLOB); shorter ones as JSON text. */
export const DEFLATE_ABOVE = 1024;

const RECORDS_TABLE = `CREATE TABLE records (
      ns TEXT NOT NULL,
      key TEXT NOT NULL,
      escaped INTEGER NOT NULL DEFAULT 0,
      encoding INTEGER NOT NULL DEFAULT 0,
      value NOT NULL,
      UNIQUE (ns, key, escaped)
    )`;

const OUTBOX_TABLE = `CREATE TABLE outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      key TEXT NOT NULL,
      escaped INTEGER NOT NULL DEFAULT 0,
      payload NOT NULL,
      queued_at TEXT NOT NULL,
      UNIQUE (key, escaped)
    )`;

/**
 * Creates the layout in an empty database, checks an existing one and migrates an older one (in the
 * caller's transaction). Returns the schema version found (the current one for a new database).
 */
export function prepareLayout(db: SqliteDatabase, path: string): number {
  const tables = new Set(
    db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((r) => r.name as string),
  );
  if (tables.size === 0) {
    db.exec(`CREATE TABLE tripline_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      ${RECORDS_TABLE}; ${OUTBOX_TABLE};`);
    const meta = db.prepare('INSERT INTO tripline_meta (name, value) VALUES (?, ?)');
    meta.run('format', FORMAT);
    meta.run('schema', String(STATE_SCHEMA_VERSION));
    return STATE_SCHEMA_VERSION;
  }
  if (!tables.has('tripline_meta'))
    throw stateUnreadable(path, 'it is an SQLite database, but not a tripline state (no table tripline_meta)');
  const format = db.prepare("SELECT value FROM tripline_meta WHERE name = 'format'").get()?.value;
  if (format !== FORMAT)
    throw stateUnreadable(path, `it is an SQLite database, but not a tripline state (format ${String(format)})`);
  const text = db.prepare("SELECT value FROM tripline_meta WHERE name = 'schema'").get()?.value;
  const schema = checkSchemaVersion(typeof text === 'string' && /^\d{1,9}$/.test(text) ? Number(text) : text, path);
  if (schema === 0) migrate0to1(db);
  if (schema <= 1) migrate1to2(db);
  if (schema < STATE_SCHEMA_VERSION)
    db.prepare("UPDATE tripline_meta SET value = ? WHERE name = 'schema'").run(String(STATE_SCHEMA_VERSION));
  return schema;
}

/**
 * Schema 0 → 1: records in `state(ns, key, value)` and the outbox in `outbox(key PRIMARY KEY, payload,
 * queued_at)` in rowid order, keys stored as they are → the schema 1 tables.
 */
function migrate0to1(db: SqliteDatabase): void {
  db.exec(`
    ALTER TABLE outbox RENAME TO outbox_schema0;
    CREATE TABLE records (
      ns TEXT NOT NULL,
      key TEXT NOT NULL,
      escaped INTEGER NOT NULL DEFAULT 0,
      value NOT NULL,
      UNIQUE (ns, key, escaped)
    );
    ${OUTBOX_TABLE};
    INSERT INTO records (ns, key, escaped, value) SELECT ns, key, 0, value FROM state;
    INSERT INTO outbox (key, escaped, payload, queued_at) SELECT key, 0, payload, queued_at FROM outbox_schema0 ORDER BY rowid;
    DROP TABLE state;
    DROP TABLE outbox_schema0;
  `);
}

/** Schema 1 → 2: every record read as schema 1 stored it and written again with its `encoding`. */
function migrate1to2(db: SqliteDatabase): void {
  db.exec(`ALTER TABLE records RENAME TO records_schema1; ${RECORDS_TABLE};`);
  const put = db.prepare('INSERT INTO records (ns, key, escaped, encoding, value) VALUES (?, ?, ?, ?, ?)');
  for (const r of db.prepare('SELECT ns, key, escaped, value FROM records_schema1').all()) {
    put.run(r.ns as string, r.key as string, r.escaped as number, ...encodeValue(decodePayload(r.value)));
  }
  db.exec('DROP TABLE records_schema1');
}

/**
 * After a migration, outside any transaction: the database rebuilt in {@link PAGE_SIZE} pages with
 * `auto_vacuum = INCREMENTAL` (a `VACUUM`, which needs the journal out of WAL mode for a moment). It
 * needs the database to itself: while another process has it open, it stays as it is (its records
 * are migrated all the same; only its pages are smaller) and the next migration-free open does not
 * try again.
 */
export function rebuildPages(db: SqliteDatabase): void {
  try {
    db.exec('PRAGMA journal_mode = DELETE');
    db.exec(`PRAGMA page_size = ${PAGE_SIZE}`);
    db.exec('PRAGMA auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
  } catch {
    // another connection holds the database: it keeps its pages
  } finally {
    db.exec('PRAGMA journal_mode = WAL');
  }
}

/**
 * SQLite stores text as UTF-8, which cannot hold a lone UTF-16 surrogate (it would become U+FFFD and
 * two keys would collide), and `node:sqlite` of Node 22 cuts a string at its first NUL. A key that is
 * not well-formed or holds a NUL is stored as its JSON string literal (ASCII escapes) with
 * `escaped = 1`; every other key is stored as it is, so ad-hoc queries see the keys they expect.
 */
export function encodeKey(key: string): [string, number] {
  return isWellFormed(key) && !key.includes('\0') ? [key, 0] : [JSON.stringify(key), 1];
}

export function decodeKey(text: string, escaped: number): string {
  return escaped === 1 ? (JSON.parse(text) as string) : text;
}

/**
 * A record as stored, `[encoding, value]`: `{"z": "<base64>"}` as the bytes it spells (when the
 * base64 is the canonical one, so that it reads back the same); other JSON text as it is when short
 * (readable with SQLite's JSON functions), raw DEFLATE when longer than {@link DEFLATE_ABOVE}.
 */
export function encodeValue(value: JsonValue): [number, string | Uint8Array] {
  const bytes = packedBytes(value);
  if (bytes !== undefined) return [ENCODING.packed, bytes];
  const json = JSON.stringify(value);
  return json.length > DEFLATE_ABOVE ? [ENCODING.deflated, deflateRawSync(json, { level: 6 })] : [ENCODING.json, json];
}

function packedBytes(value: JsonValue): Buffer | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const z = value.z;
  if (keys.length !== 1 || typeof z !== 'string' || z === '') return undefined;
  const bytes = Buffer.from(z, 'base64');
  return bytes.toString('base64') === z ? bytes : undefined;
}

/** A stored record read back (`path` names the store in the error of an unknown encoding). */
export function decodeValue(encoding: unknown, stored: unknown, path: string): JsonValue {
  if (encoding === ENCODING.packed) return { z: Buffer.from(stored as Uint8Array).toString('base64') };
  if (encoding === ENCODING.json || encoding === ENCODING.deflated) return decodePayload(stored);
  throw stateUnreadable(path, `a record has the unknown encoding ${String(encoding)}`);
}

/** An outbox payload (or a schema 1 record): JSON text, or a BLOB of deflated JSON text. */
export function decodePayload(stored: unknown): JsonValue {
  const text = typeof stored === 'string' ? stored : inflateRawSync(stored as Uint8Array).toString('utf8');
  return JSON.parse(text) as JsonValue;
}

/** An outbox payload as stored: JSON text, deflated when longer than {@link DEFLATE_ABOVE}. */
export function encodePayload(payload: JsonValue): string | Uint8Array {
  const json = JSON.stringify(payload);
  return json.length > DEFLATE_ABOVE ? deflateRawSync(json, { level: 6 }) : json;
}
