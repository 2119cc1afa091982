/**
 * Acknowledgements and suppressions through the API (and `tripline state …`): validated input, one
 * write each, and a listing of what a store holds.
 */
import { z } from 'zod';
import { ERROR_CODES, TriplineError } from '../errors.js';
import type { JsonValue } from '../model/event.js';
import { parseTimestamp } from '../model/time.js';
import { type AlertRecord, decodeAlertRecord } from './alert-record.js';
import { asSuppression, durationMs, isExpired } from './lifecycle.js';
import type { StateStore, Suppression } from './types.js';

/** What {@link suppress} and {@link acknowledge} take. At least one of `alert`, `detector`, `device`, `key`. */
export interface SuppressionInput {
  /** Alert id (or a pattern: `*` stands for any run of characters). */
  readonly alert?: string;
  /** Detector id pattern (`sigma/*`). */
  readonly detector?: string;
  /** Device id or name pattern (`build-*`). */
  readonly device?: string;
  /** Alert subject key pattern. */
  readonly key?: string;
  /** Why (shown in every change it causes). */
  readonly reason: string;
  /** Who (a user name, a bot, a ticket system). */
  readonly author: string;
  /** Until when: an ISO 8601 time, or a duration from now (`P7D`, `PT8H`). Absent: until removed. */
  readonly expires?: string;
}

/** Options of the state helpers. */
export interface StateAdminOptions {
  /** The clock (creation and expiry times). Default: `() => new Date()`. */
  readonly now?: () => Date;
}

const text = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} is longer than ${max} characters`);

const inputSchema = z
  .strictObject({
    alert: text('alert', 512).optional(),
    detector: text('detector', 512).optional(),
    device: text('device', 512).optional(),
    key: text('key', 4096).optional(),
    reason: text('reason', 1000),
    author: text('author', 200),
    expires: text('expires', 64).optional(),
  })
  .refine((v) => v.alert !== undefined || v.detector !== undefined || v.device !== undefined || v.key !== undefined, {
    message: 'give at least one of alert, detector, device, key',
  });

function invalid(message: string): never {
  throw new TriplineError(ERROR_CODES.OPTION_INVALID, message);
}

function nowOf(options: StateAdminOptions | undefined): Date {
  const now = (options?.now ?? (() => new Date()))();
  if (!(now instanceof Date) || !Number.isFinite(now.getTime())) invalid('now: not a valid date');
  return now;
}

function parseInput(input: unknown, what: string): z.infer<typeof inputSchema> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key =
      issue.code === 'unrecognized_keys' ? (issue.keys as string[])[0] : issue.path.length ? issue.path.join('.') : '';
    invalid(`${what}: ${key ? `${key}: ` : ''}${issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message}`);
  }
  return parsed.data;
}

/** `expires` as an ISO time: a time as given (normalised to UTC), or now + a duration. */
function expiryOf(expires: string, now: Date, what: string): string {
  if (expires.startsWith('P')) return new Date(now.getTime() + durationMs(expires, `${what}: expires`)).toISOString();
  // Core's one timestamp parser: ISO 8601 (a time without a zone is UTC, as in Defender's exports).
  const ms = parseTimestamp(expires)?.ms ?? Number.NaN;
  if (!Number.isFinite(ms))
    invalid(`${what}: expires: expected an ISO 8601 time or duration (P7D), got ${JSON.stringify(expires)}`);
  if (ms <= now.getTime()) invalid(`${what}: expires: ${expires} is not in the future`);
  return new Date(ms).toISOString();
}

/** The stored suppressions (a record that is not one is refused, naming it). */
async function readSuppressions(store: StateStore): Promise<Suppression[]> {
  return [...(await store.read('suppressions'))].map(([key, value]) => asSuppression(key, value));
}

/** The suppressions of a store, in the order they apply (creation time, then id). */
export async function listSuppressions(store: StateStore): Promise<Suppression[]> {
  return (await readSuppressions(store)).sort((a, b) =>
    a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
}

async function add(
  store: StateStore,
  action: Suppression['action'],
  input: SuppressionInput,
  options: StateAdminOptions | undefined,
): Promise<Suppression> {
  const what = action === 'suppress' ? 'suppress' : 'acknowledge';
  const v = parseInput(input, what);
  const now = nowOf(options);
  if (
    v.alert !== undefined &&
    !v.alert.includes('*') &&
    ![...(await store.read('alerts'))].some(([key, value]) => decodeAlertRecord(key, value).id === v.alert)
  ) {
    invalid(
      `${what}: no alert ${JSON.stringify(v.alert)} in this state (give a pattern with * to match alerts to come)`,
    );
  }
  const prefix = action === 'suppress' ? 'sup-' : 'ack-';
  let last = 0;
  for (const s of await readSuppressions(store)) {
    if (s.id.startsWith(prefix)) last = Math.max(last, Number(s.id.slice(prefix.length)) || 0);
  }
  const match = {
    ...(v.alert !== undefined ? { alert: v.alert } : {}),
    ...(v.detector !== undefined ? { detector: v.detector } : {}),
    ...(v.device !== undefined ? { device: v.device } : {}),
    ...(v.key !== undefined ? { key: v.key } : {}),
  };
  const suppression: Suppression = {
    id: `${prefix}${last + 1}`,
    action,
    match,
    reason: v.reason,
    author: v.author,
    ...(v.expires !== undefined ? { expires: expiryOf(v.expires, now, what) } : {}),
    created: now.toISOString(),
  };
  await store.write({ put: [{ ns: 'suppressions', key: suppression.id, value: suppression as unknown as JsonValue }] });
  return suppression;
}

/**
 * Suppress alerts (by id, detector, device or key pattern): no notification while it applies; their
 * changes are reported as `suppressed`. Returns the stored suppression (id `sup-N`).
 */
export function suppress(
  store: StateStore,
  input: SuppressionInput,
  options?: StateAdminOptions,
): Promise<Suppression> {
  return add(store, 'suppress', input, options);
}

/**
 * Acknowledge alerts: count updates, repeats, reopenings and resolutions no longer notify (they are
 * reported as `acknowledged`); an escalation still does. Returns the stored acknowledgement (id `ack-N`).
 */
export function acknowledge(
  store: StateStore,
  input: SuppressionInput,
  options?: StateAdminOptions,
): Promise<Suppression> {
  return add(store, 'acknowledge', input, options);
}

/** Remove a suppression or acknowledgement by id; the alerts it covered notify again. */
export async function unsuppress(store: StateStore, id: string): Promise<Suppression> {
  if (typeof id !== 'string' || id === '') invalid('unsuppress: give the id of a suppression (sup-N or ack-N)');
  const found = await store.get('suppressions', id);
  if (found === undefined) {
    const known = (await readSuppressions(store)).map((s) => s.id);
    invalid(`unsuppress: no suppression ${JSON.stringify(id)} (known: ${known.length ? known.join(', ') : 'none'})`);
  }
  await store.write({ delete: [{ ns: 'suppressions', key: id }] });
  return found as unknown as Suppression;
}

/** What {@link listState} returns. */
export interface StateListing {
  /** The lifecycle records, active first, then by last seen (newest first) and id. */
  readonly alerts: readonly AlertRecord[];
  /** Suppressions and acknowledgements, with whether each has expired. */
  readonly suppressions: readonly (Suppression & { readonly expired: boolean })[];
  /** Notifications waiting for delivery. */
  readonly outbox: number;
}

/** What a store holds: alerts, suppressions (expired ones say so) and the outbox's length. */
export async function listState(store: StateStore, options?: StateAdminOptions): Promise<StateListing> {
  const nowMs = nowOf(options).getTime();
  const alerts = [...(await store.read('alerts'))].map(([key, value]) => decodeAlertRecord(key, value));
  alerts.sort((a, b) =>
    a.status !== b.status
      ? a.status === 'active'
        ? -1
        : 1
      : a.lastSeen !== b.lastSeen
        ? a.lastSeen > b.lastSeen
          ? -1
          : 1
        : a.id < b.id
          ? -1
          : a.id > b.id
            ? 1
            : 0,
  );
  const suppressions = (await listSuppressions(store)).map((s) => ({ ...s, expired: isExpired(s, nowMs) }));
  return { alerts, suppressions, outbox: (await store.outbox()).length };
}
