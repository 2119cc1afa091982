/**
 * The conformance suite through the Kafka adapter: `kafkaSink` publishes, `kafkaSource` consumes, both
 * over the consumer-group double of `@confluentinc/kafka-javascript`'s KafkaJS-compatible API
 * (test/kafka-fake.ts). Proves the adapter's logic against that API's shapes; the library is not
 * installed here and no Kafka broker runs here.
 */
import { kafkaSink, kafkaSource } from '../src/kafka/index.js';
import { streamConformance } from './conformance.js';
import { FakeKafkaCluster } from './kafka-fake.js';

streamConformance({
  name: 'Kafka adapter (client double)',
  async topic(partitions) {
    const cluster = new FakeKafkaCluster();
    cluster.maxBatch = 17;
    cluster.createTopic('mde-bydevice', partitions);
    const connection = { brokers: ['127.0.0.1:9092'], topic: 'mde-bydevice' };
    const sink = await kafkaSink({ ...connection, kafka: cluster.module() });
    const errors: string[] = [];
    return {
      publish: (records) => sink.publish(records),
      source: (consumer) =>
        kafkaSource({
          ...connection,
          groupId: 'tripline',
          retryDelayMs: 100,
          kafka: cluster.module(consumer),
          onError: (error) => errors.push(error.message),
        }),
      kill: async (consumer) => {
        await cluster.tagged.get(consumer)?.crash();
      },
      redeliver: async (partition, n) => {
        cluster.rewinds.set(`mde-bydevice/${partition}`, n);
      },
      dispose: () => sink.close(),
    };
  },
});
