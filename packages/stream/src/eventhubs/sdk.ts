/**
 * The part of `@azure/event-hubs` (6.x) the adapter uses, typed structurally so that the published
 * declarations of `@tripline/stream` do not need the SDK installed. The tests check that the SDK's own
 * classes satisfy these shapes, and drive the adapter with a fake client of the same shapes.
 */
import { ERROR_CODES, TriplineError } from '@tripline/core';
import { importOptional } from '../optional.js';
import { connectionStringSecrets, redactedMessage } from '../secrets.js';

/** An event as the consumer client hands it over (`ReceivedEventData` of the SDK). */
export interface EventHubsReceivedEvent {
  /** The body: bytes (the adapter subscribes with `skipParsingBodyAsJson`), or what the producer set. */
  readonly body: unknown;
  readonly sequenceNumber: number;
  readonly enqueuedTimeUtc: Date;
  readonly partitionKey: string | null;
  readonly properties?: { readonly [key: string]: unknown };
}

/** The partition context of the SDK's subscription handlers. */
export interface EventHubsPartitionContext {
  readonly partitionId: string;
  readonly lastEnqueuedEventProperties?: { readonly sequenceNumber?: number };
  updateCheckpoint(event: EventHubsReceivedEvent): Promise<void>;
}

/** `CloseReason` of the SDK: `OwnershipLost` (another consumer took the partition) or `Shutdown`. */
export type EventHubsCloseReason = 'OwnershipLost' | 'Shutdown';

/** The SDK's `SubscriptionEventHandlers`, as the adapter implements them. */
export interface EventHubsSubscriptionHandlers {
  processInitialize(context: EventHubsPartitionContext): Promise<void>;
  processEvents(events: EventHubsReceivedEvent[], context: EventHubsPartitionContext): Promise<void>;
  processError(error: Error, context: EventHubsPartitionContext): Promise<void>;
  processClose(reason: EventHubsCloseReason, context: EventHubsPartitionContext): Promise<void>;
}

/** A position in a partition (`EventPosition` of the SDK). */
export interface EventHubsEventPosition {
  offset?: string;
  isInclusive?: boolean;
  enqueuedOn?: Date | number;
  sequenceNumber?: number;
}

/** The subscribe options the adapter sets (`SubscribeOptions` of the SDK). */
export interface EventHubsSubscribeOptions {
  maxBatchSize: number;
  maxWaitTimeInSeconds: number;
  startPosition: EventHubsEventPosition;
  skipParsingBodyAsJson: boolean;
  trackLastEnqueuedEventProperties: boolean;
}

/** What the adapter calls on `EventHubConsumerClient`. */
export interface EventHubsConsumerClientLike {
  getPartitionIds(options?: { abortSignal?: AbortSignal }): Promise<string[]>;
  subscribe(handlers: EventHubsSubscriptionHandlers, options: EventHubsSubscribeOptions): { close(): Promise<void> };
  close(): Promise<void>;
}

/** One event to send (`EventData` of the SDK). */
export interface EventHubsEventData {
  body: unknown;
  contentType?: string;
  properties?: { [key: string]: string };
}

/** A batch being filled (`EventDataBatch` of the SDK). */
export interface EventHubsEventDataBatch {
  readonly count: number;
  tryAdd(event: EventHubsEventData): boolean;
}

/** What the sink calls on `EventHubProducerClient`. */
export interface EventHubsProducerClientLike {
  getPartitionIds(options?: { abortSignal?: AbortSignal }): Promise<string[]>;
  createBatch(options: { partitionId: string }): Promise<EventHubsEventDataBatch>;
  sendBatch(batch: EventHubsEventDataBatch): Promise<void>;
  close(): Promise<void>;
}

/**
 * A checkpoint store (`CheckpointStore` of the SDK): where consumers sharing a hub and a consumer group
 * record partition ownership and checkpoints. {@link blobCheckpointStore} makes the Azure Blob one.
 */
export interface EventHubsCheckpointStore {
  listOwnership(fullyQualifiedNamespace: string, eventHubName: string, consumerGroup: string): Promise<unknown[]>;
  claimOwnership(ownerships: never[]): Promise<unknown[]>;
  updateCheckpoint(checkpoint: never): Promise<void>;
  listCheckpoints(fullyQualifiedNamespace: string, eventHubName: string, consumerGroup: string): Promise<unknown[]>;
}

/** The exports of `@azure/event-hubs` the adapter uses (the module itself satisfies it). */
export interface EventHubsSdk {
  readonly EventHubConsumerClient: new (...args: never[]) => EventHubsConsumerClientLike;
  readonly EventHubProducerClient: new (...args: never[]) => EventHubsProducerClientLike;
  readonly earliestEventPosition: EventHubsEventPosition;
  readonly latestEventPosition: EventHubsEventPosition;
}

/** Where the hub is and how to authenticate: shared by the source and the sink. */
export interface EventHubsConnectionOptions {
  /**
   * A connection string of the namespace or of the hub (`Endpoint=sb://…;SharedAccessKeyName=…;
   * SharedAccessKey=…[;EntityPath=<hub>]`). It holds a key: read it from the environment or a secret
   * store; the adapter never prints it.
   */
  readonly connectionString?: string;
  /** `<namespace>.servicebus.windows.net`, with `credential` (instead of a connection string). */
  readonly fullyQualifiedNamespace?: string;
  /** A `TokenCredential` (`@azure/identity`), `NamedKeyCredential` or `SASCredential` of `@azure/core-auth`. */
  readonly credential?: object;
  /** The event hub; may be left out when the connection string has `EntityPath`. */
  readonly eventHubName?: string;
  /**
   * The SDK module: by default `import('@azure/event-hubs')`. Pass one to use a copy already loaded, or
   * a double in tests.
   */
  readonly sdk?: EventHubsSdk;
}

/** The resolved connection: its target for health lines (no secret) and the secrets to redact. */
export interface EventHubsConnection {
  readonly target: string;
  readonly secrets: readonly string[];
  readonly eventHubName: string;
  /** The constructor arguments after the consumer group (consumer) or first (producer). */
  readonly args: readonly unknown[];
}

const INSTALL = ['@azure/event-hubs', '@azure/eventhubs-checkpointstore-blob', '@azure/storage-blob'];

/** Loads the SDK (`broker-client-missing` when it is not installed). */
export async function loadEventHubsSdk(given?: EventHubsSdk): Promise<EventHubsSdk> {
  if (given) return given;
  const sdk = await importOptional(
    '@azure/event-hubs',
    'eventhubs',
    INSTALL,
    () => import('@azure/event-hubs') as Promise<unknown>,
  );
  return sdk as EventHubsSdk;
}

function connectionStringField(connectionString: string, name: string): string | undefined {
  for (const part of connectionString.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim().toLowerCase() === name.toLowerCase()) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** `sb://ns.servicebus.windows.net/` → `ns.servicebus.windows.net`. */
function hostOf(endpoint: string): string {
  let host = endpoint.toLowerCase().startsWith('sb://') ? endpoint.slice(5) : endpoint;
  while (host.endsWith('/')) host = host.slice(0, -1);
  return host;
}

/**
 * Checks the connection options: `broker-credentials-missing` without a connection string or a namespace
 * with a credential; `option-invalid` without a hub name.
 */
export function resolveConnection(options: EventHubsConnectionOptions, role: string): EventHubsConnection {
  const { connectionString, fullyQualifiedNamespace, credential } = options;
  const secrets = connectionStringSecrets(connectionString);
  if (connectionString !== undefined && (typeof connectionString !== 'string' || connectionString.trim() === '')) {
    throw new TriplineError(
      ERROR_CODES.BROKER_CREDENTIALS_MISSING,
      `eventhubs ${role}: the connection string is empty`,
      {
        details: { adapter: 'eventhubs' },
      },
    );
  }
  if (!connectionString && !(fullyQualifiedNamespace && credential)) {
    throw new TriplineError(
      ERROR_CODES.BROKER_CREDENTIALS_MISSING,
      `eventhubs ${role}: no credentials: give connectionString, or fullyQualifiedNamespace with credential`,
      { details: { adapter: 'eventhubs' } },
    );
  }
  const entityPath = connectionString ? connectionStringField(connectionString, 'EntityPath') : undefined;
  if (entityPath && options.eventHubName && entityPath !== options.eventHubName) {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      `eventhubs ${role}: the connection string is for the hub ${entityPath}, not ${options.eventHubName}`,
      { details: { option: 'eventHubName' } },
    );
  }
  const eventHubName = options.eventHubName ?? entityPath;
  if (typeof eventHubName !== 'string' || eventHubName === '') {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      `eventhubs ${role}: eventHubName is missing (or put EntityPath=<hub> in the connection string)`,
      { details: { option: 'eventHubName' } },
    );
  }
  const endpoint = connectionString ? connectionStringField(connectionString, 'Endpoint') : undefined;
  const host = endpoint ? hostOf(endpoint) : fullyQualifiedNamespace;
  const target = redactedMessage(`${host ?? '(namespace)'}/${eventHubName}`, secrets);
  const args = connectionString
    ? entityPath
      ? [connectionString]
      : [connectionString, eventHubName]
    : [fullyQualifiedNamespace, eventHubName, credential];
  return { target, secrets, eventHubName, args };
}

/** `broker-unusable` with a redacted message. */
export function eventHubsUnusable(target: string, what: string, error: unknown, secrets: readonly string[]) {
  return new TriplineError(
    ERROR_CODES.BROKER_UNUSABLE,
    `eventhubs ${target}: ${what} (${redactedMessage(error, secrets)})`,
    { details: { broker: 'eventhubs', target } },
  );
}
