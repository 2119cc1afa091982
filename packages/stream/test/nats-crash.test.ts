/**
 * A consumer that dies after its commit and before its acknowledgement reaches the server — for real:
 * the consumer is a child process (nats-crash-consumer.mjs, the built runtime) that SIGKILLs itself from
 * `onBatch`, which the runtime calls after the state commit and before the source acknowledges. Closing
 * a connection in-process would flush the acknowledgement first; a killed process sends nothing more.
 *
 * Then another consumer process takes the partitions over (after the lease TTL) from the same state
 * files. It positions the partition's durable consumer from the state (after the committed position),
 * so the batch whose acknowledgement was lost is not read again; the notifications the dead process
 * left in the outbox must be delivered once, and the merged result equal one `analyze()` over the
 * rows, byte for byte.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize } from 'node:v8';
import type { OutboxEntry } from '@tripline/core';
import { jsonFileStateStore } from '@tripline/state';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsSink } from '../src/nats/index.js';
import { partitionOf } from '../src/partition.js';
import { readPosition } from '../src/position.js';
import type { BatchOutcome, OutgoingRecord } from '../src/types.js';
import { expectConformant, Fleet, fleetRecords, GENERATED_AT, until } from './conformance.js';
import { type NatsServer, natsAvailability, startNatsServer } from './nats-server.js';

const { binary, skip } = natsAvailability();
const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const CHILD = fileURLToPath(new URL('./nats-crash-consumer.mjs', import.meta.url));
const BUILT = join(ROOT, 'packages/stream/dist/nats/index.js');
const WAIT = 240_000;
const PARTITIONS = 4;

interface Consumer {
  readonly child: ChildProcess;
  readonly exited: Promise<NodeJS.Signals | null>;
  stderr: string;
}

const readJson = <T>(file: string): T | undefined =>
  existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;

const ndjson = <T>(file: string): T[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as T)
    : [];

describe.skipIf(skip !== undefined)('a NATS consumer killed between commit and acknowledgement (child process)', () => {
  let server: NatsServer;
  let dir: string;
  beforeAll(async () => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} does not exist: build first (npm run build)`);
    server = await startNatsServer(binary as string);
    dir = mkdtempSync(join(tmpdir(), 'tripline-nats-crash-'));
  }, WAIT);
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'the next owner goes on after the committed position: the lost batch is not read again; nothing lost, nothing counted or announced twice',
    async () => {
      const layout = { servers: server.url, stream: 'CRASH', subjectPrefix: 'crash.part', partitions: PARTITIONS };
      const state = join(dir, 'state');
      const out = join(dir, 'out');
      mkdirSync(state);
      mkdirSync(out);
      const start = (member: string, dieAt?: number): Consumer => {
        const options = {
          ...layout,
          consumer: 'g',
          member,
          state,
          out,
          ...(dieAt === undefined ? {} : { dieAt }),
          ackWaitMs: 3000,
          ttlMs: 3000,
          generatedAt: GENERATED_AT,
          now: GENERATED_AT,
        };
        const child = spawn(process.execPath, [CHILD, JSON.stringify(options)], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        const consumer: Consumer = {
          child,
          exited: new Promise((done) => child.once('exit', (_code, signal) => done(signal))),
          stderr: '',
        };
        child.stderr?.on('data', (d: Buffer) => {
          consumer.stderr += d.toString('utf8');
        });
        return consumer;
      };
      const all = fleetRecords();
      // Phase one: the first 34 records of one partition only, so that the process dies with nothing
      // else in flight (no other partition's notification half-delivered).
      const partition = String(partitionOf(all[0]!.key, PARTITIONS));
      const first = all.filter((r) => String(partitionOf(r.key, PARTITIONS)) === partition).slice(0, 34);
      const rest = all.filter((r) => !first.includes(r));
      // The order the records reach the broker (within each partition, the fleet's order).
      const published: OutgoingRecord[] = [...first, ...rest];
      const sink = natsSink({ ...layout, createStream: true });
      let b: Consumer | undefined;
      try {
        await sink.publish(first);
        const a = start('a', first.length);
        expect(await a.exited, `consumer a did not die by SIGKILL:\n${a.stderr}`).toBe('SIGKILL');
        const died = readJson<{ partition: string; from: string; to: string; records: number }>(join(out, 'died.json'));
        expect(died?.partition).toBe(partition);
        // Committed with the state, never acknowledged: the state holds the batch's last position.
        const probe = jsonFileStateStore(join(state, `p${partition}.json`));
        await probe.open();
        expect((await readPosition(probe, partition))?.position).toBe(died!.to);
        await probe.close();

        b = start('b');
        const metricsOfB = () => readJson<{ redelivered: number; at: number }>(join(out, 'metrics-b.json'));
        // The next owner positions the partition's durable consumer from the state, not from the
        // broker's acknowledgements: it recreates it at the first sequence after the committed position,
        // so the batch whose acknowledgement was lost is not delivered again (and a pull request the dead
        // process left on the server cannot take a later record away).
        const admin = await connect({ servers: server.url });
        try {
          const jsm = await admin.jetstreamManager();
          const deadline = Date.now() + WAIT;
          const startOf = async () =>
            (await jsm.consumers.info(layout.stream, `g-${partition}`).catch(() => undefined))?.config.opt_start_seq;
          while ((await startOf()) !== Number(died!.to) + 1) {
            if (Date.now() > deadline)
              throw new Error(`the next owner did not position the consumer after ${died!.to} (at ${await startOf()})`);
            await new Promise((r) => setTimeout(r, 100));
          }
        } finally {
          await admin.close();
        }
        await sink.publish(rest);
        const outcomes = () =>
          readdirSync(out)
            .filter((f) => f.endsWith('.v8'))
            .sort()
            .map((f) => deserialize(readFileSync(join(out, f))) as BatchOutcome);
        const committed = () => outcomes().reduce((n, o) => n + o.records - o.redelivered, 0);
        await until(() => committed() >= published.length, WAIT, 'every record committed');
        b.child.kill('SIGTERM');
        expect(await b.exited, b.stderr).toBe(null);

        // Nothing of the lost batch reached the next owner again, so nothing was dropped either.
        expect(metricsOfB()?.redelivered).toBe(0);
        const fleet = new Fleet({} as never);
        fleet.outcomes.push(...outcomes());
        expect(fleet.outcomes.filter((o) => o.redelivered > 0)).toEqual([]);
        // What the lost batch queued for notification was still in the outbox: the next owner sent it.
        const lost = fleet.outcomes.find((o) => o.partition === died!.partition && o.to === died!.to)!;
        const queued = lost.changes.filter((c) => c.notify).map((c) => c.idempotencyKey);
        expect(queued.length).toBeGreaterThan(0);
        const sentByB = new Set(ndjson<OutboxEntry>(join(out, 'sent-b.ndjson')).map((e) => e.key));
        for (const key of queued) expect(sentByB.has(key)).toBe(true);
        fleet.sent.push(
          ...ndjson<OutboxEntry>(join(out, 'sent-a.ndjson')),
          ...ndjson<OutboxEntry>(join(out, 'sent-b.ndjson')),
        );
        for (let p = 0; p < PARTITIONS; p++) {
          const store = jsonFileStateStore(join(state, `p${p}.json`));
          await store.open();
          fleet.stores.set(String(p), store);
        }
        try {
          await expectConformant(fleet, published, PARTITIONS);
        } finally {
          for (const store of fleet.stores.values()) await store.close();
        }
      } finally {
        if (b && b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGKILL');
        await sink.close();
      }
    },
    WAIT * 3,
  );
});
