/**
 * The lifecycle record of one alert as a store holds it (`alerts` namespace). The record is kept as
 * plain JSON, so that it stays readable in the file and with SQLite's JSON functions, but compact:
 * a list whose first item is the layout's version, fields by position, the alert id and stream left
 * to the key they are already in, the analyzer's clock times as epoch milliseconds.
 *
 * ```text
 * [2, detector, device, deviceName, key, title, severity, count, firstSeen, lastSeen, status,
 *  revision, lastEvidenceAt, lastNotifiedAt, notifiedRevision, handledBy?]
 * ```
 *
 * `handledBy` (`{ action, id }`) is left out when no suppression or acknowledgement applies. A record
 * of the first layout (an object with named fields, tripline before state schema 2) is read as it
 * is; the lifecycle writes it back in this layout at the stream's next commit.
 */
import { ERROR_CODES, TriplineError } from '../errors.js';
import type { JsonValue } from '../model/event.js';
import { parseTimestamp } from '../model/time.js';
import { isSeverity, type Severity } from '../severity.js';

/** The lifecycle record of one alert (`alerts` namespace, key: `["<stream>","<alert id>"]`). */
export interface AlertRecord {
  readonly id: string;
  /** The stream whose batches produced it (one store may hold several streams). */
  readonly stream: string;
  readonly detector: string;
  readonly device: string;
  readonly deviceName: string;
  readonly key: string;
  readonly title: string;
  readonly severity: Severity;
  readonly count: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly status: 'active' | 'resolved';
  readonly revision: number;
  /** The analyzer's time of the last new evidence (what `resolveAfter` counts from). */
  readonly lastEvidenceAt: string;
  /** The analyzer's time of the last notifying change (what `repeatAfter` counts from), if any. */
  readonly lastNotifiedAt: string | null;
  /** The revision of the last notifying change, if any. */
  readonly notifiedRevision: number | null;
  /** The suppression or acknowledgement applying at the last change, if any. */
  readonly handledBy: { readonly action: 'suppress' | 'acknowledge'; readonly id: string } | null;
}

/** The version a stored lifecycle record starts with (the first layout, named fields, had none). */
export const ALERT_RECORD_VERSION = 2;

/** The key of an alert's lifecycle record: `["<stream>","<alert id>"]`, like the engine's records. */
export function alertRecordKey(stream: string, alertId: string): string {
  return JSON.stringify([stream, alertId]);
}

/** An ISO time of the analyzer's clock as epoch ms when that gives back the same text, else the text. */
function clock(iso: string | null): string | number | null {
  if (iso === null) return null;
  const ms = parseTimestamp(iso)?.ms;
  return ms !== undefined && Number.isSafeInteger(ms) && new Date(ms).toISOString() === iso ? ms : iso;
}

function unclock(v: JsonValue | undefined): string | null | undefined {
  if (v === null || typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  return undefined;
}

/** A lifecycle record as stored: the compact list of the current layout. */
export function encodeAlertRecord(r: AlertRecord): JsonValue {
  const list: JsonValue[] = [
    ALERT_RECORD_VERSION,
    r.detector,
    r.device,
    r.deviceName,
    r.key,
    r.title,
    r.severity,
    r.count,
    r.firstSeen,
    r.lastSeen,
    r.status,
    r.revision,
    clock(r.lastEvidenceAt),
    clock(r.lastNotifiedAt),
    r.notifiedRevision,
  ];
  if (r.handledBy !== null) list.push({ action: r.handledBy.action, id: r.handledBy.id });
  return list;
}

/** Whether a stored value is in the current layout (a record of the first layout is rewritten). */
export function isCurrentAlertRecord(value: JsonValue): boolean {
  return Array.isArray(value) && value[0] === ALERT_RECORD_VERSION;
}

const isText = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * A stored lifecycle record read back, in either layout; `key` is its key in the `alerts` namespace
 * (`["<stream>","<alert id>"]`). One that is not a record is refused (`state-unreadable` naming it).
 */
export function decodeAlertRecord(key: string, value: JsonValue): AlertRecord {
  const record = Array.isArray(value) ? fromList(key, value) : fromObject(key, value);
  if (record === undefined) {
    const id = keyParts(key)?.[1];
    throw new TriplineError(
      ERROR_CODES.STATE_UNREADABLE,
      `state: the lifecycle record ${id === undefined ? key : `of alert ${id} (${key})`} is not readable`,
    );
  }
  return record;
}

/** The `[stream, alert id]` of a record's key, or undefined. */
function keyParts(key: string): [string, string] | undefined {
  try {
    const parts: unknown = JSON.parse(key);
    return Array.isArray(parts) && parts.length === 2 && isText(parts[0]) && isText(parts[1])
      ? [parts[0], parts[1]]
      : undefined;
  } catch {
    return undefined;
  }
}

function fromList(key: string, v: readonly JsonValue[]): AlertRecord | undefined {
  const parts = keyParts(key);
  if (parts === undefined || v[0] !== ALERT_RECORD_VERSION || (v.length !== 15 && v.length !== 16)) return undefined;
  const [, detector, device, deviceName, subject, title, severity, count, firstSeen, lastSeen, status, revision] = v;
  const lastEvidenceAt = unclock(v[12]);
  const lastNotifiedAt = unclock(v[13]);
  const notifiedRevision = v[14];
  const handledBy = v.length === 16 ? handler(v[15]) : null;
  if (
    !isText(detector) ||
    !isText(device) ||
    !isText(deviceName) ||
    !isText(subject) ||
    !isText(title) ||
    !isSeverity(severity) ||
    !isCount(count) ||
    !isText(firstSeen) ||
    !isText(lastSeen) ||
    (status !== 'active' && status !== 'resolved') ||
    !isCount(revision) ||
    !isText(lastEvidenceAt) ||
    lastNotifiedAt === undefined ||
    (notifiedRevision !== null && !isCount(notifiedRevision)) ||
    handledBy === undefined
  )
    return undefined;
  return {
    id: parts[1],
    stream: parts[0],
    detector,
    device,
    deviceName,
    key: subject,
    title,
    severity,
    count,
    firstSeen,
    lastSeen,
    status,
    revision,
    lastEvidenceAt,
    lastNotifiedAt,
    notifiedRevision,
    handledBy,
  };
}

function handler(v: JsonValue | undefined): AlertRecord['handledBy'] | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const { action, id } = v;
  return (action === 'suppress' || action === 'acknowledge') && isText(id) ? { action, id } : undefined;
}

/** A record of the first layout (named fields), checked as the lifecycle always did. */
function fromObject(key: string, value: JsonValue): AlertRecord | undefined {
  const parts = keyParts(key);
  const r = value as unknown as AlertRecord;
  if (
    parts === undefined ||
    typeof value !== 'object' ||
    value === null ||
    r.id !== parts[1] ||
    typeof r.revision !== 'number' ||
    typeof r.count !== 'number' ||
    !isSeverity(r.severity) ||
    (r.status !== 'active' && r.status !== 'resolved')
  )
    return undefined;
  return r;
}
