/**
 * The engine's state across batches: what a later batch of the same stream needs to go on counting as
 * if it had read the earlier batches itself — every alert subject (group) with its counts, span,
 * severity, declared-evidence accumulators, evidence sample and window timeline; every device's state
 * (latest DeviceInfo, adapters, counts: `onDevice` detectors run on it at the end of each batch); the
 * duplicate-row window; the run's counts and watermark; the position reached in each named source.
 *
 * Records are JSON, versioned ({@link ENGINE_STATE_VERSION}) and deterministic (the same stream gives
 * the same records, byte for byte). Keys are JSON arrays that start with the stream name, so one store
 * can hold several streams:
 *
 * | namespace | key | value |
 * |---|---|---|
 * | `meta` | `[stream, "engine"]` | {@link EngineMetaRecord}: version, detector set, counts, watermark, dedupe chunks |
 * | `groups` | `[stream, alertId]` | {@link GroupRecord}, compressed (`{ z }`: `zrecord.ts`; one per group: a batch writes only the groups it touched) |
 * | `devices` | `[stream, deviceId]` | {@link DeviceRecord}, compressed |
 * | `dedupe` | `[stream, chunk]` | identities of the rows of one batch (`chunk`: 10-digit sequence), compressed |
 * | `sources` | `[stream, source name]` | {@link SourceRecord}: rows and bytes read |
 *
 * Groups are saved as they stand before the end-of-input phases (`onDevice`, `correlate`): those run
 * again at the end of every batch over the saved device state and groups, so they are never counted
 * twice.
 */
import { createHash } from 'node:crypto';
import { diagnostic } from '../catalog.js';
import type { EvidenceValue } from '../detector/types.js';
import type { RunCounts } from '../engine/assemble.js';
import type { DedupeWindow } from '../engine/dedupe.js';
import { DeviceAcc } from '../engine/device.js';
import type { GroupMap } from '../engine/group-map.js';
import { alertId } from '../engine/render.js';
import type { Runtime } from '../engine/runtime.js';
import { ERROR_CODES, TriplineError } from '../errors.js';
import { eventParts, type JsonValue, type MdeEvent } from '../model/event.js';
import { isRowProblem, type NullSpellings, normalizeOwnedRow } from '../model/normalize.js';
import { TABLE_NAMES, type TableName } from '../model/tables.js';
import { compareInstants } from '../model/time.js';
import type { Diagnostic } from '../report/types.js';
import type { Severity } from '../severity.js';
import type { StateNamespace, StateOptions, StateStore, StateWrite } from './types.js';
import { packRecord, unpackRecord } from './zrecord.js';

/** The stream state of each analyzer created with `state`. */
const REGISTRY = new WeakMap<object, StreamState>();

/**
 * Layout of the engine's records. A newer one is refused (`state-schema-newer`); v1 (group, device and
 * dedupe records as plain JSON) is read as it is; what a batch writes is v2 (compressed, `zrecord.ts`).
 */
export const ENGINE_STATE_VERSION = 2;

/**
 * An event as saved: `[id, table, row, source, line, record, nulls]`, trailing empty fields left out
 * (`line`/`record` null when absent; `nulls`: 1 = `None` is null, 2 = `Invalid date` is not null).
 * `id` numbers the event objects of the stream: records that held one object (a row several alerts
 * kept, a DeviceInfo row that is also evidence) get one object back, and two reads of one row stay two.
 */
export type EncodedEvent =
  | [number, TableName, JsonValue, string]
  | [number, TableName, JsonValue, string, number | null]
  | [number, TableName, JsonValue, string, number | null, number | null]
  | [number, TableName, JsonValue, string, number | null, number | null, number];

/**
 * The rows of a group's sample after the first as changes to the row before: `["~", i, v, …]` stands
 * for the previous row (same columns in the same order) with the value at column index `i` replaced
 * by `v`. Rows of one alert subject share most values (device, script, command line), so the sample
 * costs about one row. A row with other columns is kept whole (an object, never an array).
 */
export function packRows(events: readonly EncodedEvent[]): EncodedEvent[] {
  const out: EncodedEvent[] = [];
  let prevKeys: string[] | undefined;
  let prevTexts: (string | undefined)[] | undefined;
  for (const e of events) {
    const raw = e[2] as Record<string, JsonValue>;
    const keys = Object.keys(raw);
    const texts = keys.map((k) => JSON.stringify(raw[k]) as string | undefined);
    // A value JSON cannot hold (undefined) drops its key from the saved row: such rows stay whole.
    if (texts.includes(undefined)) {
      out.push(e);
      prevKeys = prevTexts = undefined;
      continue;
    }
    if (prevKeys && prevTexts && keys.length === prevKeys.length && keys.every((k, i) => k === prevKeys![i])) {
      const delta: JsonValue[] = ['~'];
      for (let i = 0; i < keys.length; i++) if (texts[i] !== prevTexts[i]) delta.push(i, raw[keys[i]!]!);
      const packed = [...e] as EncodedEvent;
      packed[2] = delta;
      out.push(packed);
    } else out.push(e);
    prevKeys = keys;
    prevTexts = texts as string[];
  }
  return out;
}

/** {@link packRows} undone. */
export function unpackRows(events: readonly EncodedEvent[]): EncodedEvent[] {
  const out: EncodedEvent[] = [];
  let prev: Record<string, JsonValue> | undefined;
  for (const e of events) {
    let raw = e[2];
    if (Array.isArray(raw)) {
      if (!prev || raw[0] !== '~') throw new Error('a packed row has no row before it');
      const keys = Object.keys(prev);
      const values = keys.map((k) => prev![k]!);
      for (let i = 1; i + 1 < raw.length; i += 2) values[raw[i] as number] = raw[i + 1]!;
      const row: Record<string, JsonValue> = {};
      keys.forEach((k, i) => {
        Object.defineProperty(row, k, { value: values[i], enumerable: true, writable: true, configurable: true });
      });
      raw = row;
      const full = [...e] as EncodedEvent;
      full[2] = row;
      out.push(full);
    } else out.push(e);
    prev = raw as Record<string, JsonValue>;
  }
  return out;
}

/** A timeline point: `[ms since the previous point, ticks, tag?, value?]` (`tag` null when there is a value but no tag). */
export type TimelineRecord =
  | [number, number]
  | [number, number, string]
  | [number, number, string | null, string | number];

/** One declared-evidence accumulator: `[distinct values, truncated, value, ms, ticks, n, seen]`. */
export type SlotRecord = [
  EvidenceValue[] | null,
  0 | 1,
  EvidenceValue | null,
  number | string,
  number,
  number | string,
  0 | 1,
];

/** One alert subject: detector `d`, device `v`, key `k`, count `n`, severity `s`, span `sp`, sample `e`, … */
export interface GroupRecord {
  d: string;
  v: string;
  k: string;
  n: number;
  s: Severity;
  sp: [string, string];
  e: EncodedEvent[];
  /** Timeline, in the order the matches were read. */
  tl?: TimelineRecord[];
  /** Matches beyond the timeline cap. */
  td?: number;
  r?: string[];
  sl?: (SlotRecord | null)[];
  /** `[variant, severity rank, ms, ticks]` of the match that chose the variant. */
  va?: [string | null, number, number | string, number];
}

/** One device: index `i` (order of first appearance), name, event count, per-table counts, span, snapshots, process names. */
export interface DeviceRecord {
  i: number;
  n: string;
  c: number;
  t: [TableName, number][];
  sp: [string, string];
  f?: EncodedEvent;
  a?: [string, EncodedEvent][];
  p?: string[];
}

/** Where a named source of the stream was read to. */
export interface SourceRecord {
  rows: number;
  bytes: number;
}

/** The stream's one-off facts. */
export interface EngineMetaRecord {
  v: number;
  /** Detector id → fingerprint (definition, options, severity, window, evidence settings). */
  detectors: Record<string, string>;
  /** Newest event instant analysed, `[ms, ticks]`, or null before the first. */
  watermark: [number, number] | null;
  counts: {
    read: number;
    analyzed: number;
    rejected: number;
    duplicates: number;
    /** Events per table (only tables with events). */
    tables: Record<string, number>;
    span: [string, string];
  };
  /** Dedupe chunks held: `[sequence, numeric identities, other identities]`, oldest first. */
  dedupe: [number, number, number][];
  /** The next event id ({@link EncodedEvent}). */
  ids: number;
}

/** Where a push is in a named source: rows to skip (read by an earlier batch) and skipped so far. */
export interface SourcePosition {
  readonly name: string | undefined;
  readonly skip: number;
  skipped: number;
}

/** What the engine hands the stream state (the analyzer's own objects, changed in place when loading). */
export interface EngineParts {
  readonly runtimes: readonly Runtime[];
  readonly groups: GroupMap;
  readonly devices: Map<string, DeviceAcc>;
  readonly dedupe: DedupeWindow | undefined;
  readonly counts: RunCounts;
  /** Run-wide settings that shape the groups (evidence sample size, whole rows). */
  readonly settings: JsonValue;
  readonly diagnostic: (d: Diagnostic) => void;
}

const DIGITS = /^\d{1,30}$/;
const TABLE_POS: ReadonlyMap<string, number> = new Map(TABLE_NAMES.map((t, i) => [t, i]));

/** `key` of a record of `stream`: a JSON array, so no stream or part can run into another. */
function recordKey(stream: string, ...parts: string[]): string {
  return JSON.stringify([stream, ...parts]);
}

/** The records of `stream` among a namespace's, with the key's parts after the stream. */
function ofStream(records: ReadonlyMap<string, JsonValue>, stream: string): [string[], JsonValue][] {
  const prefix = `${JSON.stringify([stream]).slice(0, -1)},`;
  const out: [string[], JsonValue][] = [];
  for (const [k, v] of records) {
    if (!k.startsWith(prefix)) continue;
    let parts: unknown;
    try {
      parts = JSON.parse(k);
    } catch {
      continue;
    }
    if (Array.isArray(parts) && parts.every((p) => typeof p === 'string')) out.push([parts.slice(1) as string[], v]);
  }
  return out;
}

function unreadable(what: string): TriplineError {
  return new TriplineError(ERROR_CODES.STATE_UNREADABLE, `state: ${what}`);
}

/** JSON text with object keys sorted and functions named by their source text. */
function fingerprintText(v: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'function') return `fn:${Function.prototype.toString.call(x)}`;
    if (x === undefined) return null;
    if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
    if (x === null || typeof x !== 'object') return x;
    if (seen.has(x)) return '[seen]';
    seen.add(x);
    if (Array.isArray(x)) return x;
    if (x instanceof Set) return [...x].sort();
    if (x instanceof Map) return [...x].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1));
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort())
      Object.defineProperty(sorted, k, { value: (x as Record<string, unknown>)[k], enumerable: true });
    return sorted;
  });
}

/**
 * A detector's fingerprint: its metadata (the options schema left out), hooks' source, the options and
 * severity the run gives it, its window and the run's evidence settings. Any change resets its groups.
 */
export function detectorFingerprint(rt: Runtime, settings: JsonValue): string {
  const { options: _schema, ...meta } = rt.meta;
  const d = rt.detector;
  const text = fingerprintText({
    meta,
    hooks: [d.match, d.onDevice, d.correlate, d.render],
    options: rt.ctx.options,
    severity: rt.ctx.severity,
    window: rt.window ?? null,
    timeline: rt.keepTimeline,
    keep: rt.keepColumns ? [...rt.keepColumns].sort() : null,
    settings,
  });
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** `allowedLateness` in ms: milliseconds, or an ISO 8601 duration of weeks, days, hours, minutes, seconds. */
export function latenessMs(value: string | number, what = 'state.allowedLateness'): number {
  const fail = (): never => {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      `${what}: expected milliseconds or an ISO 8601 duration such as PT15M or P1D, got ${JSON.stringify(value)}`,
    );
  };
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : fail();
  if (typeof value !== 'string') return fail();
  const m = /^P(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,9}(?:\.\d{1,3})?)S)?)?$/.exec(
    value,
  );
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

function nullsFlags(n: NullSpellings): number {
  return (n.noneIsNull ? 1 : 0) | (n.invalidDateIsNull === false ? 2 : 0);
}

const NULLS_BY_FLAGS: readonly NullSpellings[] = [
  Object.freeze({}),
  Object.freeze({ noneIsNull: true }),
  Object.freeze({ invalidDateIsNull: false }),
  Object.freeze({ noneIsNull: true, invalidDateIsNull: false }),
];

/**
 * The state of one stream, owned by one analyzer: loaded before the batch is read, turned into one
 * {@link StateWrite} after it.
 */
export class StreamState {
  readonly store: StateStore;
  readonly stream: string;
  /** Events older than the watermark minus this many ms are late (counted, merged all the same). */
  readonly latenessMs: number;
  #loading: Promise<void> | undefined;
  #loaded = false;
  readonly #parts: EngineParts;
  readonly #fingerprints = new Map<string, string>();
  /** Group and device records to delete (detectors removed or changed). */
  readonly #dropGroups: string[] = [];
  #meta: EngineMetaRecord | undefined;
  #watermarkMs = Number.NEGATIVE_INFINITY;
  #watermarkTicks = 0;
  /** Late events of this batch. */
  late = 0;
  /** Row identities remembered by the dedupe window in this batch, in order: `[device, table, ms, ticks, reportId]`. */
  readonly #identities: (number | string)[] = [];
  #numericIds = 0;
  #otherIds = 0;
  readonly #positions = new Map<string, SourceRecord>();
  readonly #touchedSources = new Set<string>();
  readonly #touchedDevices = new Set<DeviceAcc>();
  /** The write, once taken at the end of the batch (before the end-of-input phases). */
  #write: StateWrite | undefined;
  /** Sample events as saved, by their JSON text: rows shared by several groups are one object again. */
  readonly #interned = new Map<number, MdeEvent>();
  readonly #encoded = new WeakMap<MdeEvent, EncodedEvent>();
  /** The id of each event saved or loaded, and the next id to give. */
  readonly #ids = new WeakMap<MdeEvent, number>();
  #nextId = 0;

  constructor(options: StateOptions, stream: string, parts: EngineParts) {
    if (!options || typeof options !== 'object' || !options.store || typeof options.store.read !== 'function')
      throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'options.state.store must be a StateStore');
    if (typeof stream !== 'string' || stream === '')
      throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'options.stream must be a non-empty string');
    this.store = options.store;
    this.stream = stream;
    this.#parts = parts;
    for (const rt of parts.runtimes) this.#fingerprints.set(rt.id, detectorFingerprint(rt, parts.settings));
    let longest = 0;
    for (const rt of parts.runtimes) if (rt.window) longest = Math.max(longest, rt.window.sizeMs);
    this.latenessMs =
      options.allowedLateness !== undefined
        ? latenessMs(options.allowedLateness)
        : longest > 0
          ? longest
          : Number.POSITIVE_INFINITY;
  }

  /**
   * The stream state of an analyzer created with `options.state` (its groups then note what each batch
   * touches), or undefined without it. `options.stream` alone is an `option-invalid` error.
   */
  static attach(
    analyzer: object,
    options: { readonly state?: StateOptions; readonly stream?: string },
    parts: EngineParts,
  ): StreamState | undefined {
    if (options.state === undefined) {
      if (options.stream !== undefined)
        throw new TriplineError(
          ERROR_CODES.OPTION_INVALID,
          'options.stream names the stream of options.state: give both',
        );
      return undefined;
    }
    const state = new StreamState(options.state, options.stream ?? 'default', parts);
    parts.groups.touched = new Set();
    REGISTRY.set(analyzer, state);
    return state;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  /** Load the stream's state into the engine (once; later calls wait for the first). */
  load(): Promise<void> {
    this.#loading ??= this.#load();
    return this.#loading;
  }

  async #load(): Promise<void> {
    const { store, stream } = this;
    const meta = (await store.get('meta', recordKey(stream, 'engine'))) as EngineMetaRecord | undefined;
    if (meta !== undefined) {
      if (meta === null || typeof meta !== 'object' || typeof meta.v !== 'number')
        throw unreadable(`the engine record of stream ${JSON.stringify(stream)} is not one tripline wrote`);
      if (meta.v > ENGINE_STATE_VERSION)
        throw new TriplineError(
          ERROR_CODES.STATE_SCHEMA_NEWER,
          `state: stream ${JSON.stringify(stream)} was saved by a newer tripline (engine records v${meta.v}; this one reads v${ENGINE_STATE_VERSION})`,
        );
    }
    const [groups, devices, dedupe, sources] = await Promise.all(
      (['groups', 'devices', 'dedupe', 'sources'] as StateNamespace[]).map((ns) => store.read(ns)),
    );
    try {
      if (meta) this.#restoreMeta(meta);
      this.#restoreDevices(ofStream(devices!, stream));
      this.#restoreGroups(ofStream(groups!, stream), meta);
      this.#restoreDedupe(ofStream(dedupe!, stream), meta);
      for (const [[name], v] of ofStream(sources!, stream)) {
        const r = v as unknown as SourceRecord;
        if (name !== undefined && r && typeof r.rows === 'number') this.#positions.set(name, r);
      }
    } catch (error) {
      if (error instanceof TriplineError) throw error;
      throw unreadable(`the records of stream ${JSON.stringify(stream)} are damaged (${String(error)})`);
    }
    this.#meta = meta;
    this.#loaded = true;
  }

  #restoreMeta(meta: EngineMetaRecord): void {
    const c = this.#parts.counts;
    c.eventsRead = meta.counts.read;
    c.eventsAnalyzed = meta.counts.analyzed;
    c.eventsRejected = meta.counts.rejected;
    c.duplicates = meta.counts.duplicates;
    for (const [t, n] of Object.entries(meta.counts.tables)) {
      const i = TABLE_POS.get(t);
      if (i !== undefined) c.tableCounts[i] = n;
    }
    c.span.restore(meta.counts.span);
    if (meta.watermark) [this.#watermarkMs, this.#watermarkTicks] = meta.watermark;
    this.#nextId = Math.max(this.#nextId, meta.ids ?? 0);
    // The detector set: removed and changed detectors lose their groups, new ones start empty.
    const removed: string[] = [];
    const changed: string[] = [];
    for (const [id, fp] of Object.entries(meta.detectors)) {
      const now = this.#fingerprints.get(id);
      if (now === undefined) removed.push(id);
      else if (now !== fp) changed.push(id);
    }
    const diag = this.#parts.diagnostic;
    if (removed.length)
      diag(
        diagnostic('state-detectors-changed', {
          message: `${removed.length} detector(s) of stream ${JSON.stringify(this.stream)} are no longer in the set: their saved alert subjects are dropped (${removed.sort().join(', ')})`,
        }),
      );
    for (const id of changed.sort())
      diag(
        diagnostic('state-detectors-changed', {
          message: `${id} changed (definition, options, severity or evidence settings) since stream ${JSON.stringify(this.stream)} was saved: its saved alert subjects are dropped and it starts again from this batch`,
          detectorId: id,
        }),
      );
  }

  #restoreDevices(records: [string[], JsonValue][]): void {
    const list = records
      .map(([[id], v]) => [id!, unpackRecord<DeviceRecord>(v)] as const)
      .sort((a, b) => a[1].i - b[1].i);
    for (const [id, r] of list) this.#parts.devices.set(id, DeviceAcc.restore(id, r, this.#decode));
  }

  #restoreGroups(records: [string[], JsonValue][], meta: EngineMetaRecord | undefined): void {
    const byId = new Map(this.#parts.runtimes.map((rt) => [rt.id, rt]));
    for (const [[id], v] of records) {
      const r = unpackRecord<GroupRecord>(v);
      const rt = byId.get(r.d);
      if (!rt || meta?.detectors[r.d] !== this.#fingerprints.get(r.d)) {
        this.#dropGroups.push(recordKey(this.stream, id!));
        continue;
      }
      this.#parts.groups.restore(rt, r.v, r.k).restore({ ...r, e: unpackRows(r.e) }, this.#decode);
    }
  }

  #restoreDedupe(records: [string[], JsonValue][], meta: EngineMetaRecord | undefined): void {
    const window = this.#parts.dedupe;
    if (!window || !meta) return;
    const held = new Set(meta.dedupe.map(([seq]) => seq));
    const chunks = records
      .map(([[seq], v]) => [Number(seq), unpackRecord<(number | string)[]>(v)] as const)
      .filter(([seq]) => held.has(seq))
      .sort((a, b) => a[0] - b[0]);
    for (const [, ids] of chunks) {
      let ms = 0;
      for (let i = 0; i + 4 < ids.length; i += 5) {
        ms += ids[i + 2] as number;
        window.seen(ids[i] as number, ids[i + 1] as number, ms, ids[i + 3] as number, ids[i + 4] as string);
      }
    }
  }

  /** Build a saved event again (one object per distinct saved row). */
  readonly #decode = (e: EncodedEvent): MdeEvent => {
    const [id, table, raw, source, line, record, flags] = e;
    const hit = this.#interned.get(id);
    if (hit) return hit;
    if (!TABLE_POS.has(table) || raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw unreadable(`a saved event of stream ${JSON.stringify(this.stream)} is damaged`);
    const ref: { source: string; line?: number; record?: number } = { source: String(source) };
    if (typeof line === 'number') ref.line = line;
    if (typeof record === 'number') ref.record = record;
    // The reader's own path: the same row gives the same event (identity columns are always kept).
    const event = normalizeOwnedRow(
      raw as Record<string, unknown>,
      table,
      Object.freeze(ref),
      NULLS_BY_FLAGS[flags ?? 0] ?? NULLS_BY_FLAGS[0]!,
    );
    if (isRowProblem(event)) throw unreadable(`a saved event of stream ${JSON.stringify(this.stream)} is damaged`);
    this.#interned.set(id, event);
    this.#ids.set(event, id);
    if (id >= this.#nextId) this.#nextId = id + 1;
    return event;
  };

  /** An event as saved. */
  readonly #encode = (event: MdeEvent): EncodedEvent => {
    const hit = this.#encoded.get(event);
    if (hit) return hit;
    let id = this.#ids.get(event);
    if (id === undefined) {
      id = this.#nextId++;
      this.#ids.set(event, id);
    }
    const { raw, nulls } = eventParts(event);
    const flags = nullsFlags(nulls);
    const line = event.source.line ?? null;
    const record = event.source.record ?? null;
    const e: EncodedEvent =
      flags !== 0
        ? [id, event.table, raw as JsonValue, event.source.source, line, record, flags]
        : record !== null
          ? [id, event.table, raw as JsonValue, event.source.source, line, record]
          : line !== null
            ? [id, event.table, raw as JsonValue, event.source.source, line]
            : [id, event.table, raw as JsonValue, event.source.source];
    this.#encoded.set(event, e);
    return e;
  };

  /** The dedupe window remembered a new row identity. */
  remembered(device: number, table: number, ms: number, ticks: number, reportId: string): void {
    this.#identities.push(device, table, ms, ticks, reportId);
    if (DIGITS.test(reportId) && !(reportId.length > 1 && reportId.charCodeAt(0) === 0x30)) this.#numericIds++;
    else this.#otherIds++;
  }

  /** An event is analysed (not a duplicate): the watermark moves, a late one is counted. */
  analysed(event: MdeEvent, device: DeviceAcc): void {
    this.#touchedDevices.add(device);
    const wm = this.#watermarkMs;
    if (compareInstants(event.time, event.ticks, wm - this.latenessMs, this.#watermarkTicks) < 0) this.late++;
    if (compareInstants(event.time, event.ticks, wm, this.#watermarkTicks) > 0) {
      this.#watermarkMs = event.time;
      this.#watermarkTicks = event.ticks;
    }
  }

  /** A push of `source` begins: the rows of it earlier batches read are to be skipped. */
  openSource(source: { readonly name: string }): SourcePosition {
    let name: string | undefined;
    try {
      name = String(source.name);
    } catch {
      name = undefined;
    }
    return { name, skip: name === undefined ? 0 : (this.#positions.get(name)?.rows ?? 0), skipped: 0 };
  }

  /** A push ended: the position moves to the end read; a `rows-already-read` diagnostic when rows were skipped. */
  sourceRead(
    position: SourcePosition,
    stats: { source: string; rowsRead: number; bytesRead: number },
  ): Diagnostic | undefined {
    this.#advance(stats.source, stats.rowsRead, stats.bytesRead);
    if (!position.skipped) return undefined;
    return diagnostic('rows-already-read', {
      message: `${position.skipped} row(s) of ${stats.source} were read by an earlier batch of stream ${JSON.stringify(this.stream)}: skipped, not counted again`,
      source: stats.source,
    });
  }

  /** A push failed: the position moves past the rows read before the failure (`before`: the counts when it began). */
  sourceFailed(
    position: SourcePosition,
    counts: { eventsAnalyzed: number; eventsRejected: number },
    before: { analyzed: number; rejected: number },
  ): void {
    const read = counts.eventsAnalyzed - before.analyzed + counts.eventsRejected - before.rejected;
    if (position.name !== undefined) this.#advance(position.name, position.skipped + read, 0);
  }

  /** The `late-events` diagnostic of the batch, if any event was late. */
  lateDiagnostic(): Diagnostic | undefined {
    if (!this.late) return undefined;
    return diagnostic('late-events', {
      message: `${this.late} event(s) were older than the watermark of stream ${JSON.stringify(this.stream)} minus the allowed lateness (${this.latenessMs} ms): merged all the same (the saved timelines are whole, so windows see them), counted here`,
    });
  }

  #advance(name: string, rows: number, bytes: number): void {
    const old = this.#positions.get(name);
    if (old && old.rows >= rows && old.bytes >= bytes) return;
    this.#positions.set(name, { rows: Math.max(rows, old?.rows ?? 0), bytes: Math.max(bytes, old?.bytes ?? 0) });
    this.#touchedSources.add(name);
  }

  /** Take the write now (the end-of-input phases change groups that must not be saved). */
  freeze(): void {
    this.#write ??= this.#build();
  }

  /** The puts and deletes of this batch (taken at `finish`, or now when the batch is not finished). */
  write(): StateWrite {
    return this.#write ?? this.#build();
  }

  #build(): StateWrite {
    const { stream } = this;
    const put: { ns: StateNamespace; key: string; value: JsonValue }[] = [];
    const del: { ns: StateNamespace; key: string }[] = [];
    const groupKeys = new Set<string>();
    const touched = [...(this.#parts.groups.touched ?? [])].map(
      (g) => [recordKey(stream, alertId(g.detectorId, g.deviceId, g.key)), g] as const,
    );
    touched.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [key, g] of touched) {
      groupKeys.add(key);
      const r = g.save(this.#encode);
      r.e = packRows(r.e);
      put.push({ ns: 'groups', key, value: packRecord(r) as unknown as JsonValue });
    }
    for (const key of [...this.#dropGroups].sort()) if (!groupKeys.has(key)) del.push({ ns: 'groups', key });
    const devices = [...this.#touchedDevices].sort((a, b) => a.index - b.index);
    for (const d of devices)
      put.push({
        ns: 'devices',
        key: recordKey(stream, d.id),
        value: packRecord(d.save(this.#encode)) as unknown as JsonValue,
      });
    for (const name of [...this.#touchedSources].sort())
      put.push({
        ns: 'sources',
        key: recordKey(stream, name),
        value: this.#positions.get(name)! as unknown as JsonValue,
      });
    // Dedupe: this batch's identities as one chunk; chunks whose identities all left the window go.
    const chunks = [...(this.#meta?.dedupe ?? [])];
    const window = this.#parts.dedupe;
    if (window && this.#identities.length) {
      const seq = chunks.length ? chunks[chunks.length - 1]![0] + 1 : 0;
      const ids = [...this.#identities];
      let prev = 0;
      for (let i = 2; i < ids.length; i += 5) {
        const ms = ids[i] as number;
        ids[i] = ms - prev;
        prev = ms;
      }
      chunks.push([seq, this.#numericIds, this.#otherIds]);
      put.push({
        ns: 'dedupe',
        key: recordKey(stream, String(seq).padStart(10, '0')),
        value: packRecord(ids) as unknown as JsonValue,
      });
    }
    const capacity = window?.capacity ?? 0;
    let newerNumeric = 0;
    let newerOther = 0;
    const keep: [number, number, number][] = [];
    for (let i = chunks.length - 1; i >= 0; i--) {
      const [seq, num, other] = chunks[i]!;
      const gone = (num === 0 || newerNumeric >= capacity) && (other === 0 || newerOther >= capacity);
      if (gone) del.push({ ns: 'dedupe', key: recordKey(stream, String(seq).padStart(10, '0')) });
      else keep.unshift(chunks[i]!);
      newerNumeric += num;
      newerOther += other;
    }
    const c = this.#parts.counts;
    const tables: Record<string, number> = {};
    for (const t of [...TABLE_NAMES].sort()) {
      const n = c.tableCounts[TABLE_POS.get(t)!]!;
      if (n > 0) tables[t] = n;
    }
    const detectors: Record<string, string> = {};
    for (const id of [...this.#fingerprints.keys()].sort()) detectors[id] = this.#fingerprints.get(id)!;
    const meta: EngineMetaRecord = {
      v: ENGINE_STATE_VERSION,
      detectors,
      watermark: this.#watermarkMs === Number.NEGATIVE_INFINITY ? null : [this.#watermarkMs, this.#watermarkTicks],
      counts: {
        read: c.eventsRead,
        analyzed: c.eventsAnalyzed,
        rejected: c.eventsRejected,
        duplicates: c.duplicates,
        tables,
        span: c.span.save(),
      },
      dedupe: keep,
      ids: this.#nextId,
    };
    put.push({ ns: 'meta', key: recordKey(stream, 'engine'), value: meta as unknown as JsonValue });
    return { put, delete: del };
  }
}

/** @internal The stream state of an analyzer created with `state`, or undefined. */
export function streamStateOf(analyzer: object): StreamState | undefined {
  return REGISTRY.get(analyzer);
}

/**
 * The engine's part of the batch's state write: the groups and devices this batch touched, its row
 * identities (dedupe), the source positions it moved, and the meta record (counts, watermark, detector
 * set). Groups of removed or changed detectors are deleted. Taken at `finish()` (before the end-of-input
 * phases); before `finish()` it is taken from the state as it stands. The lifecycle's `commit()` merges
 * it with its own records into one `store.write`; alone, `store.write(engineStateWrite(a))` saves the
 * engine's state. Throws `option-invalid` for an analyzer created without `state`, or whose state is not
 * loaded yet.
 */
export function engineStateWrite(analyzer: object): StateWrite {
  const state = REGISTRY.get(analyzer);
  if (!state) throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'engineStateWrite: this analyzer has no state');
  if (!state.loaded)
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      'engineStateWrite: the state of this analyzer is not loaded yet (await analyzer.ready())',
    );
  return state.write();
}
