import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATE_SCHEMA_VERSION } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import { JsonFileStateStore, type JsonWriteStep } from '../src/json-file.js';
import { conformance } from './conformance.js';

const STEPS: JsonWriteStep[] = ['write-temp', 'fsync-temp', 'rename'];

conformance({
  name: 'json-file',
  concurrency: 'refused',
  async fresh() {
    const dir = await mkdtemp(join(tmpdir(), 'tripline-json-state-'));
    const path = join(dir, 'state.json');
    return {
      store: new JsonFileStateStore(path),
      reopen: () => new JsonFileStateStore(path),
      failSteps: STEPS.length,
      failing: (step: number) =>
        new JsonFileStateStore(path, {
          beforeStep: (s) => {
            if (s === STEPS[step - 1]) throw new Error(`injected failure before ${s}`);
          },
        }),
      damage: async () => {
        const text = await readFile(path, 'utf8');
        await writeFile(path, text.slice(0, Math.floor(text.length / 2)));
      },
      setSchema: async (version: number) => {
        const text = await readFile(path, 'utf8');
        await writeFile(path, text.replace(/"schema":\d+/, `"schema":${version}`));
      },
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
});

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tripline-json-state-'));
}

async function openError(
  store: JsonFileStateStore,
): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await store.open();
  } catch (error) {
    return error as Error;
  }
  throw new Error('open() should have failed');
}

describe('jsonFileStateStore', () => {
  it('writes the same bytes for the same state, whatever the order of the writes', async () => {
    const dir = await tempDir();
    try {
      const a = new JsonFileStateStore(join(dir, 'a.json'));
      const b = new JsonFileStateStore(join(dir, 'b.json'));
      await a.open();
      await b.open();
      await a.write({ put: [{ ns: 'alerts', key: 'y', value: { z: 1, a: 2 } }] });
      await a.write({ put: [{ ns: 'groups', key: 'x', value: [1] }] });
      await b.write({ put: [{ ns: 'groups', key: 'x', value: [1] }] });
      await b.write({ put: [{ ns: 'alerts', key: 'y', value: { z: 1, a: 2 } }] });
      const [ta, tb] = [await readFile(join(dir, 'a.json'), 'utf8'), await readFile(join(dir, 'b.json'), 'utf8')];
      expect(ta).toBe(tb);
      expect(JSON.parse(ta)).toMatchObject({ format: 'tripline-state', schema: STATE_SCHEMA_VERSION, outbox: [] });
      await a.close();
      await b.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('migrates the schema 0 layout, keeping the old file beside it', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir, 'bot-state.json');
      const old = await readFile(new URL('./fixtures/state-schema0.json', import.meta.url), 'utf8');
      await writeFile(path, old);
      const store = new JsonFileStateStore(path);
      await store.open();
      expect(await readFile(`${path}.schema0.bak`, 'utf8')).toBe(old);
      const doc = JSON.parse(await readFile(path, 'utf8'));
      expect(doc.schema).toBe(STATE_SCHEMA_VERSION);
      const groupKey = 'defender/brute-force-logon\u0000WS-FIN-07.contoso.local\u0000CONTOSO\\svc-backup';
      expect(await store.get('groups', groupKey)).toMatchObject({
        count: 6,
        evidence: [{ ReportId: '639199803770463703' }],
      });
      expect([...(await store.read('meta')).keys()]).toEqual(['detectors']);
      expect(await store.get('alerts', 'a1f09e')).toEqual({
        revision: 1,
        status: 'open',
        severity: 'high',
        lastNotified: 1,
      });
      expect(await store.outbox()).toEqual([
        {
          key: 'a1f09e:1',
          payload: {
            kind: 'new',
            alertId: 'a1f09e',
            detector: 'defender/lsass-access',
            device: 'WS-FIN-07.contoso.local',
            revision: 1,
          },
          queuedAt: '2024-10-09T11:00:03.000Z',
        },
      ]);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses what is not a state document: not JSON, other JSON, a damaged layout, a folder', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir, 'state.json');
      const cases: [string, RegExp][] = [
        ['', /it is not JSON/],
        ['{"format":"tripline-state","schema":1,"namespaces":{', /it is not JSON/],
        ['[1,2]', /not a tripline state document/],
        ['{"alerts":[]}', /not a tripline state document/],
        [
          '{"format":"tripline-state","schema":"1","namespaces":{},"outbox":[]}',
          /schema version "1" is not a version number/,
        ],
        [
          '{"format":"tripline-state","schema":1,"namespaces":{"nope":{}},"outbox":[]}',
          /"nope" is not a state namespace/,
        ],
        [
          '{"format":"tripline-state","schema":1,"namespaces":{},"outbox":[{"key":"a:1"}]}',
          /outbox\[0\] is not an outbox entry/,
        ],
        [
          '{"format":"tripline-state","schema":1,"namespaces":{},"outbox":[{"key":"a:1","payload":1,"queuedAt":"t"},{"key":"a:1","payload":1,"queuedAt":"t"}]}',
          /is there twice/,
        ],
        [
          '{"format":"tripline-state","schema":0,"records":[["alerts","k"]],"outbox":[]}',
          /records\[0\] is not \[namespace, key, value\]/,
        ],
      ];
      for (const [text, message] of cases) {
        await writeFile(path, text);
        const error = await openError(new JsonFileStateStore(path));
        expect(error.code, text).toBe('state-unreadable');
        expect(error.message, text).toMatch(message);
        expect(error.message).toContain(path);
        expect(await readFile(path, 'utf8')).toBe(text); // left untouched
      }
      const folder = join(dir, 'folder.json');
      await mkdir(folder);
      const error = await openError(new JsonFileStateStore(folder));
      expect(error.code).toBe('state-unreadable');
      expect(error.message).toContain('it is a folder, not a file');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a lock held by a running process, and takes over a stale one', async () => {
    const dir = await tempDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const path = join(dir, 'state.json');
      const lock = (pid: number) =>
        `${JSON.stringify({ pid, host: hostname(), created: '2024-10-09T10:00:00.000Z' })}\n`;
      await writeFile(`${path}.lock`, lock(child.pid as number));
      const error = await openError(new JsonFileStateStore(path));
      expect(error.code).toBe('state-locked');
      expect(error.message).toContain(`process ${child.pid}`);
      expect(error.details?.pid).toBe(child.pid);
      child.kill('SIGKILL');
      await once(child, 'exit');
      const store = new JsonFileStateStore(path);
      await store.open(); // its process is gone: stale
      expect(JSON.parse(await readFile(`${path}.lock`, 'utf8')).pid).toBe(process.pid);
      await store.close();
      await expect(readFile(`${path}.lock`, 'utf8')).rejects.toThrow(/ENOENT/);
      // A lock of another host is never judged stale from here.
      await writeFile(`${path}.lock`, JSON.stringify({ pid: 1, host: 'other-host.contoso.local', created: 'x' }));
      const other = await openError(new JsonFileStateStore(path));
      expect(other.code).toBe('state-locked');
      expect(other.message).toContain('on other-host.contoso.local');
      // A damaged lock file (never written by a store: they are created whole) is taken over.
      await writeFile(`${path}.lock`, '{"pi');
      const taken = new JsonFileStateStore(path, { alive: () => true });
      await taken.open();
      await taken.close();
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a second open store of this process until the first closes', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir, 'state.json');
      const first = new JsonFileStateStore(path);
      await first.open();
      const error = await openError(new JsonFileStateStore(path));
      expect(error.code).toBe('state-locked');
      expect(error.message).toContain('this process: another open store');
      await first.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('removes the temporary files of a write that crashed before its rename', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir, 'state.json');
      const store = new JsonFileStateStore(path);
      await store.open();
      await store.write({ put: [{ ns: 'alerts', key: 'a', value: 1 }] });
      await store.close();
      // What a crash (kill -9) between the temporary file and the rename leaves.
      await writeFile(join(dir, '.state.json.tmp-4242-0a1b2c3d4e5f'), '{"format":"tripline-state","sch');
      await writeFile(join(dir, 'other.json'), '{}');
      await store.open();
      expect(await store.get('alerts', 'a')).toBe(1);
      expect((await readdir(dir)).sort()).toEqual(['other.json', 'state.json', 'state.json.lock']);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the new state when only the flush of the folder fails after the rename, and says so', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir, 'state.json');
      let fail = false;
      const store = new JsonFileStateStore(path, {
        beforeStep: (s) => {
          if (fail && s === 'fsync-dir') throw new Error('injected failure before fsync-dir');
        },
      });
      await store.open();
      fail = true;
      await expect(
        store.write({
          put: [{ ns: 'alerts', key: 'a', value: 1 }],
          outbox: [{ key: 'a:1', payload: 1, queuedAt: 't' }],
        }),
      ).rejects.toThrow('injected failure before fsync-dir');
      expect(await store.get('alerts', 'a')).toBe(1);
      expect((await store.outbox()).map((o) => o.key)).toEqual(['a:1']);
      await store.close();
      const again = new JsonFileStateStore(path);
      await again.open();
      expect(await again.get('alerts', 'a')).toBe(1);
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
