/**
 * The conformance harness of the NATS JetStream adapter: topics (a stream and a consumer group) on one
 * real nats-server per test file, consumers whose connection a test can close abruptly (a killed
 * process: nothing more acknowledged, no lease released), and a redelivery fault (the partition's durable
 * consumer recreated a few messages back).
 */
import { AckPolicy, connect, DeliverPolicy, type NatsConnection, nanos } from 'nats';
import { ensureStream } from '../src/nats/connect.js';
import { type NatsSource, natsSink, natsSource } from '../src/nats/index.js';
import type { ConformanceHarness, ConformanceTopic } from './conformance.js';
import { type NatsServer, startNatsServer } from './nats-server.js';

/** Short enough for the suites to finish, with margins for a loaded machine (load average 30–40). */
export const ACK_WAIT_MS = 4000;
export const TTL_MS = 4000;

/**
 * Waits until the stream takes publishes. Right after a stream is created a publish can still be
 * answered 503 (no responders) on a loaded machine (seen at load 37: the first publish of a scenario
 * failed). The probe stores nothing: it expects a last sequence the stream cannot have, so a stream
 * that listens refuses it (wrong last sequence) and one that does not yet answers 503.
 */
async function streamListening(nc: NatsConnection, subjectPrefix: string): Promise<void> {
  const js = nc.jetstream();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const refused = await js
      .publish(`${subjectPrefix}.probe.x`, new Uint8Array(0), { expect: { lastSequence: 1e12 } })
      .then(
        () => undefined,
        (error: unknown) => error as { code?: string },
      );
    if (!refused) throw new Error('nats harness: the listening probe was stored');
    if (refused.code !== '503') return;
    if (Date.now() > deadline) throw new Error('nats harness: the stream did not take publishes within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A harness on a server started at the first topic; `stop()` kills it (call it in afterAll). */
export function natsHarness(binary: string, name: string): ConformanceHarness & { stop(): Promise<void> } {
  let server: Promise<NatsServer> | undefined;
  let topics = 0;
  return {
    name,
    timeoutMs: 300_000,
    async stop() {
      await (await server)?.stop();
    },
    async topic(partitions): Promise<ConformanceTopic> {
      server ??= startNatsServer(binary);
      const { url } = await server;
      const n = ++topics;
      const layout = { servers: url, stream: `C${n}`, subjectPrefix: `c${n}.part`, partitions, createStream: true };
      const group = `g${n}`;
      const sink = natsSink(layout);
      const connections = new Map<string, NatsConnection>();
      const sources = new Map<string, NatsSource>();
      /** Durable consumer → when the redelivery fault created it. */
      const faulted = new Map<string, string>();
      /** What the sources reported without stopping (the last 20), for a stuck scenario's message. */
      const errors: string[] = [];
      const admin = await connect({ servers: url });
      const jsm = await admin.jetstreamManager();
      await ensureStream(jsm, layout);
      await streamListening(admin, layout.subjectPrefix);
      return {
        publish: (records) => sink.publish(records),
        owned: (consumer) => sources.get(consumer)?.owned() ?? [],
        errors: () => errors,
        source: (consumer) => {
          const source = natsSource({
            ...layout,
            consumer: group,
            member: consumer,
            batch: { maxRecords: 17, maxWaitMs: 1000 },
            ackWaitMs: ACK_WAIT_MS,
            leases: { ttlMs: TTL_MS },
            onError: (error, partition) => {
              errors.push(`${consumer}${partition === undefined ? '' : ` partition ${partition}`}: ${error.message}`);
              if (errors.length > 20) errors.shift();
            },
            connect: async (options) => {
              const nc = await connect(options);
              connections.set(consumer, nc);
              return nc;
            },
          });
          sources.set(consumer, source);
          return source;
        },
        async kill(consumer) {
          // Abrupt: the connection closes with whatever was not yet acknowledged; the lease is not released.
          await connections.get(consumer)?.close();
        },
        async redeliver(partition, count) {
          // The partition's durable consumer recreated a few messages back: JetStream delivers the last
          // `count` acknowledged messages again, with their sequences.
          const durable = `${group}-${partition}`;
          const info = await jsm.consumers.info(layout.stream, durable);
          const floor = info.ack_floor.stream_seq;
          const js = admin.jetstream();
          const readerName = `${durable}-reader`;
          await jsm.consumers.add(layout.stream, {
            durable_name: readerName,
            filter_subject: `${layout.subjectPrefix}.${partition}.>`,
            ack_policy: AckPolicy.Explicit,
            deliver_policy: DeliverPolicy.All,
          });
          const reader = await js.consumers.get(layout.stream, readerName);
          const sequences: number[] = [];
          while (true) {
            const message = await reader.next({ expires: 1000 });
            if (!message || message.seq > floor) break;
            sequences.push(message.seq);
          }
          await reader.delete().catch(() => undefined);
          const start = sequences[Math.max(0, sequences.length - count)];
          if (start === undefined) return;
          for (let attempt = 0; ; attempt++) {
            await jsm.consumers.delete(layout.stream, durable).catch(() => undefined);
            try {
              const added = await jsm.consumers.add(layout.stream, {
                ...info.config,
                deliver_policy: DeliverPolicy.StartSequence,
                opt_start_seq: start,
                ack_policy: AckPolicy.All,
                ack_wait: nanos(ACK_WAIT_MS),
              });
              faulted.set(durable, added.created);
              return;
            } catch (error) {
              // The owner recreated it between the delete and the add: once more.
              if (attempt >= 5) throw error;
            }
          }
        },
        async redeliveryAbsorbed() {
          // The source recreates a partition's consumer when its delivery sequence breaks (the fault's
          // consumer starts again at 1): then the repeated records never reach the runtime.
          if (faulted.size === 0) return false;
          for (const [durable, created] of faulted) {
            const now = await jsm.consumers.info(layout.stream, durable).catch(() => undefined);
            if (now === undefined || now.created === created) return false;
          }
          return true;
        },
        async dispose() {
          await sink.close();
          for (const nc of connections.values()) if (!nc.isClosed()) await nc.close();
          await jsm.streams.delete(layout.stream).catch(() => undefined);
          await admin.close();
        },
      };
    },
  };
}
