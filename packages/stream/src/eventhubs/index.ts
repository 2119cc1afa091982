/**
 * `@tripline/stream/eventhubs`: the Azure Event Hubs adapter. A source on `EventHubConsumerClient`
 * (partitions balanced among the instances sharing a consumer group and a blob checkpoint store) and a
 * sink on `EventHubProducerClient` for the re-keying stage. `@azure/event-hubs`,
 * `@azure/eventhubs-checkpointstore-blob` and `@azure/storage-blob` are optional peer dependencies,
 * imported when the adapter starts.
 */
export { streamAdapter } from './adapter.js';
export { type BlobCheckpointStoreOptions, blobCheckpointStore } from './checkpoint-store.js';
export type {
  EventHubsCheckpointStore,
  EventHubsCloseReason,
  EventHubsConnectionOptions,
  EventHubsConsumerClientLike,
  EventHubsEventData,
  EventHubsEventDataBatch,
  EventHubsEventPosition,
  EventHubsPartitionContext,
  EventHubsProducerClientLike,
  EventHubsReceivedEvent,
  EventHubsSdk,
  EventHubsSubscribeOptions,
  EventHubsSubscriptionHandlers,
} from './sdk.js';
export { type EventHubsSink, eventHubsSink } from './sink.js';
export {
  type EventHubsSource,
  type EventHubsSourceOptions,
  eventHubsSource,
  KEY_PROPERTY,
} from './source.js';
