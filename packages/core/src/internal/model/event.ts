import { parseJsonExactFrozen } from '../json/exact.js';
import { buildPosix, POSIX_COLUMNS, sharedPosix } from './posix.js';
import type { ColumnType, TableName } from './tables.js';
import { TABLE_COLUMNS } from './tables.js';
import { type NullSpellings, normalizeValue } from './values.js';

/** A JSON value as it appears in an event. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A normalised column value: 64-bit integers beyond 2^53 are decimal strings, datetimes canonical ISO strings. */
export type FieldValue = JsonValue;

/** Where a row came from: the input's name and its 1-based line (line formats) or record index (array formats). */
export interface SourceRef {
  readonly source: string;
  readonly line?: number;
  readonly record?: number;
}

/** A POSIX account as Defender reports it inside `AdditionalFields`. */
export interface PosixAccount {
  readonly name?: string;
  readonly uid?: number;
  readonly sid?: string;
  readonly domain?: string;
  readonly primaryGroup?: PosixGroup;
}

/** A POSIX group (`Name` + `PosixGroupId`). */
export interface PosixGroup {
  readonly name?: string;
  readonly gid?: number;
}

/** POSIX context of one process (initiating or created). */
export interface PosixProcess {
  readonly effectiveUser?: PosixAccount;
  readonly realUser?: PosixAccount;
  readonly effectiveGroup?: PosixGroup;
  readonly workingDirectory?: string;
  readonly terminal?: string;
  readonly processGroupId?: number;
  readonly sessionId?: number;
}

/** Linux/macOS fields that Defender stores inside `AdditionalFields` (or, when a query extended them, as columns). */
export interface PosixInfo {
  readonly initiatingProcess: PosixProcess;
  readonly process: PosixProcess;
  /** DeviceLogonEvents: `Terminal`, `PosixUserId`, primary group. */
  readonly logon: { readonly terminal?: string; readonly uid?: number; readonly primaryGroup?: PosixGroup };
}

const JSON_COLUMN_CACHE = new Map<TableName, ReadonlySet<string>>();
function jsonColumns(table: TableName): ReadonlySet<string> {
  let set = JSON_COLUMN_CACHE.get(table);
  if (!set) {
    set = new Set(
      Object.entries(TABLE_COLUMNS[table])
        .filter(([, t]) => t === 'json')
        .map(([c]) => c),
    );
    JSON_COLUMN_CACHE.set(table, set);
  }
  return set;
}

/** Parse a JSON-in-text column value: objects pass through, `""`/`"[]"`/`"{}"` are handled, double encoding is undone. */
export function parseJsonColumn(value: unknown): JsonValue {
  // Objects that were never text (Log Analytics JSON rows) are frozen here; parsed ones already are.
  return deepFreeze(decodeJsonColumn(value, parseJsonExactFrozen));
}

/**
 * The decoding of {@link parseJsonColumn} with the parser given: the exact, frozen one for values
 * handed out, or plain `JSON.parse` for a value read here once and dropped (the POSIX view copies
 * the few keys it needs, and turns integers beyond 2^53 into "not reported" itself).
 */
function decodeJsonColumn(value: unknown, parse: (text: string) => unknown): JsonValue {
  let current: unknown = value;
  for (let i = 0; i < 3 && typeof current === 'string'; i++) {
    const text = current.trim();
    if (text === '') return null;
    const first = text[0];
    if (first !== '{' && first !== '[' && first !== '"') return current as string;
    try {
      current = parse(text);
    } catch {
      return current as string;
    }
  }
  return current as JsonValue;
}

/** Freeze a value and everything in it. Iterative: a row may nest 100,000 levels deep. */
function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (current === null || typeof current !== 'object' || Object.isFrozen(current)) continue;
    Object.freeze(current);
    for (const key of Object.keys(current)) pending.push((current as Record<string, unknown>)[key]);
  }
  return value;
}

let release: (event: MdeEvent) => void;
let project: (event: MdeEvent, keep: ReadonlySet<string>) => MdeEvent;
let parts: (event: MdeEvent) => { raw: Readonly<Record<string, unknown>>; nulls: NullSpellings };
/** The POSIX view of an event built from its own row (see `MdeEvent.posix`). */
let posixOf: (event: MdeEvent) => PosixInfo;

/**
 * A string that keeps no larger text alive: V8 cuts strings of 13 or more characters as views of
 * the text they come from (a CSV chunk, say). Prepending a character makes a pair that `slice`
 * copies into one new string before cutting, so the answer holds only its own characters.
 */
export function flat(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1);
}

/**
 * A copy of `event` with only the `keep` columns of its row (identity fields as they are): what the
 * engine keeps as evidence, so that an alert does not hold the whole row. The values are the row's
 * own; the readers make them flat (see {@link flat}), so none keeps the input text alive.
 * @internal
 */
export function projectEvent(event: MdeEvent, keep: ReadonlySet<string>): MdeEvent {
  return project(event, keep);
}

/**
 * The row an event owns and the null spellings of its reader: what the engine's saved state needs to
 * build the same event again in a later batch (`state/engine-state.ts`). Never handed to detectors.
 * @internal
 */
export function eventParts(event: MdeEvent): {
  readonly raw: Readonly<Record<string, unknown>>;
  readonly nulls: NullSpellings;
} {
  return parts(event);
}

/**
 * Drop what an event parsed on demand (`AdditionalFields` and other JSON columns, the POSIX view);
 * it is parsed again if asked for. The engine calls this on events it keeps as evidence once every
 * detector has seen them, so that a long run does not hold thousands of parsed copies.
 * @internal
 */
export function releaseParseCaches(event: MdeEvent): void {
  release(event);
}

/**
 * One normalised Defender event. Immutable: detectors receive the same instance and cannot change
 * what another detector sees. Column names are Microsoft's, exactly.
 */
export class MdeEvent {
  /** The table the row belongs to. */
  readonly table: TableName;
  /** Canonical ISO 8601 UTC `Timestamp`, fractional digits as given. */
  readonly timestamp: string;
  /** `Timestamp` exactly as it was in the input. */
  readonly timestampRaw: string;
  /** Epoch milliseconds of `Timestamp`. */
  readonly time: number;
  /** Sub-millisecond 100 ns ticks of `Timestamp` (0–9999). */
  readonly ticks: number;
  /** `DeviceId` (or the `DeviceName` when the row has no id). */
  readonly deviceId: string;
  /** `DeviceName` (or the `DeviceId` when the row has no name). */
  readonly deviceName: string;
  /** `ActionType`; undefined for DeviceInfo and DeviceNetworkInfo. */
  readonly actionType: string | undefined;
  /** `ReportId`, exact, as a decimal string. */
  readonly reportId: string | undefined;
  /** Where the row came from. */
  readonly source: SourceRef;

  /** The row as read (owned by this event, never handed out); columns are normalised when read. */
  readonly #raw: Readonly<Record<string, unknown>>;
  readonly #types: ReadonlyMap<string, ColumnType>;
  readonly #nulls: NullSpellings;
  /** Parsed `AdditionalFields` (the JSON column nearly every detector reads), then the others. */
  #additionalFields: JsonValue | undefined;
  #parsed: Map<string, JsonValue> | undefined;
  #posix: PosixInfo | undefined;

  static {
    release = (event) => {
      event.#additionalFields = undefined;
      event.#parsed = undefined;
      event.#posix = undefined;
    };
    parts = (event) => ({ raw: event.#raw, nulls: event.#nulls });
    posixOf = (event) => {
      // The POSIX view needs a few keys of AdditionalFields: when no detector has asked for the whole
      // (exact, frozen) value yet, a plain parse that is dropped afterwards is enough.
      const parsed =
        event.#additionalFields !== undefined
          ? event.#additionalFields
          : decodeJsonColumn(event.#value('AdditionalFields'), JSON.parse);
      return buildPosix((key) => event.#value(key), parsed, parseJsonColumn);
    };
    project = (event, keep) => {
      const from = event.#raw;
      const raw: Record<string, unknown> = {};
      // In the row's own order: the report lists an evidence row's columns as the input had them.
      for (const column of Object.keys(from)) {
        if (!keep.has(column)) continue;
        const v = from[column];
        Object.defineProperty(raw, column, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return new MdeEvent({
        table: event.table,
        timestamp: event.timestamp,
        timestampRaw: event.timestampRaw,
        time: event.time,
        ticks: event.ticks,
        deviceId: event.deviceId,
        deviceName: event.deviceName,
        actionType: event.actionType,
        reportId: event.reportId,
        source: event.source,
        raw,
        types: event.#types,
        nulls: event.#nulls,
      });
    };
  }

  /** @internal Built by the ingest path; use `@tripline/core/testing` to make events in tests. */
  constructor(init: {
    table: TableName;
    timestamp: string;
    timestampRaw: string;
    time: number;
    ticks: number;
    deviceId: string;
    deviceName: string;
    actionType: string | undefined;
    reportId: string | undefined;
    source: Readonly<SourceRef>;
    raw: Readonly<Record<string, unknown>>;
    types: ReadonlyMap<string, ColumnType>;
    nulls: NullSpellings;
  }) {
    this.table = init.table;
    this.timestamp = init.timestamp;
    this.timestampRaw = init.timestampRaw;
    this.time = init.time;
    this.ticks = init.ticks;
    this.deviceId = init.deviceId;
    this.deviceName = init.deviceName;
    this.actionType = init.actionType;
    this.reportId = init.reportId;
    this.source = Object.isFrozen(init.source) ? init.source : Object.freeze({ ...init.source });
    this.#raw = init.raw;
    this.#types = init.types;
    this.#nulls = init.nulls;
    // Frozen so that one detector cannot change the event another detector sees next.
    Object.freeze(this);
  }

  /**
   * The normalised value of `column` (JSON-in-text still as text), or undefined when the row has
   * none: null in any spelling, or a name only the prototype of a plain object has.
   */
  #value(column: string): FieldValue | undefined {
    const v = this.#raw[column];
    if (v === undefined || v === null || v === '') return undefined;
    if ((typeof v === 'object' || typeof v === 'function') && !Object.hasOwn(this.#raw, column)) return undefined;
    switch (column) {
      case 'Timestamp':
        return this.timestamp;
      case 'ReportId':
        if (this.reportId !== undefined) return this.reportId;
        break;
    }
    return normalizeValue(v, this.#types.get(column), this.#nulls);
  }

  /** True when the row has a non-null value for `column`. */
  has(column: string): boolean {
    return this.#value(column) !== undefined;
  }

  /** A column's normalised value; JSON-in-text columns come back parsed (once, then cached). */
  get(column: string): FieldValue | undefined {
    const v = this.#value(column);
    if (v === undefined) return undefined;
    if (typeof v === 'string' && jsonColumns(this.table).has(column)) return this.json(column);
    if (typeof v === 'object') return this.json(column);
    return v;
  }

  /** A column as text (numbers and booleans are stringified; objects are not). */
  str(column: string): string | undefined {
    const v = this.#value(column);
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return undefined;
  }

  /** A column as a number when it is a safe integer or a finite number. */
  num(column: string): number | undefined {
    const v = this.#value(column);
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v !== '' && !Number.isNaN(Number(v))) {
      const n = Number(v);
      return Number.isSafeInteger(n) || !/^-?\d+$/.test(v) ? n : undefined;
    }
    return undefined;
  }

  /** A JSON-in-text column parsed (objects, `""`, `"[]"`, `"{}"`, double encoding handled). Frozen. */
  json(column: string): JsonValue | undefined {
    // AdditionalFields is asked for many times per event (every key): cache first.
    if (column === 'AdditionalFields' && this.#additionalFields !== undefined) return this.#additionalFields;
    const raw = this.#value(column);
    if (raw === undefined) return undefined;
    if (column === 'AdditionalFields') {
      this.#additionalFields = parseJsonColumn(raw);
      return this.#additionalFields;
    }
    this.#parsed ??= new Map();
    const hit = this.#parsed.get(column);
    if (hit !== undefined) return hit;
    const parsed = parseJsonColumn(raw);
    this.#parsed.set(column, parsed);
    return parsed;
  }

  /** The parsed `AdditionalFields` object, or an empty object. */
  get additionalFields(): Readonly<Record<string, JsonValue>> {
    const v = this.json('AdditionalFields');
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : EMPTY;
  }

  /**
   * A key of `AdditionalFields`, or the column of the same name when a query extended it to the top
   * level. Values that are themselves JSON text (double encoding) are decoded.
   */
  additional(key: string): JsonValue | undefined {
    const top = this.#value(key);
    const v = top !== undefined ? top : this.additionalFields[key];
    if (typeof v === 'string') {
      const t = v.trimStart();
      if (t.startsWith('{') || t.startsWith('[')) return parseJsonColumn(v);
    }
    return v;
  }

  /**
   * A text key of `AdditionalFields` exactly as written (no JSON decoding): script bodies and command
   * text that may start with `[` or `{` stay text.
   */
  additionalText(key: string): string | undefined {
    const top = this.#value(key);
    const v = top !== undefined ? top : this.additionalFields[key];
    return typeof v === 'string' ? v : undefined;
  }

  /**
   * POSIX (Linux/macOS) context of the row, from `AdditionalFields` or extended columns. Rows whose
   * context comes from `AdditionalFields` alone share one frozen view per text (model/posix.ts).
   */
  get posix(): PosixInfo {
    if (this.#posix) return this.#posix;
    const text = this.#value('AdditionalFields');
    let shared = typeof text === 'string';
    // A row with one of the view's keys as a column of its own (a query extended it) is not shared.
    for (let i = 0; shared && i < POSIX_COLUMNS.length; i++)
      if (this.#value(POSIX_COLUMNS[i]!) !== undefined) shared = false;
    this.#posix = shared ? sharedPosix(text as string, posixOf, this) : posixOf(this);
    return this.#posix;
  }

  /** The column names present on the row (non-null). */
  columns(): string[] {
    return Object.keys(this.#raw).filter((k) => this.has(k));
  }

  /** Every non-null column, JSON-in-text columns parsed: the normalised row. */
  toRecord(): Record<string, FieldValue> {
    const out: Record<string, FieldValue> = {};
    for (const key of Object.keys(this.#raw)) {
      const v = this.get(key);
      if (v === undefined || v === null) continue;
      // A `__proto__` column stays a column: assignment would set the record's prototype instead.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
    }
    return out;
  }

  /** JSON form: table, timing, identity and the normalised row. */
  toJSON(): Record<string, unknown> {
    return {
      table: this.table,
      timestamp: this.timestamp,
      deviceId: this.deviceId,
      deviceName: this.deviceName,
      actionType: this.actionType,
      reportId: this.reportId,
      fields: this.toRecord(),
    };
  }
}

const EMPTY: Readonly<Record<string, JsonValue>> = Object.freeze({});
