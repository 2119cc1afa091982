/**
 * A message JetStream delivered to a pull request nobody reads any more (a fetch the client stopped or
 * let expire, a reconnection) is not committed, and not skipped either: the source sees the break in the
 * consumer's delivery sequence and reads the partition again from the committed position. The stale
 * pull request is made on purpose here: a second connection asks the partition's durable consumer for one
 * message and never acknowledges it, while the source reads one message per fetch.
 */
import { connect, nanos, StringCodec } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsSink, natsSource } from '../src/nats/index.js';
import type { OutgoingRecord } from '../src/types.js';
import { recordingHandler, sharedState, until } from './nats-recording-handler.js';
import { type NatsServer, natsAvailability, startNatsServer } from './nats-server.js';

const { binary, skip } = natsAvailability();
// Generous: the machine this runs on may be loaded (load average 30–40).
const WAIT = 120_000;

describe.skipIf(skip !== undefined)('NATS source: a delivery that went to a stale pull request', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await startNatsServer(binary as string);
  }, WAIT);
  afterAll(async () => {
    await server?.stop();
  });

  it(
    'is read again from the committed position: every record committed once, in order',
    async () => {
      const layout = {
        servers: server.url,
        stream: 'LOST',
        subjectPrefix: 'lost.part',
        partitions: 1,
        createStream: true,
      };
      const sink = natsSink(layout);
      const records: OutgoingRecord[] = Array.from({ length: 10 }, (_, i) => ({
        key: 'device-a',
        body: JSON.stringify({ DeviceId: 'device-a', ReportId: String(i) }),
      }));
      const state = sharedState();
      const handler = recordingHandler('A', state);
      const controller = new AbortController();
      const source = natsSource({
        ...layout,
        consumer: 'g',
        batch: { maxRecords: 1, maxWaitMs: 1000 },
        // Longer than the test: the stale request's message is never redelivered by AckWait here.
        ackWaitMs: 600_000,
        leases: { ttlMs: 3000 },
        onError: () => undefined,
      });
      const admin = await connect({ servers: server.url });
      const jsm = await admin.jetstreamManager();
      const running = source.run(handler, controller.signal);
      try {
        // The source holds the partition and its fetch is waiting on the (empty) partition.
        await until(
          async () => (await jsm.consumers.info('LOST', 'g-0').catch(() => undefined))?.num_waiting === 1,
          WAIT,
          () => 'the source waiting on its consumer',
        );
        const stale: number[] = [];
        const inbox = admin.subscribe('stale.inbox', {
          callback: (_error, message) => {
            // Status messages (timeouts) carry no sequence; a delivery's reply subject names its sequence.
            if (message.reply?.startsWith('$JS.ACK.')) stale.push(Number(message.reply.split('.')[5]));
          },
        });
        admin.publish(
          '$JS.API.CONSUMER.MSG.NEXT.LOST.g-0',
          StringCodec().encode(JSON.stringify({ batch: 1, expires: nanos(600_000) })),
          { reply: 'stale.inbox' },
        );
        await admin.flush();
        await sink.publish(records);
        const last = (await jsm.streams.info('LOST')).state.last_seq;
        await until(
          () => state.partitions.get('0')?.committed === String(last),
          WAIT,
          () => `position ${last} committed (have ${state.partitions.get('0')?.committed})`,
        );
        // The stale request took one record before the end: without the check, acknowledging a later one
        // (ack policy all) acknowledged it, and it was never committed.
        expect(stale).toHaveLength(1);
        expect(stale[0]).toBeLessThan(last);
        expect(state.partitions.get('0')?.bodies).toEqual(records.map((r) => r.body));
        inbox.unsubscribe();
      } finally {
        controller.abort('shutdown');
        await running;
        await sink.close?.();
        await admin.close();
      }
    },
    WAIT * 3,
  );
});
