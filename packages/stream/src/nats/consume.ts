/**
 * One owned partition: its durable pull consumer, its fetch loop, and the acknowledgement after the
 * handler committed. The stream sequence is the position.
 */
import {
  AckPolicy,
  type Consumer,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  nanos,
} from 'nats';
import type { PartitionHandler, SourceRecord } from '../types.js';
import { tokenKey } from './connect.js';
import { contiguousPrefix } from './contiguous.js';

/** What a partition loop needs from its source. */
export interface PartitionContext {
  readonly jsm: JetStreamManager;
  readonly js: JetStreamClient;
  readonly stream: string;
  readonly subjectPrefix: string;
  /** Durable consumer name of the partition. */
  readonly durable: string;
  readonly maxRecords: number;
  readonly maxWaitMs: number;
  readonly ackWaitMs: number;
  readonly retryMs: number;
  readonly report: (error: Error, partition: string) => void;
  /** Whether the connection is closed for good (nothing can be acknowledged any more). */
  readonly closed: () => boolean;
}

/** Why a partition stops: the abort reason of its claim's signal. */
export type StopReason = 'revoked' | 'shutdown';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

const notFound = (error: unknown) => (error as { api_error?: { err_code?: number } }).api_error?.err_code === 10014;

/**
 * The partition's durable consumer, created anew at every claim at the first sequence after the
 * committed position (from the start without one). Never kept from the previous owner: a pull request
 * that owner left pending on the server (a fetch stopped on the client stays registered until it
 * expires), or a message in flight to it when it stopped, is delivered to the old owner and lost there;
 * the new owner's acknowledgement (ack policy *all*) would then acknowledge it, or its redelivery would
 * come after later records and be taken for one already read. Deleting the consumer drops all of that;
 * what was committed is not delivered again, and nothing after it is skipped.
 */
export async function prepareConsumer(ctx: PartitionContext, partition: string, committed?: string): Promise<Consumer> {
  const filter = `${ctx.subjectPrefix}.${partition}.>`;
  const start = committed === undefined ? 0 : Number(committed);
  try {
    await ctx.jsm.consumers.delete(ctx.stream, ctx.durable);
  } catch (error) {
    if (!notFound(error)) throw error;
  }
  await ctx.jsm.consumers.add(ctx.stream, {
    durable_name: ctx.durable,
    filter_subject: filter,
    ack_policy: AckPolicy.All,
    ack_wait: nanos(ctx.ackWaitMs),
    max_ack_pending: Math.max(1000, ctx.maxRecords * 2),
    ...(start === 0
      ? { deliver_policy: DeliverPolicy.All }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start + 1 }),
  });
  return ctx.js.consumers.get(ctx.stream, ctx.durable);
}

function toRecord(partition: string, prefix: string, message: JsMsg): SourceRecord {
  const key = tokenKey(message.subject.slice(prefix.length + partition.length + 2));
  const enqueued = message.info.timestampNanos;
  return {
    partition,
    position: String(message.seq),
    body: message.data,
    ...(key === undefined ? {} : { key }),
    ...(Number.isFinite(enqueued) ? { enqueuedAt: new Date(Math.floor(enqueued / 1e6)).toISOString() } : {}),
  };
}

/** Reads up to `maxRecords` (waiting at most `maxWaitMs`), ending early when `signal` aborts. */
async function fetchBatch(ctx: PartitionContext, consumer: Consumer, signal: AbortSignal): Promise<JsMsg[]> {
  const iterator = await consumer.fetch({ max_messages: ctx.maxRecords, expires: Math.max(1000, ctx.maxWaitMs) });
  const stop = () => iterator.stop();
  signal.addEventListener('abort', stop, { once: true });
  const messages: JsMsg[] = [];
  try {
    for await (const message of iterator) messages.push(message);
  } finally {
    signal.removeEventListener('abort', stop);
  }
  return messages;
}

/**
 * Consumes one claimed partition until `signal` aborts (its reason says why) or the handler rejects.
 * Resolves `'error'` when a batch failed (its messages are nak'ed: JetStream redelivers them), `'stopped'`
 * otherwise; the handler's `close` has been called either way, after its last batch resolved.
 */
export async function consumePartition(
  ctx: PartitionContext,
  partition: string,
  handler: PartitionHandler,
  signal: AbortSignal,
): Promise<'stopped' | 'error'> {
  let committed: string | undefined;
  try {
    ({ committed } = await handler.open({ partition, signal }));
  } catch (error) {
    ctx.report(error as Error, partition);
    return 'error';
  }
  let consumer: Consumer | undefined;
  let prepared = false;
  // The consumer's next delivery sequence, and the stream sequence of the last record read: every
  // message fetched must continue both, or it is not committed (contiguous.ts says why).
  let expected = 1;
  let after = committed === undefined ? 0 : Number(committed);
  while (!signal.aborted) {
    let messages: JsMsg[];
    try {
      // Created at the claim and after a break in the deliveries; after a failed fetch (a reconnection,
      // the consumer replaced) the same durable is looked up again, and created only when it is gone.
      if (!consumer && prepared) consumer = await ctx.js.consumers.get(ctx.stream, ctx.durable).catch(() => undefined);
      if (!consumer) {
        consumer = await prepareConsumer(ctx, partition, committed);
        expected = 1;
      }
      prepared = true;
      messages = await fetchBatch(ctx, consumer, signal);
    } catch (error) {
      // The connection is being re-established, or the consumer was replaced: nothing was acknowledged.
      if (!signal.aborted) ctx.report(error as Error, partition);
      consumer = undefined;
      await sleep(ctx.retryMs, signal);
      continue;
    }
    if (messages.length === 0) continue;
    const { take, broken } = contiguousPrefix(
      messages.map((m) => m.info),
      expected,
      after,
    );
    if (broken) {
      // Some delivery went elsewhere (or comes again, out of order): commit what precedes it, then read
      // again from the committed position with a new consumer. Nothing past the break is acknowledged.
      consumer = undefined;
      prepared = false;
    }
    const batch = messages.slice(0, take);
    if (batch.length === 0) continue;
    try {
      await handler.batch(
        partition,
        batch.map((m) => toRecord(partition, ctx.subjectPrefix, m)),
      );
    } catch (error) {
      for (const message of batch) message.nak();
      ctx.report(error as Error, partition);
      await handler.close(partition, 'error').catch((e: unknown) => ctx.report(e as Error, partition));
      return 'error';
    }
    const last = batch[batch.length - 1] as JsMsg;
    committed = last.info.streamSequence.toString();
    after = last.info.streamSequence;
    expected += batch.length;
    // Closed under us (the process is being killed): JetStream redelivers after AckWait.
    if (ctx.closed()) continue;
    try {
      // AckPolicy.All: acknowledging the last message acknowledges the batch; awaited, so a graceful stop
      // leaves nothing to redeliver.
      await last.ackAck();
    } catch (error) {
      // Not acknowledged: JetStream redelivers after AckWait; the redelivery breaks the deliveries'
      // sequence, and the partition is read again after the committed position.
      ctx.report(error as Error, partition);
    }
  }
  const reason: StopReason = signal.reason === 'shutdown' ? 'shutdown' : 'revoked';
  await handler.close(partition, reason).catch((e: unknown) => ctx.report(e as Error, partition));
  return 'stopped';
}
