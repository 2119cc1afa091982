/**
 * `@tripline/stream`: a partitioned stream runtime for tripline on a real broker. One analyzer and one
 * state store per partition; the broker position is committed with the state. Adapters: NATS
 * JetStream (`@tripline/stream/nats`), Azure Event Hubs (`@tripline/stream/eventhubs`), Kafka protocol
 * (`@tripline/stream/kafka`).
 */
export { type MemoryBroker, type MemoryBrokerOptions, memoryBroker } from './memory.js';
export { type MergeOptions, mergePartitions } from './merge.js';
export { openMetrics } from './metrics.js';
export { NO_DEVICE_KEY, partitionOf } from './partition.js';
export { deviceIdOf, type RekeyBatch, type RekeyOptions, type RekeyStats, rekey, rowsOf } from './rekey.js';
export { PartitionRuntime, runPartitioned } from './runtime.js';
export type {
  AdapterOptions,
  BatchOutcome,
  OutgoingRecord,
  PartitionClaim,
  PartitionHandler,
  RunPartitionedOptions,
  SourceRecord,
  StreamAdapter,
  StreamMetrics,
  StreamSink,
  StreamSource,
} from './types.js';
