/**
 * `streamAdapter`: what `tripline stream --broker nats://…` loads. The layout is read from the stream
 * itself: `--stream` names it, its subjects `<prefix>.*.>` give the subject prefix (`--subject`, when
 * given, must be that prefix), and its description `tripline partitions=<n>` the partition count (a
 * stream `natsSink` created with `createStream` says it; set it on a stream created by hand).
 */
import { ERROR_CODES, TriplineError } from '@tripline/core';
import type { AdapterOptions, StreamAdapter, StreamSink, StreamSource } from '../types.js';
import { connectNats, jetStreamOf, type NatsStreamOptions, partitionsOf } from './connect.js';
import { natsSink } from './sink.js';
import { natsSource } from './source.js';

const PREFIX = /^([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\.\*\.>$/;

const unusable = (message: string, details: Record<string, unknown> = {}) =>
  new TriplineError(ERROR_CODES.BROKER_UNUSABLE, `NATS ${message}`, { details: { broker: 'nats', ...details } });

/** The stream's subject prefix and partition count, read from the server. */
async function layoutOf(servers: string, stream: string | undefined, subject: string | undefined) {
  if (stream === undefined) throw new TriplineError('option-invalid', 'NATS: --stream <name> is required');
  const probe: NatsStreamOptions = { servers, stream, subjectPrefix: subject ?? 'x', partitions: 1 };
  const nc = await connectNats(probe);
  try {
    const { jsm } = await jetStreamOf(nc);
    const info = await jsm.streams.info(stream).catch((error: unknown) => {
      throw unusable(
        `stream ${stream}: cannot be read (${(error as Error).message}); create it with natsSink({ createStream: true }) (docs/stream.md, NATS JetStream)`,
        { stream },
      );
    });
    const prefixes = (info.config.subjects ?? []).flatMap((s) => PREFIX.exec(s)?.[1] ?? []);
    const subjectPrefix = subject ?? prefixes[0];
    if (subjectPrefix === undefined || !prefixes.includes(subjectPrefix)) {
      throw unusable(
        `stream ${stream}: no subjects "${subject ?? '<prefix>'}.*.>" (it has ${(info.config.subjects ?? []).join(', ')})`,
        { stream },
      );
    }
    const partitions = partitionsOf(info.config.description);
    if (partitions === undefined) {
      throw unusable(
        `stream ${stream}: its description does not say the partition count: set it to "tripline partitions=<n>"`,
        { stream },
      );
    }
    return { servers, stream, subjectPrefix, partitions };
  } finally {
    await nc.close();
  }
}

/** A member name for the lease bucket from `--consumer` (host names have dots). */
const memberName = (consumer: string) => consumer.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200) || 'member';

/** The NATS adapter of `tripline stream`. The consumer group is `--consumer-group` (default `tripline`). */
export const streamAdapter: StreamAdapter = {
  async source(options: AdapterOptions): Promise<StreamSource> {
    const layout = await layoutOf(options.broker, options.stream, options.subject);
    return natsSource({
      ...layout,
      consumer: options.consumerGroup ?? 'tripline',
      member: memberName(options.consumer),
    });
  },
  async sink(options: AdapterOptions & { readonly target: string }): Promise<StreamSink> {
    const layout = await layoutOf(options.broker, options.target, undefined);
    return natsSink(layout);
  },
};
