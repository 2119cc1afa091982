/**
 * `@tripline/stream/kafka`: the Kafka-protocol adapter (Kafka, Redpanda, MSK, the Kafka endpoint of Azure
 * Event Hubs). A source on a consumer group of `@confluentinc/kafka-javascript` (its KafkaJS-compatible
 * API) and a sink on its producer for the re-keying stage. The library is an optional peer dependency,
 * imported when the adapter starts.
 */

export { kafkaConnectionFrom, streamAdapter } from './adapter.js';
export {
  ASSIGN_PARTITIONS,
  type KafkaAdminLike,
  type KafkaBatchLike,
  type KafkaConnectionOptions,
  type KafkaConsumerLike,
  type KafkaEachBatchPayloadLike,
  type KafkaLike,
  type KafkaMessageLike,
  type KafkaModuleLike,
  type KafkaOutgoingMessage,
  type KafkaProducerLike,
  type KafkaRebalanceCallback,
  type KafkaSasl,
  type KafkaTopicPartitionOffset,
  REVOKE_PARTITIONS,
} from './client.js';
export { type KafkaSink, kafkaSink } from './sink.js';
export { type KafkaSource, type KafkaSourceOptions, kafkaSource } from './source.js';
