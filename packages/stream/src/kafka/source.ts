/**
 * The Kafka-protocol source: a consumer group of `@confluentinc/kafka-javascript` (KafkaJS-compatible
 * API), mapped onto the {@link PartitionHandler} contract. Works with Kafka, Redpanda, MSK and the Kafka
 * endpoint of Event Hubs (Standard tier and above).
 *
 * The group coordinator balances the topic's partitions among the group's consumers; the adapter opens a
 * partition in the assign callback (`rebalance_cb`, awaited before the assignment is applied, so no batch
 * of it comes earlier) and closes it in the revoke callback after its batch in flight. Auto-commit is off:
 * after `handler.batch` resolved the adapter commits the offset after the batch's last message. A batch
 * that fails is not committed: the partition is paused and closed with `error` (the client seeks back to
 * the batch), then opened again and resumed after `retryDelayMs`, so its records are read again.
 */
import { ERROR_CODES, TriplineError } from '@tripline/core';
import { redactedMessage } from '../secrets.js';
import type { PartitionHandler, SourceRecord, StreamSource } from '../types.js';
import {
  ASSIGN_PARTITIONS,
  checkConnection,
  type KafkaConnectionOptions,
  type KafkaConsumerLike,
  type KafkaEachBatchPayloadLike,
  type KafkaMessageLike,
  kafkaJsBlock,
  loadKafka,
  REVOKE_PARTITIONS,
} from './client.js';

/** What {@link kafkaSource} takes. */
export interface KafkaSourceOptions extends KafkaConnectionOptions {
  /** The consumer group every instance of this deployment shares. */
  readonly groupId: string;
  /** Where a partition without a committed offset starts: the beginning (default true) or the end. */
  readonly fromBeginning?: boolean;
  /** Partitions whose batches run at the same time in this consumer (default 4). */
  readonly partitionsConsumedConcurrently?: number;
  /** After a failed batch, the partition is opened and resumed again after this long (default 5000 ms). */
  readonly retryDelayMs?: number;
  /** Errors while running (a failed batch, open or close), secrets redacted. Default: one line on stderr. */
  readonly onError?: (error: Error, partition: string | undefined) => void;
}

/** The Kafka source: a {@link StreamSource} with its target for health lines (no secret in it). */
export interface KafkaSource extends StreamSource {
  readonly kind: 'kafka';
  /** `<brokers>/<topic> (<group>)`. */
  readonly target: string;
}

interface Claim {
  readonly controller: AbortController;
  chain: Promise<void>;
  opened: boolean;
  failed: boolean;
  lost: boolean;
  /** Offset after the last committed message, and the high watermark seen with the last batch. */
  next?: bigint;
  head?: bigint;
}

function recordOf(partition: string, message: KafkaMessageLike): SourceRecord {
  const ms = Number(message.timestamp);
  return {
    partition,
    position: message.offset,
    body: message.value ?? '',
    ...(message.key ? { key: Buffer.from(message.key).toString('utf8') } : {}),
    ...(Number.isFinite(ms) && ms > 0 ? { enqueuedAt: new Date(ms).toISOString() } : {}),
  };
}

/**
 * A {@link StreamSource} consuming one topic in a consumer group with `@confluentinc/kafka-javascript`
 * (an optional peer dependency, imported when `run` starts). Positions are offsets.
 *
 * ```ts
 * const source = kafkaSource({ brokers: ['kafka-1:9092'], topic: 'mde-bydevice', groupId: 'tripline' });
 * ```
 */
export function kafkaSource(options: KafkaSourceOptions): KafkaSource {
  const { target, secrets } = checkConnection(options, 'source');
  if (typeof options.groupId !== 'string' || options.groupId === '') {
    throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'kafka source: groupId is missing', {
      details: { option: 'groupId' },
    });
  }
  const concurrency = options.partitionsConsumedConcurrently ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 5000;
  const fullTarget = `${target} (${options.groupId})`;
  const report = (error: unknown, partition: string | undefined): void => {
    const safe = new Error(redactedMessage(error, secrets));
    if (options.onError) options.onError(safe, partition);
    else
      process.stderr.write(
        `tripline stream: kafka ${fullTarget}${partition ? ` partition ${partition}` : ''}: ${safe.message}\n`,
      );
  };
  const claims = new Map<string, Claim>();
  const topic = options.topic;

  async function run(handler: PartitionHandler, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const { KafkaJS } = await loadKafka(options.kafka);
    let consumer: KafkaConsumerLike | undefined;
    let stopping = false;
    const retries = new Set<ReturnType<typeof setTimeout>>();
    const only = (partition: string) => [{ topic, partitions: [Number(partition)] }];

    const open = async (partition: string): Promise<void> => {
      const claim: Claim = {
        controller: new AbortController(),
        chain: Promise.resolve(),
        opened: false,
        failed: false,
        lost: false,
      };
      claims.set(partition, claim);
      claim.chain = handler.open({ partition, signal: claim.controller.signal }).then(
        () => {
          claim.opened = true;
        },
        (error) => {
          claim.failed = true;
          report(error, partition);
        },
      );
      await claim.chain;
    };
    const close = async (partition: string, why: 'revoked' | 'shutdown' | 'error'): Promise<void> => {
      const claim = claims.get(partition);
      if (!claim) return;
      claims.delete(partition);
      if (why === 'revoked') claim.lost = true;
      await claim.chain;
      claim.controller.abort();
      if (claim.opened) await handler.close(partition, why).catch((error) => report(error, partition));
    };
    /** A failed partition: paused and closed now, opened and resumed after the delay. */
    const stopAndRetry = (partition: string): void => {
      consumer?.pause(only(partition));
      void close(partition, 'error').then(() => {
        if (stopping) return;
        const timer = setTimeout(() => {
          retries.delete(timer);
          if (stopping || claims.has(partition)) return;
          void open(partition).then(() => {
            if (!stopping && claims.get(partition)?.opened) consumer?.resume(only(partition));
          });
        }, retryDelayMs);
        retries.add(timer);
      });
    };

    const rebalance = async (error: { code: number }, assignment: { topic: string; partition: number }[]) => {
      const partitions = assignment.filter((tp) => tp.topic === topic).map((tp) => String(tp.partition));
      if (error.code === ASSIGN_PARTITIONS) {
        if (!stopping) await Promise.all(partitions.filter((p) => !claims.has(p)).map(open));
      } else if (error.code === REVOKE_PARTITIONS) {
        await Promise.all(partitions.map((p) => close(p, 'revoked')));
      } else {
        report(new Error(`rebalance error ${error.code}`), undefined);
      }
    };

    const eachBatch = async ({ batch, isStale }: KafkaEachBatchPayloadLike): Promise<void> => {
      const partition = String(batch.partition);
      const claim = claims.get(partition);
      const last = batch.messages[batch.messages.length - 1];
      if (!claim?.opened || claim.failed || stopping) {
        // Not ours to read now (its open failed, or shutting down): read again later.
        if (claim?.failed) stopAndRetry(partition);
        throw new Error(`partition ${partition} is not open`);
      }
      if (!last) return;
      const records = batch.messages.map((message) => recordOf(partition, message));
      const work = claim.chain.then(async () => {
        await handler.batch(partition, records);
        const next = BigInt(last.offset) + 1n;
        if (!claim.lost && !isStale())
          await consumer!.commitOffsets([{ topic, partition: batch.partition, offset: String(next) }]);
        claim.next = next;
        claim.head = BigInt(batch.highWatermark);
      });
      claim.chain = work.catch(() => undefined);
      try {
        await work;
      } catch (error) {
        claim.failed = true;
        report(error, partition);
        stopAndRetry(partition);
        throw new Error(`partition ${partition} stopped: ${redactedMessage(error, secrets)}`);
      }
    };

    const kafka = new KafkaJS.Kafka({ kafkaJS: kafkaJsBlock(options) });
    consumer = kafka.consumer({
      ...(options.config ?? {}),
      kafkaJS: { groupId: options.groupId, fromBeginning: options.fromBeginning ?? true, autoCommit: false },
      rebalance_cb: rebalance,
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic] });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      if (signal.aborted) return;
      throw new TriplineError(
        ERROR_CODES.BROKER_UNUSABLE,
        `kafka ${target}: cannot join the group (${redactedMessage(error, secrets)})`,
        {
          details: { broker: 'kafka', target },
        },
      );
    }
    await consumer.run({ eachBatchAutoResolve: true, partitionsConsumedConcurrently: concurrency, eachBatch });
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    stopping = true;
    for (const timer of retries) clearTimeout(timer);
    if (claims.size > 0) consumer.pause([{ topic, partitions: [...claims.keys()].map(Number) }]);
    await Promise.all([...claims.keys()].map((p) => close(p, 'shutdown')));
    await consumer.disconnect().catch((error) => report(error, undefined));
  }

  async function lag(): Promise<ReadonlyMap<string, number>> {
    const out = new Map<string, number>();
    for (const [partition, claim] of claims) {
      if (claim.head !== undefined && claim.next !== undefined)
        out.set(partition, Number(claim.head > claim.next ? claim.head - claim.next : 0n));
    }
    return out;
  }

  return { kind: 'kafka', target: fullTarget, run, lag };
}
