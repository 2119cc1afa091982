/**
 * The batch check of the NATS source over synthetic deliveries: only the part of a fetched batch that
 * continues the consumer's delivery sequence, as first deliveries in increasing stream order, may be
 * committed. The partitions share one stream, so stream sequences of one partition have gaps of their
 * own: only the delivery sequence shows a message that went elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { contiguousPrefix, type Delivery } from '../src/nats/contiguous.js';

/** Deliveries `[deliverySequence, streamSequence, deliveryCount?]`. */
const batch = (...rows: [number, number, number?][]): Delivery[] =>
  rows.map(([deliverySequence, streamSequence, deliveryCount = 1]) => ({
    deliverySequence,
    streamSequence,
    deliveryCount,
  }));

describe('contiguousPrefix (NATS source)', () => {
  it('takes a whole batch that continues the sequence, with stream gaps of other partitions', () => {
    expect(contiguousPrefix(batch([1, 3], [2, 7], [3, 8], [4, 20]), 1, 0)).toEqual({ take: 4, broken: false });
    expect(contiguousPrefix(batch([5, 21], [6, 40]), 5, 20)).toEqual({ take: 2, broken: false });
  });

  it('an empty batch is not broken', () => {
    expect(contiguousPrefix([], 1, 0)).toEqual({ take: 0, broken: false });
  });

  it('stops before a skipped delivery sequence (a message delivered to a pull request given up)', () => {
    expect(contiguousPrefix(batch([1, 3], [2, 7], [4, 9], [5, 12]), 1, 0)).toEqual({ take: 2, broken: true });
    // The first message of the batch already skips one: nothing is committed.
    expect(contiguousPrefix(batch([7, 30], [8, 31]), 6, 20)).toEqual({ take: 0, broken: true });
  });

  it('stops before a redelivery, even one with a later stream sequence', () => {
    expect(contiguousPrefix(batch([1, 3], [2, 9, 2], [3, 10]), 1, 0)).toEqual({ take: 1, broken: true });
  });

  it('stops before a message out of stream order (a late redelivery after later messages)', () => {
    // The 1M soak's case: sequence 342718 arrived after later ones of its partition.
    expect(contiguousPrefix(batch([10, 342_720], [11, 342_725], [12, 342_718]), 10, 342_700)).toEqual({
      take: 2,
      broken: true,
    });
    // Not after the committed position.
    expect(contiguousPrefix(batch([3, 15]), 3, 15)).toEqual({ take: 0, broken: true });
  });

  it('stops before a delivery sequence that goes back (the consumer was recreated by another owner)', () => {
    expect(contiguousPrefix(batch([40, 100], [1, 101]), 40, 99)).toEqual({ take: 1, broken: true });
  });
});
