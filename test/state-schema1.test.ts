import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonValue, StateStore } from '@tripline/core';
import { createAnalyzer, fromString, listState, STATE_NAMESPACES, STATE_SCHEMA_VERSION } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { jsonFileStateStore } from '@tripline/state';
import { describe, expect, it } from 'vitest';
import { availableDrivers, loadDriver, SQLITE_DRIVERS } from '../packages/state/src/driver.js';
import { SqliteStateStore } from '../packages/state/src/sqlite.js';

/**
 * State written by the previous release (state schema 1: lifecycle records with named fields; the
 * SQLite store without its `encoding` column, in 4 KiB pages) is read, and rewritten in the current
 * layout by the next commit. The fixtures were written by tripline at commit 9351f44:
 * examples/wazuh1/events.ndjson in two batches (rows 1–30 with `now` 2026-11-30T10:00Z, then an
 * acknowledgement of the first listed alert, rows 31–53 at 11:00Z), one fixture per store. (The
 * detector-set fingerprints of the built packages that wrote them differ from those of the sources
 * these tests run: the replay drops the saved groups as `state-detectors-changed`; the lifecycle
 * records, which this is about, are kept.)
 */

const FIXTURES = fileURLToPath(new URL('../packages/state/test/fixtures/', import.meta.url));
const EVENTS = fileURLToPath(new URL('../examples/wazuh1/events.ndjson', import.meta.url));
const LATER = () => new Date('2026-11-30T13:00:00.000Z');
const drivers = await availableDrivers();

/** The batch after the upgrade: rows 31–53 again (a replay), two hours later. */
async function replay(store: StateStore) {
  const lines = (await readFile(EVENTS, 'utf8')).trim().split('\n');
  const analyzer = createAnalyzer({ detectors: defenderDetectors, state: { store, now: LATER } });
  await analyzer.ready();
  await analyzer.push(fromString(lines.slice(30).join('\n'), 'batch-1.ndjson'));
  const result = analyzer.finish();
  await analyzer.commit();
  return result;
}

/** Every namespace of the JSON fixture, as a store reads it. */
async function fixtureRecords(): Promise<Map<string, ReadonlyMap<string, JsonValue>>> {
  const doc = JSON.parse(await readFile(join(FIXTURES, 'state-schema1.json'), 'utf8')) as {
    namespaces: Record<string, Record<string, JsonValue>>;
  };
  return new Map(
    STATE_NAMESPACES.map((ns) => [
      ns,
      new Map(Object.entries(doc.namespaces[ns] ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))),
    ]),
  );
}

/**
 * Opens the old state (migrating it): it holds what the fixture holds, record for record; the lifecycle
 * lists it as the old release did; a replay of the last batch two hours later notifies nothing and
 * leaves every lifecycle record in the compact layout, listed the same.
 */
async function upgraded(store: StateStore) {
  await store.open();
  const fixture = await fixtureRecords();
  for (const ns of STATE_NAMESPACES) expect(await store.read(ns), ns).toEqual(fixture.get(ns));
  const before = await listState(store, { now: LATER });
  expect(before.alerts).toHaveLength(15);
  expect(before.alerts.some((a) => a.handledBy?.action === 'acknowledge')).toBe(true);
  const result = await replay(store);
  expect(result.changes?.filter((c) => c.notify)).toEqual([]);
  const stored = await store.read('alerts');
  expect([...stored.values()].every((v) => Array.isArray(v) && v[0] === 2)).toBe(true);
  expect(await listState(store, { now: LATER })).toEqual(before);
  await store.close();
  return before;
}

describe('state of schema 1, from the previous release', () => {
  it('the JSON file: migrated, kept beside as .schema1.bak, its records rewritten at the next commit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tripline-schema1-'));
    try {
      const path = join(dir, 'state.json');
      await copyFile(join(FIXTURES, 'state-schema1.json'), path);
      const old = JSON.parse(await readFile(path, 'utf8')) as {
        namespaces: { alerts: Record<string, JsonValue> };
      };
      const before = await upgraded(jsonFileStateStore(path));
      // what the old release listed is what this one lists
      const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
      expect([...before.alerts].sort(byId)).toEqual(
        (Object.values(old.namespaces.alerts) as unknown as { id: string }[]).sort(byId),
      );
      expect(JSON.parse(await readFile(path, 'utf8')).schema).toBe(STATE_SCHEMA_VERSION);
      expect(await readFile(`${path}.schema1.bak`, 'utf8')).toBe(
        await readFile(join(FIXTURES, 'state-schema1.json'), 'utf8'),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  for (const driver of SQLITE_DRIVERS.filter((d) => drivers[d] === true)) {
    it(`the SQLite database (${driver}): migrated in 16 KiB pages, engine records as bytes`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tripline-schema1-'));
      try {
        const path = join(dir, 'state.db');
        await copyFile(join(FIXTURES, 'state-schema1.db'), path);
        const store = new SqliteStateStore(path, { driver });
        await store.open(); // migrates
        await store.close();
        const db = (await loadDriver(path, driver)).open(path);
        try {
          expect(db.prepare('PRAGMA page_size').get()?.page_size).toBe(16_384);
          expect(db.prepare("SELECT value FROM tripline_meta WHERE name = 'schema'").get()?.value).toBe(
            String(STATE_SCHEMA_VERSION),
          );
          const encodings = db
            .prepare('SELECT ns, encoding, count(*) AS n FROM records GROUP BY ns, encoding ORDER BY ns, encoding')
            .all()
            .map((r) => `${r.ns} ${r.encoding}`);
          // the engine's compressed records as their bytes, the lifecycle records as JSON text
          expect(encodings).toEqual([
            'alerts 0',
            'dedupe 2',
            'devices 2',
            'groups 2',
            'meta 1', // the detector set: long JSON, deflated
            'sources 0',
            'suppressions 0',
          ]);
          expect(db.prepare("SELECT name FROM sqlite_master WHERE name LIKE '%schema1%'").all()).toEqual([]);
        } finally {
          db.close();
        }
        await upgraded(store);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, 120_000);

    it(`the SQLite database (${driver}) open elsewhere: migrated, its pages left as they are, still in WAL mode`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tripline-schema1-'));
      try {
        const path = join(dir, 'state.db');
        await copyFile(join(FIXTURES, 'state-schema1.db'), path);
        const other = (await loadDriver(path, driver)).open(path);
        try {
          other.prepare('SELECT count(*) AS n FROM records').get();
          const store = new SqliteStateStore(path, { driver });
          await store.open();
          const fixture = await fixtureRecords();
          for (const ns of STATE_NAMESPACES) expect(await store.read(ns), ns).toEqual(fixture.get(ns));
          await store.write({ put: [{ ns: 'meta', key: 'probe', value: 1 }] });
          await store.close();
          expect(other.prepare('PRAGMA page_size').get()?.page_size).toBe(4096);
          expect(other.prepare('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
          expect(other.prepare("SELECT value FROM tripline_meta WHERE name = 'schema'").get()?.value).toBe(
            String(STATE_SCHEMA_VERSION),
          );
        } finally {
          other.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }
});
