/**
 * Which part of a fetched batch may be committed. A partition's consumer is created at the first stream
 * sequence after the committed position, so as long as every message it delivers reaches this process,
 * the deliveries it sends are numbered 1, 2, 3… (JetStream's consumer sequence, one per delivery,
 * redeliveries included), each is a first delivery, and their stream sequences increase. A message the
 * server delivered to a pull request the client had already given up (an expired or stopped fetch, a
 * reconnection) is dropped by the client: it shows as a skipped delivery sequence, or later as a
 * redelivery. Stream sequences alone cannot show it, because the partitions share one stream.
 */

/** What the check reads of a message's delivery info (`JsMsg.info`). */
export interface Delivery {
  /** The consumer's delivery sequence (1 for the first message a new consumer delivers). */
  readonly deliverySequence: number;
  /** The message's sequence in the stream: the position. */
  readonly streamSequence: number;
  /** How many times the consumer delivered this message (1 for the first delivery). */
  readonly deliveryCount: number;
}

/** The committable prefix of a batch. */
export interface ContiguousPrefix {
  /** How many messages from the start of the batch are contiguous. */
  readonly take: number;
  /**
   * Whether the batch broke off before its end (a skipped or repeated delivery sequence, a redelivery,
   * or a stream sequence not after the previous one): the consumer must be recreated after the last
   * committed position, and nothing after the prefix may be committed.
   */
  readonly broken: boolean;
}

/**
 * The longest prefix of `batch` that continues without a gap from `expected` (the next delivery sequence
 * of the consumer) and `after` (the last stream sequence read, 0 for none).
 */
export function contiguousPrefix(batch: readonly Delivery[], expected: number, after: number): ContiguousPrefix {
  let take = 0;
  let last = after;
  for (const delivery of batch) {
    if (delivery.deliverySequence !== expected + take) break;
    if (delivery.deliveryCount !== 1) break;
    if (!(delivery.streamSequence > last)) break;
    last = delivery.streamSequence;
    take += 1;
  }
  return { take, broken: take < batch.length };
}
