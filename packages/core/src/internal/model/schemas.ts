import { z } from 'zod';
import type { ColumnType, TableName } from './tables.js';
import { TABLE_COLUMNS, TABLE_NAMES } from './tables.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/;
const DECIMAL = /^-?\d+$/;

const COLUMN_SCHEMAS: Readonly<Record<ColumnType, z.ZodType>> = {
  string: z.string(),
  // Exact: a safe integer as a number, anything wider as its decimal string.
  long: z.union([z.number().int(), z.string().regex(DECIMAL)]),
  int: z.union([z.number().int(), z.string().regex(DECIMAL)]),
  datetime: z.string().regex(ISO_UTC, 'canonical ISO 8601 UTC timestamp'),
  bool: z.boolean(),
  json: z.unknown(),
};

function build(table: TableName): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [column, type] of Object.entries(TABLE_COLUMNS[table])) {
    shape[column] = COLUMN_SCHEMAS[type].optional();
  }
  shape.Timestamp = COLUMN_SCHEMAS.datetime;
  shape.ReportId = z.string().regex(DECIMAL).optional();
  // Unknown extra columns are kept, not dropped.
  return z.object(shape).catchall(z.unknown()) as unknown as z.ZodType<Record<string, unknown>>;
}

/**
 * zod schemas of the *normalised* rows of each table (what `MdeEvent.toRecord()` returns): the
 * documented columns with their types, unknown columns allowed. Ingestion coerces raw values itself
 * (a hand-written pass is several times faster than running zod per row); these schemas state and
 * test the result, and `@tripline/core/testing` checks fixtures against them.
 */
export const tableSchemas: Readonly<Record<TableName, z.ZodType<Record<string, unknown>>>> = Object.freeze(
  Object.fromEntries(TABLE_NAMES.map((t) => [t, build(t)])) as Record<TableName, z.ZodType<Record<string, unknown>>>,
);

/** The zod schema of one table's normalised rows. */
export function tableSchema(table: TableName): z.ZodType<Record<string, unknown>> {
  return tableSchemas[table];
}
