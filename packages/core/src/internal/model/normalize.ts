import { type FieldValue, MdeEvent, type SourceRef } from './event.js';
import type { ColumnType, TableName } from './tables.js';
import { TABLE_COLUMNS } from './tables.js';
import { type ParsedTime, parseTimestamp } from './time.js';

/** Why a row could not become an event. */
export interface RowProblem {
  readonly code: RejectCode;
  readonly reason: string;
}

/** Machine-readable reasons for rejected rows. */
export type RejectCode =
  | 'malformed-json'
  | 'malformed-csv'
  | 'not-a-row'
  | 'unknown-table'
  | 'unsupported-table'
  | 'ambiguous-table'
  | 'missing-timestamp'
  | 'invalid-timestamp'
  | 'missing-device'
  | 'line-too-long'
  | 'invalid-encoding';

/** How a reader spells null in its format; `null`, absent keys and `""` are always null. */
export interface NullSpellings {
  /** az CLI writes every null as the text `None`. */
  readonly noneIsNull?: boolean;
  /** The portal CSV writes null datetimes as `Invalid date`. */
  readonly invalidDateIsNull?: boolean;
}

const TYPE_MAPS = new Map<TableName, ReadonlyMap<string, ColumnType>>();
function typeMap(table: TableName): ReadonlyMap<string, ColumnType> {
  let m = TYPE_MAPS.get(table);
  if (!m) {
    m = new Map(Object.entries(TABLE_COLUMNS[table]));
    TYPE_MAPS.set(table, m);
  }
  return m;
}

const INT_RE = /^[+-]?\d+$/;

function coerceInteger(v: unknown): FieldValue {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim();
    if (INT_RE.test(s)) {
      const n = Number(s);
      return Number.isSafeInteger(n) ? n : s.replace(/^\+/, '').replace(/^(-?)0+(?=\d)/, '$1');
    }
    return v;
  }
  return v as FieldValue;
}

function coerceBool(v: unknown): FieldValue {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === '1') return true;
  if (v === 0 || v === '0') return false;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return v as FieldValue;
}

function toExactString(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number' && Number.isFinite(v))
    return Number.isSafeInteger(v) || !Number.isInteger(v) ? String(v) : undefined;
  return undefined;
}

/**
 * Normalise one raw row of a known table into an {@link MdeEvent}: null spellings unified, integers
 * exact, booleans real, datetimes canonical, JSON-in-text columns left for lazy parsing, unknown
 * columns kept. Returns a {@link RowProblem} when the row cannot be an event (no usable Timestamp,
 * no device).
 */
export function normalizeRow(
  row: Readonly<Record<string, unknown>>,
  table: TableName,
  source: SourceRef,
  nulls: NullSpellings = {},
): MdeEvent | RowProblem {
  const types = typeMap(table);
  const values: Record<string, FieldValue> = {};
  // The Timestamp column is parsed in the loop; its parse is reused below instead of parsing twice.
  let timestampParse: ParsedTime | undefined;
  for (const key in row) {
    let v = row[key];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v === 'string' && nulls.noneIsNull && v === 'None') continue;
    const type = types.get(key);
    switch (type) {
      case 'long':
      case 'int':
        v = coerceInteger(v);
        break;
      case 'bool':
        v = coerceBool(v);
        break;
      case 'datetime':
        if (typeof v === 'string') {
          if (v === 'Invalid date' && (nulls.invalidDateIsNull ?? true)) continue;
          const t = parseTimestamp(v);
          if (t) {
            if (key === 'Timestamp') timestampParse = t;
            v = t.iso;
          }
        }
        break;
      case 'string':
        if (typeof v === 'number' || typeof v === 'boolean') v = String(v);
        break;
      default:
        break;
    }
    values[key] = v as FieldValue;
  }

  const rawTs = row.Timestamp;
  if (
    rawTs === undefined ||
    rawTs === null ||
    rawTs === '' ||
    rawTs === 'Invalid date' ||
    (nulls.noneIsNull && rawTs === 'None')
  ) {
    return { code: 'missing-timestamp', reason: 'row has no Timestamp' };
  }
  const tsText = String(rawTs);
  const parsed = timestampParse !== undefined && rawTs === tsText ? timestampParse : parseTimestamp(tsText);
  if (!parsed)
    return { code: 'invalid-timestamp', reason: `Timestamp ${JSON.stringify(tsText.slice(0, 64))} is not a date` };

  const deviceId = toExactString(values.DeviceId);
  const deviceName = toExactString(values.DeviceName);
  if (deviceId === undefined && deviceName === undefined) {
    return { code: 'missing-device', reason: 'row has neither DeviceId nor DeviceName' };
  }
  const reportId = toExactString(values.ReportId);
  if (reportId !== undefined) values.ReportId = reportId;
  const actionType = typeof values.ActionType === 'string' ? values.ActionType : undefined;

  return new MdeEvent({
    table,
    timestamp: parsed.iso,
    timestampRaw: tsText,
    time: parsed.ms,
    ticks: parsed.ticks,
    deviceId: deviceId ?? (deviceName as string),
    deviceName: deviceName ?? (deviceId as string),
    actionType,
    reportId,
    source,
    values,
  });
}

/** True when `value` is a {@link RowProblem} rather than an event. */
export function isRowProblem(value: MdeEvent | RowProblem): value is RowProblem {
  return !(value instanceof MdeEvent);
}
