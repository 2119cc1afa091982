/**
 * `@tripline/stream/nats`: the NATS JetStream adapter. `natsSource` consumes the partition subjects
 * `<subjectPrefix>.<p>.>` of a stream with one durable pull consumer per partition, sharing the
 * partitions among the consumer processes by leases in a JetStream key-value bucket; `natsSink` publishes
 * each record to the partition of its key. Needs the `nats` package (an optional peer dependency).
 */

export { streamAdapter } from './adapter.js';
export type { NatsStreamOptions } from './connect.js';
export { type NatsSink, type NatsSinkOptions, natsSink } from './sink.js';
export { type NatsSource, type NatsSourceOptions, natsSource } from './source.js';
