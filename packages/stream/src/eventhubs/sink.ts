/**
 * The Event Hubs sink of the re-keying stage: `EventHubProducerClient` of `@azure/event-hubs`.
 *
 * Each record goes to an explicit partition id, `partitionOf(key, partitions)` — not to a partition key.
 * The service hashes partition keys with its own function, which no client can compute; with explicit
 * ids a device lands in the same partition number on every broker tripline supports (NATS, Kafka, the
 * memory broker), so partition sizing and the conformance suite hold, and the assignment can be
 * recomputed offline. The cost: a send to a partition that is unavailable fails instead of going to
 * another one (the re-keying stage retries; delivery is at least once). The key travels as the
 * application property `tripline-key` (events sent to a partition id carry no partition key).
 */
import { ERROR_CODES, TriplineError } from '@tripline/core';
import { partitionOf } from '../partition.js';
import { redactedMessage } from '../secrets.js';
import type { OutgoingRecord, StreamSink } from '../types.js';
import {
  type EventHubsConnectionOptions,
  type EventHubsEventData,
  type EventHubsProducerClientLike,
  eventHubsUnusable,
  loadEventHubsSdk,
  resolveConnection,
} from './sdk.js';
import { KEY_PROPERTY } from './source.js';

/** The Event Hubs sink: a {@link StreamSink} with its target for health lines (no secret in it). */
export interface EventHubsSink extends StreamSink {
  readonly kind: 'eventhubs';
  readonly target: string;
}

const encoder = new TextEncoder();

/**
 * A {@link StreamSink} publishing to an event hub: connects, reads the number of partitions, and sends
 * each record to partition `partitionOf(key, partitions)`, in batches the SDK sizes (`createBatch`).
 * Rejects with `broker-unusable` (redacted) when the hub cannot be read, `broker-credentials-missing`
 * without credentials, `broker-client-missing` without `@azure/event-hubs`.
 */
export async function eventHubsSink(options: EventHubsConnectionOptions): Promise<EventHubsSink> {
  const connection = resolveConnection(options, 'sink');
  const sdk = await loadEventHubsSdk(options.sdk);
  const Client = sdk.EventHubProducerClient as unknown as new (...args: unknown[]) => EventHubsProducerClientLike;
  const client = new Client(...connection.args, {});
  let ids: string[];
  try {
    ids = await client.getPartitionIds();
  } catch (error) {
    await client.close().catch(() => undefined);
    throw eventHubsUnusable(connection.target, 'cannot read the partitions', error, connection.secrets);
  }
  const partitions = ids.length;
  if (partitions === 0 || ids.some((id, i) => id !== String(i))) {
    await client.close().catch(() => undefined);
    throw new TriplineError(
      ERROR_CODES.BROKER_UNUSABLE,
      `eventhubs ${connection.target}: partition ids are not 0…n-1 (${ids.slice(0, 8).join(', ')})`,
      { details: { broker: 'eventhubs', target: connection.target } },
    );
  }

  async function publish(records: readonly OutgoingRecord[]): Promise<void> {
    const byPartition = new Map<string, EventHubsEventData[]>();
    for (const record of records) {
      const partition = String(partitionOf(record.key, partitions));
      const body = typeof record.body === 'string' ? encoder.encode(record.body) : record.body;
      const list = byPartition.get(partition) ?? [];
      list.push({ body, contentType: 'application/json', properties: { [KEY_PROPERTY]: record.key } });
      byPartition.set(partition, list);
    }
    for (const [partitionId, events] of byPartition) {
      try {
        let batch = await client.createBatch({ partitionId });
        for (const event of events) {
          if (batch.tryAdd(event)) continue;
          if (batch.count === 0) {
            throw new Error(
              `an event of ${event.body instanceof Uint8Array ? event.body.length : 0} bytes is larger than a batch may be`,
            );
          }
          await client.sendBatch(batch);
          batch = await client.createBatch({ partitionId });
          if (!batch.tryAdd(event)) throw new Error('an event is larger than a batch may be');
        }
        if (batch.count > 0) await client.sendBatch(batch);
      } catch (error) {
        throw new Error(
          `eventhubs ${connection.target}: send to partition ${partitionId} failed: ${redactedMessage(error, connection.secrets)}`,
        );
      }
    }
  }

  return {
    kind: 'eventhubs',
    target: connection.target,
    partitions,
    publish,
    close: () => client.close(),
  };
}
