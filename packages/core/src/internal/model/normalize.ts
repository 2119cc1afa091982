import type { RejectCode } from '../catalog.js';
import { type FieldValue, MdeEvent, type SourceRef } from './event.js';
import type { TableName } from './tables.js';
import { parseTimestamp } from './time.js';
import { type NullSpellings, normalizeValue, typeMap } from './values.js';

export type { NullSpellings } from './values.js';

/** Why a row could not become an event. */
export interface RowProblem {
  readonly code: RejectCode;
  readonly reason: string;
}

export type { RejectCode } from '../catalog.js';

function toExactString(v: unknown): string | undefined {
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? undefined : t;
  }
  if (typeof v === 'number' && Number.isFinite(v))
    return Number.isSafeInteger(v) || !Number.isInteger(v) ? String(v) : undefined;
  return undefined;
}

/**
 * Turn one raw row of a known table into an {@link MdeEvent}. Only what every event needs is
 * normalised here — `Timestamp`, `DeviceId`, `DeviceName`, `ReportId` (exact), `ActionType`; every
 * other column is normalised when it is read (null spellings unified,
 * integers exact, booleans real, datetimes canonical, JSON-in-text parsed once), so the ~50 columns
 * of a row that no detector reads cost nothing. Unknown columns are kept. The event keeps a copy
 * of `row`: later changes to the caller's object do not reach it.
 * Returns a {@link RowProblem} when the row cannot be an event (no usable Timestamp, no device).
 */
export function normalizeRow(
  row: Readonly<Record<string, unknown>>,
  table: TableName,
  source: SourceRef,
  nulls: NullSpellings = {},
): MdeEvent | RowProblem {
  // A copy: the event keeps its row, and the caller's object stays the caller's.
  return normalizeOwnedRow({ ...row }, table, Object.freeze({ ...source }), nulls);
}

/**
 * {@link normalizeRow} for the ingest path: `row` (parsed or built by the reader, referenced by
 * nothing else) becomes the event's own, and `source` is frozen already. No copy is made.
 * @internal
 */
export function normalizeOwnedRow(
  row: Record<string, unknown>,
  table: TableName,
  source: Readonly<SourceRef>,
  nulls: NullSpellings,
): MdeEvent | RowProblem {
  const types = typeMap(table);
  const rawTs = Object.hasOwn(row, 'Timestamp') ? row.Timestamp : undefined;
  if (
    rawTs === undefined ||
    rawTs === null ||
    rawTs === '' ||
    rawTs === 'Invalid date' ||
    (nulls.noneIsNull && rawTs === 'None')
  ) {
    return { code: 'missing-timestamp', reason: 'row has no Timestamp' };
  }
  // Only text is a date: `String(["2025-…Z"])` would pass an array off as one.
  if (typeof rawTs !== 'string') {
    const what = Array.isArray(rawTs) ? 'an array' : typeof rawTs === 'object' ? 'an object' : `a ${typeof rawTs}`;
    return { code: 'invalid-timestamp', reason: `Timestamp is ${what}, not a date` };
  }
  const tsText = rawTs;
  const parsed = parseTimestamp(tsText);
  if (!parsed)
    return { code: 'invalid-timestamp', reason: `Timestamp ${JSON.stringify(tsText.slice(0, 64))} is not a date` };

  const column = (name: string): FieldValue | undefined =>
    Object.hasOwn(row, name) ? normalizeValue(row[name], types.get(name), nulls) : undefined;
  const deviceId = toExactString(column('DeviceId'));
  const deviceName = toExactString(column('DeviceName'));
  if (deviceId === undefined && deviceName === undefined) {
    return { code: 'missing-device', reason: 'row has neither DeviceId nor DeviceName' };
  }
  const reportId = toExactString(column('ReportId'));
  const action = column('ActionType');

  return new MdeEvent({
    table,
    timestamp: parsed.iso,
    timestampRaw: tsText,
    time: parsed.ms,
    ticks: parsed.ticks,
    deviceId: deviceId ?? (deviceName as string),
    deviceName: deviceName ?? (deviceId as string),
    actionType: typeof action === 'string' ? action : undefined,
    reportId,
    source,
    raw: row,
    types,
    nulls,
  });
}

/** True when `value` is a {@link RowProblem} rather than an event. */
export function isRowProblem(value: MdeEvent | RowProblem): value is RowProblem {
  return !(value instanceof MdeEvent);
}
