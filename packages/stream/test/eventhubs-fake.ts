/**
 * A double of `@azure/event-hubs` for the adapter's tests, typed with the SDK's own interfaces
 * (`SubscriptionEventHandlers`, `PartitionContext`, `ReceivedEventData`, `CheckpointStore`, `CloseReason`):
 * an in-memory event hub and an `EventHubConsumerClient` that behaves as the SDK's documents and sources
 * say it does with a checkpoint store — instances sharing hub, consumer group and store claim partitions
 * in the store (a fair share each, abandoned and expired claims first, one partition taken from an
 * instance holding more than its share), call `processInitialize` before reading a partition, hand one
 * batch at a time to `processEvents`, start from the stored checkpoint (exclusive) or the start position,
 * report a failed batch to `processError` and stop the partition with `Shutdown` (reading it again later
 * from the checkpoint), and close with `OwnershipLost` when another instance took the partition. Like the
 * SDK's partition pump, stopping does not wait for a batch in flight.
 *
 * What it does not model: AMQP, the service's own hashing of partition keys, epochs, retries of the
 * transport. The Event Hubs service does not run here (its emulator needs Docker).
 */
import type {
  Checkpoint,
  CheckpointStore,
  CloseReason,
  PartitionContext,
  PartitionOwnership,
  ReceivedEventData,
  SubscribeOptions,
  SubscriptionEventHandlers,
} from '@azure/event-hubs';
import type { EventHubsSdk } from '../src/eventhubs/index.js';

const NAMESPACE = 'tripline-test.servicebus.windows.net';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An in-memory event hub: partitions of events with sequence numbers from 0. */
export class FakeEventHub {
  readonly fullyQualifiedNamespace = NAMESPACE;
  readonly partitions: ReceivedEventData[][];
  /** When set, `getPartitionIds` rejects with it (an unreachable or unauthorised namespace). */
  failPartitionIds: Error | undefined;
  /** Every client constructed, with its arguments. */
  readonly constructed: unknown[][] = [];
  /** Every consumer client made, in order (to crash one). */
  readonly consumers: FakeConsumerClient[] = [];
  /** Ownership older than this is expired and may be claimed by another instance. */
  expiryMs = 400;
  loopMs = 15;
  /** Events a producer batch holds (the SDK sizes batches in bytes). */
  maxEventsPerBatch = 50;
  batchesSent = 0;
  /** Per partition: a pending rewind (a redelivery fault) for the pump reading it. */
  readonly rewinds = new Map<string, number>();

  /** Fault: the pump reading `partitionId` delivers its last `n` events again. */
  rewind(partitionId: string, n: number): void {
    this.rewinds.set(partitionId, (this.rewinds.get(partitionId) ?? 0) + n);
  }

  constructor(
    readonly eventHubName: string,
    partitionCount: number,
  ) {
    this.partitions = Array.from({ length: partitionCount }, () => []);
  }

  send(
    partitionId: string,
    body: string | Uint8Array,
    partitionKey: string | null = null,
    properties?: Record<string, string>,
  ) {
    const partition = this.partitions[Number(partitionId)]!;
    const sequenceNumber = partition.length;
    const event: ReceivedEventData = {
      body: typeof body === 'string' ? Buffer.from(body) : Buffer.from(body),
      sequenceNumber,
      offset: String(sequenceNumber * 1000),
      enqueuedTimeUtc: new Date(Date.UTC(2026, 0, 10, 12, 0, sequenceNumber % 60)),
      partitionKey,
      ...(properties ? { properties } : {}),
      getRawAmqpMessage() {
        throw new Error('not modelled');
      },
    };
    partition.push(event);
  }

  /** The module double: `EventHubConsumerClient`, `EventHubProducerClient`, the two start positions. */
  /** Consumer clients by the tag of the module double that made them. */
  readonly tagged = new Map<string, FakeConsumerClient>();

  sdk(tag?: string): EventHubsSdk {
    const hub = this;
    class EventHubConsumerClient extends FakeConsumerClient {
      constructor(...args: unknown[]) {
        super(hub, args);
        if (tag !== undefined) hub.tagged.set(tag, this);
      }
    }
    class EventHubProducerClient extends FakeProducerClient {
      constructor(...args: unknown[]) {
        super(hub, args);
      }
    }
    return {
      EventHubConsumerClient: EventHubConsumerClient as unknown as EventHubsSdk['EventHubConsumerClient'],
      EventHubProducerClient: EventHubProducerClient as unknown as EventHubsSdk['EventHubProducerClient'],
      earliestEventPosition: { sequenceNumber: -1 },
      latestEventPosition: { offset: '@latest' },
    };
  }
}

/** A checkpoint store in memory, with etags as the blob store has them. */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly ownerships = new Map<string, PartitionOwnership>();
  readonly checkpoints = new Map<string, Checkpoint>();
  private etag = 0;

  async listOwnership(ns: string, hub: string, group: string): Promise<PartitionOwnership[]> {
    return [...this.ownerships.values()]
      .filter((o) => o.fullyQualifiedNamespace === ns && o.eventHubName === hub && o.consumerGroup === group)
      .map((o) => ({ ...o }));
  }
  async claimOwnership(claims: PartitionOwnership[]): Promise<PartitionOwnership[]> {
    const out: PartitionOwnership[] = [];
    for (const claim of claims) {
      const key = `${claim.consumerGroup}/${claim.partitionId}`;
      const current = this.ownerships.get(key);
      if (current && current.etag !== claim.etag) continue;
      const next = { ...claim, etag: String(++this.etag), lastModifiedTimeInMs: Date.now() };
      this.ownerships.set(key, next);
      out.push({ ...next });
    }
    return out;
  }
  async updateCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.checkpoints.set(`${checkpoint.consumerGroup}/${checkpoint.partitionId}`, { ...checkpoint });
  }
  async listCheckpoints(ns: string, hub: string, group: string): Promise<Checkpoint[]> {
    return [...this.checkpoints.values()].filter(
      (c) => c.fullyQualifiedNamespace === ns && c.eventHubName === hub && c.consumerGroup === group,
    );
  }
}

interface Pump {
  running: boolean;
  stopped?: Promise<void>;
}

let instances = 0;

export class FakeConsumerClient {
  readonly ownerId = `fake-consumer-${++instances}`;
  private readonly consumerGroup: string;
  private readonly store: CheckpointStore;
  private readonly pumps = new Map<string, Pump>();
  private running = false;
  private crashed = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly hub: FakeEventHub,
    args: unknown[],
  ) {
    hub.constructed.push(args);
    hub.consumers.push(this);
    this.consumerGroup = args[0] as string;
    const store = args.find((a) => typeof (a as CheckpointStore)?.claimOwnership === 'function');
    if (!store) throw new Error('the fake models the client with a checkpoint store only');
    this.store = store as CheckpointStore;
  }

  async getPartitionIds(): Promise<string[]> {
    if (this.hub.failPartitionIds) throw this.hub.failPartitionIds;
    return this.hub.partitions.map((_, i) => String(i));
  }

  subscribe(handlers: SubscriptionEventHandlers, options: SubscribeOptions = {}) {
    this.running = true;
    this.loop = this.balance(handlers, options);
    return {
      isRunning: true,
      close: async () => {
        if (this.crashed) return;
        this.running = false;
        // As the SDK's processor: the pumps stop first (no batch after this), then the loop ends.
        await Promise.all([...this.pumps.keys()].map((p) => this.stopPump(p, handlers, 'Shutdown' as CloseReason)));
        await this.loop;
        await Promise.all([...this.pumps.keys()].map((p) => this.stopPump(p, handlers, 'Shutdown' as CloseReason)));
        const mine = (await this.ownershipList()).filter((o) => o.ownerId === this.ownerId);
        await this.store.claimOwnership(mine.map((o) => ({ ...o, ownerId: '' })));
      },
    };
  }

  /** Stops without closing anything or giving up ownership: a killed process. */
  async crash(): Promise<void> {
    this.crashed = true;
    this.running = false;
    await this.loop;
    for (const pump of this.pumps.values()) pump.running = false;
    this.pumps.clear();
  }

  async close(): Promise<void> {}

  /** Whether this client reads the partition now. */
  reads(partitionId: string): boolean {
    return this.pumps.has(partitionId);
  }

  private ownershipList() {
    return this.store.listOwnership(this.hub.fullyQualifiedNamespace, this.hub.eventHubName, this.consumerGroup);
  }

  private async balance(handlers: SubscriptionEventHandlers, options: SubscribeOptions): Promise<void> {
    const ids = this.hub.partitions.map((_, i) => String(i));
    while (this.running) {
      const now = Date.now();
      const all = await this.ownershipList();
      const byPartition = new Map(all.map((o) => [o.partitionId, o]));
      const live = all.filter((o) => o.ownerId !== '' && now - (o.lastModifiedTimeInMs ?? 0) < this.hub.expiryMs);
      const owners = new Set([...live.map((o) => o.ownerId), this.ownerId]);
      const share = Math.ceil(ids.length / owners.size);
      const mine = live.filter((o) => o.ownerId === this.ownerId).map((o) => o.partitionId);
      const claims: PartitionOwnership[] = mine.map((p) => ({ ...byPartition.get(p)! }));
      const free = ids.filter((p) => !live.some((o) => o.partitionId === p));
      for (const p of free.slice(0, Math.max(0, share - mine.length))) {
        const etag = byPartition.get(p)?.etag;
        claims.push({ ...this.base(p), ...(etag !== undefined ? { etag } : {}) });
      }
      if (claims.length === mine.length && mine.length < Math.floor(ids.length / owners.size)) {
        const counts = new Map<string, string[]>();
        for (const o of live) counts.set(o.ownerId, [...(counts.get(o.ownerId) ?? []), o.partitionId]);
        const rich = [...counts.entries()].find(
          ([owner, ps]) => owner !== this.ownerId && ps.length > share - 1 && ps.length > 1,
        );
        if (rich) claims.push({ ...byPartition.get(rich[1][0]!)!, ownerId: this.ownerId });
      }
      const won = new Set(
        (await this.store.claimOwnership(claims.map((c) => ({ ...c, ownerId: this.ownerId })))).map(
          (o) => o.partitionId,
        ),
      );
      for (const p of [...this.pumps.keys()])
        if (!won.has(p)) void this.stopPump(p, handlers, 'OwnershipLost' as CloseReason);
      for (const p of won) if (!this.pumps.has(p) && this.running) await this.startPump(p, handlers, options);
      await sleep(this.hub.loopMs);
    }
  }

  private base(partitionId: string): PartitionOwnership {
    return {
      fullyQualifiedNamespace: this.hub.fullyQualifiedNamespace,
      eventHubName: this.hub.eventHubName,
      consumerGroup: this.consumerGroup,
      partitionId,
      ownerId: this.ownerId,
    };
  }

  private context(partitionId: string): PartitionContext {
    const partition = this.hub.partitions[Number(partitionId)]!;
    return {
      fullyQualifiedNamespace: this.hub.fullyQualifiedNamespace,
      eventHubName: this.hub.eventHubName,
      consumerGroup: this.consumerGroup,
      partitionId,
      get lastEnqueuedEventProperties() {
        return { sequenceNumber: partition.length - 1 };
      },
      updateCheckpoint: async (event: ReceivedEventData) => {
        if (this.crashed) throw new Error('the process is dead');
        await this.store.updateCheckpoint({
          ...this.base(partitionId),
          sequenceNumber: event.sequenceNumber,
          offset: event.offset,
        });
      },
    };
  }

  private async startPump(partitionId: string, handlers: SubscriptionEventHandlers, options: SubscribeOptions) {
    const pump: Pump = { running: true };
    this.pumps.set(partitionId, pump);
    const context = this.context(partitionId);
    const checkpoints = await this.store.listCheckpoints(
      this.hub.fullyQualifiedNamespace,
      this.hub.eventHubName,
      this.consumerGroup,
    );
    const checkpoint = checkpoints.find((c) => c.partitionId === partitionId);
    const partition = this.hub.partitions[Number(partitionId)]!;
    const latest = (options.startPosition as { offset?: string } | undefined)?.offset === '@latest';
    let next = checkpoint ? checkpoint.sequenceNumber + 1 : latest ? partition.length : 0;
    try {
      await handlers.processInitialize?.(context);
    } catch (error) {
      await handlers.processError(error as Error, context);
    }
    const max = options.maxBatchSize ?? 1;
    const waitMs = (options.maxWaitTimeInSeconds ?? 60) * 1000;
    void (async () => {
      let idleSince = Date.now();
      while (pump.running) {
        const rewind = this.hub.rewinds.get(partitionId);
        if (rewind) {
          this.hub.rewinds.delete(partitionId);
          next = Math.max(0, next - rewind);
        }
        const events = partition.slice(next, next + max);
        if (events.length === 0 && Date.now() - idleSince < waitMs) {
          await sleep(5);
          continue;
        }
        idleSince = Date.now();
        next += events.length;
        try {
          await handlers.processEvents(events, context);
        } catch (error) {
          if (!pump.running) return;
          await handlers.processError(error as Error, context);
          await this.stopPump(partitionId, handlers, 'Shutdown' as CloseReason);
          return;
        }
      }
    })();
  }

  private stopPump(partitionId: string, handlers: SubscriptionEventHandlers, reason: CloseReason): Promise<void> {
    const pump = this.pumps.get(partitionId);
    if (!pump) return Promise.resolve();
    if (pump.stopped) return pump.stopped;
    pump.running = false;
    this.pumps.delete(partitionId);
    pump.stopped = (async () => {
      await handlers.processClose?.(reason, this.context(partitionId));
    })();
    return pump.stopped;
  }
}

/** A producer double: `sendBatch` to explicit partition ids, appended to the hub. */
export class FakeProducerClient {
  closed = false;
  constructor(
    private readonly hub: FakeEventHub,
    args: unknown[],
  ) {
    hub.constructed.push(args);
  }
  async getPartitionIds(): Promise<string[]> {
    if (this.hub.failPartitionIds) throw this.hub.failPartitionIds;
    return this.hub.partitions.map((_, i) => String(i));
  }
  async createBatch(options: { partitionId?: string; partitionKey?: string }) {
    if (options.partitionId === undefined || options.partitionKey !== undefined)
      throw new Error('the sink sends to partition ids');
    const events: { body: unknown; properties?: Record<string, string> }[] = [];
    const max = this.hub.maxEventsPerBatch;
    return {
      partitionId: options.partitionId,
      events,
      get count() {
        return events.length;
      },
      tryAdd(event: { body: unknown; properties?: Record<string, string> }) {
        if (events.length >= max) return false;
        events.push(event);
        return true;
      },
    };
  }
  async sendBatch(batch: {
    partitionId: string;
    events: { body: unknown; properties?: Record<string, string> }[];
  }): Promise<void> {
    this.hub.batchesSent++;
    for (const event of batch.events) {
      if (!(event.body instanceof Uint8Array))
        throw new Error('the fake expects bytes (the SDK would JSON-encode anything else)');
      this.hub.send(batch.partitionId, event.body, null, event.properties);
    }
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}
