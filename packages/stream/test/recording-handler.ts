/**
 * A `PartitionHandler` that records every call, for adapter tests before (and besides) the runtime:
 * it checks the contract's order per partition (open, then batches one at a time, then close) and can
 * hold or fail a batch on demand.
 */
import type { PartitionClaim, PartitionHandler, SourceRecord } from '../src/types.js';

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
