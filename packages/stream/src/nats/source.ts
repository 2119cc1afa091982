/**
 * `natsSource`: the consumer side of the NATS JetStream adapter. One durable pull consumer per partition,
 * partitions shared among the consumer processes by leases in a JetStream key-value bucket (`leases.ts`).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ERROR_CODES, TriplineError } from '@tripline/core';
import type { PartitionHandler, StreamSource } from '../types.js';
import {
  checkStreamOptions,
  connectNats,
  ensureStream,
  jetStreamOf,
  type NatsStreamOptions,
  partitionNames,
} from './connect.js';
import { consumePartition, type PartitionContext } from './consume.js';
import { LeaseTable } from './leases.js';

/** Options of {@link natsSource}. */
export interface NatsSourceOptions extends NatsStreamOptions {
  /**
   * The consumer group: the processes with the same name share the partitions. It names the durable
   * consumers (`<consumer>-<partition>`) and, unless `leases.bucket` says otherwise, the lease bucket
   * (`<consumer>-leases`). Letters, digits, `_` and `-`.
   */
  readonly consumer: string;
  /** A batch holds up to `maxRecords` messages (default 1000), read within `maxWaitMs` (default 1000, at least 1000). */
  readonly batch?: { readonly maxRecords?: number; readonly maxWaitMs?: number };
  /**
   * How long JetStream waits for the acknowledgement of a delivered batch before it delivers it again
   * (default 30 000 ms). Must exceed the time a batch takes to analyse and commit.
   */
  readonly ackWaitMs?: number;
  /**
   * Partition leases: the bucket, and `ttlMs` (default 15 000), how long a lease whose owner stopped
   * renewing it is held before another process takes it. Owners renew every `ttlMs / 3`.
   */
  readonly leases?: { readonly bucket?: string; readonly ttlMs?: number };
  /**
   * Called with what went wrong while consuming without stopping the source (a batch that failed and will
   * be redelivered, a fetch during a reconnection). Default: a process warning.
   */
  readonly onError?: (error: Error, partition?: string) => void;
  /** This process's member id in the lease bucket (default: host, pid and a random suffix). */
  readonly member?: string;
}

/** The source, with what this process owns now (for tests and health lines). */
export interface NatsSource extends StreamSource {
  readonly kind: 'nats';
  /** The partitions this process holds the lease of. */
  owned(): readonly string[];
}

const NAME = /^[A-Za-z0-9_-]{1,200}$/;

function positive(value: number | undefined, fallback: number, name: string, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min) {
    throw new TriplineError('option-invalid', `NATS ${name}: a number of at least ${min}`, {
      details: { option: name },
    });
  }
  return Math.floor(value);
}

/**
 * A {@link StreamSource} reading the partition subjects `<subjectPrefix>.<p>.>` of a JetStream stream.
 * Each record is acknowledged only after `handler.batch` resolved (the whole batch at once: the consumers
 * acknowledge "all"); a batch that fails is nak'ed and its partition released, to be claimed again after
 * `ttlMs`. Positions are stream sequences.
 */
export function natsSource(options: NatsSourceOptions): NatsSource {
  checkStreamOptions(options);
  if (typeof options.consumer !== 'string' || !NAME.test(options.consumer)) {
    throw new TriplineError('option-invalid', 'NATS consumer: a name of letters, digits, "_" and "-"', {
      details: { option: 'consumer' },
    });
  }
  const bucket = options.leases?.bucket ?? `${options.consumer}-leases`;
  if (!NAME.test(bucket)) {
    throw new TriplineError('option-invalid', 'NATS leases.bucket: letters, digits, "_" and "-"', {
      details: { option: 'leases.bucket' },
    });
  }
  const maxRecords = positive(options.batch?.maxRecords, 1000, 'batch.maxRecords');
  const maxWaitMs = positive(options.batch?.maxWaitMs, 1000, 'batch.maxWaitMs', 1000);
  const ackWaitMs = positive(options.ackWaitMs, 30_000, 'ackWaitMs', 1000);
  const ttlMs = positive(options.leases?.ttlMs, 15_000, 'leases.ttlMs', 300);
  const member =
    options.member ?? `${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const report =
    options.onError ??
    ((error: Error, partition?: string) =>
      process.emitWarning(
        `${partition === undefined ? '' : `partition ${partition}: `}${error.message}`,
        'TriplineNats',
      ));
  let table: LeaseTable | undefined;
  let lagOf: (() => Promise<ReadonlyMap<string, number>>) | undefined;

  return {
    kind: 'nats',
    owned: () => table?.owned().sort((a, b) => Number(a) - Number(b)) ?? [],
    async lag() {
      return lagOf ? lagOf() : new Map();
    },
    async run(handler: PartitionHandler, signal: AbortSignal): Promise<void> {
      const nc = await connectNats(options);
      try {
        const { jsm, js } = await jetStreamOf(nc);
        await ensureStream(jsm, options);
        const kv = await js.views.kv(bucket, { history: 1 });
        const leases = new LeaseTable(kv, member, partitionNames(options.partitions), ttlMs, (error) => report(error));
        table = leases;
        const context = (partition: string): PartitionContext => ({
          jsm,
          js,
          stream: options.stream,
          subjectPrefix: options.subjectPrefix,
          durable: `${options.consumer}-${partition}`,
          maxRecords,
          maxWaitMs,
          ackWaitMs,
          retryMs: Math.max(200, Math.floor(ttlMs / 3)),
          report,
          closed: () => nc.isClosed(),
        });
        lagOf = async () => {
          const lag = new Map<string, number>();
          for (const partition of leases.owned()) {
            try {
              const info = await jsm.consumers.info(options.stream, `${options.consumer}-${partition}`);
              lag.set(partition, info.num_pending + info.num_ack_pending);
            } catch {
              // Not created yet (the partition is being opened): no figure.
            }
          }
          return lag;
        };
        await leases.start();
        await lease(leases, handler, signal, context, ttlMs, report, () => nc.isClosed());
      } finally {
        lagOf = undefined;
        await nc.drain().catch(() => nc.close());
      }
    },
  };
}

interface Running {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

const tick = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(finish, ms);
    function finish() {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    }
    signal.addEventListener('abort', finish, { once: true });
  });

/** The heartbeat loop: claims, renews, revokes and releases partitions until `signal` aborts. */
async function lease(
  leases: LeaseTable,
  handler: PartitionHandler,
  signal: AbortSignal,
  context: (partition: string) => PartitionContext,
  ttlMs: number,
  report: (error: Error, partition?: string) => void,
  closed: () => boolean,
): Promise<void> {
  const running = new Map<string, Running>();
  const draining = new Set<string>();
  /** Partitions whose last batch failed: not claimed again before this (monotonic) time. */
  const blockedUntil = new Map<string, number>();
  const heartbeatMs = Math.max(100, Math.floor(ttlMs / 3));
  let lastRenewal = performance.now();

  const start = (partition: string) => {
    const controller = new AbortController();
    const done = consumePartition(context(partition), partition, handler, controller.signal).then(async (outcome) => {
      running.delete(partition);
      draining.delete(partition);
      if (outcome === 'error') blockedUntil.set(partition, performance.now() + ttlMs);
      // A lost lease is already gone; otherwise give it up so the member it is assigned to takes it.
      if (outcome === 'error' || controller.signal.reason !== 'lost') await leases.release(partition).catch(report);
    });
    running.set(partition, { controller, done });
  };
  const stop = (partition: string, reason: 'revoked' | 'lost' | 'shutdown') => {
    const entry = running.get(partition);
    if (!entry) return;
    if (reason !== 'lost') draining.add(partition);
    entry.controller.abort(reason === 'shutdown' ? 'shutdown' : reason);
  };

  while (!signal.aborted) {
    if (closed()) {
      // The client gave up reconnecting (or the connection was closed under it): nothing can be
      // acknowledged or renewed any more. The partitions stop; another process takes them after the TTL.
      for (const partition of running.keys()) stop(partition, 'lost');
      await Promise.all([...running.values()].map((r) => r.done));
      throw connectionClosed();
    }
    const t = performance.now();
    for (const [partition, until] of blockedUntil) if (until <= t) blockedUntil.delete(partition);
    try {
      const decisions = await leases.heartbeat(draining, new Set([...blockedUntil.keys(), ...running.keys()]));
      lastRenewal = performance.now();
      for (const partition of decisions.lost) stop(partition, 'lost');
      for (const partition of decisions.revoke) stop(partition, 'revoked');
      for (const partition of decisions.claimed) {
        if (!signal.aborted) start(partition);
        else await leases.release(partition);
      }
    } catch (error) {
      report(error as Error);
      // Leases not renewed for a whole TTL may be someone else's now: stop consuming them.
      if (performance.now() - lastRenewal > ttlMs - heartbeatMs) {
        for (const partition of leases.owned()) {
          stop(partition, 'lost');
          leases.forget(partition);
        }
      }
    }
    await tick(heartbeatMs, signal);
  }
  for (const partition of running.keys()) stop(partition, 'shutdown');
  // Keep renewing while the last batches finish, so no lease goes stale under them.
  const finishing = Promise.all([...running.values()].map((r) => r.done));
  let finished = false;
  void finishing.then(() => {
    finished = true;
  });
  while (!finished) {
    await Promise.race([finishing, new Promise((r) => setTimeout(r, heartbeatMs))]);
    if (!finished && !closed()) await leases.heartbeat(draining, new Set(), false).catch(report);
  }
  if (closed()) throw connectionClosed();
  await leases.stop();
}

const connectionClosed = () =>
  new TriplineError(ERROR_CODES.BROKER_UNUSABLE, 'NATS: the connection was closed while consuming', {
    details: { broker: 'nats' },
  });
