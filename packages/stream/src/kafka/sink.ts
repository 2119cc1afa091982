/**
 * The Kafka sink of the re-keying stage: the producer of `@confluentinc/kafka-javascript`. Each record
 * goes to the explicit partition `partitionOf(key, partitions)` — not to the client's partitioner
 * (murmur2): the same device lands in the same partition number on every broker tripline supports, so
 * partition sizing and the conformance suite hold. The record's key is the message key.
 */
import { ERROR_CODES, TriplineError } from '@tripline/core';
import { partitionOf } from '../partition.js';
import { redactedMessage } from '../secrets.js';
import type { OutgoingRecord, StreamSink } from '../types.js';
import { checkConnection, type KafkaConnectionOptions, kafkaJsBlock, loadKafka } from './client.js';

/** The Kafka sink: a {@link StreamSink} with its target for health lines (no secret in it). */
export interface KafkaSink extends StreamSink {
  readonly kind: 'kafka';
  readonly target: string;
}

/**
 * A {@link StreamSink} producing to a topic: connects, reads the topic's number of partitions (admin
 * metadata), sends each record to `partitionOf(key, partitions)` with `acks` of all in-sync replicas
 * (the library's default). Rejects with `broker-unusable` (redacted) when the cluster or the topic cannot
 * be used, `broker-credentials-missing` for incomplete SASL, `broker-client-missing` without the library.
 */
export async function kafkaSink(options: KafkaConnectionOptions): Promise<KafkaSink> {
  const { target, secrets } = checkConnection(options, 'sink');
  const { KafkaJS } = await loadKafka(options.kafka);
  const kafka = new KafkaJS.Kafka({ ...(options.config ?? {}), kafkaJS: kafkaJsBlock(options) });
  const unusable = (what: string, error: unknown) =>
    new TriplineError(ERROR_CODES.BROKER_UNUSABLE, `kafka ${target}: ${what} (${redactedMessage(error, secrets)})`, {
      details: { broker: 'kafka', target },
    });
  let partitions = 0;
  const admin = kafka.admin();
  try {
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: [options.topic] });
    partitions = metadata.topics.find((t) => t.name === options.topic)?.partitions.length ?? 0;
  } catch (error) {
    throw unusable('cannot read the topic', error);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  if (partitions < 1) throw unusable('cannot read the topic', new Error('no partitions'));
  const producer = kafka.producer({ kafkaJS: {} });
  try {
    await producer.connect();
  } catch (error) {
    throw unusable('cannot connect the producer', error);
  }

  async function publish(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const messages = records.map((r) => ({ key: r.key, value: r.body, partition: partitionOf(r.key, partitions) }));
    try {
      await producer.send({ topic: options.topic, messages });
    } catch (error) {
      throw new Error(`kafka ${target}: send failed: ${redactedMessage(error, secrets)}`);
    }
  }

  return { kind: 'kafka', target, partitions, publish, close: () => producer.disconnect() };
}
