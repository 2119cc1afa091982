/**
 * An in-memory broker: ordered partitions, one consumer group whose members share the partitions,
 * at-least-once delivery. For testing the runtime and every adapter's logic without a network, and the
 * reference the adapters' conformance suite compares with.
 *
 * - Positions are 1, 2, 3… per partition (as NATS stream sequences).
 * - The partitions are dealt to the live consumers round-robin in sorted order; when a consumer joins or
 *   leaves, a partition that changes owner is revoked from the old one (its claim's signal aborts, its
 *   batch in flight finishes, `close` is called) before the new owner opens it.
 * - A batch is acknowledged when `handler.batch` resolved; the next batch starts after the group's
 *   acknowledged position. A consumer `kill`ed abruptly acknowledges nothing more and closes nothing:
 *   what it had not acknowledged is delivered again to the next owner.
 * - `redeliver(partition, n)` moves the acknowledged position back by `n` (the fault "the broker lost
 *   the last n acknowledgements").
 */
import { partitionOf } from './partition.js';
import type { OutgoingRecord, PartitionHandler, SourceRecord, StreamSink, StreamSource } from './types.js';

interface Partition {
  readonly id: string;
  readonly records: SourceRecord[];
  acked: number;
}

interface Member {
  readonly name: string;
  readonly handler: PartitionHandler;
  readonly batchSize: number;
  readonly claims: Map<string, { controller: AbortController; done: Promise<void> }>;
  killed: boolean;
  /** Leaving gracefully (its source's signal aborted). */
  stopping: boolean;
  resolve: () => void;
}

/** Options of {@link memoryBroker}. */
export interface MemoryBrokerOptions {
  /** Number of partitions (named `'0'`, `'1'`, …). */
  readonly partitions: number;
  /** Records per batch (default 100). */
  readonly batchSize?: number;
}

/** What {@link memoryBroker} returns. */
export interface MemoryBroker {
  readonly partitions: number;
  /** A consumer of the group: a source whose `run` joins the group, and leaves it when it resolves. */
  source(options: { readonly consumer: string; readonly batchSize?: number }): StreamSource;
  /** A producer: each record goes to `partitionOf(key, partitions)`. */
  sink(): StreamSink;
  /** Append records to one partition (no key needed). */
  append(partition: string, bodies: readonly (string | Uint8Array)[], key?: string): void;
  /** The consumer dies: no more acknowledgements, no `close`; its partitions go to the others. */
  kill(consumer: string): Promise<void>;
  /** Fault: the group's acknowledged position of `partition` moves back by `n` records. */
  redeliver(partition: string, n: number): void;
  /** Records of a partition, in order. */
  records(partition: string): readonly SourceRecord[];
  /** The group's acknowledged position of each partition (0: nothing acknowledged). */
  acknowledged(): ReadonlyMap<string, number>;
  /** Live consumers and the partitions each owns now. */
  assignment(): ReadonlyMap<string, readonly string[]>;
  /** Resolves when every record is acknowledged (or rejects after `timeoutMs`). */
  drained(timeoutMs?: number): Promise<void>;
}

/**
 * An in-memory broker with `partitions` partitions and one consumer group.
 *
 * ```ts
 * const broker = memoryBroker({ partitions: 4 });
 * await broker.sink().publish([{ key: deviceId, body: JSON.stringify(row) }]);
 * await runPartitioned({ source: broker.source({ consumer: 'a' }), detectors, state, signal });
 * ```
 */
export function memoryBroker(options: MemoryBrokerOptions): MemoryBroker {
  const count = options.partitions;
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError('memoryBroker: partitions must be a positive integer');
  const parts = new Map<string, Partition>();
  for (let i = 0; i < count; i++) parts.set(String(i), { id: String(i), records: [], acked: 0 });
  const members = new Map<string, Member>();
  const owner = new Map<string, Member>();
  let wake: (() => void)[] = [];
  const notify = (): void => {
    const w = wake;
    wake = [];
    for (const f of w) f();
  };
  const waitChange = (signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done);
      wake.push(done);
    });
  let rebalancing = Promise.resolve();

  function part(id: string): Partition {
    const p = parts.get(id);
    if (!p) throw new RangeError(`memoryBroker: no partition ${JSON.stringify(id)}`);
    return p;
  }

  /** Deal the partitions to the live members; move the ones whose owner changes. */
  function rebalance(): Promise<void> {
    rebalancing = rebalancing.then(async () => {
      const live = [...members.values()].filter((m) => !m.killed).sort((a, b) => (a.name < b.name ? -1 : 1));
      const ids = [...parts.keys()];
      const target = new Map<string, Member | undefined>(ids.map((id, i) => [id, live[i % Math.max(live.length, 1)]]));
      // Revoke first: a partition has one owner at a time.
      const revoked: Promise<void>[] = [];
      for (const id of ids) {
        const now = owner.get(id);
        if (now && now !== target.get(id)) {
          owner.delete(id);
          const claim = now.claims.get(id);
          if (claim) {
            claim.controller.abort();
            revoked.push(claim.done);
          }
        }
      }
      await Promise.all(revoked);
      for (const id of ids) {
        const m = target.get(id);
        if (m && !owner.has(id)) {
          owner.set(id, m);
          claim(m, part(id));
        }
      }
    });
    return rebalancing;
  }

  function claim(m: Member, p: Partition): void {
    const controller = new AbortController();
    const signal = controller.signal;
    const done = (async () => {
      let reason: 'revoked' | 'shutdown' | 'error' = 'revoked';
      try {
        await m.handler.open({ partition: p.id, signal });
      } catch {
        // The partition waits for the next rebalance.
        m.claims.delete(p.id);
        if (owner.get(p.id) === m) owner.delete(p.id);
        return;
      }
      for (;;) {
        if (m.killed) return;
        if (signal.aborted) break;
        const next = p.records.slice(p.acked, p.acked + m.batchSize);
        if (next.length === 0) {
          await waitChange(signal);
          continue;
        }
        try {
          await m.handler.batch(p.id, next);
        } catch {
          // Not acknowledged: the partition stops and waits for the next rebalance.
          reason = 'error';
          if (owner.get(p.id) === m) owner.delete(p.id);
          break;
        }
        if (m.killed) return;
        const last = Number(next[next.length - 1]!.position);
        if (last > p.acked) p.acked = last;
        notify();
      }
      m.claims.delete(p.id);
      await m.handler.close(p.id, m.stopping ? 'shutdown' : reason);
    })();
    m.claims.set(p.id, { controller, done });
  }

  const broker: MemoryBroker = {
    partitions: count,
    source({ consumer, batchSize }) {
      return {
        kind: 'memory',
        async run(handler, signal) {
          if (members.has(consumer)) throw new Error(`memoryBroker: consumer ${consumer} is already running`);
          const m: Member = {
            name: consumer,
            handler,
            batchSize: batchSize ?? options.batchSize ?? 100,
            claims: new Map(),
            killed: false,
            stopping: false,
            resolve: () => undefined,
          };
          const ended = new Promise<void>((resolve) => {
            m.resolve = resolve;
          });
          members.set(consumer, m);
          const stop = (): void => {
            m.stopping = true;
            m.resolve();
          };
          if (signal.aborted) stop();
          else signal.addEventListener('abort', stop, { once: true });
          await rebalance();
          await ended;
          signal.removeEventListener('abort', stop);
          if (m.killed) return;
          // Graceful: leave the group; the partitions finish their batch, close, and go to the others.
          members.delete(consumer);
          await rebalance();
        },
        async lag() {
          const out = new Map<string, number>();
          for (const [id, m] of owner) if (m.name === consumer) out.set(id, part(id).records.length - part(id).acked);
          return out;
        },
      };
    },
    sink() {
      return {
        kind: 'memory',
        partitions: count,
        async publish(records: readonly OutgoingRecord[]) {
          for (const r of records) broker.append(String(partitionOf(r.key, count)), [r.body], r.key);
        },
        async close() {},
      };
    },
    append(partition, bodies, key) {
      const p = part(partition);
      for (const body of bodies)
        p.records.push({
          partition: p.id,
          position: String(p.records.length + 1),
          body,
          ...(key !== undefined ? { key } : {}),
        });
      notify();
    },
    async kill(consumer) {
      const m = members.get(consumer);
      if (!m) return;
      m.killed = true;
      notify();
      // The batch in flight settles (a dead process's last write landed or not); nothing more is acknowledged.
      await Promise.all([...m.claims.values()].map((c) => c.done));
      members.delete(consumer);
      for (const [id, o] of owner) if (o === m) owner.delete(id);
      m.resolve();
      await rebalance();
    },
    redeliver(partition, n) {
      const p = part(partition);
      p.acked = Math.max(0, p.acked - n);
      notify();
    },
    records(partition) {
      return part(partition).records;
    },
    acknowledged() {
      return new Map([...parts].map(([id, p]) => [id, p.acked]));
    },
    assignment() {
      const out = new Map<string, string[]>();
      for (const m of members.values()) if (!m.killed) out.set(m.name, []);
      for (const [id, m] of owner) out.get(m.name)?.push(id);
      return out;
    },
    async drained(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while ([...parts.values()].some((p) => p.acked < p.records.length)) {
        if (Date.now() > deadline) throw new Error('memoryBroker: not drained in time');
        const controller = new AbortController();
        const t = setTimeout(() => controller.abort(), 50);
        await waitChange(controller.signal);
        clearTimeout(t);
      }
    },
  };
  return broker;
}
