/**
 * The Azure Event Hubs source: `EventHubConsumerClient.subscribe` with a checkpoint store, mapped onto
 * the {@link PartitionHandler} contract.
 *
 * The consumer client balances the hub's partitions among all instances that share the hub, the
 * consumer group and the checkpoint store: it claims ownership in the store, calls `processInitialize`
 * before reading a partition, `processEvents` with one batch at a time per partition (the next only
 * after the previous resolved), and `processClose` with `OwnershipLost` (another instance took the
 * partition) or `Shutdown` (the subscription closed, or reading failed). The adapter maps them to
 * `open`, `batch` and `close`, checkpoints a batch's last event only after `handler.batch` resolved,
 * and makes `close` wait for the batch in flight (the SDK may stop a partition while its batch runs);
 * a batch that finishes after its partition moved to another instance is not checkpointed.
 */

import { ERROR_CODES, TriplineError } from '@tripline/core';
import { redactedMessage } from '../secrets.js';
import type { PartitionHandler, SourceRecord, StreamSource } from '../types.js';
import {
  type EventHubsCheckpointStore,
  type EventHubsCloseReason,
  type EventHubsConnectionOptions,
  type EventHubsConsumerClientLike,
  type EventHubsPartitionContext,
  type EventHubsReceivedEvent,
  eventHubsUnusable,
  loadEventHubsSdk,
  resolveConnection,
} from './sdk.js';

/** What {@link eventHubsSource} takes. */
export interface EventHubsSourceOptions extends EventHubsConnectionOptions {
  /** The consumer group every instance of this deployment shares (default `$Default`). */
  readonly consumerGroup?: string;
  /**
   * Where ownership and checkpoints are kept ({@link blobCheckpointStore}). Required: without a store
   * every instance would read every partition, and a restart would not resume.
   */
  readonly checkpointStore: EventHubsCheckpointStore;
  /** Events per batch (default 500) and the longest wait to fill one (default 5000 ms). */
  readonly batch?: { readonly maxEvents?: number; readonly maxWaitMs?: number };
  /** Where a partition without a checkpoint starts: `earliest` (default) or `latest`. */
  readonly startPosition?: 'earliest' | 'latest';
  /**
   * Errors the client reports while it runs (a partition that failed, a lost connection it retries, a
   * load-balancing error with no partition), with secrets redacted. Default: one line on stderr.
   */
  readonly onError?: (error: Error, partition: string | undefined) => void;
}

/** The Event Hubs source: a {@link StreamSource} with its target for health lines (no secret in it). */
export interface EventHubsSource extends StreamSource {
  readonly kind: 'eventhubs';
  /** `<namespace>/<hub> (<consumer group>)`. */
  readonly target: string;
}

/** The application property the sink sets to the record's key (events sent to a partition id have no partition key). */
export const KEY_PROPERTY = 'tripline-key';

interface Claim {
  readonly controller: AbortController;
  /** The open, then each batch in turn: `close` waits for it. */
  chain: Promise<void>;
  openFailed: boolean;
  failed: boolean;
  /** Another instance owns the partition now: the batch in flight is not checkpointed. */
  lost: boolean;
  last?: number;
  context: EventHubsPartitionContext;
}

function bodyOf(body: unknown): string | Uint8Array {
  if (body instanceof Uint8Array || typeof body === 'string') return body;
  if (body === undefined || body === null) return '';
  try {
    return JSON.stringify(body) ?? '';
  } catch {
    return String(body);
  }
}

function recordOf(partition: string, event: EventHubsReceivedEvent): SourceRecord {
  const property = event.properties?.[KEY_PROPERTY];
  const key = event.partitionKey ?? (typeof property === 'string' ? property : undefined);
  const enqueued = event.enqueuedTimeUtc instanceof Date ? event.enqueuedTimeUtc : undefined;
  return {
    partition,
    position: String(event.sequenceNumber),
    body: bodyOf(event.body),
    ...(key !== undefined ? { key } : {}),
    ...(enqueued && !Number.isNaN(enqueued.getTime()) ? { enqueuedAt: enqueued.toISOString() } : {}),
  };
}

const positiveInteger = (value: number | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new TriplineError(ERROR_CODES.OPTION_INVALID, `eventhubs source: ${name} must be a positive integer`, {
      details: { option: name },
    });
  }
  return value;
};

/**
 * A {@link StreamSource} reading an event hub with `EventHubConsumerClient` of `@azure/event-hubs`
 * (an optional peer dependency, imported when `run` starts). Positions are sequence numbers. Instances
 * with the same hub, consumer group and checkpoint store share the partitions.
 *
 * ```ts
 * const checkpointStore = await blobCheckpointStore({ connectionString: process.env.STORAGE!, containerName: 'tripline' });
 * const source = eventHubsSource({ connectionString: process.env.EVENTHUB!, eventHubName: 'mde-bydevice', consumerGroup: 'tripline', checkpointStore });
 * ```
 */
export function eventHubsSource(options: EventHubsSourceOptions): EventHubsSource {
  const connection = resolveConnection(options, 'source');
  const consumerGroup = options.consumerGroup ?? '$Default';
  if (!options.checkpointStore || typeof options.checkpointStore.claimOwnership !== 'function') {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      'eventhubs source: checkpointStore is required (blobCheckpointStore): without it instances neither share partitions nor resume',
      { details: { option: 'checkpointStore' } },
    );
  }
  const maxEvents = positiveInteger(options.batch?.maxEvents, 500, 'batch.maxEvents');
  const maxWaitMs = positiveInteger(options.batch?.maxWaitMs, 5000, 'batch.maxWaitMs');
  const target = `${connection.target} (${consumerGroup})`;
  const report = (error: unknown, partition: string | undefined): void => {
    const safe = new Error(redactedMessage(error, connection.secrets));
    if (options.onError) options.onError(safe, partition);
    else
      process.stderr.write(
        `tripline stream: eventhubs ${target}${partition ? ` partition ${partition}` : ''}: ${safe.message}\n`,
      );
  };
  const claims = new Map<string, Claim>();

  async function run(handler: PartitionHandler, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const sdk = await loadEventHubsSdk(options.sdk);
    const Client = sdk.EventHubConsumerClient as unknown as new (...args: unknown[]) => EventHubsConsumerClientLike;
    const client = new Client(consumerGroup, ...connection.args, options.checkpointStore, {});
    try {
      await client.getPartitionIds({ abortSignal: signal });
    } catch (error) {
      await client.close().catch(() => undefined);
      if (signal.aborted) return;
      throw eventHubsUnusable(connection.target, 'cannot read the partitions', error, connection.secrets);
    }
    const closing = new Set<Promise<void>>();
    const closeClaim = async (partition: string, claim: Claim, why: 'revoked' | 'shutdown' | 'error') => {
      claims.delete(partition);
      if (why === 'revoked') claim.lost = true;
      await claim.chain;
      claim.controller.abort();
      if (claim.openFailed) return;
      await handler.close(partition, claim.failed ? 'error' : why).catch((error) => report(error, partition));
    };
    const subscription = client.subscribe(
      {
        async processInitialize(context) {
          const partition = context.partitionId;
          const controller = new AbortController();
          const claim: Claim = {
            controller,
            chain: Promise.resolve(),
            openFailed: false,
            failed: false,
            lost: false,
            context,
          };
          claims.set(partition, claim);
          claim.chain = handler.open({ partition, signal: controller.signal }).then(
            () => undefined,
            (error) => {
              claim.openFailed = true;
              report(error, partition);
            },
          );
          await claim.chain;
        },
        async processEvents(events, context) {
          const partition = context.partitionId;
          const claim = claims.get(partition);
          if (!claim) throw new Error(`partition ${partition} was not opened`);
          claim.context = context;
          if (claim.openFailed || claim.failed) throw new Error(`partition ${partition} is stopped after an error`);
          const last = events[events.length - 1];
          // Shutting down: a batch that arrives after the abort is not handed over (nor checkpointed);
          // the next owner reads it from the checkpoint.
          if (!last || signal.aborted) return;
          const records = events.map((event) => recordOf(partition, event));
          const work = claim.chain.then(async () => {
            await handler.batch(partition, records);
            // A checkpoint written after the partition moved could set the new owner's back.
            if (!claim.lost) await context.updateCheckpoint(last);
            claim.last = last.sequenceNumber;
          });
          claim.chain = work.catch(() => undefined);
          try {
            await work;
          } catch (error) {
            claim.failed = true;
            report(error, partition);
            throw new Error(`partition ${partition} stopped: ${redactedMessage(error, connection.secrets)}`);
          }
        },
        async processError(error, context) {
          // The SDK reports here what it also handles (a failed batch stops its partition; a lost
          // connection is retried); this only makes it visible.
          if (context.partitionId && claims.get(context.partitionId)?.failed) return;
          report(error, context.partitionId || undefined);
        },
        async processClose(reason: EventHubsCloseReason, context) {
          const claim = claims.get(context.partitionId);
          if (!claim) return;
          const done = closeClaim(context.partitionId, claim, reason === 'OwnershipLost' ? 'revoked' : 'shutdown');
          closing.add(done);
          await done;
        },
      },
      {
        maxBatchSize: maxEvents,
        maxWaitTimeInSeconds: maxWaitMs / 1000,
        startPosition: options.startPosition === 'latest' ? sdk.latestEventPosition : sdk.earliestEventPosition,
        skipParsingBodyAsJson: true,
        trackLastEnqueuedEventProperties: true,
      },
    );
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    try {
      await subscription.close();
    } catch (error) {
      report(error, undefined);
    }
    // Claims the client did not close itself (it closes each on `subscription.close()`).
    for (const [partition, claim] of [...claims]) closing.add(closeClaim(partition, claim, 'shutdown'));
    await Promise.all(closing);
    await client.close().catch((error) => report(error, undefined));
  }

  async function lag(): Promise<ReadonlyMap<string, number>> {
    const out = new Map<string, number>();
    for (const [partition, claim] of claims) {
      const head = claim.context.lastEnqueuedEventProperties?.sequenceNumber;
      if (typeof head === 'number' && claim.last !== undefined) out.set(partition, Math.max(0, head - claim.last));
    }
    return out;
  }

  return { kind: 'eventhubs', target, run, lag };
}
