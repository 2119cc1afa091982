/**
 * `streamAdapter` of `@tripline/stream/kafka`, for `tripline stream --broker kafka`. `--brokers` (or
 * `--broker kafka://host:port`), `--topic`, `--consumer-group` (default `tripline`); credentials from the
 * environment only:
 *
 * - `TRIPLINE_KAFKA_SSL=1`: TLS;
 * - `TRIPLINE_KAFKA_SASL_MECHANISM` (`plain`, `scram-sha-256`, `scram-sha-512`), `TRIPLINE_KAFKA_USERNAME`,
 *   `TRIPLINE_KAFKA_PASSWORD`. For Event Hubs' Kafka endpoint: `plain`, `$ConnectionString`, and the
 *   connection string as the password.
 */
import { ERROR_CODES, TriplineError } from '@tripline/core';
import type { AdapterOptions, StreamAdapter } from '../types.js';
import type { KafkaConnectionOptions, KafkaSasl } from './client.js';
import { kafkaSink } from './sink.js';
import { kafkaSource } from './source.js';

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** The connection options from the command line and the environment. */
export function kafkaConnectionFrom(options: AdapterOptions, topic: string | undefined): KafkaConnectionOptions {
  const fromUrl = options.broker.toLowerCase().startsWith('kafka://') ? options.broker.slice('kafka://'.length) : '';
  const list = (options.brokers ?? fromUrl)
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (list.length === 0 || !topic) {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      'kafka: give --brokers host:port[,…] (or --broker kafka://host:port) and --topic',
      {
        details: { option: list.length === 0 ? 'brokers' : 'topic' },
      },
    );
  }
  const env = options.env;
  const mechanism = env.TRIPLINE_KAFKA_SASL_MECHANISM?.toLowerCase();
  let sasl: KafkaSasl | undefined;
  if (mechanism !== undefined && mechanism !== '') {
    if (!(MECHANISMS as readonly string[]).includes(mechanism)) {
      throw new TriplineError(
        ERROR_CODES.OPTION_INVALID,
        `kafka: TRIPLINE_KAFKA_SASL_MECHANISM must be one of ${MECHANISMS.join(', ')}`,
        {
          details: { option: 'TRIPLINE_KAFKA_SASL_MECHANISM' },
        },
      );
    }
    sasl = {
      mechanism: mechanism as KafkaSasl['mechanism'],
      username: env.TRIPLINE_KAFKA_USERNAME ?? '',
      password: env.TRIPLINE_KAFKA_PASSWORD ?? '',
    };
  }
  const ssl = env.TRIPLINE_KAFKA_SSL === '1' || env.TRIPLINE_KAFKA_SSL?.toLowerCase() === 'true';
  return {
    brokers: list,
    topic,
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
    clientId: `tripline-${options.consumer}`,
  };
}

/** The Kafka adapter as `tripline stream` loads it. */
export const streamAdapter: StreamAdapter = {
  source(options: AdapterOptions) {
    return kafkaSource({
      ...kafkaConnectionFrom(options, options.topic),
      groupId: options.consumerGroup ?? 'tripline',
    });
  },
  sink(options: AdapterOptions & { readonly target: string }) {
    return kafkaSink(kafkaConnectionFrom(options, options.target));
  },
};
