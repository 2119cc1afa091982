import type { FieldValue } from './event.js';
import type { ColumnType, TableName } from './tables.js';
import { TABLE_COLUMNS } from './tables.js';
import { parseTimestamp } from './time.js';

/** How a reader spells null in its format; `null`, absent keys and `""` are always null. */
export interface NullSpellings {
  /** az CLI writes every null as the text `None`. */
  readonly noneIsNull?: boolean;
  /** The portal CSV writes null datetimes as `Invalid date`. */
  readonly invalidDateIsNull?: boolean;
}

const TYPE_MAPS = new Map<TableName, ReadonlyMap<string, ColumnType>>();
export function typeMap(table: TableName): ReadonlyMap<string, ColumnType> {
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

/**
 * The normalised form of one raw column value, or `undefined` when it is null in any spelling:
 * integers exact (safe ones as numbers, larger ones as decimal strings), booleans real, datetimes
 * canonical ISO, numbers in text columns as text. JSON-in-text columns and unknown columns are
 * returned as they are (the event parses JSON lazily).
 */
export function normalizeValue(v: unknown, type: ColumnType | undefined, nulls: NullSpellings): FieldValue | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  switch (type) {
    case 'long':
    case 'int':
      if (typeof v === 'number') return v;
      if (v === 'None' && nulls.noneIsNull) return undefined;
      return coerceInteger(v);
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (v === 'None' && nulls.noneIsNull) return undefined;
      return coerceBool(v);
    case 'datetime':
      if (typeof v === 'string') {
        if (v === 'None' && nulls.noneIsNull) return undefined;
        if (v === 'Invalid date' && (nulls.invalidDateIsNull ?? true)) return undefined;
        const t = parseTimestamp(v);
        return t ? t.iso : v;
      }
      return v as FieldValue;
    case 'string':
      if (typeof v === 'string') return v === 'None' && nulls.noneIsNull ? undefined : v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      return v as FieldValue;
    default:
      if (v === 'None' && nulls.noneIsNull) return undefined;
      return v as FieldValue;
  }
}
