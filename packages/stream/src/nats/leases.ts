/**
 * Partition ownership among the consumer processes of one NATS source, in a JetStream key-value bucket.
 *
 * Keys: `m.<member>` (one per running consumer process, rewritten every heartbeat) and `p.<partition>`
 * (the lease of a partition: its value names the owner). Every write is a compare-and-set on the key's
 * revision, so at most one member holds a lease at a time.
 *
 * - **Alive** means "its revision changed recently": an observer notes, with its own monotonic clock, when
 *   it first saw each revision of a key; a key whose revision has not changed for `ttlMs` is stale. No
 *   wall clocks are compared across machines.
 * - **Assignment**: the alive members, sorted by id, get the partitions round-robin (partition `i` to
 *   member `i mod n`), so every member computes the same fair share from the same view.
 * - **Claim**: a member creates the lease of a partition assigned to it when the key is absent or
 *   deleted, or updates it on the stale revision it observed (a killed owner's lease moves after `ttlMs`).
 * - **Renew**: every heartbeat the owner updates its leases on the revision it wrote last; a failed update
 *   means the lease was taken: the partition stops at once.
 * - **Release**: a partition no longer assigned to its owner (a member joined) is drained — the batch in
 *   flight finishes and is acknowledged — and its lease deleted on the owner's revision; the member it is
 *   assigned to claims it at its next heartbeat. Shutdown releases every lease and the member key.
 * - **The watch** is what keeps the view current. If it ends on its own (the server deleted its ordered
 *   consumer, a reconnection it could not resume), the next heartbeat reports why and watches the bucket
 *   again before it decides anything: a member whose watch died would otherwise keep a frozen view, see
 *   no member join, and keep renewing leases that are assigned to others for as long as it runs.
 */
import type { KV, KvEntry, QueuedIterator } from 'nats';

/** What the lease table decides at one heartbeat. */
export interface LeaseDecisions {
  /** Partitions to start consuming: the lease is now ours. */
  readonly claimed: readonly string[];
  /** Partitions to drain and release: assigned to another member now. */
  readonly revoke: readonly string[];
  /** Partitions whose lease was taken by another member: stop at once. */
  readonly lost: readonly string[];
}

interface Seen {
  readonly revision: number;
  readonly value: string;
  readonly deleted: boolean;
  /** Monotonic time (ms) this revision was first seen here. */
  readonly since: number;
}

const now = () => performance.now();

/** Whether a KV write failed because the revision moved (another member wrote first). */
export function isRevisionConflict(error: unknown): boolean {
  const api = (error as { api_error?: { err_code?: number } } | undefined)?.api_error;
  return api?.err_code === 10071 || /wrong last sequence/i.test(String((error as Error | undefined)?.message));
}

export class LeaseTable {
  private readonly seen = new Map<string, Seen>();
  /** Our leases: partition → the revision we wrote last. */
  private readonly held = new Map<string, number>();
  private memberRevision: number | undefined;
  private watcher: QueuedIterator<KvEntry> | undefined;
  private watching: Promise<void> | undefined;
  /** Why the watch ended while nobody stopped it (the next heartbeat watches again); undefined while it runs. */
  private watchEnded: Error | undefined;
  private stopping = false;
  /**
   * The heartbeat, `release` and `stop` run one at a time: a release that ran while a heartbeat's
   * renewal of the same lease was on the wire would be undone by it (the renewal lands first, the delete
   * then fails on the old revision, and the heartbeat records the lease as held again: renewed for ever
   * by a member that consumes nothing of it, so the member it is assigned to never gets it).
   */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kv: KV,
    readonly member: string,
    private readonly partitions: readonly string[],
    private readonly ttlMs: number,
    /** Told when the watch ended on its own and is started again (the source's `onError`). */
    private readonly report: (error: Error) => void = () => undefined,
  ) {}

  /** Starts following the bucket (every key's revisions). */
  start(): Promise<void> {
    return this.follow();
  }

  private async follow(): Promise<void> {
    const watcher = await this.kv.watch({ key: '>' });
    this.watcher = watcher;
    this.watchEnded = undefined;
    // Never rejects: an iterator that fails ends the watch like one that finishes, and is noted.
    this.watching = (async () => {
      let cause: unknown;
      try {
        for await (const entry of watcher)
          this.observe(entry.key, entry.revision, entry.string(), entry.operation !== 'PUT');
      } catch (error) {
        cause = error;
      }
      if (this.stopping || this.watcher !== watcher) return;
      const why = cause instanceof Error ? cause.message : cause !== undefined ? String(cause) : 'it finished';
      this.watchEnded = new Error(`NATS: the watch of the lease bucket ended (${why}); watching it again`, {
        cause,
      });
    })();
  }

  /** Watches the bucket again when the watch ended on its own (before a heartbeat decides anything). */
  private async rewatch(): Promise<void> {
    const ended = this.watchEnded;
    if (ended === undefined) return;
    this.report(ended);
    this.watcher?.stop();
    await this.watching;
    // A failure here fails the heartbeat (reported by the source); `watchEnded` stays set, so the
    // next heartbeat tries again.
    await this.follow();
  }

  private observe(key: string, revision: number, value: string, deleted: boolean): void {
    const previous = this.seen.get(key);
    if (previous && previous.revision >= revision) return;
    this.seen.set(key, { revision, value, deleted, since: now() });
  }

  /** The members alive in this member's view, sorted (this member always included). */
  aliveMembers(): string[] {
    const alive = new Set<string>([this.member]);
    const t = now();
    for (const [key, s] of this.seen) {
      if (key.startsWith('m.') && !s.deleted && t - s.since < this.ttlMs) alive.add(key.slice(2));
    }
    return [...alive].sort();
  }

  /** The partitions assigned to this member in its current view. */
  assigned(): Set<string> {
    const members = this.aliveMembers();
    const index = members.indexOf(this.member);
    return new Set(this.partitions.filter((_, i) => i % members.length === index));
  }

  /** The partitions whose lease this member holds. */
  owned(): string[] {
    return [...this.held.keys()];
  }

  /**
   * One heartbeat: renews the member key and the held leases, claims what is assigned and free or stale.
   * `draining` partitions (being released) keep their lease renewed until `release` is called.
   * `blocked` partitions are not claimed now (a partition that failed waits before it is tried again);
   * with `claim` false nothing is (shutting down).
   */
  heartbeat(draining: ReadonlySet<string>, blocked: ReadonlySet<string>, claim = true): Promise<LeaseDecisions> {
    return this.exclusive(() => this.beat(draining, blocked, claim));
  }

  private exclusive<T>(step: () => Promise<T>): Promise<T> {
    const result = this.queue.then(step);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async beat(
    draining: ReadonlySet<string>,
    blocked: ReadonlySet<string>,
    claim: boolean,
  ): Promise<LeaseDecisions> {
    await this.rewatch();
    await this.renewMember();
    const lost: string[] = [];
    for (const [partition, revision] of this.held) {
      try {
        const next = await this.kv.update(leaseKey(partition), this.member, revision);
        this.held.set(partition, next);
        this.observe(leaseKey(partition), next, this.member, false);
      } catch (error) {
        if (!isRevisionConflict(error)) throw error;
        this.held.delete(partition);
        lost.push(partition);
      }
    }
    const assigned = this.assigned();
    const revoke = [...this.held.keys()].filter((p) => !assigned.has(p) && !draining.has(p));
    const claimed: string[] = [];
    const t = now();
    for (const partition of assigned) {
      if (!claim || this.held.has(partition) || blocked.has(partition)) continue;
      const key = leaseKey(partition);
      const s = this.seen.get(key);
      try {
        let revision: number;
        if (!s || s.deleted) revision = await this.kv.create(key, this.member);
        else if (t - s.since >= this.ttlMs || s.value === this.member)
          revision = await this.kv.update(key, this.member, s.revision);
        else continue;
        this.held.set(partition, revision);
        this.observe(key, revision, this.member, false);
        claimed.push(partition);
      } catch (error) {
        if (!isRevisionConflict(error)) throw error;
        // Another member wrote first; the watcher brings its revision.
      }
    }
    await this.removeStaleMembers(t);
    return { claimed, revoke, lost };
  }

  /** Deletes the member keys of members gone for `ttlMs` (killed processes), on the revision seen. */
  private async removeStaleMembers(t: number): Promise<void> {
    for (const [key, s] of this.seen) {
      if (!key.startsWith('m.') || s.deleted || t - s.since < this.ttlMs || key === memberKey(this.member)) continue;
      try {
        await this.kv.delete(key, { previousSeq: s.revision });
      } catch (error) {
        if (!isRevisionConflict(error)) throw error;
      }
    }
  }

  private async renewMember(): Promise<void> {
    const key = memberKey(this.member);
    try {
      this.memberRevision =
        this.memberRevision === undefined
          ? await this.kv.create(key, this.member)
          : await this.kv.update(key, this.member, this.memberRevision);
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
      // Another member took this one for gone (a pause longer than the TTL) and deleted its key:
      // write it again, so the others count this member in their assignment again.
      const entry = await this.kv.get(key);
      this.memberRevision =
        entry && entry.operation === 'PUT'
          ? await this.kv.update(key, this.member, entry.revision)
          : await this.kv.create(key, this.member);
    }
    this.observe(key, this.memberRevision, this.member, false);
  }

  /** Gives a lease up (after its partition was drained); a lease already taken is simply forgotten. */
  release(partition: string): Promise<void> {
    return this.exclusive(() => this.give(partition));
  }

  private async give(partition: string): Promise<void> {
    const revision = this.held.get(partition);
    if (revision === undefined) return;
    this.held.delete(partition);
    try {
      await this.kv.delete(leaseKey(partition), { previousSeq: revision });
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
    }
  }

  /** Forgets a lease that was lost (no write). */
  forget(partition: string): void {
    this.held.delete(partition);
  }

  /** Releases every lease and the member key, and stops watching. */
  stop(): Promise<void> {
    return this.exclusive(() => this.end());
  }

  private async end(): Promise<void> {
    for (const partition of [...this.held.keys()]) await this.give(partition);
    if (this.memberRevision !== undefined) {
      try {
        await this.kv.delete(memberKey(this.member), { previousSeq: this.memberRevision });
      } catch (error) {
        if (!isRevisionConflict(error)) throw error;
      }
    }
    this.stopping = true;
    this.watcher?.stop();
    await this.watching;
  }
}

export const leaseKey = (partition: string) => `p.${partition}`;
export const memberKey = (member: string) => `m.${member}`;
