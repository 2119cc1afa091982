/**
 * `natsSink`: the producer side of the NATS JetStream adapter. A record goes to the subject
 * `<subjectPrefix>.<partitionOf(key, partitions)>.<key token>`; `publish` resolves when JetStream has
 * acknowledged (stored) every record.
 */
import { ERROR_CODES, TriplineError } from '@tripline/core';
import type { JetStreamClient, NatsConnection } from 'nats';
import { partitionOf } from '../partition.js';
import type { OutgoingRecord, StreamSink } from '../types.js';
import {
  checkStreamOptions,
  connectNats,
  ensureStream,
  jetStreamOf,
  keyToken,
  type NatsStreamOptions,
} from './connect.js';

/** Options of {@link natsSink}: the stream layout the source reads. */
export interface NatsSinkOptions extends NatsStreamOptions {
  /** Publishes awaiting their acknowledgement at once (default 1000). */
  readonly inFlight?: number;
}

/** The sink, with the subject a key is published to. */
export interface NatsSink extends StreamSink {
  readonly kind: 'nats';
  /** `<subjectPrefix>.<partition>.<key token>` for `key`. */
  subjectOf(key: string): string;
}

/**
 * A {@link StreamSink} publishing to the partition subjects of a JetStream stream (created with
 * `createStream`, else it must exist). It connects on the first `publish`. Records of one key are stored
 * in the order given (one connection publishes in order; JetStream stores in arrival order).
 */
export function natsSink(options: NatsSinkOptions): NatsSink {
  checkStreamOptions(options);
  const inFlight = options.inFlight ?? 1000;
  if (!Number.isInteger(inFlight) || inFlight < 1) {
    throw new TriplineError('option-invalid', 'NATS inFlight: a positive integer', { details: { option: 'inFlight' } });
  }
  let connection: Promise<{ nc: NatsConnection; js: JetStreamClient }> | undefined;
  let closed = false;
  const open = () => {
    connection ??= (async () => {
      const nc = await connectNats(options);
      try {
        const { jsm, js } = await jetStreamOf(nc);
        await ensureStream(jsm, options);
        return { nc, js };
      } catch (error) {
        await nc.close();
        throw error;
      }
    })();
    // A failed connection is tried again at the next publish.
    connection.catch(() => {
      connection = undefined;
    });
    return connection;
  };
  const subjectOf = (key: string) =>
    `${options.subjectPrefix}.${partitionOf(key, options.partitions)}.${keyToken(key)}`;

  return {
    kind: 'nats',
    partitions: options.partitions,
    subjectOf,
    async publish(records: readonly OutgoingRecord[]): Promise<void> {
      if (closed) throw new TriplineError('option-invalid', 'NATS sink: publish after close');
      if (records.length === 0) return;
      const { js } = await open();
      const pending = new Set<Promise<unknown>>();
      let failure: unknown;
      for (const record of records) {
        if (failure !== undefined) break;
        const body = typeof record.body === 'string' ? Buffer.from(record.body, 'utf8') : record.body;
        const ack = js.publish(subjectOf(record.key), body).then(
          () => undefined,
          (error: unknown) => {
            failure ??= error;
          },
        );
        pending.add(ack);
        void ack.finally(() => pending.delete(ack));
        if (pending.size >= inFlight) await Promise.race(pending);
      }
      await Promise.all(pending);
      if (failure !== undefined) {
        throw new TriplineError(
          ERROR_CODES.BROKER_UNUSABLE,
          `NATS stream ${options.stream}: a publish was not acknowledged (${(failure as Error).message}); some of these records may not be stored: publish them again`,
          { details: { broker: 'nats', stream: options.stream }, cause: failure },
        );
      }
    },
    async close(): Promise<void> {
      closed = true;
      const current = connection;
      connection = undefined;
      if (!current) return;
      const { nc } = await current.catch(() => ({ nc: undefined }));
      await nc?.drain().catch(() => nc.close());
    },
  };
}
