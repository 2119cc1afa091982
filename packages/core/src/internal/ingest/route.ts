import type { SourceRef } from '../model/event.js';
import { isRowProblem, type NullSpellings, normalizeOwnedRow, type RejectCode } from '../model/normalize.js';
import type { TableName } from '../model/tables.js';
import {
  foldUnionColumns,
  inferTable,
  isUncataloguedColumn,
  NAMING_COLUMNS,
  type NamedTable,
  resolveTableName,
  unionBase,
} from './infer.js';
import type { IngestNotice, IngestSink } from './types.js';

const NO_NULLS: NullSpellings = Object.freeze({});
const AZ_NULLS: NullSpellings = Object.freeze({ noneIsNull: true });
/** Null spellings of the Defender portal CSV export. */
export const CSV_NULLS: NullSpellings = Object.freeze({ invalidDateIsNull: true });

const CATEGORY_PREFIX = 'advancedhunting-';
/**
 * Categories seen, across runs: bounded by count and by key length (a real category is under 64
 * characters), so an input of long or ever-new categories cannot grow it.
 */
const CATEGORY_CACHE = new Map<string, Exclude<NamedTable, undefined> | null>();
const CATEGORY_CACHE_ENTRIES = 256;
const CATEGORY_CACHE_KEY_CHARS = 128;

/** Table named by a streaming-API `category` (`AdvancedHunting-DeviceProcessEvents`); cached, categories repeat. */
function categoryTable(category: string): Exclude<NamedTable, undefined> | null {
  if (category.length > CATEGORY_CACHE_KEY_CHARS) return resolveCategory(category);
  let hit = CATEGORY_CACHE.get(category);
  if (hit === undefined) {
    hit = resolveCategory(category);
    if (CATEGORY_CACHE.size < CATEGORY_CACHE_ENTRIES) CATEGORY_CACHE.set(category, hit);
  }
  return hit;
}

function resolveCategory(category: string): Exclude<NamedTable, undefined> | null {
  const name = category.toLowerCase().startsWith(CATEGORY_PREFIX) ? category.slice(CATEGORY_PREFIX.length) : category;
  return resolveTableName(name) ?? null;
}

/** Longest text quoted from the input in a reason, and longest reason kept. */
const QUOTE_CHARS = 120;
const REASON_CHARS = 480;

/** Cut `text` to `max` UTF-16 units without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  let end = max;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return text.slice(0, end);
}

/** `value` as a JSON string, clipped: a rejection keeps a short copy of what was wrong, never the whole value. */
export function quoteClipped(value: string, max = QUOTE_CHARS): string {
  if (value.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(cut(value, max))}… (${value.length - max} more characters)`;
}

/** `text` clipped to {@link QUOTE_CHARS}, unquoted (a table name). */
function clipText(text: string): string {
  return text.length <= QUOTE_CHARS
    ? text
    : `${cut(text, QUOTE_CHARS)}… (${text.length - QUOTE_CHARS} more characters)`;
}

/** A reason no longer than {@link REASON_CHARS} (plus a note of what was cut). */
export function clipReason(reason: string): string {
  if (reason.length <= REASON_CHARS) return reason;
  const kept = cut(reason, REASON_CHARS);
  return `${kept}… (${reason.length - kept.length} more characters)`;
}

type Row = Record<string, unknown>;

const isObject = (v: unknown): v is Row => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A row (a streaming record or a bare row) rather than an envelope: a row may carry a stray
 * `records` or `Results` key, and is still one row.
 */
function looksLikeRow(v: Row): boolean {
  if (typeof v.category === 'string' && isObject(v.properties)) return true;
  return (
    Object.hasOwn(v, 'Timestamp') ||
    Object.hasOwn(v, 'DeviceId') ||
    Object.hasOwn(v, 'DeviceName') ||
    Object.hasOwn(v, 'ActionType')
  );
}

/**
 * az CLI rows (`az monitor log-analytics query`): every value is Python `str()`-ed, so null is the text
 * `None`. Recognised per row when every value is a string and either some value is `None` or the
 * row carries az's leading `TableName` key. Native Log Analytics rows carry real numbers/booleans
 * (`ReportId`, `IsProcessRemoteSession`…) and so never match; the price is that a genuine `"None"`
 * text in an az row (macOS `ProcessTokenElevation`) reads as null, which az itself made ambiguous.
 */
function isAzRow(row: Row): boolean {
  let none = false;
  for (const key in row) {
    const v = row[key];
    if (typeof v !== 'string') return false;
    if (v === 'None') none = true;
  }
  return none || 'TableName' in row;
}

function hasUnionKey(row: Row): boolean {
  for (const key in row) if (key.includes('_', 1) && unionBase(key) !== undefined) return true;
  return false;
}

/**
 * Turns parsed input values into events or rejections, in input order, and keeps the counts.
 * Shared by every reader: a value may be a bare row, a streaming-API record, or an envelope of
 * rows (`{"records"}`, `{"Schema","Results"}`, `{"tables"}`), wherever it appears.
 */
export class Router {
  rowsRead = 0;
  events = 0;
  rejected = 0;
  /**
   * True once the input showed the row container of an export (an envelope's row array, a JSON
   * array, a CSV header of catalogued columns): such an input with no row is an empty export.
   */
  container = false;
  /** Column discovered as `union withsource=` on the first bare row; null when there is none. */
  #withsource: string | null | undefined;

  /**
   * The `union withsource=` column: undefined until the first bare row that names no table settles
   * it. Set by a reader that sees only some of an input's rows (a shard), from the reader that saw
   * the row that settled it, so that every part reads the rows as one reader would.
   */
  get withsource(): string | null | undefined {
    return this.#withsource;
  }

  set withsource(column: string | null | undefined) {
    this.#withsource = column;
  }

  constructor(
    private readonly sink: IngestSink,
    readonly source: string,
    /** Apply the az CLI null rule to bare rows (array-shaped Log Analytics inputs). */
    private readonly sentinel: boolean,
    /** Table of bare rows that name none (the caller's `table` option); inference otherwise. */
    private readonly defaultTable?: TableName,
  ) {}

  #ref(line: number | undefined, record: number | undefined): SourceRef {
    if (line !== undefined)
      return record !== undefined ? { source: this.source, line, record } : { source: this.source, line };
    return record !== undefined ? { source: this.source, record } : { source: this.source };
  }

  /** Tell the sink something about the whole input (truncated, damaged); rows are not counted. */
  notice(code: IngestNotice['code'], message: string, line?: number): void {
    this.sink.notice?.({
      code,
      message: `${this.source}: ${message}`,
      source: this.source,
      ...(line !== undefined ? { line } : {}),
    });
  }

  /** Count a row as read and rejected. */
  reject(line: number | undefined, record: number | undefined, code: RejectCode, reason: string): void {
    this.rowsRead++;
    this.rejected++;
    this.sink.rejected({ ...this.#ref(line, record), code, reason: clipReason(reason) });
  }

  /**
   * A parsed JSON value that stands alone (an NDJSON line, an element of a top-level array, a whole
   * document that is one object): envelopes are opened, anything else is one row.
   */
  value(v: unknown, line: number | undefined, record: number | undefined, sentinel = this.sentinel): void {
    if (isObject(v) && !looksLikeRow(v)) {
      const records = v.records;
      if (Array.isArray(records)) {
        this.container = true;
        for (let i = 0; i < records.length; i++) this.row(records[i], line, i + 1, false);
        return;
      }
      const results = v.Results ?? v.results;
      if (Array.isArray(results)) {
        this.container = true;
        for (let i = 0; i < results.length; i++) this.row(results[i], line, i + 1, false);
        return;
      }
      const tables = v.tables ?? v.Tables;
      if (Array.isArray(tables) && tables.every((t) => isObject(t) && Array.isArray(t.rows ?? t.Rows))) {
        let n = 0;
        this.container = true;
        for (const t of tables as Row[]) {
          const columns = columnNames(t.columns ?? t.Columns);
          for (const cells of (t.rows ?? t.Rows) as unknown[]) this.positional(cells, columns, line, ++n);
        }
        return;
      }
    }
    this.row(v, line, record, sentinel);
  }

  /** A Log Analytics REST row: positional cells named by the table's `columns`. */
  positional(
    cells: unknown,
    columns: readonly string[] | undefined,
    line: number | undefined,
    record: number | undefined,
  ): void {
    if (!Array.isArray(cells)) {
      this.reject(line, record, 'not-a-row', 'Log Analytics row is not an array of cells');
      return;
    }
    if (columns === undefined) {
      this.reject(line, record, 'not-a-row', 'Log Analytics rows come without their columns');
      return;
    }
    if (cells.length !== columns.length) {
      this.reject(
        line,
        record,
        'not-a-row',
        `Log Analytics row has ${cells.length} cells for ${columns.length} columns`,
      );
      return;
    }
    const row: Row = {};
    for (let i = 0; i < columns.length; i++) {
      const name = columns[i] as string;
      if (name !== '__proto__') row[name] = cells[i];
    }
    this.row(row, line, record, false);
  }

  /** One row: a streaming-API record (table from `category`) or a bare row (table named or inferred). */
  row(
    v: unknown,
    line: number | undefined,
    record: number | undefined,
    sentinel: boolean,
    nulls: NullSpellings = NO_NULLS,
  ): void {
    if (!isObject(v)) {
      const what = Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`;
      this.reject(line, record, 'not-a-row', `expected a row object, found ${what}`);
      return;
    }
    const category = v.category;
    const properties = v.properties;
    if (typeof category === 'string' && isObject(properties)) {
      const named = categoryTable(category);
      if (named === null)
        this.reject(line, record, 'unknown-table', `category ${quoteClipped(category)} names no Defender table`);
      else if ('foreign' in named)
        this.reject(
          line,
          record,
          'unsupported-table',
          `row belongs to ${clipText(named.foreign)}, which tripline does not analyse`,
        );
      else this.#emit(properties, named.table, line, record, nulls);
      return;
    }
    this.#bare(v, line, record, sentinel && isAzRow(v) ? AZ_NULLS : nulls);
  }

  #bare(row: Row, line: number | undefined, record: number | undefined, nulls: NullSpellings): void {
    let named: NamedTable;
    let namingKey: string | undefined;
    for (const col of NAMING_COLUMNS) {
      const t = row[col];
      if (typeof t === 'string' && t !== '') {
        named = resolveTableName(t);
        if (named) {
          namingKey = col;
          break;
        }
      }
    }
    if (namingKey === undefined) {
      if (this.#withsource === undefined) this.#withsource = discoverWithsource(row);
      if (this.#withsource !== null) {
        const t = row[this.#withsource];
        if (typeof t === 'string' && t !== '') {
          named = resolveTableName(t);
          if (named) namingKey = this.#withsource;
        }
      }
    }

    let table: TableName;
    let fold: boolean;
    if (named !== undefined) {
      if ('foreign' in named) {
        this.reject(
          line,
          record,
          'unsupported-table',
          `row belongs to ${clipText(named.foreign)}, which tripline does not analyse`,
        );
        return;
      }
      table = named.table;
      fold = hasUnionKey(row);
    } else if (this.defaultTable !== undefined) {
      table = this.defaultTable;
      fold = hasUnionKey(row);
    } else {
      const inferred = inferTable(row, nulls.noneIsNull === true);
      if ('code' in inferred) {
        this.reject(line, record, inferred.code, inferred.reason);
        return;
      }
      table = inferred.table;
      fold = inferred.unionSuffixes;
    }
    const out = fold ? foldUnionColumns(row, table) : row;
    // The naming column was consumed like an envelope's `category`; event.table carries it.
    if (namingKey !== undefined) delete out[namingKey];
    this.#emit(out, table, line, record, nulls);
  }

  #emit(row: Row, table: TableName, line: number | undefined, record: number | undefined, nulls: NullSpellings): void {
    this.rowsRead++;
    // The row was parsed or built by the reader and nothing else holds it: the event may keep it.
    const result = normalizeOwnedRow(row, table, Object.freeze(this.#ref(line, record)), nulls);
    if (isRowProblem(result)) {
      this.rejected++;
      this.sink.rejected({ ...this.#ref(line, record), code: result.code, reason: clipReason(result.reason) });
    } else {
      this.events++;
      this.sink.event(result);
    }
  }
}

/** A `union withsource=X` column: not in any catalog, and its value on the first row is a table name. */
function discoverWithsource(row: Row): string | null {
  for (const key in row) {
    const v = row[key];
    if (typeof v === 'string' && v !== '' && v.length < 64 && isUncataloguedColumn(key) && resolveTableName(v))
      return key;
  }
  return null;
}

/** Column names of a Schema / columns list: `[{Name|name, Type|type}]` or plain strings. */
export function columnNames(list: unknown): string[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: string[] = [];
  for (const c of list) {
    if (typeof c === 'string') out.push(c);
    else if (isObject(c)) {
      const n = c.name ?? c.Name ?? c.ColumnName;
      out.push(typeof n === 'string' ? n : '');
    } else out.push('');
  }
  return out;
}
