/**
 * The contract of `@tripline/stream`, shared by the runtime (`runPartitioned`), the in-memory broker,
 * the adapters (NATS JetStream, Azure Event Hubs, Kafka protocol) and the conformance suite every
 * adapter passes.
 *
 * The work partitions by `DeviceId`: every detector of tripline is per device (correlation included),
 * so a partition that holds all the rows of its devices, in broker order, gives the alerts one run over
 * those rows gives. Each partition has one analyzer and one state scope (`createAnalyzer({ state,
 * stream })` of `@tripline/core`); the broker position of the last record of a batch is written in the
 * same state transaction as the batch's alerts, and the broker is acknowledged (checkpointed) only
 * after that commit — so a restart resumes from the state's position, and records the broker
 * redelivers at or before it are dropped.
 */
import type { AlertChange, AnalysisResult, AnalyzeOptions, OutboxEntry, StateStore } from '@tripline/core';

/** One message read from a broker: one Defender row, or one body holding several (an Event Hubs export). */
export interface SourceRecord {
  /**
   * The partition the record was read from, as the runtime names it (`'0'`, `'1'`, … for NATS partition
   * subjects, Event Hubs partition ids and Kafka partitions of one topic).
   */
  readonly partition: string;
  /**
   * Its position in the partition: a non-negative integer as a decimal string (NATS stream sequence,
   * Event Hubs sequence number, Kafka offset). Strictly increasing within a partition; compared as integers.
   */
  readonly position: string;
  /**
   * The body: a Defender row as JSON text, or a body holding several rows (`{"records":[…]}` of the
   * streaming API, NDJSON). Read as one input named `<source kind>:<partition>@<position>`.
   */
  readonly body: string | Uint8Array;
  /** The key the producer set (the `DeviceId` once re-keyed), when the broker carries one. */
  readonly key?: string;
  /** When the broker enqueued it (ISO 8601), when it says: for the lag metric. */
  readonly enqueuedAt?: string;
}

/** A partition this consumer owns until `signal` aborts (rebalance, lease lost, shutdown). */
export interface PartitionClaim {
  readonly partition: string;
  readonly signal: AbortSignal;
}

/**
 * What a source calls, and the runtime implements. For one partition the calls are serial: `open`, then
 * `batch`es one at a time (the next only after the previous resolved), then `close`.
 */
export interface PartitionHandler {
  /**
   * The partition is now this consumer's: the runtime loads its state. Resolves with the last position
   * committed in the state (records at or before it are dropped as redeliveries), or none.
   */
  open(claim: PartitionClaim): Promise<{ readonly committed?: string }>;
  /**
   * Analyse records of one partition in broker order and commit state and position in one write.
   * A source acknowledges (checkpoints) the records to the broker only after this resolves; when it
   * rejects, the source must not acknowledge them (they are redelivered) and stops the partition.
   */
  batch(partition: string, records: readonly SourceRecord[]): Promise<void>;
  /** The partition is no longer this consumer's (after its last batch resolved). */
  close(partition: string, reason: 'revoked' | 'shutdown' | 'error'): Promise<void>;
}

/** A broker adapter's consumer side. */
export interface StreamSource {
  /** `memory`, `nats`, `eventhubs`, `kafka` (in names, diagnostics and metrics). */
  readonly kind: string;
  /**
   * Consume until `signal` aborts, calling `handler` for the partitions this consumer is given.
   * Graceful: on abort the batch in flight finishes and commits, claims close with `shutdown`, then it
   * resolves. Rejects only when the broker cannot be used at all (connection refused, stream missing).
   */
  run(handler: PartitionHandler, signal: AbortSignal): Promise<void>;
  /** Records behind the head, per partition this consumer owns, when the broker tells (metrics). */
  lag?(): Promise<ReadonlyMap<string, number>>;
}

/** One record to publish, by key (the re-keying stage publishes each row under its `DeviceId`). */
export interface OutgoingRecord {
  readonly key: string;
  readonly body: string | Uint8Array;
}

/** A broker adapter's producer side: what the re-keying stage republishes to. */
export interface StreamSink {
  readonly kind: string;
  /** Number of partitions of the target (a key goes to `partitionOf(key, partitions)`). */
  readonly partitions: number;
  /** Publish, resolving when the broker has acknowledged every record (at-least-once). */
  publish(records: readonly OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** The outcome of one committed batch of one partition. */
export interface BatchOutcome {
  readonly partition: string;
  /** Positions of the batch's first and last record (after redeliveries were dropped). */
  readonly from: string;
  readonly to: string;
  /** Records read, records dropped as at or before the committed position. */
  readonly records: number;
  readonly redelivered: number;
  /** The partition's alerts so far (the stream's result after this batch) and this batch's changes. */
  readonly result: AnalysisResult;
  readonly changes: readonly AlertChange[];
}

/** Figures of the runtime, as log lines or OpenMetrics on loopback. */
export interface StreamMetrics {
  /** Since start. */
  readonly rows: number;
  readonly rowsPerSecond: number;
  readonly batches: number;
  /** Alerts of the partitions this consumer committed batches of, each as of its last commit here. */
  readonly alerts: number;
  readonly notifications: number;
  readonly redelivered: number;
  /** Per owned partition: records behind the head (when the source tells), last committed position. */
  readonly partitions: ReadonlyMap<string, { readonly lag?: number; readonly committed?: string }>;
}

/** What `runPartitioned` takes. */
export interface RunPartitionedOptions {
  readonly source: StreamSource;
  readonly detectors: AnalyzeOptions['detectors'];
  /** The state store of a partition (one per partition; the runtime opens and closes it). */
  readonly state: (partition: string) => StateStore;
  /**
   * Other `createAnalyzer` options applied to every partition's analyzer (config, evidence, lifecycle
   * policy, clock…), but not `detectors`, `state` or `stream`, which the runtime sets.
   */
  readonly analyzer?: Omit<AnalyzeOptions, 'detectors' | 'state' | 'stream'> & {
    readonly policy?: NonNullable<AnalyzeOptions['state']>['policy'];
    /** The lifecycle's clock (`state.now`; tests inject one). */
    readonly now?: NonNullable<AnalyzeOptions['state']>['now'];
    /** `state.allowedLateness` of every partition's analyzer. */
    readonly allowedLateness?: NonNullable<AnalyzeOptions['state']>['allowedLateness'];
  };
  /**
   * Send one notification (an outbox entry; `entry.key` is its idempotency key). The runtime delivers a
   * partition's outbox (`deliver` of `@tripline/core`) after each committed batch and when it opens the
   * partition (what a stopped consumer left). A rejection stops delivery (the entry waits for the next)
   * and rejects the batch, after its commit. Without `notify`, notifications stay in each partition's
   * outbox for the caller to deliver (`deliver(store, send)` of `@tripline/core`).
   */
  readonly notify?: (entry: OutboxEntry, partition: string) => Promise<unknown> | unknown;
  /** Called after each committed batch (deliver notifications, post alerts). A rejection stops the partition. */
  readonly onBatch?: (outcome: BatchOutcome) => Promise<void> | void;
  /** Called every `metricsIntervalMs` and at the end. */
  readonly onMetrics?: (metrics: StreamMetrics) => void;
  readonly metricsIntervalMs?: number;
  /** Stop consuming (SIGTERM): the batch in flight finishes and commits. */
  readonly signal?: AbortSignal;
}

/**
 * What `tripline stream` passes an adapter entry (`@tripline/stream/nats`, `/eventhubs`, `/kafka`): the
 * command line's broker options. Each adapter reads the ones it needs and says which in its docs.
 */
export interface AdapterOptions {
  /** `--broker` as given (`nats://127.0.0.1:4222`, `eventhubs`, `kafka`). */
  readonly broker: string;
  /** This consumer's name in its group (`--consumer`; default host name and process id). */
  readonly consumer: string;
  /** NATS: `--stream` (the JetStream stream) and `--subject` (the subject prefix of its partitions). */
  readonly stream?: string;
  readonly subject?: string;
  /** Event Hubs: `--hub`; Event Hubs and Kafka: `--consumer-group`. */
  readonly hub?: string;
  readonly consumerGroup?: string;
  /** Kafka: `--topic` and `--brokers` (host:port list). */
  readonly topic?: string;
  readonly brokers?: string;
  /** The environment (connection strings are read from it, never from the command line). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * What an adapter entry exports as `streamAdapter`, for `tripline stream`: a consumer of the topic, and
 * (for `--rekey`) a producer to the target named by `--to` (a stream, hub or topic of the same broker).
 */
export interface StreamAdapter {
  source(options: AdapterOptions): StreamSource | Promise<StreamSource>;
  sink(options: AdapterOptions & { readonly target: string }): StreamSink | Promise<StreamSink>;
}
