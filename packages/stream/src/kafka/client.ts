/**
 * The KafkaJS-compatible API of `@confluentinc/kafka-javascript` (1.10.x, `require(…).KafkaJS`) the
 * adapter uses, typed structurally: the library is an optional peer dependency, not installed in this
 * workspace (its install downloads a prebuilt librdkafka binary or builds it from source), and the
 * published declarations of `@tripline/stream` must not need it. The shapes follow its `types/kafkajs.d.ts`.
 */
import { ERROR_CODES, TriplineError } from '@tripline/core';
import { importOptional } from '../optional.js';

/** A message of a batch (`KafkaMessage`). */
export interface KafkaMessageLike {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  /** Milliseconds since the epoch, as a decimal string. */
  readonly timestamp: string;
  /** Its offset, a decimal string. */
  readonly offset: string;
}

/** A batch of one partition (`Batch`). */
export interface KafkaBatchLike {
  readonly topic: string;
  readonly partition: number;
  /** The offset the next produced message will get. */
  readonly highWatermark: string;
  readonly messages: readonly KafkaMessageLike[];
}

/** What `eachBatch` receives (`EachBatchPayload`). */
export interface KafkaEachBatchPayloadLike {
  readonly batch: KafkaBatchLike;
  isStale(): boolean;
}

/** A topic partition and offset (`TopicPartitionOffset`). */
export interface KafkaTopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** The consumer (`Consumer`). */
export interface KafkaConsumerLike {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(subscription: { topics: string[] }): Promise<void>;
  run(config: {
    eachBatchAutoResolve: boolean;
    partitionsConsumedConcurrently: number;
    eachBatch: (payload: KafkaEachBatchPayloadLike) => Promise<void>;
  }): Promise<void>;
  commitOffsets(offsets: KafkaTopicPartitionOffset[]): Promise<void>;
  pause(topics: { topic: string; partitions: number[] }[]): void;
  resume(topics: { topic: string; partitions: number[] }[]): void;
}

/** A message to produce (`Message`). */
export interface KafkaOutgoingMessage {
  key: string;
  value: string | Uint8Array;
  partition: number;
}

/** The producer (`Producer`). */
export interface KafkaProducerLike {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: { topic: string; messages: KafkaOutgoingMessage[] }): Promise<unknown>;
}

/** The admin client (`Admin`): for the number of partitions of a topic. */
export interface KafkaAdminLike {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  fetchTopicMetadata(options: { topics: string[] }): Promise<{ topics: { name: string; partitions: unknown[] }[] }>;
}

/** `rebalance_cb` of the consumer configuration: `err.code` is -175 (assign) or -174 (revoke). */
export type KafkaRebalanceCallback = (
  error: { code: number },
  assignment: { topic: string; partition: number }[],
) => Promise<void>;

/** `new KafkaJS.Kafka(config)`. */
export interface KafkaLike {
  consumer(
    config: { kafkaJS: Record<string, unknown>; rebalance_cb: KafkaRebalanceCallback } & Record<string, unknown>,
  ): KafkaConsumerLike;
  producer(config: { kafkaJS: Record<string, unknown> } & Record<string, unknown>): KafkaProducerLike;
  admin(config?: Record<string, unknown>): KafkaAdminLike;
}

/** The module `@confluentinc/kafka-javascript` as the adapter uses it (its `KafkaJS` namespace). */
export interface KafkaModuleLike {
  readonly KafkaJS: {
    readonly Kafka: new (config: { kafkaJS: Record<string, unknown> } & Record<string, unknown>) => KafkaLike;
  };
}

/** librdkafka's rebalance codes (`RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS`, `…__REVOKE_PARTITIONS`). */
export const ASSIGN_PARTITIONS = -175;
export const REVOKE_PARTITIONS = -174;

/** SASL of the KafkaJS block: a mechanism with its username and password. */
export interface KafkaSasl {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

/** Where the cluster is and how to authenticate: shared by the source and the sink. */
export interface KafkaConnectionOptions {
  /** Bootstrap brokers, `host:port` (Event Hubs: `<namespace>.servicebus.windows.net:9093`). */
  readonly brokers: readonly string[];
  /** The topic (Event Hubs: the event hub). */
  readonly topic: string;
  /** TLS (required by Event Hubs and most managed clusters). */
  readonly ssl?: boolean;
  /** SASL credentials; the password is never printed (Event Hubs: `plain`, `$ConnectionString`, the connection string). */
  readonly sasl?: KafkaSasl;
  readonly clientId?: string;
  /** Further librdkafka properties, outside the KafkaJS block (`'js.consumer.max.batch.size'`, TLS files…). */
  readonly config?: Readonly<Record<string, unknown>>;
  /** The module: by default `import('@confluentinc/kafka-javascript')`. For a copy already loaded, or tests. */
  readonly kafka?: KafkaModuleLike;
}

const PACKAGE = '@confluentinc/kafka-javascript';

/** Loads the client library (`broker-client-missing` when it is not installed). */
export async function loadKafka(given?: KafkaModuleLike): Promise<KafkaModuleLike> {
  if (given) return given;
  // A variable specifier: the library is not installed here, and the type checker must not look for it.
  const specifier: string = PACKAGE;
  const loaded = (await importOptional(PACKAGE, 'kafka', [PACKAGE], () => import(specifier))) as {
    KafkaJS?: unknown;
    default?: { KafkaJS?: unknown };
  };
  return (loaded.KafkaJS ? loaded : loaded.default) as KafkaModuleLike;
}

/**
 * Checks the options: `option-invalid` without brokers or topic; `broker-credentials-missing` for SASL
 * without username or password, or for Event Hubs' Kafka endpoint without SASL.
 */
export function checkConnection(options: KafkaConnectionOptions, role: string): { target: string; secrets: string[] } {
  const bad = (option: string, why: string): never => {
    throw new TriplineError(ERROR_CODES.OPTION_INVALID, `kafka ${role}: ${option} ${why}`, { details: { option } });
  };
  if (
    !Array.isArray(options.brokers) ||
    options.brokers.length === 0 ||
    options.brokers.some((b) => typeof b !== 'string' || b === '')
  ) {
    bad('brokers', 'must list one broker or more, host:port');
  }
  if (typeof options.topic !== 'string' || options.topic === '') bad('topic', 'is missing');
  const sasl = options.sasl;
  if (sasl && (!sasl.username || !sasl.password)) {
    throw new TriplineError(
      ERROR_CODES.BROKER_CREDENTIALS_MISSING,
      `kafka ${role}: SASL ${sasl.mechanism} needs a username and a password`,
      {
        details: { adapter: 'kafka' },
      },
    );
  }
  if (!sasl && options.brokers.some((b) => b.toLowerCase().includes('.servicebus.'))) {
    throw new TriplineError(
      ERROR_CODES.BROKER_CREDENTIALS_MISSING,
      `kafka ${role}: Event Hubs' Kafka endpoint needs SASL plain with username $ConnectionString and the connection string as password`,
      { details: { adapter: 'kafka' } },
    );
  }
  const secrets = sasl ? [sasl.password] : [];
  return { target: `${options.brokers.join(',')}/${options.topic}`, secrets };
}

/** The KafkaJS block shared by consumer and producer clients. */
export function kafkaJsBlock(options: KafkaConnectionOptions): Record<string, unknown> {
  return {
    brokers: [...options.brokers],
    ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    ...(options.sasl ? { sasl: { ...options.sasl } } : {}),
    ...(options.clientId ? { clientId: options.clientId } : {}),
  };
}
