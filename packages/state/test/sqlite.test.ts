import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
