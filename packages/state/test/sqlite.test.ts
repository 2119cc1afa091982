import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonValue } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import { availableDrivers, SQLITE_DRIVERS, type SqliteDriverName } from '../src/driver.js';
import { SqliteStateStore } from '../src/sqlite.js';
import { conformance } from './conformance.js';

/** Statements of a write of FAIL_WRITE: 1 replace, 1 delete, 3 puts, 1 delivered, 1 outbox entry. */
const FAIL_STATEMENTS = 7;

const drivers = await availableDrivers();

/** Opens the database with the same driver, outside the store, to change it behind its back. */
async function raw(path: string, driver: SqliteDriverName, sql: string): Promise<void> {
  const store = new SqliteStateStore(join(path, '..', 'probe.db'), { driver });
  await store.open(); // loads the driver; its database is a throwaway
  await store.close();
  const mod =
    driver === 'node:sqlite'
      ? (
          process.getBuiltinModule('node:sqlite') as {
            DatabaseSync: new (p: string) => { exec(s: string): void; close(): void };
          }
        ).DatabaseSync
      : (
          (await import('better-sqlite3' as string)) as {
            default: new (p: string) => { exec(s: string): void; close(): void };
          }
        ).default;
  const db = new mod(path);
  db.exec(sql);
  db.close();
}

/** Rows of a query, through the same driver, outside the store. */
async function rawRows(path: string, driver: SqliteDriverName, sql: string): Promise<Record<string, unknown>[]> {
  type Db = { prepare(s: string): { all(): Record<string, unknown>[] }; close(): void };
  const mod =
    driver === 'node:sqlite'
      ? (process.getBuiltinModule('node:sqlite') as { DatabaseSync: new (p: string) => Db }).DatabaseSync
      : ((await import('better-sqlite3' as string)) as { default: new (p: string) => Db }).default;
  const db = new mod(path);
  try {
    return db
      .prepare(sql)
      .all()
      .map((r) => ({ ...r }));
  } finally {
    db.close();
  }
}

for (const driver of SQLITE_DRIVERS) {
  const available = drivers[driver];
  if (available !== true) {
    describe(`StateStore conformance: sqlite (${driver})`, () => {
      it.skip(`${driver} is not available in Node ${process.versions.node}: ${available}`, () => {});
    });
    continue;
  }
  conformance({
    name: `sqlite (${driver})`,
    concurrency: 'shared',
    async fresh() {
      const dir = await mkdtemp(join(tmpdir(), 'tripline-sqlite-state-'));
      const path = join(dir, 'state.db');
      return {
        store: new SqliteStateStore(path, { driver }),
        reopen: () => new SqliteStateStore(path, { driver }),
        failSteps: FAIL_STATEMENTS,
        failing: (step: number) =>
          new SqliteStateStore(path, {
            driver,
            afterStatement: (n) => {
              if (n === step) throw new Error(`injected failure after statement ${n}`);
            },
          }),
        damage: async () => {
          await rm(`${path}-wal`, { force: true });
          await rm(`${path}-shm`, { force: true });
          await writeFile(path, 'this is not a database, it was overwritten by something else\n'.repeat(100));
        },
        setSchema: (version: number) =>
          raw(path, driver, `UPDATE tripline_meta SET value = '${version}' WHERE name = 'schema'`),
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  });
}

describe('the SQLite driver of this runtime', () => {
  it('is node:sqlite from Node 22.13, better-sqlite3 before', () => {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    const builtIn = major > 22 || (major === 22 && minor >= 13);
    if (builtIn) expect(drivers['node:sqlite']).toBe(true);
    else expect(drivers['better-sqlite3']).toBe(true);
  });
});

const usable = SQLITE_DRIVERS.filter((d) => drivers[d] === true);
const missing = SQLITE_DRIVERS.filter((d) => drivers[d] !== true);

async function tempDb(): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tripline-sqlite-state-'));
  return { dir, path: join(dir, 'bot-state.db') };
}

async function openError(
  store: SqliteStateStore,
): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await store.open();
  } catch (error) {
    return error as Error;
  }
  throw new Error('open() should have failed');
}

describe.each(usable)('sqliteStateStore with %s', (driver) => {
  it('migrates the schema 0 layout in one transaction', async () => {
    const { dir, path } = await tempDb();
    try {
      await raw(
        path,
        driver,
        `CREATE TABLE tripline_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
         INSERT INTO tripline_meta VALUES ('format', 'tripline-state'), ('schema', '0');
         CREATE TABLE state (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (ns, key));
         INSERT INTO state VALUES ('alerts', 'a1f09e', '{"revision":1,"status":"open","severity":"high"}');
         INSERT INTO state VALUES ('groups', 'defender/lsass-access', '{"count":3,"evidence":[{"ReportId":"639199803770463703"}]}');
         CREATE TABLE outbox (key TEXT PRIMARY KEY, payload TEXT NOT NULL, queued_at TEXT NOT NULL);
         INSERT INTO outbox VALUES ('z:1', '{"kind":"new"}', '2024-10-09T11:00:03.000Z');
         INSERT INTO outbox VALUES ('a:1', '{"kind":"new"}', '2024-10-09T11:00:04.000Z');`,
      );
      const store = new SqliteStateStore(path, { driver });
      await store.open();
      expect(await store.get('alerts', 'a1f09e')).toEqual({ revision: 1, status: 'open', severity: 'high' });
      expect(await store.get('groups', 'defender/lsass-access')).toEqual({
        count: 3,
        evidence: [{ ReportId: '639199803770463703' }],
      });
      expect((await store.outbox()).map((o) => o.key)).toEqual(['z:1', 'a:1']); // queue order kept
      await store.write({ outbox: [{ key: 'b:1', payload: 1, queuedAt: '2024-10-09T11:00:05.000Z' }] });
      expect((await store.outbox()).map((o) => o.key)).toEqual(['z:1', 'a:1', 'b:1']);
      await store.close();
      await raw(path, driver, 'SELECT 1'); // still a database
      const again = new SqliteStateStore(path, { driver });
      await again.open();
      expect(await again.get('alerts', 'a1f09e')).toMatchObject({ revision: 1 });
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a database that is not a tripline state, and leaves it alone', async () => {
    const { dir, path } = await tempDb();
    try {
      await raw(path, driver, 'CREATE TABLE inventory (DeviceId TEXT, DeviceName TEXT)');
      const error = await openError(new SqliteStateStore(path, { driver }));
      expect(error.code).toBe('state-unreadable');
      expect(error.message).toContain('not a tripline state (no table tripline_meta)');
      expect(error.message).toContain(path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives the pages of a delivered outbox back: the file holds the state, not its history', async () => {
    const { dir, path } = await tempDb();
    try {
      const store = new SqliteStateStore(path, { driver });
      await store.open();
      // Payloads that do not deflate (random hex), so the pages they take are real.
      const noise = (i: number) =>
        Array.from({ length: 40 }, (_, j) => ((i * 7919 + j * 104729) % 65521).toString(16)).join('');
      const outbox = Array.from({ length: 3000 }, (_, i) => ({
        key: `tl-${String(i).padStart(6, '0')}:1`,
        payload: { kind: 'new', alertId: `tl-${i}`, note: noise(i) },
        queuedAt: '2026-03-10T12:00:00.000Z',
      }));
      await store.write({ put: [{ ns: 'alerts', key: 'a', value: { revision: 1 } }], outbox });
      await store.close();
      const full = (await stat(path)).size;
      await store.open();
      await store.write({ delivered: outbox.map((o) => o.key) });
      expect(await store.outbox()).toEqual([]);
      await store.close();
      const after = (await stat(path)).size;
      expect(full).toBeGreaterThan(200_000);
      expect(after).toBeLessThan(full / 4);
      await store.open();
      expect(await store.get('alerts', 'a')).toEqual({ revision: 1 });
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stores short records as JSON text (for ad-hoc queries) and long ones deflated', async () => {
    const { dir, path } = await tempDb();
    try {
      const store = new SqliteStateStore(path, { driver });
      await store.open();
      const long = {
        evidence: Array.from({ length: 40 }, (_, i) => ({ ReportId: String(i), FileName: 'powershell.exe' })),
      };
      await store.write({
        put: [
          { ns: 'alerts', key: 'a1f09e', value: { revision: 3, status: 'active' } },
          { ns: 'groups', key: 'g', value: long },
        ],
      });
      await store.close();
      await raw(
        path,
        driver,
        `CREATE TABLE probe AS SELECT ns, typeof(value) AS t, json_extract(CASE WHEN typeof(value) = 'text' THEN value END, '$.revision') AS revision FROM records`,
      );
      await store.open();
      expect(await store.get('groups', 'g')).toEqual(long);
      await store.close();
      const types = await rawRows(path, driver, 'SELECT ns, t, revision FROM probe ORDER BY ns');
      expect(types).toEqual([
        { ns: 'alerts', t: 'text', revision: 3 },
        { ns: 'groups', t: 'blob', revision: null },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stores an engine record { z } as the bytes its base64 spells, and reads back the same text', async () => {
    const { dir, path } = await tempDb();
    try {
      const store = new SqliteStateStore(path, { driver });
      await store.open();
      const bytes = Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 7919) % 251));
      const values: Record<string, JsonValue> = {
        packed: { z: bytes.toString('base64') },
        // not the canonical base64 of any bytes: kept as JSON, so it reads back as it was
        loose: { z: 'abc' },
        spaced: { z: `${bytes.toString('base64').slice(0, 8)} ` },
        empty: { z: '' },
        more: { z: 'AAAA', n: 1 },
        list: ['z'],
      };
      await store.write({ put: Object.entries(values).map(([key, value]) => ({ ns: 'groups', key, value })) });
      await store.close();
      await store.open();
      expect(Object.fromEntries(await store.read('groups'))).toEqual(values);
      expect(await store.get('groups', 'packed')).toEqual(values.packed);
      await store.close();
      const rows = await rawRows(
        path,
        driver,
        'SELECT key, encoding, typeof(value) AS t, length(value) AS n FROM records ORDER BY key',
      );
      expect(rows.map((r) => `${r.key} ${r.encoding} ${r.t}`)).toEqual([
        'empty 0 text',
        'list 0 text',
        'loose 0 text',
        'more 0 text',
        'packed 2 blob',
        'spaced 0 text',
      ]);
      expect(rows.find((r) => r.key === 'packed')?.n).toBe(700);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('uses WAL and keeps the data in one file beside its journal', async () => {
    const { dir, path } = await tempDb();
    try {
      const store = new SqliteStateStore(path, { driver });
      await store.open();
      await store.write({ put: [{ ns: 'alerts', key: 'a', value: 1 }] });
      expect((await readdir(dir)).sort()).toEqual(['bot-state.db', 'bot-state.db-shm', 'bot-state.db-wal']);
      expect(store.driver).toBe(driver);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.each(missing)('sqliteStateStore when %s cannot be loaded', (driver) => {
  it('says what the store needs and the command that builds it', async () => {
    const { dir, path } = await tempDb();
    try {
      const error = await openError(new SqliteStateStore(path, { driver }));
      expect(error.code).toBe('state-unreadable');
      expect(error.message).toContain('no SQLite driver could be loaded');
      expect(error.message).toContain('Node >= 22.13');
      expect(error.message).toContain(`npm rebuild better-sqlite3 --nodedir=${join(process.execPath, '..', '..')}`);
      expect(error.message).toContain(`${driver}: `);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
