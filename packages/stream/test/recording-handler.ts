/**
 * A `PartitionHandler` that records every call, for adapter tests before (and besides) the runtime:
 * it checks the contract's order per partition (open, then batches one at a time, then close) and can
 * hold or fail a batch on demand.
 */
import type { PartitionClaim, PartitionHandler, SourceRecord, StreamSource } from '../src/types.js';

export type HandlerEvent =
  | { readonly call: 'open'; readonly partition: string }
  | { readonly call: 'batch'; readonly partition: string; readonly positions: readonly string[] }
  | { readonly call: 'close'; readonly partition: string; readonly reason: 'revoked' | 'shutdown' | 'error' };

export class RecordingHandler implements PartitionHandler {
  readonly events: HandlerEvent[] = [];
  readonly records: SourceRecord[] = [];
  readonly violations: string[] = [];
  readonly claims = new Map<string, PartitionClaim>();
  private readonly state = new Map<string, 'open' | 'busy' | 'closed'>();
  /** Called at the start of each batch: may wait (hold) or throw (fail the batch). */
  onBatch: ((partition: string, records: readonly SourceRecord[]) => Promise<void> | void) | undefined;
  onOpen: ((partition: string) => Promise<void> | void) | undefined;

  async open(claim: PartitionClaim): Promise<{ readonly committed?: string }> {
    const state = this.state.get(claim.partition);
    if (state === 'open' || state === 'busy') this.violations.push(`open of ${claim.partition} while ${state}`);
    this.events.push({ call: 'open', partition: claim.partition });
    await this.onOpen?.(claim.partition);
    this.claims.set(claim.partition, claim);
    this.state.set(claim.partition, 'open');
    return {};
  }

  async batch(partition: string, records: readonly SourceRecord[]): Promise<void> {
    const state = this.state.get(partition);
    if (state !== 'open') this.violations.push(`batch of ${partition} while ${state ?? 'never opened'}`);
    this.state.set(partition, 'busy');
    this.events.push({ call: 'batch', partition, positions: records.map((r) => r.position) });
    try {
      for (const r of records)
        if (r.partition !== partition) this.violations.push(`record of ${r.partition} in ${partition}`);
      await this.onBatch?.(partition, records);
      this.records.push(...records);
    } finally {
      if (this.state.get(partition) === 'busy') this.state.set(partition, 'open');
    }
  }

  async close(partition: string, reason: 'revoked' | 'shutdown' | 'error'): Promise<void> {
    const state = this.state.get(partition);
    if (state !== 'open') this.violations.push(`close of ${partition} while ${state ?? 'never opened'}`);
    this.events.push({ call: 'close', partition, reason });
    this.state.set(partition, 'closed');
  }

  /** Positions handed over (and resolved) per partition, in order. */
  positions(partition: string): string[] {
    return this.records.filter((r) => r.partition === partition).map((r) => r.position);
  }
}

/** Waits until `check` holds, polling; fails after `ms` (generous: the machine may be loaded). */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The lag of a one-partition source of 5 records read in batches of up to 3: 2 while the batch at
 * position 3 is held (the first batch read, the rest not), then 0 once everything was read.
 */
export async function expectLagToFall(source: StreamSource): Promise<void> {
  const handler = new RecordingHandler();
  let hold = true;
  handler.onBatch = async (_p, records) => {
    if (records[0]?.position === '3') while (hold) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const stop = new AbortController();
  const running = source.run(handler, stop.signal);
  await until(async () => (await source.lag!()).get('0') === 2, 'lag 2 after the first batch');
  hold = false;
  await until(async () => (await source.lag!()).get('0') === 0, 'lag 0');
  stop.abort();
  await running;
}

/** The calls `handler` received (of one partition, or all): `open`, `batch 0,1,2`, `close revoked`. */
export function callsOf(handler: RecordingHandler, partition?: string): string[] {
  return handler.events
    .filter((e) => partition === undefined || e.partition === partition)
    .map((e) =>
      e.call === 'batch' ? `batch ${e.positions.join(',')}` : e.call === 'close' ? `close ${e.reason}` : 'open',
    );
}

/**
 * Runs the source `make` returns (one partition of 6 records, read in batches of 3) with a handler whose
 * batch at position 3 throws `message` the first time; stops once all 6 records were handed over.
 * Returns the handler and the errors the source reported (`make` is given the list to report into).
 */
export async function runWithOneFailedBatch(
  make: (errors: string[]) => StreamSource,
  message: string,
): Promise<{ readonly handler: RecordingHandler; readonly errors: readonly string[] }> {
  const errors: string[] = [];
  const handler = new RecordingHandler();
  let failures = 0;
  handler.onBatch = (_p, records) => {
    if (records[0]?.position === '3' && failures++ === 0) throw new Error(message);
  };
  const stop = new AbortController();
  const running = make(errors).run(handler, stop.signal);
  await until(() => handler.records.length === 6, 'all records after the retry');
  stop.abort();
  await running;
  return { handler, errors };
}

/** What {@link runWithOneFailedBatch} must see: the failed batch closes the partition, which opens again and reads it again. */
export const FAILED_BATCH_READ_AGAIN: readonly string[] = [
  'open',
  'batch 0,1,2',
  'batch 3,4,5',
  'close error',
  'open',
  'batch 3,4,5',
  'close shutdown',
];
