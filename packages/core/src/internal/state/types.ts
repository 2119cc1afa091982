/**
 * Incremental runs: the state a stream keeps between batches. The contract shared by the stores
 * (`memoryStateStore` in core, the JSON-file and SQLite stores of `@tripline/state`), the engine's
 * snapshot of open groups (`state/engine-state.ts`) and the alert lifecycle (`state/lifecycle.ts`).
 *
 * A store is a small transactional key-value store of JSON records in a few namespaces, plus an
 * outbox of notifications. Everything a batch changes is written by one {@link StateStore.write} call:
 * all of it or none of it.
 */
import type { JsonValue } from '../model/event.js';

/**
 * The current layout of the stores and their records. A store refuses a newer one and migrates older
 * ones. 2: alert lifecycle records in their compact layout; the SQLite store's `encoding` column.
 */
export const STATE_SCHEMA_VERSION = 2;

/**
 * Where records live:
 * - `meta`: one-off facts (`schema`, `detectors` — the detector set and versions, `watermark`).
 * - `groups`: the engine's groups (subject of one alert: detector, device, key) with counts, capped
 *   evidence and window timelines — what a later batch needs to go on counting.
 * - `devices`: per-device state (latest DeviceInfo, adapters, counts) for `onDevice` detectors.
 * - `dedupe`: the duplicate-row window (identities of recent rows).
 * - `sources`: per-source position (bytes/rows read, last record id) and watermark.
 * - `alerts`: the lifecycle record of each alert (revision, status, last notified, acknowledgement).
 * - `suppressions`: suppressions and acknowledgements by alert, detector, device or key pattern.
 */
export type StateNamespace = 'meta' | 'groups' | 'devices' | 'dedupe' | 'sources' | 'alerts' | 'suppressions';
export const STATE_NAMESPACES: readonly StateNamespace[] = [
  'meta',
  'groups',
  'devices',
  'dedupe',
  'sources',
  'alerts',
  'suppressions',
];

/** One notification waiting for delivery. `key` is the idempotency key (`<alert id>:<revision>`). */
export interface OutboxEntry {
  readonly key: string;
  /** The change it announces (JSON of an {@link AlertChange}). */
  readonly payload: JsonValue;
  /** ISO time it was queued (the analyzer's `now`). */
  readonly queuedAt: string;
}

/**
 * One atomic write: puts, deletes and new outbox entries, applied together or not at all. Applied in
 * this order: `replace` empties its namespaces, then the `delete`s, then the `put`s (so a key both
 * deleted and put holds the put; a later put of one key wins); `delivered` removes entries queued by
 * earlier writes, then `outbox` appends. A write that cannot be applied whole (a value JSON cannot
 * hold, an unknown namespace, an outbox key already waiting or queued twice) is refused with
 * `option-invalid` before anything changes. Values are stored as a JSON round trip would give them
 * back (`undefined` properties left out, `-0` as `0`).
 */
export interface StateWrite {
  readonly put?: readonly { readonly ns: StateNamespace; readonly key: string; readonly value: JsonValue }[];
  readonly delete?: readonly { readonly ns: StateNamespace; readonly key: string }[];
  /** Replace every record of these namespaces by the `put`s of this write (a full snapshot). */
  readonly replace?: readonly StateNamespace[];
  readonly outbox?: readonly OutboxEntry[];
  /** Outbox keys delivered (removed from the outbox) in the same transaction. */
  readonly delivered?: readonly string[];
}

/**
 * Where a stream's state lives between batches. Implementations: `memoryStateStore()` (core),
 * `jsonFileStateStore(path)` and `sqliteStateStore(path)` (`@tripline/state`). Every method may be
 * called only after `open()` resolved; `write` is atomic (a crash leaves the old or the new state).
 * One conformance suite (`packages/state/test/conformance.ts`) runs against every store.
 */
export interface StateStore {
  /** `memory`, `json-file`, `sqlite`, … (shown in diagnostics). */
  readonly kind: string;
  /**
   * Create, migrate or check the layout. Rejects with `TriplineError` code `state-schema-newer` when the
   * store was written by a newer tripline, `state-unreadable` when it is damaged.
   */
  open(): Promise<void>;
  /** Every record of a namespace, by key (keys in ascending code-unit order). */
  read(ns: StateNamespace): Promise<ReadonlyMap<string, JsonValue>>;
  /** One record, or undefined. */
  get(ns: StateNamespace, key: string): Promise<JsonValue | undefined>;
  /** Apply a write atomically. */
  write(batch: StateWrite): Promise<void>;
  /** Notifications not yet delivered, in the order they were queued. */
  outbox(): Promise<readonly OutboxEntry[]>;
  /** Release files and handles. The store may be opened again. */
  close(): Promise<void>;
}

// ───────────────────────────── alert lifecycle ─────────────────────────────

/** What happened to an alert in a batch. */
export type AlertChangeKind =
  | 'new'
  | 'updated'
  | 'escalated'
  | 'reopened'
  | 'repeated'
  | 'resolved'
  | 'suppressed'
  | 'acknowledged';

/** One change of `changes`, which `finish()` of an analyzer with `state` returns beside the alerts. */
export interface AlertChange {
  readonly kind: AlertChangeKind;
  readonly alertId: string;
  readonly detector: string;
  readonly device: string;
  /** Revision of the alert's lifecycle record after this change (starts at 1). */
  readonly revision: number;
  /** Whether the policy notifies on this change (then it is in the outbox under {@link idempotencyKey}). */
  readonly notify: boolean;
  /** `<alert id>:<revision>`. */
  readonly idempotencyKey: string;
  /** Why (the policy rule that fired: `severity high → critical`, `count crossed 100`, …). */
  readonly reason: string;
}

/** A suppression or acknowledgement: by alert id, detector, device or key pattern (globs). */
export interface Suppression {
  readonly id: string;
  readonly action: 'suppress' | 'acknowledge';
  readonly match: {
    readonly alert?: string;
    readonly detector?: string;
    readonly device?: string;
    readonly key?: string;
  };
  readonly reason: string;
  readonly author: string;
  /** ISO time; absent: until removed. */
  readonly expires?: string;
  readonly created: string;
}

/** When the lifecycle notifies, repeats and resolves (`docs/state.md`). */
export interface LifecyclePolicy {
  /** Notify when an alert's count crosses one of these (ascending). Default `[10, 100, 1000]`. */
  readonly countThresholds?: readonly number[];
  /** Notify again about an alert still active after this long (ISO 8601 duration or ms). Default: never. */
  readonly repeatAfter?: string | number;
  /** Resolve an alert without new evidence for this long. Default `P1D`. */
  readonly resolveAfter?: string | number;
}

/** What `createAnalyzer({ state })` takes. */
export interface StateOptions {
  readonly store: StateStore;
  readonly policy?: LifecyclePolicy;
  /** The clock of the lifecycle (tests inject one). Default: `() => new Date()`. */
  readonly now?: () => Date;
  /**
   * How late an event may be, behind the stream's watermark (newest Timestamp seen), and still be merged
   * (ISO 8601 duration or ms). Older events are counted in a `late-events` diagnostic. Default: the
   * longest window of the detector set.
   */
  readonly allowedLateness?: string | number;
}
