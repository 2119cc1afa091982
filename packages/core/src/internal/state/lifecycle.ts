/**
 * The alert lifecycle across batches: from the alerts of the stream so far, the stored lifecycle
 * records (`alerts` namespace) and the suppressions, what changed (`AlertChange`s), which changes
 * notify (outbox entries) and the records to write. Pure: the clock is a parameter.
 *
 * One alert has at most one change per batch. Its kind, in order of precedence:
 * `new` (no record yet), `reopened` (new evidence after `resolved`), `escalated` (severity up),
 * `updated` (count, last seen or a lower severity; notifies only when the count crosses a threshold),
 * `resolved` (no new evidence for `resolveAfter`), `repeated` (still active `repeatAfter` after the
 * last notification, or a suppression that ended over an alert still active). Under a suppression
 * the change is reported as `suppressed` and under an acknowledgement as `acknowledged`, neither
 * notifying — except an escalation, which notifies through an acknowledgement.
 */

import { compileGlob, type GlobMatcher } from '../engine/glob.js';
import { ERROR_CODES, TriplineError } from '../errors.js';
import type { JsonValue } from '../model/event.js';
import { compareInstants, parseTimestamp } from '../model/time.js';
import type { Alert } from '../report/types.js';
import { type Severity, severityRank } from '../severity.js';
import {
  type AlertRecord,
  alertRecordKey,
  decodeAlertRecord,
  encodeAlertRecord,
  isCurrentAlertRecord,
} from './alert-record.js';
import type {
  AlertChange,
  AlertChangeKind,
  LifecyclePolicy,
  OutboxEntry,
  StateOptions,
  StateStore,
  Suppression,
} from './types.js';

/** Epoch ms of a stored time (written by this module as ISO 8601), read with core's one timestamp parser. */
function instantMs(text: string): number {
  return parseTimestamp(text)?.ms ?? Number.NaN;
}

/** What an outbox entry's payload holds: the change and what a message about it needs. */
export interface ChangePayload extends AlertChange {
  readonly alert: {
    readonly title: string;
    readonly severity: Severity;
    readonly deviceName: string;
    readonly key: string;
    readonly count: number;
    readonly firstSeen: string;
    readonly lastSeen: string;
    readonly status: 'active' | 'resolved';
  };
}

/** The outcome of one batch: its changes, the records to put and the notifications to queue. */
export interface LifecycleOutcome {
  readonly changes: AlertChange[];
  readonly records: AlertRecord[];
  readonly outbox: OutboxEntry[];
  /** Records stored in the first layout that no change rewrites, to be written back in the current one. */
  readonly rewrite: AlertRecord[];
}

const DEFAULT_THRESHOLDS: readonly number[] = [10, 100, 1000];
const DEFAULT_RESOLVE_AFTER_MS = 86_400_000;

const DURATION_RE =
  /^P(?:(\d{1,9})W)?(?:(\d{1,9})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9}(?:\.\d{1,3})?)S)?)?$/;

/**
 * A policy duration in milliseconds: a non-negative number of ms, or an ISO 8601 duration of weeks,
 * days, hours, minutes and seconds (`PT1H`, `P1D`, `P1DT12H`, `PT0.5S`). Years and months (of no fixed
 * length) are refused. `what` names the option in the error.
 */
export function durationMs(value: string | number, what: string): number {
  const fail = (): never => {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      `${what}: expected milliseconds or an ISO 8601 duration such as PT1H or P1D (weeks, days, hours, minutes, seconds), got ${JSON.stringify(value)}`,
    );
  };
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) fail();
    return value;
  }
  if (typeof value !== 'string') return fail();
  const m = DURATION_RE.exec(value);
  if (!m || value === 'P' || value.endsWith('T')) return fail();
  const [, w, d, h, min, s] = m;
  return (
    Number(w ?? 0) * 604_800_000 +
    Number(d ?? 0) * 86_400_000 +
    Number(h ?? 0) * 3_600_000 +
    Number(min ?? 0) * 60_000 +
    Math.round(Number(s ?? 0) * 1000)
  );
}

/** A {@link LifecyclePolicy} checked, with its defaults. */
export interface ResolvedPolicy {
  readonly countThresholds: readonly number[];
  readonly repeatAfterMs: number | undefined;
  readonly resolveAfterMs: number;
}

/** Check a policy and fill in its defaults (`option-invalid` naming the bad key). */
export function resolvePolicy(policy: LifecyclePolicy | undefined): ResolvedPolicy {
  const p = policy ?? {};
  const thresholds = p.countThresholds ?? DEFAULT_THRESHOLDS;
  if (
    !Array.isArray(thresholds) ||
    thresholds.some((t, i) => !Number.isSafeInteger(t) || t < 2 || (i > 0 && t <= (thresholds[i - 1] as number)))
  ) {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      'state.policy.countThresholds: expected ascending integers of at least 2',
    );
  }
  return {
    countThresholds: [...thresholds],
    repeatAfterMs: p.repeatAfter === undefined ? undefined : durationMs(p.repeatAfter, 'state.policy.repeatAfter'),
    resolveAfterMs:
      p.resolveAfter === undefined ? DEFAULT_RESOLVE_AFTER_MS : durationMs(p.resolveAfter, 'state.policy.resolveAfter'),
  };
}

/** A suppression compiled for matching. */
interface CompiledSuppression {
  readonly s: Suppression;
  readonly alert: GlobMatcher | undefined;
  readonly detector: GlobMatcher | undefined;
  readonly device: GlobMatcher | undefined;
  readonly key: GlobMatcher | undefined;
  readonly expiresMs: number | undefined;
}

/** The suppressions in the order they apply: by creation time, then id (the first match wins). */
function compileSuppressions(list: readonly Suppression[]): CompiledSuppression[] {
  return [...list]
    .sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((s) => ({
      s,
      alert: s.match.alert !== undefined ? compileGlob(s.match.alert) : undefined,
      detector: s.match.detector !== undefined ? compileGlob(s.match.detector) : undefined,
      device: s.match.device !== undefined ? compileGlob(s.match.device) : undefined,
      key: s.match.key !== undefined ? compileGlob(s.match.key) : undefined,
      expiresMs: s.expires !== undefined ? instantMs(s.expires) : undefined,
    }));
}

interface Subject {
  readonly id: string;
  readonly detector: string;
  readonly device: string;
  readonly deviceName: string;
  readonly key: string;
}

/** Whether a suppression has expired at `nowMs`. */
export function isExpired(s: Suppression, nowMs: number): boolean {
  return s.expires !== undefined && instantMs(s.expires) <= nowMs;
}

function matches(c: CompiledSuppression, a: Subject): boolean {
  return (
    (c.alert === undefined || c.alert.test(a.id)) &&
    (c.detector === undefined || c.detector.test(a.detector)) &&
    (c.device === undefined || c.device.test(a.device) || c.device.test(a.deviceName)) &&
    (c.key === undefined || c.key.test(a.key))
  );
}

/** The default stream's name (`createAnalyzer` without `stream`). */
export const DEFAULT_STREAM = 'default';

/**
 * The idempotency key of a change: `<alert id>:<revision>`; for a stream other than the default one,
 * `<stream>/<alert id>:<revision>`, so that streams sharing a store never share a key.
 */
export function idempotencyKeyOf(stream: string, alertId: string, revision: number): string {
  return stream === DEFAULT_STREAM ? `${alertId}:${revision}` : `${stream}/${alertId}:${revision}`;
}

/** The inputs of {@link computeLifecycle}. */
export interface LifecycleInput {
  /** The stream of the batch: only its records are read and written. */
  readonly stream: string;
  /** The alerts of the stream so far (the result's alerts). */
  readonly alerts: readonly Alert[];
  /** The `alerts` namespace as stored (every stream's; keys by {@link alertRecordKey}). */
  readonly records: ReadonlyMap<string, JsonValue>;
  /** The suppressions and acknowledgements (the `suppressions` namespace's values). */
  readonly suppressions: readonly Suppression[];
  readonly policy: ResolvedPolicy;
  readonly now: Date;
}

/**
 * The lifecycle of one batch. Changes come in the result's order of the alerts, then the alerts of
 * earlier batches that resolve or repeat, by id; the outbox holds the notifying ones in that order.
 */
export function computeLifecycle(input: LifecycleInput): LifecycleOutcome {
  const { policy, stream } = input;
  const nowMs = input.now.getTime();
  if (!Number.isFinite(nowMs)) throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'state.now: not a valid date');
  const nowIso = input.now.toISOString();
  const compiled = compileSuppressions(input.suppressions);
  const byId = new Map(input.suppressions.map((s) => [s.id, s]));
  const changes: AlertChange[] = [];
  const records: AlertRecord[] = [];
  const outbox: OutboxEntry[] = [];

  const handlerOf = (a: Subject): CompiledSuppression | undefined =>
    compiled.find((c) => (c.expiresMs === undefined || c.expiresMs > nowMs) && matches(c, a));

  /** Why a suppression that applied at the last change applies no more. */
  const ended = (prev: AlertRecord['handledBy']): string | undefined => {
    if (!prev) return undefined;
    const s = byId.get(prev.id);
    const what = prev.action === 'suppress' ? 'suppression' : 'acknowledgement';
    if (!s) return `${what} ${prev.id} removed`;
    if (isExpired(s, nowMs)) return `${what} ${prev.id} expired at ${s.expires}`;
    return `${what} ${prev.id} no longer matches`;
  };

  const emit = (
    subject: Subject,
    prev: AlertRecord | undefined,
    base: { kind: AlertChangeKind; notify: boolean; reason: string },
    next: Omit<
      AlertRecord,
      'stream' | 'revision' | 'lastNotifiedAt' | 'notifiedRevision' | 'handledBy' | keyof Subject
    >,
    handler: CompiledSuppression | undefined,
  ): void => {
    let { kind, notify, reason } = base;
    if (handler) {
      const s = handler.s;
      const by = `${s.action === 'suppress' ? 'suppressed' : 'acknowledged'} by ${s.id} (${s.reason}; ${s.author}${s.expires !== undefined ? `; until ${s.expires}` : ''})`;
      if (s.action === 'acknowledge' && kind === 'escalated')
        reason = `${reason}; ${by}, an escalation notifies all the same`;
      else {
        reason = `${by}: ${kind}${reason ? `, ${reason}` : ''}`;
        kind = s.action === 'suppress' ? 'suppressed' : 'acknowledged';
        notify = false;
      }
    } else {
      const why = ended(prev?.handledBy ?? null);
      if (why !== undefined) reason = `${reason}; ${why}`;
    }
    const revision = (prev?.revision ?? 0) + 1;
    const idempotencyKey = idempotencyKeyOf(stream, subject.id, revision);
    const change: AlertChange = {
      kind,
      alertId: subject.id,
      detector: subject.detector,
      device: subject.device,
      revision,
      notify,
      idempotencyKey,
      reason,
    };
    const record: AlertRecord = {
      id: subject.id,
      stream,
      detector: subject.detector,
      device: subject.device,
      deviceName: subject.deviceName,
      key: subject.key,
      title: next.title,
      severity: next.severity,
      count: next.count,
      firstSeen: next.firstSeen,
      lastSeen: next.lastSeen,
      status: next.status,
      revision,
      lastEvidenceAt: next.lastEvidenceAt,
      lastNotifiedAt: notify ? nowIso : (prev?.lastNotifiedAt ?? null),
      notifiedRevision: notify ? revision : (prev?.notifiedRevision ?? null),
      handledBy: handler ? { action: handler.s.action, id: handler.s.id } : null,
    };
    changes.push(change);
    records.push(record);
    if (notify) {
      const payload: ChangePayload = {
        ...change,
        alert: {
          title: record.title,
          severity: record.severity,
          deviceName: record.deviceName,
          key: record.key,
          count: record.count,
          firstSeen: record.firstSeen,
          lastSeen: record.lastSeen,
          status: record.status,
        },
      };
      outbox.push({ key: idempotencyKey, payload: payload as unknown as JsonValue, queuedAt: nowIso });
    }
  };

  /** A change of an alert without new evidence (time passing, a suppression starting or ending). */
  const idle = (prev: AlertRecord, subject: Subject, handler: CompiledSuppression | undefined): void => {
    const since = nowMs - instantMs(prev.lastEvidenceAt);
    const same = { ...prev };
    if (prev.status === 'active' && since >= policy.resolveAfterMs) {
      emit(
        subject,
        prev,
        { kind: 'resolved', notify: true, reason: `no new evidence for ${formatMs(since)}` },
        { ...same, status: 'resolved' },
        handler,
      );
      return;
    }
    const handlerNow = handler ? { action: handler.s.action, id: handler.s.id } : null;
    const handlerChanged = (handlerNow?.id ?? null) !== (prev.handledBy?.id ?? null);
    if (prev.status !== 'active') {
      // A resolved alert: only a new suppression is worth a (silent) change.
      if (handler && handlerChanged)
        emit(subject, prev, { kind: 'updated', notify: false, reason: 'resolved' }, same, handler);
      return;
    }
    if (handler) {
      if (handlerChanged)
        emit(subject, prev, { kind: 'updated', notify: false, reason: 'still active' }, same, handler);
      return;
    }
    if (prev.handledBy) {
      emit(subject, prev, { kind: 'repeated', notify: true, reason: 'still active' }, same, undefined);
      return;
    }
    const from = prev.lastNotifiedAt ?? prev.lastEvidenceAt;
    if (policy.repeatAfterMs !== undefined && nowMs - instantMs(from) >= policy.repeatAfterMs) {
      emit(
        subject,
        prev,
        {
          kind: 'repeated',
          notify: true,
          reason: `still active ${formatMs(nowMs - instantMs(from))} after the last notification`,
        },
        same,
        undefined,
      );
    }
  };

  const seen = new Set<string>();
  for (const alert of input.alerts) {
    if (seen.has(alert.id)) continue;
    seen.add(alert.id);
    const subject: Subject = {
      id: alert.id,
      detector: alert.detectorId,
      device: alert.device.id,
      deviceName: alert.device.name,
      key: alert.key,
    };
    const handler = handlerOf(subject);
    const key = alertRecordKey(stream, alert.id);
    const stored = input.records.get(key);
    const prev = stored === undefined ? undefined : decodeAlertRecord(key, stored);
    const count = alert.evidence.eventCount;
    const next = {
      title: alert.title,
      severity: alert.severity,
      count,
      firstSeen: alert.firstSeen,
      lastSeen: alert.lastSeen,
      status: 'active' as const,
      lastEvidenceAt: nowIso,
    };
    if (!prev) {
      emit(subject, prev, { kind: 'new', notify: true, reason: `${alert.severity}, ${count} event(s)` }, next, handler);
      continue;
    }
    const newEvidence = count > prev.count || later(alert.lastSeen, prev.lastSeen);
    const up = severityRank(alert.severity) > severityRank(prev.severity);
    const severityChanged = alert.severity !== prev.severity;
    const titleChanged = alert.title !== prev.title;
    if (!newEvidence && !severityChanged && !titleChanged) {
      idle(prev, subject, handler);
      continue;
    }
    const withEvidence = newEvidence ? next : { ...next, lastEvidenceAt: prev.lastEvidenceAt };
    if (prev.status === 'resolved' && newEvidence) {
      emit(
        subject,
        prev,
        { kind: 'reopened', notify: true, reason: `new evidence after resolved (${prev.count} → ${count} event(s))` },
        withEvidence,
        handler,
      );
    } else if (up) {
      emit(
        subject,
        prev,
        { kind: 'escalated', notify: true, reason: `severity ${prev.severity} → ${alert.severity}` },
        { ...withEvidence, status: prev.status },
        handler,
      );
    } else {
      const crossed = policy.countThresholds.filter((t) => prev.count < t && count >= t);
      const parts: string[] = [];
      if (count !== prev.count) parts.push(`count ${prev.count} → ${count}`);
      if (alert.lastSeen !== prev.lastSeen) parts.push(`last seen ${alert.lastSeen}`);
      if (severityChanged) parts.push(`severity ${prev.severity} → ${alert.severity}`);
      if (titleChanged && parts.length === 0) parts.push('title changed');
      if (crossed.length) parts.push(`count crossed ${crossed[crossed.length - 1]}`);
      emit(
        subject,
        prev,
        { kind: 'updated', notify: crossed.length > 0, reason: parts.join(', ') },
        { ...withEvidence, status: prev.status },
        handler,
      );
    }
  }
  // Alerts of earlier batches this batch did not produce (a detector removed, state dropped): time
  // still resolves and repeats them.
  const prefix = `${JSON.stringify([stream]).slice(0, -1)},`;
  for (const [key, stored] of input.records) {
    if (!key.startsWith(prefix)) continue;
    const prev = decodeAlertRecord(key, stored);
    const id = prev.id;
    if (seen.has(id)) continue;
    const subject: Subject = {
      id,
      detector: prev.detector,
      device: prev.device,
      deviceName: prev.deviceName,
      key: prev.key,
    };
    idle(prev, subject, handlerOf(subject));
  }
  // Records of the first layout that no change rewrote: written back as they are, in the current one.
  const written = new Set(records.map((r) => r.id));
  const rewrite: AlertRecord[] = [];
  for (const [key, stored] of input.records) {
    if (!key.startsWith(prefix) || isCurrentAlertRecord(stored)) continue;
    const prev = decodeAlertRecord(key, stored);
    if (!written.has(prev.id)) rewrite.push(prev);
  }
  return { changes, records, outbox, rewrite };
}

/**
 * Whether instant `a` is after `b` (ISO texts of any precision: `…:01Z` and `…:01.5Z` compare by time,
 * to the 100 ns tick, not as text). A text that is not a time is compared as text.
 */
function later(a: string, b: string): boolean {
  if (a === b) return false;
  const x = parseTimestamp(a);
  const y = parseTimestamp(b);
  if (!x || !y) return a > b;
  return compareInstants(x.ms, x.ticks, y.ms, y.ticks) > 0;
}

/** `1d 2h`, `5m`, `30s`, `250ms`: a duration for reasons. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s && !d) parts.push(`${s}s`);
  return parts.join(' ') || '0s';
}

/** The part of a {@link StateWrite} the lifecycle contributes: its records and outbox entries. */
export function lifecycleWrite(outcome: LifecycleOutcome): {
  put: { ns: 'alerts'; key: string; value: JsonValue }[];
  outbox: OutboxEntry[];
} {
  return {
    put: [...outcome.records, ...outcome.rewrite].map((r) => ({
      ns: 'alerts' as const,
      key: alertRecordKey(r.stream, r.id),
      value: encodeAlertRecord(r),
    })),
    outbox: outcome.outbox,
  };
}

/** What the lifecycle reads from a store before a batch: the records and the suppressions. */
export interface LifecycleState {
  readonly records: ReadonlyMap<string, JsonValue>;
  readonly suppressions: readonly Suppression[];
}

/** Read the `alerts` and `suppressions` namespaces (a suppression that is not one is refused, naming it). */
export async function loadLifecycle(store: StateStore): Promise<LifecycleState> {
  const records = await store.read('alerts');
  const suppressions: Suppression[] = [];
  for (const [key, value] of await store.read('suppressions')) suppressions.push(asSuppression(key, value));
  return { records, suppressions };
}

/** Read a stored suppression; one that is not one is refused (`state-unreadable` naming it). */
export function asSuppression(key: string, value: JsonValue): Suppression {
  const s = value as unknown as Suppression;
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    s.id !== key ||
    (s.action !== 'suppress' && s.action !== 'acknowledge') ||
    typeof s.match !== 'object' ||
    s.match === null ||
    typeof s.created !== 'string'
  ) {
    throw new TriplineError(ERROR_CODES.STATE_UNREADABLE, `state: suppression ${key} is not readable`);
  }
  return s;
}

/**
 * The lifecycle of one stream, owned by one analyzer: its records and the suppressions loaded before
 * the batch, its changes computed at `finish()`, its records and outbox entries handed to `commit()`.
 */
export class StreamLifecycle {
  readonly store: StateStore;
  readonly stream: string;
  readonly policy: ResolvedPolicy;
  readonly #now: () => Date;
  #loading: Promise<LifecycleState> | undefined;
  #state: LifecycleState | undefined;
  #outcome: LifecycleOutcome | undefined;

  constructor(options: StateOptions, stream: string) {
    this.store = options.store;
    this.stream = stream;
    this.policy = resolvePolicy(options.policy);
    if (options.now !== undefined && typeof options.now !== 'function')
      throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'options.state.now must be a function returning a Date');
    this.#now = options.now ?? (() => new Date());
  }

  get loaded(): boolean {
    return this.#state !== undefined;
  }

  /** Read the records and suppressions (once; later calls wait for the first). */
  async load(): Promise<void> {
    this.#loading ??= loadLifecycle(this.store);
    this.#state = await this.#loading;
  }

  /** The changes of this batch (computed once, from the alerts of the stream so far). */
  changes(alerts: readonly Alert[]): readonly AlertChange[] {
    if (!this.#state)
      throw new TriplineError(
        ERROR_CODES.OPTION_INVALID,
        'the lifecycle state is not loaded yet; await analyzer.ready() first',
      );
    if (!this.#outcome) {
      const now = this.#now();
      if (!(now instanceof Date))
        throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'options.state.now must return a Date');
      this.#outcome = computeLifecycle({
        stream: this.stream,
        alerts,
        records: this.#state.records,
        suppressions: this.#state.suppressions,
        policy: this.policy,
        now,
      });
    }
    return this.#outcome.changes;
  }

  /** The records and outbox entries of this batch (after {@link changes}). */
  write(): ReturnType<typeof lifecycleWrite> {
    if (!this.#outcome) throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'commit: call finish() first');
    return lifecycleWrite(this.#outcome);
  }
}
