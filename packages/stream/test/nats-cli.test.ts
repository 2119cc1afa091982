/**
 * `tripline stream --broker nats://…` end to end, as a child process (the built CLI, packages/cli/dist)
 * against a real nats-server on loopback: it consumes, prints the health line, writes the notifications,
 * exits 0 on SIGTERM after committing; a second run over the same state resumes without announcing
 * anything again, and announces what is new.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsSink } from '../src/nats/index.js';
import { fleetRecords } from './conformance.js';
import { until } from './nats-recording-handler.js';
import { type NatsServer, natsAvailability, startNatsServer } from './nats-server.js';

const { binary, skip } = natsAvailability();
const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const CLI = join(ROOT, 'packages/cli/dist/cli.js');
const WAIT = 240_000;

interface Run {
  readonly child: ChildProcess;
  stderr: string;
  readonly exited: Promise<number | null>;
}

function start(args: readonly string[]): Run {
  const child = spawn(process.execPath, [CLI, 'stream', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Run = {
    child,
    stderr: '',
    exited: new Promise((done) => child.once('exit', (code) => done(code))),
  };
  child.stderr?.on('data', (d: Buffer) => {
    run.stderr += d.toString('utf8');
  });
  child.stdout?.resume();
  return run;
}

const lines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { key: string; partition: string })
    : [];

describe.skipIf(skip !== undefined)('tripline stream --broker nats:// (built CLI, real nats-server)', () => {
  let server: NatsServer;
  let dir: string;
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: build first (npm run build)`);
    server = await startNatsServer(binary as string);
    dir = mkdtempSync(join(tmpdir(), 'tripline-nats-cli-'));
  }, WAIT);
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'consumes, prints the health line, notifies, exits 0 on SIGTERM; a second run resumes without notifying again',
    async () => {
      const records = fleetRecords();
      const half = Math.floor(records.length / 2);
      const layout = { servers: server.url, stream: 'MDE', subjectPrefix: 'mde.part', partitions: 4 };
      const sink = natsSink({ ...layout, createStream: true });
      await sink.publish(records.slice(0, half));
      const state = join(dir, 'state');
      const notifications = join(dir, 'notifications.ndjson');
      const args = [
        '--broker',
        server.url,
        '--stream',
        'MDE',
        '--state',
        state,
        '--notifications',
        notifications,
        '--metrics-interval',
        '1',
        '--consumer',
        'cli-a',
      ];

      const first = start(args);
      await until(
        () =>
          /stream: nats:\/\/127\.0\.0\.1:\d+ partitions 0,1,2,3 owned, [\d,]+ rows/.test(first.stderr) &&
          lines(notifications).length > 0,
        WAIT,
        () => `a health line and notifications (stderr: ${first.stderr})`,
      );
      await until(
        () => new RegExp(`, ${half} rows,`).test(first.stderr),
        WAIT,
        () => `${half} rows consumed (stderr: ${first.stderr})`,
      );
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      const announced = lines(notifications);
      expect(announced.length).toBeGreaterThan(0);
      expect(new Set(announced.map((n) => n.key)).size).toBe(announced.length);

      // The second half arrives while nobody consumes; a second run over the same state goes on from it.
      await sink.publish(records.slice(half));
      await sink.close();
      const second = start([...args.slice(0, -1), 'cli-b']);
      await until(
        () => new RegExp(`, ${records.length - half} rows,`).test(second.stderr),
        WAIT,
        () => `the second half consumed (stderr: ${second.stderr})`,
      );
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      const all = lines(notifications);
      // Nothing announced twice: every key once over both runs.
      expect(new Set(all.map((n) => n.key)).size).toBe(all.length);
      expect(all.slice(0, announced.length)).toEqual(announced);
      expect(second.stderr).not.toMatch(/redelivered/);
    },
    WAIT * 2,
  );
});
