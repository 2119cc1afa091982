/**
 * The NATS JetStream adapter against a real nats-server on loopback (test/nats-server.ts), driven with a
 * recording handler: routing by key, acknowledgement after the commit, redelivery of a failed batch,
 * lease balancing among consumers, and the errors of a broker that cannot be used.
 */
import { createHash } from 'node:crypto';
import { isTriplineError } from '@tripline/core';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyToken, tokenKey } from '../src/nats/connect.js';
import { natsSink, natsSource, streamAdapter } from '../src/nats/index.js';
import { partitionOf } from '../src/partition.js';
import type { OutgoingRecord } from '../src/types.js';
import { bodyText, committedBodies, recordingHandler, sharedState, until } from './nats-recording-handler.js';
import { type NatsServer, natsAvailability, startNatsServer } from './nats-server.js';

const { binary, skip } = natsAvailability();
// Generous: the machine this runs on may be loaded (load average 30–40).
const WAIT = 120_000;

/** `n` DeviceEvents-like rows from `devices` devices, as the re-keying stage publishes them. */
function rows(n: number, devices: number, tag: string): OutgoingRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const DeviceId = createHash('sha1')
      .update(`device-${i % devices}`)
      .digest('hex');
    const body = JSON.stringify({
      Timestamp: new Date(Date.UTC(2026, 0, 5, 10, 0, i)).toISOString(),
      DeviceId,
      DeviceName: `ws-${i % devices}.contoso.local`,
      ActionType: 'ProcessCreated',
      FileName: 'cmd.exe',
      ReportId: String(1000 + i),
      Tag: tag,
    });
    return { key: DeviceId, body };
  });
}

describe.skipIf(skip !== undefined)('NATS JetStream adapter (real nats-server)', () => {
  let server: NatsServer;
  let counter = 0;
  /** A fresh stream layout per test. */
  const layout = (partitions = 4) => {
    counter++;
    return { servers: server.url, stream: `S${counter}`, subjectPrefix: `t${counter}.part`, partitions };
  };

  beforeAll(async () => {
    server = await startNatsServer(binary as string);
  }, WAIT);
  afterAll(async () => {
    await server?.stop();
  });

  it(
    'publishes each key to its partition subject and delivers every record once, in order, acknowledged',
    async () => {
      const options = layout();
      const sink = natsSink({ ...options, createStream: true });
      const published = rows(200, 13, 'a');
      await sink.publish(published);
      expect(sink.subjectOf('ab_C-1')).toBe(`${options.subjectPrefix}.${partitionOf('ab_C-1', 4)}.ab_C-1`);
      const state = sharedState();
      const handler = recordingHandler('A', state);
      const controller = new AbortController();
      const source = natsSource({
        ...options,
        consumer: 'c',
        batch: { maxRecords: 37, maxWaitMs: 1000 },
        leases: { ttlMs: 3000 },
      });
      const running = source.run(handler, controller.signal);
      await until(
        () => committedBodies(state).length === 200,
        WAIT,
        () => `200 records (have ${committedBodies(state).length})`,
      );
      expect(source.owned()).toEqual(['0', '1', '2', '3']);
      // The last acknowledgements may still be on their way to the broker when the last commit is seen.
      let lag: ReadonlyMap<string, number> | undefined;
      await until(
        async () => {
          lag = await source.lag?.();
          return [...(lag?.values() ?? [])].every((n) => n === 0);
        },
        10_000,
        () => `no lag (have ${JSON.stringify([...(lag?.values() ?? [])])})`,
      );
      expect([...(lag?.values() ?? [])]).toEqual([0, 0, 0, 0]);
      controller.abort();
      await running;
      await sink.close();

      expect(committedBodies(state)).toEqual(published.map((r) => r.body).sort());
      for (const [partition, entry] of state.partitions) {
        // Broker order within a partition, and every key in the partition partitionOf gives it.
        expect(entry.positions.map(Number)).toEqual([...entry.positions.map(Number)].sort((a, b) => a - b));
        for (const body of entry.bodies) expect(String(partitionOf(JSON.parse(body).DeviceId, 4))).toBe(partition);
      }
      for (const record of handler.seen) expect(record.key).toBe(JSON.parse(bodyText(record)).DeviceId);
      expect(handler.seen.every((r) => /^\d{4}-\d\d-\d\dT/.test(r.enqueuedAt ?? ''))).toBe(true);
      expect(handler.calls.filter((c) => c.startsWith('close')).sort()).toEqual(
        ['0', '1', '2', '3'].map((p) => `close ${p} shutdown`),
      );
      expect(state.redelivered).toBe(0);

      // Everything was acknowledged: a second run of the same consumer group gets nothing.
      const again = recordingHandler('B', state);
      const second = new AbortController();
      const rerun = natsSource({ ...options, consumer: 'c', leases: { ttlMs: 3000 } }).run(again, second.signal);
      await until(
        () => again.calls.filter((c) => c.startsWith('open')).length === 4,
        WAIT,
        () => 'the partitions opened',
      );
      await new Promise((r) => setTimeout(r, 2500));
      second.abort();
      await rerun;
      expect(again.seen).toEqual([]);
    },
    WAIT * 2,
  );

  it('carries any key through the subject, unsafe characters and all', () => {
    for (const key of ['3db402e9217f30248e26406c0a48094b00a0062e', 'a.b', 'x y', '>', '*', '~z', 'é\u0000\n']) {
      const token = keyToken(key);
      expect(token).toMatch(/^[A-Za-z0-9_~-]+$/);
      expect(tokenKey(token)).toBe(key);
    }
    expect(keyToken('é'.repeat(2000))).toBe('~');
  });

  it(
    'redelivers a batch the handler rejected, and the partition is claimed again after the lease TTL',
    async () => {
      const options = layout(2);
      const sink = natsSink({ ...options, createStream: true });
      const published = rows(60, 7, 'b');
      await sink.publish(published);
      const state = sharedState();
      const handler = recordingHandler('A', state);
      let failures = 0;
      handler.failWhen = (partition) => partition === '1' && failures++ === 0;
      const errors: string[] = [];
      const controller = new AbortController();
      const source = natsSource({
        ...options,
        consumer: 'c',
        batch: { maxRecords: 10, maxWaitMs: 1000 },
        ackWaitMs: 2000,
        leases: { ttlMs: 2000 },
        onError: (error, partition) => errors.push(`${partition}: ${error.message}`),
      });
      const running = source.run(handler, controller.signal);
      await until(
        () => committedBodies(state).length === 60,
        WAIT,
        () => `60 records (have ${committedBodies(state).length})`,
      );
      controller.abort();
      await running;
      await sink.close();
      expect(committedBodies(state)).toEqual(published.map((r) => r.body).sort());
      expect(errors).toEqual(['1: A: batch of 1 failed']);
      expect(handler.calls).toContain('close 1 error');
      // The failed batch came again (from the committed position on) after the partition was reopened.
      expect(handler.calls.filter((c) => c === 'open 1')).toHaveLength(2);
    },
    WAIT * 2,
  );

  it(
    'shares the partitions among consumers, rebalances when one joins and when one leaves',
    async () => {
      const options = layout(4);
      const sink = natsSink({ ...options, createStream: true });
      const state = sharedState();
      const members = ['A', 'B', 'C'].map((name) => ({
        name,
        handler: recordingHandler(name, state),
        controller: new AbortController(),
        source: natsSource({
          ...options,
          createStream: true,
          consumer: 'g',
          member: name,
          batch: { maxRecords: 20, maxWaitMs: 1000 },
          leases: { ttlMs: 6000 },
        }),
      }));
      const [a, b, c] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
      const runA = a.source.run(a.handler, a.controller.signal);
      const runB = b.source.run(b.handler, b.controller.signal);
      const owned = () => members.map((m) => m.source.owned().join(',')).join(' | ');
      // A sorts before B: A gets 0 and 2, B gets 1 and 3.
      await until(
        () => owned() === '0,2 | 1,3 | ',
        WAIT,
        () => `A and B sharing 4 partitions (have ${owned()})`,
      );
      const first = rows(120, 20, 'c1');
      await sink.publish(first);
      await until(
        () => committedBodies(state).length === 120,
        WAIT,
        () => '120 records',
      );

      const runC = c.source.run(c.handler, c.controller.signal);
      // Three members: A 0 and 3, B 1, C 2.
      await until(
        () => owned() === '0,3 | 1 | 2',
        WAIT,
        () => `a rebalance to three (have ${owned()})`,
      );
      const second = rows(120, 20, 'c2');
      await sink.publish(second);
      await until(
        () => committedBodies(state).length === 240,
        WAIT,
        () => '240 records',
      );

      b.controller.abort();
      await runB;
      // B left cleanly: its lease and member key are gone, A and C share the four again.
      await until(
        () => owned() === '0,2 |  | 1,3',
        WAIT,
        () => `a rebalance to two (have ${owned()})`,
      );
      const third = rows(120, 20, 'c3');
      await sink.publish(third);
      await until(
        () => committedBodies(state).length === 360,
        WAIT,
        () => '360 records',
      );
      a.controller.abort();
      c.controller.abort();
      await Promise.all([runA, runC]);
      await sink.close();

      expect(committedBodies(state)).toEqual([...first, ...second, ...third].map((r) => r.body).sort());
      expect(state.overlaps).toEqual([]);
      expect(c.handler.calls).toContain('open 2');
      expect(a.handler.calls).toContain('close 2 revoked');
    },
    WAIT * 4,
  );

  it(
    'moves the partitions of a consumer whose connection died to the others after the lease TTL',
    async () => {
      const options = layout(4);
      const sink = natsSink({ ...options, createStream: true });
      const state = sharedState();
      let killA: (() => Promise<void>) | undefined;
      const make = (name: string) =>
        natsSource({
          ...options,
          createStream: true,
          consumer: 'k',
          member: name,
          batch: { maxRecords: 15, maxWaitMs: 1000 },
          ackWaitMs: 3000,
          leases: { ttlMs: 2500 },
          onError: () => undefined,
          connect: async (o) => {
            const nc = await connect(o);
            if (name === 'A') killA = () => nc.close();
            return nc;
          },
        });
      const a = { handler: recordingHandler('A', state), source: make('A'), controller: new AbortController() };
      const b = { handler: recordingHandler('B', state), source: make('B'), controller: new AbortController() };
      const runA = a.source.run(a.handler, a.controller.signal);
      const runB = b.source.run(b.handler, b.controller.signal);
      await until(
        () => a.source.owned().length === 2 && b.source.owned().length === 2,
        WAIT,
        () => 'A and B sharing',
      );
      const first = rows(100, 17, 'k1');
      await sink.publish(first);
      await until(
        () => committedBodies(state).length === 100,
        WAIT,
        () => '100 records',
      );
      await killA?.();
      await expect(runA).rejects.toThrow(/connection was closed while consuming/);
      const second = rows(100, 17, 'k2');
      await sink.publish(second);
      await until(
        () => b.source.owned().length === 4,
        WAIT,
        () => `B owning all four (has ${b.source.owned()})`,
      );
      await until(
        () => committedBodies(state).length === 200,
        WAIT,
        () => '200 records',
      );
      b.controller.abort();
      await runB;
      await sink.close();
      expect(committedBodies(state)).toEqual([...first, ...second].map((r) => r.body).sort());
    },
    WAIT * 3,
  );

  it(
    'a member whose key another member deleted (it looked gone) writes it again and keeps its share',
    async () => {
      const options = layout(4);
      await natsSink({ ...options, createStream: true }).publish(rows(4, 4, 'm'));
      const state = sharedState();
      const make = (name: string) => ({
        controller: new AbortController(),
        source: natsSource({
          ...options,
          consumer: 'm',
          member: name,
          leases: { ttlMs: 3000 },
          onError: () => undefined,
        }),
        handler: recordingHandler(name, state),
      });
      const a = make('A');
      const b = make('B');
      const runA = a.source.run(a.handler, a.controller.signal);
      const runB = b.source.run(b.handler, b.controller.signal);
      const owned = () => `${a.source.owned().join(',')} | ${b.source.owned().join(',')}`;
      await until(
        () => owned() === '0,2 | 1,3',
        WAIT,
        () => `A and B sharing (have ${owned()})`,
      );
      const nc = await connect({ servers: server.url });
      const kv = await nc.jetstream().views.kv('m-leases');
      await kv.delete('m.B');
      // B writes its key again at its next heartbeat; after more than a TTL the shares are unchanged.
      await until(
        async () => (await kv.get('m.B'))?.operation === 'PUT',
        WAIT,
        () => "B's member key written again",
      );
      await new Promise((r) => setTimeout(r, 4000));
      expect(owned()).toBe('0,2 | 1,3');
      await nc.close();
      a.controller.abort();
      b.controller.abort();
      await Promise.all([runA, runB]);
      expect(state.overlaps).toEqual([]);
    },
    WAIT,
  );

  it(
    'streamAdapter (tripline stream) reads the layout from the stream, and says what is missing',
    async () => {
      const options = layout(4);
      const env = {};
      await natsSink({ ...options, createStream: true }).publish(rows(8, 3, 'e'));
      const source = await streamAdapter.source({
        broker: server.url,
        stream: options.stream,
        consumer: 'host.example-1',
        env,
      });
      const state = sharedState();
      const controller = new AbortController();
      const running = source.run(recordingHandler('A', state), controller.signal);
      await until(
        () => committedBodies(state).length === 8,
        WAIT,
        () => '8 records',
      );
      controller.abort();
      await running;
      expect([...state.partitions.keys()].every((p) => Number(p) < 4)).toBe(true);
      const sink = await streamAdapter.sink({ broker: server.url, consumer: 'x', env, target: options.stream });
      expect(sink.partitions).toBe(4);
      await sink.close();

      const nc = await connect({ servers: server.url });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'HAND', subjects: ['hand.part.*.>'] });
      await nc.close();
      await expect(streamAdapter.source({ broker: server.url, stream: 'HAND', consumer: 'a', env })).rejects.toThrow(
        /does not say the partition count: set it to "tripline partitions=<n>"/,
      );
      await expect(
        streamAdapter.source({ broker: server.url, stream: 'HAND', subject: 'other', consumer: 'a', env }),
      ).rejects.toThrow(/no subjects "other\.\*\.>"/);
      await expect(streamAdapter.source({ broker: server.url, stream: 'NOPE', consumer: 'a', env })).rejects.toThrow(
        /stream NOPE: cannot be read/,
      );
    },
    WAIT,
  );

  it(
    'says clearly when the broker cannot be used: stream missing, other partitions, no server, no JetStream',
    async () => {
      const options = layout(4);
      const missing = natsSource({ ...options, consumer: 'c' }).run(
        recordingHandler('A', sharedState()),
        new AbortController().signal,
      );
      await expect(missing).rejects.toSatisfy(
        (e) =>
          isTriplineError(e, 'broker-unusable') &&
          /does not exist: create it with the subjects "t\d+\.part\.\*\.>"/.test((e as Error).message),
      );

      await natsSink({ ...options, createStream: true }).publish(rows(1, 1, 'd'));
      const other = natsSource({ ...options, partitions: 8, consumer: 'c' }).run(
        recordingHandler('A', sharedState()),
        new AbortController().signal,
      );
      await expect(other).rejects.toThrow(/was created for 4 partitions, not 8/);

      const closed = await startNatsServer(binary as string);
      const url = closed.url;
      await closed.stop();
      const refused = natsSink({ ...options, servers: url }).publish(rows(1, 1, 'd'));
      await expect(refused).rejects.toSatisfy(
        (e) => isTriplineError(e, 'broker-unusable') && /connection refused/.test((e as Error).message),
      );

      const plain = await startNatsServer(binary as string, WAIT, { jetstream: false });
      try {
        const nojs = natsSource({ ...options, servers: plain.url, consumer: 'c' }).run(
          recordingHandler('A', sharedState()),
          new AbortController().signal,
        );
        await expect(nojs).rejects.toThrow(/JetStream is not enabled on this server/);
      } finally {
        await plain.stop();
      }
      // The options are checked before anything connects.
      expect(() => natsSource({ ...options, consumer: 'a.b' })).toThrow(/NATS consumer/);
      expect(() => natsSink({ ...options, partitions: 0 })).toThrow(/NATS partitions/);
    },
    WAIT * 2,
  );
});
