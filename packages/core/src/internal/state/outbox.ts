/**
 * Delivery of the outbox: notifications committed with a batch's state, sent afterwards.
 *
 * At least once: an entry leaves the outbox only after `send` resolved for it, in a write of its own.
 * A crash between the two sends it again on the next delivery, with the same idempotency key
 * (`<alert id>:<revision>`), so a receiver that remembers the keys it saw drops the repeat.
 */
import type { OutboxEntry, StateStore } from './types.js';

/** What {@link deliver} did. */
export interface DeliveryReport {
  /** Entries sent and marked delivered, in order. */
  readonly delivered: number;
}

/**
 * Send the outbox in the order it was queued, marking each entry delivered once `send` resolved.
 * The first failure stops delivery (later entries wait behind it, so the order holds) and rejects
 * with the error of `send`; what was delivered stays delivered. Call it after `commit()` and again at
 * start-up: a crash after commit leaves entries to deliver.
 */
export async function deliver(
  store: StateStore,
  send: (entry: OutboxEntry) => unknown | Promise<unknown>,
): Promise<DeliveryReport> {
  const entries = await store.outbox();
  let delivered = 0;
  for (const entry of entries) {
    await send(entry);
    await store.write({ delivered: [entry.key] });
    delivered++;
  }
  return { delivered };
}
