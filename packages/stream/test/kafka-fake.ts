/**
 * A double of `@confluentinc/kafka-javascript`'s KafkaJS-compatible API for the adapter's tests: an
 * in-memory cluster of topics and consumer groups. A group rebalances (eager, round-robin) when a member
 * joins or leaves: every member's `rebalance_cb` is awaited with -174 (revoke) and its whole assignment,
 * then with -175 (assign) and the new one, before the assignment applies — as the library awaits the
 * callback before `assign`. Each assigned partition is fetched from the group's committed offset (or the
 * beginning / end), one `eachBatch` at a time; a batch that throws is read again (the library seeks back
 * to it); `commitOffsets` of a partition the member does not own fails as a stale generation does.
 *
 * The library itself is not installed here (see docs/stream.md): the shapes follow its
 * `types/kafkajs.d.ts`, and the adapter is typed against them; no broker runs here.
 */
import type {
  KafkaConsumerLike,
  KafkaEachBatchPayloadLike,
  KafkaMessageLike,
  KafkaModuleLike,
  KafkaOutgoingMessage,
  KafkaRebalanceCallback,
  KafkaTopicPartitionOffset,
} from '../src/kafka/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FakeKafkaCluster {
  readonly topics = new Map<string, KafkaMessageLike[][]>();
  readonly committed = new Map<string, string>();
  readonly consumers: FakeConsumer[] = [];
  readonly configs: Record<string, unknown>[] = [];
  /** When set, `connect` rejects with it. */
  failConnect: Error | undefined;
  maxBatch = 3;
  sends = 0;
  readonly producerConfigs: Record<string, unknown>[] = [];
  /** Per `topic/partition`: a pending rewind (a redelivery fault) for the member fetching it. */
  readonly rewinds = new Map<string, number>();
  private readonly members = new Map<string, FakeConsumer[]>();
  private rebalancing = Promise.resolve();

  createTopic(name: string, partitions: number): void {
    this.topics.set(
      name,
      Array.from({ length: partitions }, () => []),
    );
  }

  produce(topic: string, partition: number, key: string | null, value: string): void {
    const log = this.topics.get(topic)?.[partition];
    if (!log) throw new Error(`Broker: Unknown topic or partition (${topic}[${partition}])`);
    log.push({
      key: key === null ? null : Buffer.from(key),
      value: Buffer.from(value),
      timestamp: String(Date.UTC(2026, 0, 10, 12, 0, log.length % 60)),
      offset: String(log.length),
    });
  }

  /** Consumers by the tag of the module double that made them. */
  readonly tagged = new Map<string, FakeConsumer>();

  module(tag?: string): KafkaModuleLike {
    const cluster = this;
    class Kafka {
      constructor(readonly config: { kafkaJS: Record<string, unknown> }) {
        cluster.configs.push(config);
      }
      consumer(config: { kafkaJS: Record<string, unknown>; rebalance_cb: KafkaRebalanceCallback }) {
        const consumer = new FakeConsumer(cluster, config);
        cluster.consumers.push(consumer);
        if (tag !== undefined) cluster.tagged.set(tag, consumer);
        return consumer;
      }
      producer(config: { kafkaJS: Record<string, unknown> }) {
        cluster.producerConfigs.push(config);
        return {
          connect: async () => {
            if (cluster.failConnect) throw cluster.failConnect;
          },
          disconnect: async () => undefined,
          send: async (record: { topic: string; messages: KafkaOutgoingMessage[] }) => {
            cluster.sends++;
            for (const m of record.messages) {
              const value = typeof m.value === 'string' ? m.value : Buffer.from(m.value).toString('utf8');
              cluster.produce(record.topic, m.partition, m.key, value);
            }
            return [];
          },
        };
      }
      admin() {
        return {
          connect: async () => {
            if (cluster.failConnect) throw cluster.failConnect;
          },
          disconnect: async () => undefined,
          fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({
            topics: topics.map((name) => {
              const log = cluster.topics.get(name);
              if (!log) throw new Error(`Broker: Unknown topic or partition (${name})`);
              return { name, partitions: log.map((_, i) => ({ partitionId: i })) };
            }),
          }),
        };
      }
    }
    return { KafkaJS: { Kafka } } as unknown as KafkaModuleLike;
  }

  committedOffset(group: string, topic: string, partition: number): string | undefined {
    return this.committed.get(`${group}/${topic}/${partition}`);
  }

  join(member: FakeConsumer): Promise<void> {
    const list = this.members.get(member.groupId) ?? [];
    this.members.set(member.groupId, [...list, member]);
    return this.rebalance(member.groupId);
  }

  leave(member: FakeConsumer, revoke: boolean): Promise<void> {
    this.members.set(
      member.groupId,
      (this.members.get(member.groupId) ?? []).filter((m) => m !== member),
    );
    return this.rebalance(member.groupId, revoke ? undefined : member);
  }

  private rebalance(group: string, crashed?: FakeConsumer): Promise<void> {
    this.rebalancing = this.rebalancing.then(async () => {
      const members = this.members.get(group) ?? [];
      for (const m of [
        ...members,
        ...(crashed ? [] : this.consumers.filter((c) => c.groupId === group && c.leaving)),
      ]) {
        if (m.assignment.length > 0) await m.revoke();
      }
      for (const m of members) {
        const assigned: { topic: string; partition: number }[] = [];
        for (const topic of m.topicNames) {
          const count = this.topics.get(topic)?.length ?? 0;
          for (let p = 0; p < count; p++) if (members[p % members.length] === m) assigned.push({ topic, partition: p });
        }
        await m.assign(assigned);
      }
    });
    return this.rebalancing;
  }
}

export class FakeConsumer implements KafkaConsumerLike {
  readonly groupId: string;
  topicNames: string[] = [];
  assignment: { topic: string; partition: number }[] = [];
  leaving = false;
  dead = false;
  readonly paused = new Set<string>();
  private readonly fromBeginning: boolean;
  private readonly callback: KafkaRebalanceCallback;
  private eachBatch: ((payload: KafkaEachBatchPayloadLike) => Promise<void>) | undefined;
  private generation = 0;
  private running = false;

  constructor(
    private readonly cluster: FakeKafkaCluster,
    config: { kafkaJS: Record<string, unknown>; rebalance_cb: KafkaRebalanceCallback },
  ) {
    this.groupId = config.kafkaJS.groupId as string;
    this.fromBeginning = config.kafkaJS.fromBeginning !== false;
    if (config.kafkaJS.autoCommit !== false) throw new Error('the fake models autoCommit: false only');
    this.callback = config.rebalance_cb;
  }

  async connect(): Promise<void> {
    if (this.cluster.failConnect) throw this.cluster.failConnect;
  }
  async subscribe(subscription: { topics: string[] }): Promise<void> {
    this.topicNames = [...subscription.topics];
  }
  async run(config: { eachBatch: (payload: KafkaEachBatchPayloadLike) => Promise<void> }): Promise<void> {
    this.eachBatch = config.eachBatch;
    this.running = true;
    void this.cluster.join(this);
  }
  async commitOffsets(offsets: KafkaTopicPartitionOffset[]): Promise<void> {
    if (this.dead) throw new Error('the process is dead');
    for (const o of offsets) {
      if (!this.owns(o.topic, o.partition))
        throw new Error(`commit of ${o.topic}[${o.partition}]: not assigned (stale generation)`);
      this.cluster.committed.set(`${this.groupId}/${o.topic}/${o.partition}`, o.offset);
    }
  }
  pause(topics: { topic: string; partitions: number[] }[]): void {
    for (const t of topics) for (const p of t.partitions) this.paused.add(`${t.topic}/${p}`);
  }
  resume(topics: { topic: string; partitions: number[] }[]): void {
    for (const t of topics) for (const p of t.partitions) this.paused.delete(`${t.topic}/${p}`);
  }
  async disconnect(): Promise<void> {
    if (!this.running || this.dead) return;
    this.running = false;
    this.leaving = true;
    await this.cluster.leave(this, true);
    this.leaving = false;
  }
  /** Gone without a word: no revoke callback (the group moves its partitions after the session timeout). */
  async crash(): Promise<void> {
    this.dead = true;
    this.running = false;
    this.assignment = [];
    this.generation++;
    await this.cluster.leave(this, false);
  }

  owns(topic: string, partition: number): boolean {
    return this.assignment.some((a) => a.topic === topic && a.partition === partition);
  }

  async revoke(): Promise<void> {
    const revoked = this.assignment;
    await this.callback({ code: -174 }, revoked);
    this.assignment = [];
    this.generation++;
  }

  async assign(assigned: { topic: string; partition: number }[]): Promise<void> {
    if (!this.running) return;
    await this.callback({ code: -175 }, assigned);
    this.assignment = assigned;
    const generation = this.generation;
    for (const tp of assigned) void this.fetch(tp.topic, tp.partition, generation);
  }

  private async fetch(topic: string, partition: number, generation: number): Promise<void> {
    const log = this.cluster.topics.get(topic)![partition]!;
    const committed = this.cluster.committedOffset(this.groupId, topic, partition);
    let position = committed !== undefined ? Number(committed) : this.fromBeginning ? 0 : log.length;
    const current = () => this.running && this.generation === generation && this.owns(topic, partition);
    while (current()) {
      const rewind = this.cluster.rewinds.get(`${topic}/${partition}`);
      if (rewind) {
        this.cluster.rewinds.delete(`${topic}/${partition}`);
        position = Math.max(0, position - rewind);
      }
      const messages = log.slice(position, position + this.cluster.maxBatch);
      if (messages.length === 0 || this.paused.has(`${topic}/${partition}`)) {
        await sleep(5);
        continue;
      }
      try {
        await this.eachBatch!({
          batch: { topic, partition, highWatermark: String(log.length), messages },
          isStale: () => !current(),
        });
        position += messages.length;
      } catch {
        // The library seeks back to the batch: it is read again, after a fetch round trip.
        await sleep(5);
      }
    }
  }
}

export type { KafkaOutgoingMessage };
