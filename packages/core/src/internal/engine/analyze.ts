import { createHash } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import { techniqueName } from '../attack/index.js';
import { type DiagnosticCode, diagnostic } from '../catalog.js';
import { DISTINCT_CAP, templateUses, validateDetector } from '../detector/define.js';
import type {
  AlertGroup,
  AlertSummary,
  AnyDetector,
  CorrelationMatch,
  DetectorContext,
  DetectorMeta,
  DeviceState,
  EvidenceDecl,
  EvidenceValue,
  Match,
  MessageTemplates,
  Rendered,
  WindowSpec,
} from '../detector/types.js';
import { ERROR_CODES, TriplineError } from '../errors.js';
import { ingest } from '../ingest/index.js';
import { timeZoneOption } from '../ingest/ingest.js';
import type { IngestProgress, IngestStats, InputSource, RejectedRow } from '../ingest/types.js';
import { MdeEvent, releaseParseCaches } from '../model/event.js';
import { TABLE_NAMES, type TableName } from '../model/tables.js';
import { compareInstants } from '../model/time.js';
import type { Alert, AnalysisResult, DetectorInfo, DeviceSummary, Diagnostic, EvidenceEvent } from '../report/types.js';
import { compareSeverity, isSeverity, maxSeverity, SEVERITIES, type Severity, severityRank } from '../severity.js';
import { VERSION } from '../version.js';
import { type ResolvedConfig, validateRunConfig } from './config.js';
import { DedupeWindow } from './dedupe.js';
import { DeviceAcc } from './device.js';
import { compileGlob, type GlobMatcher } from './glob.js';
import { type EvidencePlan, GroupAcc, windowReached } from './group.js';
import { localTimeDiagnostics } from './local-time.js';
import type { AllowlistEntry, AnalyzeOptions } from './types.js';

/** Events an {@link Analyzer} emits. */
export interface AnalyzerEvents {
  /** A final alert (emitted by `finish`, in result order: grouping makes alerts final only at the end). */
  alert: [alert: Alert];
  /** A row that could not be analysed, as soon as it is read. */
  rejected: [row: RejectedRow];
  /** Reading progress, now and then. */
  progress: [progress: AnalyzerProgress];
  /** A detector failure or another notice, as soon as it happens. */
  diagnostic: [diagnostic: Diagnostic];
  /** The run is complete. */
  end: [result: AnalysisResult];
}

/** Cumulative progress of a run. */
export interface AnalyzerProgress extends IngestProgress {
  readonly eventsAnalyzed: number;
  readonly eventsRejected: number;
}

/** Evidence events kept per alert by default (`evidence.sample`). */
const DEFAULT_EVIDENCE_SAMPLE = 5;
/** Columns every evidence event keeps, whatever the detector declared. */
const IDENTITY_COLUMNS: readonly string[] = ['Timestamp', 'DeviceId', 'DeviceName', 'ActionType', 'ReportId'];
const DEFAULT_REJECTED_LISTED = 10_000;
const DEFAULT_DEDUPE_WINDOW = 200_000;
/** A small number per table, for the duplicate window. */
const TABLE_INDEX: ReadonlyMap<TableName, number> = new Map(TABLE_NAMES.map((t, i) => [t, i]));
const DIAGNOSTICS_PER_DETECTOR = 50;
const DIAGNOSTICS_LISTED = 1_000;
const PLACEHOLDER_RE = /\{~?([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A detector as the engine runs it: its metadata and hooks read once, when it is loaded. */
interface Runtime {
  readonly detector: AnyDetector;
  readonly id: string;
  /** Frozen copy of the detector's metadata (validated). */
  readonly meta: DetectorMeta;
  readonly match: AnyDetector['match'];
  readonly render: AnyDetector['render'];
  readonly onDevice: AnyDetector['onDevice'];
  readonly correlate: AnyDetector['correlate'];
  /** Placeholders of each variant's templates, for the unfilled-placeholder check. */
  readonly placeholders: ReadonlyMap<string, readonly (readonly [field: string, names: readonly string[]])[]>;
  readonly ctx: DetectorContext<unknown>;
  readonly window: WindowSpec | undefined;
  readonly keepTimeline: boolean;
  readonly severityOverride: Severity | undefined;
  /** Declared evidence, compiled; undefined for detectors of the older `collect`/`data` API. */
  readonly plan: EvidencePlan | undefined;
  /** Columns evidence events keep; undefined: whole rows. */
  readonly keepColumns: ReadonlySet<string> | undefined;
  failures: number;
  /** This detector's alert subjects: device id, then match key. */
  readonly groups: Map<string, Map<string, GroupAcc>>;
}

const EMPTY_RUNTIMES: readonly Runtime[] = Object.freeze([]);

/** Whole-input errors: the input could not be read or recognised (the other inputs still can). */
const INPUT_ERROR_CODES: ReadonlySet<string> = new Set([
  ERROR_CODES.INPUT_UNREADABLE,
  ERROR_CODES.INPUT_FORMAT_UNKNOWN,
]);

function isInputError(error: unknown): error is TriplineError {
  return error instanceof TriplineError && INPUT_ERROR_CODES.has(error.code);
}

/**
 * Stable alert id: the same detector, device and subject give the same id on every run.
 *
 * The hash input is `detectorId NUL deviceId NUL key`, which is unambiguous as long as the device id
 * holds no NUL (a detector id never does; the key is the rest). A device id with a NUL would let two
 * subjects share an id (device `a` + key `b\0c` and device `a\0b` + key `c`), so such a tuple is hashed
 * as `detectorId NUL JSON([deviceId, key])`: JSON escapes NUL, so that form holds exactly one NUL and
 * can match neither the ordinary form (two NULs) nor another tuple. Ids of ordinary inputs are unchanged.
 */
export function alertId(detectorId: string, deviceId: string, key: string): string {
  const input = deviceId.includes('\u0000')
    ? `${detectorId}\u0000${JSON.stringify([deviceId, key])}`
    : `${detectorId}\u0000${deviceId}\u0000${key}`;
  return `tl-${createHash('sha256').update(input).digest('hex').slice(0, 20)}`;
}

/**
 * Text of a value a plugin threw. Nothing about it is trusted: `instanceof` runs a Proxy's
 * `getPrototypeOf` trap, `name`/`message` may be getters, `String()` may call a throwing `toString`.
 * Every step is guarded; the worst case is "unprintable error".
 */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error) {
      const name: unknown = error.name;
      const message: unknown = error.message;
      if (typeof name === 'string' && typeof message === 'string') return `${name}: ${message}`.slice(0, 500);
    }
  } catch {
    // fall through to the plain conversion
  }
  try {
    const text: unknown = String(error);
    return typeof text === 'string' ? text.slice(0, 500) : 'unprintable error';
  } catch {
    return 'unprintable error';
  }
}

/** A short, safe description of a plugin value for a diagnostic (never throws, never calls plugin code). */
function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  return `a value of type ${typeof v}`;
}

/** True for a genuine engine event: MdeEvent's private fields cannot be faked by a Proxy or a prototype. */
const brandCheck = MdeEvent.prototype.has;
function isEngineEvent(v: unknown): v is MdeEvent {
  if (v === null || typeof v !== 'object') return false;
  try {
    brandCheck.call(v, 'Timestamp');
    return true;
  } catch {
    return false;
  }
}

/**
 * Plugin output is read exactly once, inside a guard, into plain data the engine owns; only that
 * copy is validated and used. A getter that answers differently on its second read, a Proxy (even a
 * revoked one) or a throwing `toString` therefore cannot pass a check and then hand the engine
 * something else. Each reader returns the copy, or a problem text for a diagnostic.
 */
type Problem = string;

function isObject(v: unknown): v is Record<string, unknown> {
  // Array.isArray throws on a revoked Proxy: callers run inside a guard.
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Assign without letting a key named `__proto__` change the copy's prototype. */
function put<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Own enumerable string keys, read once (`for…in` + hasOwn: no array per call for plain objects). */
function copyStrings(v: unknown): string | readonly string[] | undefined {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) return undefined;
  const n = v.length;
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'string') return undefined;
    out[i] = x;
  }
  return out;
}

function copyStringRecord(v: unknown, what: string): Record<string, string | readonly string[]> | Problem {
  if (!isObject(v)) return `${what} must be an object`;
  const out: Record<string, string | readonly string[]> = {};
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    const copy = copyStrings(v[k]);
    if (copy === undefined) return `${what} values must be strings or string arrays (${JSON.stringify(k)} is not)`;
    put(out, k, copy);
  }
  return out;
}

function copyScalars(v: unknown): Record<string, string | number | boolean> | Problem {
  if (!isObject(v)) return 'match.data must be an object';
  const out: Record<string, string | number | boolean> = {};
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    const x: unknown = v[k];
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean')
      return 'match.data values must be scalars';
    put(out, k, x);
  }
  return out;
}

/** An evidence value from plugin code, copied: a string, a finite number, a boolean, or an array of them. */
function copyEvidenceValue(v: unknown): EvidenceValue | readonly EvidenceValue[] | undefined | { problem: Problem } {
  if (v === undefined) return undefined;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : { problem: `${v} is not a finite number` };
  if (!Array.isArray(v)) return { problem: `${show(v)} is not a string, number, boolean or an array of them` };
  const n = v.length;
  const out: EvidenceValue[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const x: unknown = v[i];
    if (typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x))) out[i] = x;
    else return { problem: `element ${i} (${show(x)}) is not a string, finite number or boolean` };
  }
  return out;
}

function isProblem(v: unknown): v is { problem: Problem } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What a runtime contributes to reading a match: the declared evidence and the message variants. */
interface MatchShape {
  readonly plan: EvidencePlan | undefined;
  readonly meta: { readonly messages: Readonly<Record<string, MessageTemplates>> };
}

/** Copies a match's own fields (each read once) and checks the copy. Runs inside a guard. */
function copyMatch(m: Record<string, unknown>, shape: MatchShape): Match | Problem {
  const key: unknown = m.key;
  const severity: unknown = m.severity;
  const tag: unknown = m.tag;
  const collect: unknown = m.collect;
  const data: unknown = m.data;
  const variant: unknown = m.variant;
  const evidence: unknown = m.evidence;
  const copy: { -readonly [K in keyof Match]: Match[K] } = {};
  if (variant !== undefined) {
    if (typeof variant !== 'string' || !Object.hasOwn(shape.meta.messages, variant))
      return `match.variant ${show(variant)} has no message templates`;
    copy.variant = variant;
  }
  if (evidence !== undefined) {
    if (!isObject(evidence)) return 'match.evidence must be an object';
    const plan = shape.plan;
    const out: Record<string, EvidenceValue | readonly EvidenceValue[]> = {};
    for (const k in evidence) {
      if (!Object.hasOwn(evidence, k)) continue;
      if (!plan?.index.has(k)) return `match.evidence.${k} is not declared in meta.evidence`;
      const v = copyEvidenceValue(evidence[k]);
      if (isProblem(v)) return `match.evidence.${k}: ${v.problem}`;
      if (v !== undefined) put(out, k, v);
    }
    copy.evidence = out;
  }
  if (key !== undefined) {
    if (typeof key !== 'string') return 'match.key must be a string';
    copy.key = key;
  }
  if (severity !== undefined) {
    if (!isSeverity(severity)) return `match.severity ${show(severity)} is not a severity`;
    copy.severity = severity;
  }
  if (tag !== undefined) {
    if (typeof tag !== 'string') return 'match.tag must be a string';
    copy.tag = tag;
  }
  if (collect !== undefined) {
    const c = copyStringRecord(collect, 'match.collect');
    if (typeof c === 'string') return c;
    copy.collect = c;
  }
  if (data !== undefined) {
    const d = copyScalars(data);
    if (typeof d === 'string') return d;
    copy.data = d;
  }
  return copy;
}

/** A per-event match from plugin code, copied and checked (see {@link copyMatch}). */
function readMatch(m: unknown, shape: MatchShape): Match | Problem {
  try {
    if (!isObject(m)) return 'a match must be an object';
    return copyMatch(m, shape);
  } catch (error) {
    return `reading the detector's match threw: ${describeError(error)}`;
  }
}

/** {@link readMatch} for device-state and correlation matches, which also carry their events. */
function readStateMatch(m: unknown, what: string, shape: MatchShape): CorrelationMatch | Problem {
  try {
    if (!isObject(m)) return 'a match must be an object';
    const events: unknown = m.events;
    const deviceId: unknown = m.deviceId;
    const related: unknown = m.relatedAlerts;
    const base = copyMatch(m, shape);
    if (typeof base === 'string') return base;
    if (!Array.isArray(events)) return `${what} matches need events: MdeEvent[]`;
    const n = events.length;
    const copy: MdeEvent[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const e: unknown = events[i];
      if (!isEngineEvent(e)) return `${what} matches need events: MdeEvent[]`;
      copy[i] = e;
    }
    const relatedAlerts: string[] = [];
    if (Array.isArray(related)) {
      const r = related.length;
      for (let i = 0; i < r; i++) {
        const x: unknown = related[i];
        if (typeof x === 'string') relatedAlerts.push(x);
      }
    }
    return {
      ...base,
      events: copy,
      deviceId: typeof deviceId === 'string' ? deviceId : (undefined as unknown as string),
      relatedAlerts,
    };
  } catch (error) {
    return `reading the detector's match threw: ${describeError(error)}`;
  }
}

/** What `match` returned, as an array of candidate matches (each still to be read), or a problem. */
function readMatchList(result: unknown): readonly unknown[] | Problem {
  try {
    if (!Array.isArray(result)) return [result];
    const n = result.length;
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = result[i];
    return out;
  } catch (error) {
    return `reading the detector's matches threw: ${describeError(error)}`;
  }
}

/** What `onDevice`/`correlate` returned: undefined for none, the candidates, or a problem. */
function readStateList(result: unknown, what: string): readonly unknown[] | undefined | Problem {
  try {
    if (result === undefined || result === null) return undefined;
    if (!Array.isArray(result)) return `${what} must return an array`;
    const n = result.length;
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = result[i];
    return out;
  } catch (error) {
    return `reading the result of ${what} threw: ${describeError(error)}`;
  }
}

/** Copies `render`'s output (each field read once) into frozen plain objects, then checks the copy. */
function readRendered(
  r: unknown,
  templates: Readonly<Record<string, MessageTemplates>>,
  hook = false,
): Rendered | Problem {
  try {
    if (!isObject(r)) return 'render must return an object or undefined';
    const variant: unknown = r.variant;
    const rawValues: unknown = r.values;
    const rawKeyComponents: unknown = r.keyComponents;
    const severity: unknown = r.severity;
    const mitre: unknown = r.mitre;
    if (variant !== undefined && (typeof variant !== 'string' || !Object.hasOwn(templates, variant)))
      return `render variant ${show(variant)} has no message templates`;
    const values: Record<string, string | number> = {};
    if (hook && rawValues === undefined) {
      // A hook may leave the values to the engine.
    } else if (!isObject(rawValues)) return 'render.values must be an object';
    else
      for (const k in rawValues) {
        if (!Object.hasOwn(rawValues, k)) continue;
        const v: unknown = rawValues[k];
        if (typeof v !== 'string' && typeof v !== 'number') return 'render.values must be strings or numbers';
        put(values, k, v);
      }
    const kc = hook && rawKeyComponents === undefined ? {} : copyStringRecord(rawKeyComponents, 'render.keyComponents');
    if (typeof kc === 'string') return kc;
    const keyComponents: Record<string, string | readonly string[]> = {};
    for (const k of Object.keys(kc)) {
      const v = kc[k]!;
      put(keyComponents, k, typeof v === 'string' ? v : Object.freeze(v));
    }
    if (severity !== undefined && !isSeverity(severity)) return `render.severity ${show(severity)} is not a severity`;
    let mitreCopy: readonly string[] | undefined;
    if (mitre !== undefined) {
      if (!Array.isArray(mitre)) return 'render.mitre must be an array';
      const n = mitre.length;
      const ids: string[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const t: unknown = mitre[i];
        if (typeof t !== 'string' || techniqueName(t) === undefined)
          return `render.mitre ${show(t)} is not an active ATT&CK technique`;
        ids[i] = t;
      }
      mitreCopy = Object.freeze(ids);
    }
    const copy: { -readonly [K in keyof Rendered]: Rendered[K] } = {
      values: Object.freeze(values),
      keyComponents: Object.freeze(keyComponents),
    };
    if (variant !== undefined) copy.variant = variant as string;
    if (severity !== undefined) copy.severity = severity as Severity;
    if (mitreCopy !== undefined) copy.mitre = mitreCopy;
    return copy;
  } catch (error) {
    return `reading the detector's render result threw: ${describeError(error)}`;
  }
}

/** What an alert shows for a placeholder its detector did not fill (with an error diagnostic). */
const MISSING_VALUE = '(value missing)';

/** Placeholders of a variant's templates that `values` does not fill, per template field. */
function unfilledPlaceholders(
  rt: Runtime,
  variant: string,
  values: Readonly<Record<string, string | number>>,
): (readonly [field: string, names: readonly string[]])[] {
  const out: [string, string[]][] = [];
  for (const [field, names] of rt.placeholders.get(variant) ?? []) {
    const gaps = names.filter((n) => !Object.hasOwn(values, n));
    if (gaps.length) out.push([field, gaps]);
  }
  return out;
}

/** Fill `{name}` / `{~name}` from the engine's copy of the values (own keys only: never `{constructor}`). */
function fill(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(PLACEHOLDER_RE, (whole, name: string) => {
    if (!Object.hasOwn(values, name)) return whole;
    return String(values[name]);
  });
}

/** An evidence event: identity plus the row, whole or only the `keep` columns. */
function toEvidence(event: MdeEvent, keep: ReadonlySet<string> | undefined): EvidenceEvent {
  const source: { source: string; line?: number; record?: number } = { source: event.source.source };
  if (event.source.line !== undefined) source.line = event.source.line;
  if (event.source.record !== undefined) source.record = event.source.record;
  return {
    table: event.table,
    timestamp: event.timestamp,
    ...(event.actionType !== undefined ? { actionType: event.actionType } : {}),
    ...(event.reportId !== undefined ? { reportId: event.reportId } : {}),
    source,
    fields: keep === undefined ? event.toRecord() : trimmedRecord(event, keep),
  };
}

function trimmedRecord(event: MdeEvent, keep: ReadonlySet<string>): ReturnType<MdeEvent['toRecord']> {
  const all = event.toRecord();
  const out: ReturnType<MdeEvent['toRecord']> = {};
  for (const k of Object.keys(all)) if (keep.has(k)) put(out, k, all[k]);
  return out;
}

/** The engine's alert text and key components of a group with declared evidence, the hook's merged over them. */
function deriveRendered(plan: EvidencePlan, g: GroupAcc, view: AlertGroup, hook: Rendered | undefined): Rendered {
  const values: Record<string, string | number> = {
    count: g.count,
    device: view.device.name,
    firstSeen: g.span.first,
    lastSeen: g.span.last,
  };
  const keyComponents: Record<string, string | readonly string[]> = {};
  const evidence = view.evidence as Readonly<Record<string, unknown>>;
  for (let i = 0; i < plan.names.length; i++) {
    const name = plan.names[i]!;
    if (!g.hasEvidence(i)) continue;
    const v = evidence[name];
    const label = plan.labels[i];
    if (Array.isArray(v)) {
      if (v.length === 0) continue;
      const texts = Object.freeze(v.map(evidenceText));
      put(values, name, texts.join(', '));
      if (label !== undefined) put(keyComponents, label, texts);
    } else if (v !== undefined) {
      put(values, name, typeof v === 'number' ? v : evidenceText(v as EvidenceValue));
      if (label !== undefined) put(keyComponents, label, evidenceText(v as EvidenceValue));
    }
  }
  if (hook) {
    for (const k of Object.keys(hook.values)) put(values, k, hook.values[k]!);
    for (const k of Object.keys(hook.keyComponents)) put(keyComponents, k, hook.keyComponents[k]!);
  }
  const out: { -readonly [K in keyof Rendered]: Rendered[K] } = {
    values: Object.freeze(values),
    keyComponents: Object.freeze(keyComponents),
    variant: hook?.variant ?? view.variant,
  };
  if (hook?.severity !== undefined) out.severity = hook.severity;
  if (hook?.mitre !== undefined) out.mitre = hook.mitre;
  return out;
}

/** Text of an evidence value: numbers in decimal, booleans `true`/`false`. */
function evidenceText(v: EvidenceValue): string {
  return typeof v === 'string' ? v : String(v);
}

/** JSON text with object keys sorted, so equal values give equal text. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) return x;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) put(sorted, k, (x as Record<string, unknown>)[k]);
    return sorted;
  });
}

/** A column's value as evidence: strings, numbers and booleans as they are, JSON values as canonical JSON text. */
function columnValue(event: MdeEvent, column: string): EvidenceValue | undefined {
  const v = event.get(column);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  return canonicalJson(v);
}

/** A detector's evidence declaration compiled into parallel arrays (read once, at load). */
function compilePlan(evidence: EvidenceDecl): EvidencePlan {
  const names = Object.keys(evidence);
  const fields = names.map((n) => evidence[n]!);
  return Object.freeze({
    names,
    columns: fields.map((f) => (typeof f.from === 'string' ? f.from : undefined)),
    fns: fields.map((f) => (typeof f.from === 'function' ? (f.from as (event: MdeEvent) => unknown) : undefined)),
    combines: fields.map((f) => f.combine),
    caps: fields.map((f) => f.cap ?? DISTINCT_CAP),
    labels: fields.map((f) => (f.hidden ? undefined : (f.label ?? (f.from as string)))),
    index: new Map(names.map((n, i) => [n, i])),
  });
}

/**
 * Columns an evidence event keeps: identity columns plus the columns the detector declared
 * (`evidence[*].from` columns and `meta.columns`). Undefined (whole rows) for a detector that declares
 * neither, as detectors of the older API do.
 */
export function declaredColumns(meta: DetectorMeta): ReadonlySet<string> | undefined {
  if (meta.evidence === undefined && meta.columns === undefined) return undefined;
  const keep = new Set(IDENTITY_COLUMNS);
  for (const f of Object.values(meta.evidence ?? {})) if (typeof f.from === 'string') keep.add(f.from);
  for (const c of meta.columns ?? []) keep.add(c);
  return keep;
}

/** `AnalyzeOptions.evidence`, checked (the config file's is checked by its schema). */
function evidenceOption(v: AnalyzeOptions['evidence']): { rows?: 'full' | 'declared'; sample?: number } {
  if (v === undefined) return {};
  const fail = (message: string): never => {
    throw new TriplineError(ERROR_CODES.OPTION_INVALID, `options.evidence: ${message}`);
  };
  if (v === null || typeof v !== 'object') return fail("must be { rows?: 'full' | 'declared', sample?: number }");
  const { rows, sample } = v;
  if (rows !== undefined && rows !== 'full' && rows !== 'declared') fail('rows must be "full" or "declared"');
  if (sample !== undefined && (!Number.isInteger(sample) || sample < 1 || sample > 1000))
    fail('sample must be an integer from 1 to 1000');
  return { ...(rows !== undefined ? { rows } : {}), ...(sample !== undefined ? { sample } : {}) };
}

/** A detector's window, read once at load; a window function that throws or returns nonsense is a load error. */
function readWindow(detector: AnyDetector, id: string, options: unknown): WindowSpec | undefined {
  const fail = (message: string): never => {
    throw new TriplineError(ERROR_CODES.DETECTOR_INVALID, `detector ${id}: window: ${message}`, {
      details: { detectorId: id, key: 'window' },
    });
  };
  let fields: { sizeMs: unknown; threshold: unknown; tag: unknown } | undefined;
  let problem: string | undefined;
  try {
    const w: unknown = detector.window;
    const spec: unknown = typeof w === 'function' ? w.call(detector, options) : w;
    if (spec !== undefined && spec !== null) {
      if (isObject(spec)) fields = { sizeMs: spec.sizeMs, threshold: spec.threshold, tag: spec.tag };
      else problem = 'must be { sizeMs, threshold, tag? }';
    }
  } catch (error) {
    problem = `reading it threw: ${describeError(error)}`;
  }
  if (problem !== undefined) return fail(problem);
  if (fields === undefined) return undefined;
  const { sizeMs, threshold, tag } = fields;
  if (typeof sizeMs !== 'number' || Number.isNaN(sizeMs)) return fail('sizeMs must be a number');
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) return fail('threshold must be a number');
  if (tag !== undefined && typeof tag !== 'string') return fail('tag must be a string');
  return Object.freeze(tag === undefined ? { sizeMs, threshold } : { sizeMs, threshold, tag });
}

function compareSubjects(a: GroupAcc, b: GroupAcc): number {
  if (a.deviceId !== b.deviceId) return a.deviceId < b.deviceId ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function compareAlerts(a: Alert, b: Alert): number {
  return (
    compareSeverity(b.severity, a.severity) ||
    (a.firstSeen < b.firstSeen ? -1 : a.firstSeen > b.firstSeen ? 1 : 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * A streaming analysis: push inputs (or events) into it, then `finish()`. Memory stays flat: it keeps
 * per-device state and, per alert, counts plus a capped evidence sample — never the events themselves.
 */
export class Analyzer extends EventEmitter<AnalyzerEvents> {
  private readonly runtimes: readonly Runtime[];
  private readonly routes = new Map<TableName, Map<string, readonly Runtime[]>>();
  private readonly byTable = new Map<TableName, { any: Runtime[]; byAction: Map<string, Runtime[]> }>();
  private readonly resolved: ResolvedConfig;
  private readonly evidenceLimit: number;
  /** Evidence events keep whole rows (`evidence.rows: 'full'`). */
  private readonly fullRows: boolean;
  /** Zone of local times in the inputs (canonical IANA name). */
  private readonly timezone: string | undefined;
  private readonly maxRejectedListed: number;
  private readonly dedupeWindow: number;
  private readonly allowlist: readonly (AllowlistEntry & {
    re: { detector?: GlobMatcher; device?: GlobMatcher; key?: GlobMatcher };
  })[];

  private readonly devices = new Map<string, DeviceAcc>();
  /** Every alert subject, in creation order (looked up through each runtime's nested maps). */
  private readonly groupList: GroupAcc[] = [];
  private readonly runtimeById = new Map<string, Runtime>();
  private readonly rejectedRows: RejectedRow[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private readonly inputs: AnalysisResult['inputs'][number][] = [];
  /** Events analysed per table, by catalog position. */
  private readonly tableCounts = new Float64Array(TABLE_NAMES.length);
  /** Identities of recent rows, for duplicate detection. */
  private readonly dedupe: DedupeWindow;
  private diagnosticsDropped = 0;
  private eventsRead = 0;
  private eventsAnalyzed = 0;
  private eventsRejected = 0;
  private duplicates = 0;
  private minMs = Number.POSITIVE_INFINITY;
  private minTicks = 0;
  private minIso = '';
  private maxMs = Number.NEGATIVE_INFINITY;
  private maxTicks = 0;
  private maxIso = '';
  private finished: AnalysisResult | undefined;

  constructor(private readonly options: AnalyzeOptions) {
    super();
    if (!options || !Array.isArray(options.detectors)) {
      throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'options.detectors must be an array of detectors');
    }
    const metas = new Map<AnyDetector, DetectorMeta>();
    const ids = new Set<string>();
    for (const detector of options.detectors) {
      const meta = validateDetector(detector);
      if (ids.has(meta.id)) {
        throw new TriplineError(ERROR_CODES.DETECTOR_DUPLICATE, `two detectors share the id ${meta.id}`, {
          details: { detectorId: meta.id },
        });
      }
      ids.add(meta.id);
      metas.set(detector, meta);
    }
    this.resolved = validateRunConfig(options.config, options.detectors);
    const cfg = this.resolved.config;
    const timezone = options.timezone ?? cfg.timezone;
    this.timezone = timezone === undefined ? undefined : timeZoneOption(timezone).name;
    const ev = evidenceOption(options.evidence);
    this.evidenceLimit = ev.sample ?? cfg.evidence?.sample ?? cfg.evidenceLimit ?? DEFAULT_EVIDENCE_SAMPLE;
    this.fullRows = (ev.rows ?? cfg.evidence?.rows ?? 'declared') === 'full';
    this.maxRejectedListed = options.maxRejectedListed ?? DEFAULT_REJECTED_LISTED;
    this.dedupeWindow = options.dedupeWindow ?? DEFAULT_DEDUPE_WINDOW;
    this.dedupe = new DedupeWindow(this.dedupeWindow);
    this.allowlist = (cfg.allowlist ?? []).map((e) => ({
      ...e,
      re: {
        ...(e.detector ? { detector: compileGlob(e.detector) } : {}),
        ...(e.device ? { device: compileGlob(e.device) } : {}),
        ...(e.key ? { key: compileGlob(e.key) } : {}),
      },
    }));

    const runtimes: Runtime[] = [];
    const loaded = [...metas].sort(([, a], [, b]) => (a.id < b.id ? -1 : 1));
    for (const [detector, meta] of loaded) {
      const dc = cfg.detectors?.[meta.id];
      if (dc?.enabled === false) continue;
      const opts = this.resolved.options.get(meta.id);
      const severity = dc?.severity ?? meta.severity;
      const window = readWindow(detector, meta.id, opts);
      const placeholders = new Map<string, [string, readonly string[]][]>();
      for (const [variant, field, names] of templateUses(meta.messages)) {
        if (names.length === 0) continue;
        const list = placeholders.get(variant) ?? [];
        list.push([field, names]);
        placeholders.set(variant, list);
      }
      runtimes.push({
        detector,
        id: meta.id,
        meta,
        match: detector.match,
        render: detector.render,
        onDevice: detector.onDevice,
        correlate: detector.correlate,
        placeholders,
        ctx: Object.freeze({ options: opts, severity }),
        window,
        keepTimeline: window !== undefined || detector.timeline === true,
        severityOverride: dc?.severity,
        plan: meta.evidence ? compilePlan(meta.evidence) : undefined,
        keepColumns: this.fullRows ? undefined : declaredColumns(meta),
        failures: 0,
        groups: new Map(),
      });
    }
    this.runtimes = runtimes;
    for (const rt of runtimes) this.runtimeById.set(rt.id, rt);
    // Routing is indexed once: a detector costs nothing for the rows of tables it does not subscribe to.
    for (const rt of runtimes) {
      if (!rt.match) continue;
      for (const table of rt.meta.tables) {
        let entry = this.byTable.get(table);
        if (!entry) {
          entry = { any: [], byAction: new Map() };
          this.byTable.set(table, entry);
        }
        if (rt.meta.actionTypes) {
          for (const action of rt.meta.actionTypes) {
            const list = entry.byAction.get(action) ?? [];
            list.push(rt);
            entry.byAction.set(action, list);
          }
        } else entry.any.push(rt);
      }
    }
  }

  private route(event: MdeEvent): readonly Runtime[] {
    // Two map lookups on strings the event already holds: no key is built per event.
    let byAction = this.routes.get(event.table);
    if (!byAction) {
      byAction = new Map();
      this.routes.set(event.table, byAction);
    }
    const action = event.actionType ?? '';
    let list = byAction.get(action);
    if (!list) {
      const entry = this.byTable.get(event.table);
      list = entry ? [...entry.any, ...(entry.byAction.get(action) ?? [])] : EMPTY_RUNTIMES;
      if (list.length > 1) list = [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
      byAction.set(action, list);
    }
    return list;
  }

  /**
   * Read one input to its end; rows become events or rejected rows. Rejects on an input that cannot be
   * read (`input-unreadable`, `input-format-unknown`); the failure is recorded in the result all the
   * same (an `input-failed` diagnostic and an `inputs` entry with `error`), with the rows read before it.
   */
  async push(source: InputSource): Promise<IngestStats> {
    this.assertOpen();
    const before = { analyzed: this.eventsAnalyzed, rejected: this.eventsRejected };
    const stats = await this.ingestInput(source).catch((error: unknown) => {
      this.inputFailed(source, error, before);
      throw error;
    });
    for (const d of localTimeDiagnostics(stats.source, stats.localTime)) this.diagnose(d);
    this.inputs.push({
      source: stats.source,
      format: stats.format,
      rowsRead: stats.rowsRead,
      events: stats.events,
      rejected: stats.rejected,
    });
    return stats;
  }

  private inputFailed(source: InputSource, error: unknown, before: { analyzed: number; rejected: number }): void {
    if (!isInputError(error)) return;
    let name: string;
    try {
      name = String(source.name);
    } catch {
      name = 'input';
    }
    const events = this.eventsAnalyzed - before.analyzed;
    const rejected = this.eventsRejected - before.rejected;
    const rows = events + rejected;
    this.inputs.push({
      source: name,
      format: 'unknown',
      rowsRead: rows,
      events,
      rejected,
      error: { code: error.code, message: error.message },
    });
    // Listed whatever the diagnostics cap: a missing input is never hidden behind detector noise.
    this.diagnostics.push(
      diagnostic('input-failed', {
        message:
          rows > 0
            ? `${error.message} (after ${rows} row(s); those are analysed, the rest of this input is not)`
            : `${error.message} (nothing of this input is analysed)`,
        source: name,
      }),
    );
  }

  private ingestInput(source: InputSource): Promise<IngestStats> {
    return ingest(
      source,
      {
        event: (event) => {
          this.eventsRead++;
          this.analyzeEvent(event);
        },
        rejected: (row) => {
          this.eventsRead++;
          this.reject(row);
        },
        notice: (n) =>
          this.diagnose(
            diagnostic(n.code, {
              message: n.message,
              source: n.source,
              ...(n.line !== undefined ? { line: n.line } : {}),
            }),
          ),
        progress: (p) =>
          this.emit('progress', { ...p, eventsAnalyzed: this.eventsAnalyzed, eventsRejected: this.eventsRejected }),
      },
      {
        ...(this.options.inputFormat ? { format: this.options.inputFormat } : {}),
        ...(this.options.maxLineBytes ? { maxLineBytes: this.options.maxLineBytes } : {}),
        ...(this.options.table ? { table: this.options.table } : {}),
        ...(this.timezone ? { timezone: this.timezone } : {}),
      },
    );
  }

  /** Analyse one already-normalised event (for callers that build events themselves). */
  pushEvent(event: MdeEvent): void {
    this.assertOpen();
    if (!(event instanceof MdeEvent))
      throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'pushEvent expects an MdeEvent');
    this.eventsRead++;
    this.analyzeEvent(event);
  }

  /** Record a row the caller could not turn into an event. */
  pushRejected(row: RejectedRow): void {
    this.assertOpen();
    this.eventsRead++;
    this.reject(row);
  }

  private assertOpen(): void {
    if (this.finished)
      throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'this analyzer has finished; create a new one');
  }

  private reject(row: RejectedRow): void {
    this.eventsRejected++;
    if (this.rejectedRows.length < this.maxRejectedListed) this.rejectedRows.push(row);
    this.emit('rejected', row);
  }

  private diagnose(d: Diagnostic): void {
    if (this.diagnostics.length < DIAGNOSTICS_LISTED) this.diagnostics.push(d);
    else this.diagnosticsDropped++;
    this.emit('diagnostic', d);
  }

  private isDuplicate(event: MdeEvent, device: DeviceAcc): boolean {
    if (event.reportId === undefined || this.dedupeWindow <= 0) return false;
    // Identity: device, table, instant of Timestamp, ReportId — compared exactly, stored compactly.
    return this.dedupe.seen(device.index, TABLE_INDEX.get(event.table)!, event.time, event.ticks, event.reportId);
  }

  private analyzeEvent(event: MdeEvent): void {
    this.eventsAnalyzed++;
    this.tableCounts[TABLE_INDEX.get(event.table)!]!++;
    if (compareInstants(event.time, event.ticks, this.minMs, this.minTicks) < 0) {
      this.minMs = event.time;
      this.minTicks = event.ticks;
      this.minIso = event.timestamp;
    }
    if (compareInstants(event.time, event.ticks, this.maxMs, this.maxTicks) > 0) {
      this.maxMs = event.time;
      this.maxTicks = event.ticks;
      this.maxIso = event.timestamp;
    }
    let device = this.devices.get(event.deviceId);
    if (!device) {
      device = new DeviceAcc(event.deviceId, event.deviceName, this.devices.size);
      this.devices.set(event.deviceId, device);
    }
    if (this.isDuplicate(event, device)) {
      this.duplicates++;
      return;
    }
    device.add(event);
    const runtimes = this.route(event);
    let kept = false;
    for (let i = 0; i < runtimes.length; i++) {
      const rt = runtimes[i]!;
      let result: ReturnType<NonNullable<AnyDetector['match']>>;
      try {
        result = rt.match!.call(rt.detector, event, rt.ctx);
      } catch (error) {
        this.detectorFailed(rt, 'detector-threw', `match threw: ${describeError(error)}`, event);
        continue;
      }
      if (result === undefined || result === null || result === false) continue;
      const matches = readMatchList(result);
      if (typeof matches === 'string') {
        this.detectorFailed(rt, 'detector-malformed-match', matches, event);
        continue;
      }
      for (const m of matches) {
        const read = readMatch(m, rt);
        if (typeof read === 'string') {
          this.detectorFailed(rt, 'detector-malformed-match', read, event);
          continue;
        }
        const g = this.group(rt, event.deviceId, read);
        if (g.add(read, [event])) kept = true;
        if (rt.plan) this.combineEvidence(rt, g, read, event, undefined);
      }
    }
    // Every detector has seen it: evidence keeps the row, not the copies parsed on the way.
    if (kept) releaseParseCaches(event);
  }

  /**
   * Combine a match's declared evidence into its group: the value `match` supplied for a name wins,
   * else the field's column or function is read from the match's event(s). Plugin functions run
   * guarded and their results are copied and checked once; a bad value is a diagnostic, never a crash.
   */
  private combineEvidence(
    rt: Runtime,
    g: GroupAcc,
    match: Match,
    event: MdeEvent | undefined,
    events: readonly MdeEvent[] | undefined,
  ): void {
    const plan = rt.plan!;
    const supplied = match.evidence;
    const n = plan.names.length;
    for (let i = 0; i < n; i++) {
      const name = plan.names[i]!;
      const combine = plan.combines[i]!;
      const cap = plan.caps[i]!;
      if (supplied !== undefined && Object.hasOwn(supplied, name)) {
        // One value per match, as of its earliest event (state matches may have none).
        const at = event ?? events?.[0];
        const v = supplied[name]!;
        if (!g.combine(i, combine, cap, v, at ? at.time : Number.NaN, at ? at.ticks : 0))
          this.detectorFailed(rt, 'detector-malformed-match', `match.evidence.${name}: sum needs numbers`, at);
        continue;
      }
      const column = plan.columns[i];
      const fn = plan.fns[i];
      if (column === undefined && fn === undefined) continue;
      if (event !== undefined) this.evidenceFrom(rt, g, i, event);
      else if (events !== undefined) for (const e of events) this.evidenceFrom(rt, g, i, e);
    }
  }

  /** Field `i`'s value read from one event (its column or function) and combined. */
  private evidenceFrom(rt: Runtime, g: GroupAcc, i: number, event: MdeEvent): void {
    const plan = rt.plan!;
    const column = plan.columns[i];
    let value: EvidenceValue | readonly EvidenceValue[] | undefined;
    if (column !== undefined) value = columnValue(event, column);
    else {
      let raw: unknown;
      try {
        raw = plan.fns[i]!.call(undefined, event);
      } catch (error) {
        this.detectorFailed(
          rt,
          'detector-threw',
          `evidence.${plan.names[i]}.from threw: ${describeError(error)}`,
          event,
        );
        return;
      }
      let copied: ReturnType<typeof copyEvidenceValue>;
      try {
        copied = copyEvidenceValue(raw);
      } catch (error) {
        copied = { problem: `reading it threw: ${describeError(error)}` };
      }
      if (isProblem(copied)) {
        this.detectorFailed(
          rt,
          'detector-malformed-match',
          `evidence.${plan.names[i]}.from returned ${copied.problem}`,
          event,
        );
        return;
      }
      value = copied;
    }
    if (value === undefined) return;
    if (!g.combine(i, plan.combines[i]!, plan.caps[i]!, value, event.time, event.ticks))
      this.detectorFailed(rt, 'detector-malformed-match', `evidence.${plan.names[i]}: sum needs numbers`, event);
  }

  private detectorFailed(rt: Runtime, code: DiagnosticCode, message: string, event?: MdeEvent): void {
    rt.failures++;
    if (rt.failures > DIAGNOSTICS_PER_DETECTOR) return;
    const d = diagnostic(code, {
      message:
        rt.failures === DIAGNOSTICS_PER_DETECTOR
          ? `${message} (further failures of this detector are counted, not listed)`
          : message,
      detectorId: rt.id,
      ...(event
        ? {
            source: event.source.source,
            ...(event.source.line !== undefined ? { line: event.source.line } : {}),
            ...(event.source.record !== undefined ? { record: event.source.record } : {}),
            ...(event.reportId !== undefined ? { reportId: event.reportId } : {}),
          }
        : {}),
    });
    this.diagnose(d);
  }

  private group(rt: Runtime, deviceId: string, match: Match): GroupAcc {
    const key = match.key ?? '';
    // Nested maps on strings the match already holds: no key string is built per match.
    let byDevice = rt.groups.get(deviceId);
    if (!byDevice) {
      byDevice = new Map();
      rt.groups.set(deviceId, byDevice);
    }
    let g = byDevice.get(key);
    if (!g) {
      g = new GroupAcc(rt.id, deviceId, key, rt.ctx.severity, this.evidenceLimit, rt.keepTimeline);
      byDevice.set(key, g);
      this.groupList.push(g);
    }
    return g;
  }

  private deviceState(id: string, cache: Map<string, DeviceState>): DeviceState | undefined {
    let s = cache.get(id);
    if (!s) {
      const acc = this.devices.get(id);
      if (!acc) return undefined;
      s = acc.state();
      cache.set(id, s);
    }
    return s;
  }

  private addStateMatches(rt: Runtime, deviceId: string, result: unknown, what: string): void {
    const matches = readStateList(result, what);
    if (matches === undefined) return;
    if (typeof matches === 'string') {
      this.detectorFailed(rt, 'detector-malformed-match', matches);
      return;
    }
    for (const m of matches) {
      const read = readStateMatch(m, what, rt);
      if (typeof read === 'string') {
        this.detectorFailed(rt, 'detector-malformed-match', read);
        continue;
      }
      const cm = read;
      const target = what === 'correlate' ? cm.deviceId : deviceId;
      if (typeof target !== 'string' || !this.devices.has(target)) {
        this.detectorFailed(rt, 'detector-malformed-match', `${what} match names an unknown device`);
        continue;
      }
      const g = this.group(rt, target, cm);
      g.add(cm, cm.events);
      if (rt.plan) this.combineEvidence(rt, g, cm, undefined, cm.events);
      for (const r of cm.relatedAlerts ?? []) g.related.add(r);
    }
  }

  private renderGroup(rt: Runtime, g: GroupAcc, states: Map<string, DeviceState>): Alert | undefined {
    const device = this.deviceState(g.deviceId, states)!;
    const timeline = g.sortedTimeline();
    if (rt.window && !windowReached(timeline, rt.window)) return undefined;
    const view = g.view(device, g.severity, timeline, rt.plan) as unknown as AlertGroup;
    let output: unknown;
    if (rt.render) {
      try {
        output = rt.render.call(rt.detector, view, rt.ctx);
      } catch (error) {
        this.detectorFailed(rt, 'detector-threw', `render threw: ${describeError(error)}`, g.events[0]);
        return undefined;
      }
    }
    let rendered: Rendered;
    if (rt.plan) {
      // Declared evidence: the engine derives the alert; a render hook's answer merges over it.
      if (output === null) return undefined;
      let hook: Rendered | undefined;
      if (output !== undefined) {
        const read = readRendered(output, rt.meta.messages, true);
        if (typeof read === 'string') {
          this.detectorFailed(rt, 'detector-malformed-render', read, g.events[0]);
          return undefined;
        }
        hook = read;
      }
      rendered = deriveRendered(rt.plan, g, view, hook);
    } else {
      if (output === undefined || output === null) return undefined;
      // From here on only the engine's copy is used: the plugin's object is never read again.
      const read = readRendered(output, rt.meta.messages);
      if (typeof read === 'string') {
        this.detectorFailed(rt, 'detector-malformed-render', read, g.events[0]);
        return undefined;
      }
      rendered = read;
    }
    const variant = rendered.variant ?? 'default';
    const templates = rt.meta.messages[variant]!;
    // Every placeholder must be filled: a gap is the detector's bug, reported as an error diagnostic
    // (which fails `testDetector`), and the alert says "(value missing)" rather than `{name}`.
    let values = rendered.values;
    const missing = unfilledPlaceholders(rt, variant, values);
    if (missing.length) {
      const where = missing.map(([field, names]) => `${names.map((n) => `{${n}}`).join(', ')} in the ${field}`);
      this.detectorFailed(
        rt,
        'detector-unfilled-placeholder',
        rt.plan
          ? `${where.join('; ')} of variant "${variant}" has no value (no evidence value and no render value)`
          : `render left ${where.join('; ')} of variant "${variant}" unfilled (render.values has no such key)`,
        g.events[0],
      );
      const patched: Record<string, string | number> = { ...values };
      for (const [, names] of missing) for (const n of names) put(patched, n, MISSING_VALUE);
      values = Object.freeze(patched);
    }
    // A configured severity replaces the detector's default; escalations the detector makes above its
    // default for specific evidence (a reverse shell, a successful brute force) still apply on top.
    const own = rendered.severity ?? g.severity;
    const escalated = severityRank(own) > severityRank(rt.meta.severity);
    const severity = rt.severityOverride
      ? escalated
        ? maxSeverity(rt.severityOverride, own)
        : rt.severityOverride
      : own;
    const mitreIds = rendered.mitre ?? rt.meta.mitre;
    const keyComponents = rendered.keyComponents;
    return Object.freeze({
      id: alertId(rt.id, g.deviceId, g.key),
      detectorId: rt.id,
      title: fill(templates.title, values),
      severity,
      category: rt.meta.category,
      mitre: Object.freeze(mitreIds.map((id) => Object.freeze({ id, name: techniqueName(id)! }))),
      description: fill(templates.description, values),
      riskAssessment: fill(templates.riskAssessment, values),
      device: Object.freeze({ id: device.id, name: device.name }),
      firstSeen: g.span.first,
      lastSeen: g.span.last,
      evidence: Object.freeze({
        eventCount: g.count,
        keyComponents: Object.freeze(keyComponents),
        events: Object.freeze(g.events.map((e) => toEvidence(e, rt.keepColumns))),
      }),
      key: g.key,
      relatedAlerts: view.relatedAlerts,
      message: Object.freeze({ templates, values }),
    });
  }

  private allowlisted(alert: Alert): AllowlistEntry | undefined {
    for (const e of this.allowlist) {
      if (e.re.detector && !e.re.detector.test(alert.detectorId)) continue;
      if (e.re.device && !e.re.device.test(alert.device.name) && !e.re.device.test(alert.device.id)) continue;
      if (e.re.key && !e.re.key.test(alert.key)) continue;
      return e;
    }
    return undefined;
  }

  /** End the run: device and correlation detectors run, groups become alerts, the result is built and emitted. */
  finish(): AnalysisResult {
    if (this.finished) return this.finished;
    const states = new Map<string, DeviceState>();
    const deviceIds = [...this.devices.keys()].sort();

    for (const rt of this.runtimes) {
      if (!rt.onDevice) continue;
      for (const id of deviceIds) {
        const state = this.deviceState(id, states)!;
        let matches: unknown;
        try {
          matches = rt.onDevice.call(rt.detector, state, rt.ctx);
        } catch (error) {
          this.detectorFailed(rt, 'detector-threw', `onDevice threw on device ${state.name}: ${describeError(error)}`);
          continue;
        }
        this.addStateMatches(rt, id, matches, 'onDevice');
      }
    }

    const byDetector = new Map<string, GroupAcc[]>();
    // Device id, then key, compared as a pair: concatenating them would tie ("a"+"bc" = "ab"+"c").
    for (const g of [...this.groupList].sort(compareSubjects)) {
      const list = byDetector.get(g.detectorId) ?? [];
      list.push(g);
      byDetector.set(g.detectorId, list);
    }

    const alerts: Alert[] = [];
    for (const rt of this.runtimes) {
      if (rt.correlate) continue;
      for (const g of byDetector.get(rt.id) ?? []) {
        const alert = this.renderGroup(rt, g, states);
        if (alert) alerts.push(alert);
      }
    }

    const correlators = this.runtimes.filter((rt) => rt.correlate);
    if (correlators.length) {
      const summaries: AlertSummary[] = alerts.map((a) => {
        const g = this.runtimeById.get(a.detectorId)!.groups.get(a.device.id)!.get(a.key)!;
        return Object.freeze({
          id: a.id,
          detectorId: a.detectorId,
          title: a.title,
          severity: a.severity,
          deviceId: a.device.id,
          key: a.key,
          firstSeen: a.firstSeen,
          lastSeen: a.lastSeen,
          events: Object.freeze([...g.events]),
        });
      });
      for (const id of deviceIds) this.deviceState(id, states);
      const input = Object.freeze({
        alerts: Object.freeze(summaries),
        devices: states as ReadonlyMap<string, DeviceState>,
      });
      for (const rt of correlators) {
        let matches: unknown;
        try {
          matches = rt.correlate!.call(rt.detector, input, rt.ctx);
        } catch (error) {
          this.detectorFailed(rt, 'detector-threw', `correlate threw: ${describeError(error)}`);
          continue;
        }
        this.addStateMatches(rt, '', matches, 'correlate');
        for (const g of this.groupList.filter((x) => x.detectorId === rt.id)) {
          const alert = this.renderGroup(rt, g, states);
          if (alert) alerts.push(alert);
        }
      }
    }

    const minSeverity = this.resolved.config.minSeverity;
    let belowMin = 0;
    const kept: Alert[] = [];
    const allowCounts = new Map<AllowlistEntry, number>();
    for (const alert of alerts) {
      const allow = this.allowlisted(alert);
      if (allow) {
        allowCounts.set(allow, (allowCounts.get(allow) ?? 0) + 1);
        continue;
      }
      if (minSeverity && severityRank(alert.severity) < severityRank(minSeverity)) {
        belowMin++;
        continue;
      }
      kept.push(alert);
    }
    for (const [entry, n] of allowCounts) {
      this.diagnose(
        diagnostic('alerts-allowlisted', {
          message: `${n} alert(s) suppressed by allowlist entry: ${entry.reason}`,
        }),
      );
    }
    if (belowMin) {
      this.diagnose(
        diagnostic('alerts-below-min-severity', {
          message: `${belowMin} alert(s) below ${minSeverity} not reported`,
        }),
      );
    }
    if (this.duplicates) {
      this.diagnose(
        diagnostic('duplicate-events', {
          message: `${this.duplicates} row(s) repeated an earlier row (same table, DeviceId, Timestamp and ReportId): counted as analysed, not alerted twice`,
        }),
      );
    }
    if (this.eventsRejected > this.rejectedRows.length) {
      this.diagnose(
        diagnostic('rejected-list-truncated', {
          message: `${this.eventsRejected} rows were rejected; the first ${this.rejectedRows.length} are listed`,
        }),
      );
    }
    if (this.diagnosticsDropped) {
      this.diagnostics.push(
        diagnostic('diagnostics-truncated', {
          message: `${this.diagnosticsDropped} further diagnostics not listed`,
        }),
      );
    }
    kept.sort(compareAlerts);

    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    let highest: Severity | null = null;
    const perDevice = new Map<string, { count: number; highest: Severity | null }>();
    for (const a of kept) {
      bySeverity[a.severity]++;
      highest = highest === null ? a.severity : maxSeverity(highest, a.severity);
      const d = perDevice.get(a.device.id) ?? { count: 0, highest: null };
      d.count++;
      d.highest = d.highest === null ? a.severity : maxSeverity(d.highest, a.severity);
      perDevice.set(a.device.id, d);
    }

    const devices: DeviceSummary[] = deviceIds
      .map((id) => {
        const acc = this.devices.get(id)!;
        const info = acc.info;
        const pd = perDevice.get(id);
        const os = info?.str('OSPlatform');
        const ip = info?.str('PublicIP');
        const group = info?.str('MachineGroup') ?? acc.adapters.values().next().value?.str('MachineGroup');
        return Object.freeze({
          id,
          name: acc.name,
          eventCount: acc.eventCount,
          firstSeen: acc.span.first,
          lastSeen: acc.span.last,
          ...(os !== undefined ? { osPlatform: os } : {}),
          ...(ip !== undefined ? { publicIp: ip } : {}),
          ...(group !== undefined ? { machineGroup: group } : {}),
          alertCount: pd?.count ?? 0,
          highestSeverity: pd?.highest ?? null,
        });
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

    const detectors: DetectorInfo[] = this.runtimes.map((rt) => {
      const m = rt.meta;
      return Object.freeze({
        id: m.id,
        title: m.title,
        summary: m.summary,
        rationale: m.rationale,
        severity: rt.ctx.severity,
        ...(m.severityNotes !== undefined ? { severityNotes: m.severityNotes } : {}),
        category: m.category,
        mitre: m.mitre.map((id) => ({ id, name: techniqueName(id)! })),
        ...(m.mitreNotes !== undefined ? { mitreNotes: m.mitreNotes } : {}),
        references: [...(m.references ?? [])],
        falsePositives: [...(m.falsePositives ?? [])],
        tables: [...m.tables],
        ...(m.actionTypes !== undefined ? { actionTypes: [...m.actionTypes] } : {}),
      });
    });

    const generatedAt =
      this.options.generatedAt === undefined
        ? new Date().toISOString()
        : typeof this.options.generatedAt === 'string'
          ? this.options.generatedAt
          : this.options.generatedAt.toISOString();

    const byTable: Partial<Record<TableName, number>> = {};
    for (const t of [...TABLE_NAMES].sort()) {
      const n = this.tableCounts[TABLE_INDEX.get(t)!]!;
      if (n > 0) byTable[t] = n;
    }

    const result: AnalysisResult = Object.freeze({
      tool: Object.freeze({ name: 'tripline' as const, version: VERSION }),
      generatedAt,
      summary: Object.freeze({
        eventsRead: this.eventsRead,
        eventsAnalyzed: this.eventsAnalyzed,
        eventsRejected: this.eventsRejected,
        duplicateEvents: this.duplicates,
        alertCount: kept.length,
        highestSeverity: highest,
        bySeverity: Object.freeze(bySeverity),
        devices: this.devices.size,
        timeRange: this.eventsAnalyzed ? Object.freeze({ start: this.minIso, end: this.maxIso }) : null,
        byTable: Object.freeze(byTable),
      }),
      alerts: Object.freeze(kept),
      rejected: Object.freeze([...this.rejectedRows]),
      diagnostics: Object.freeze([...this.diagnostics]),
      devices: Object.freeze(devices),
      detectors: Object.freeze(detectors),
      inputs: Object.freeze([...this.inputs]),
    });
    this.finished = result;
    for (const alert of kept) this.emit('alert', alert);
    this.emit('end', result);
    return result;
  }
}

/** Create a streaming analyzer (push inputs or events, listen to `alert`, `rejected`, `progress`, `diagnostic`, `end`). */
export function createAnalyzer(options: AnalyzeOptions): Analyzer {
  return new Analyzer(options);
}

/** Analyse one or more inputs (files, streams, strings — see `fromFile`, `fromStream`, `fromString`). */
export async function analyze(
  inputs: InputSource | readonly InputSource[],
  options: AnalyzeOptions,
): Promise<AnalysisResult> {
  const analyzer = new Analyzer(options);
  const list = Array.isArray(inputs) ? (inputs as readonly InputSource[]) : [inputs as InputSource];
  let read = 0;
  let firstFailure: unknown;
  for (const input of list) {
    try {
      await analyzer.push(input);
      read++;
    } catch (error) {
      // One unreadable input does not cost the others: it is listed in the result (an `input-failed`
      // diagnostic) and the run goes on, unless the caller asked to stop at the first one.
      if (options.onInputError === 'throw' || !isInputError(error)) throw error;
      firstFailure ??= error;
    }
  }
  // Nothing at all could be read: there is nothing to report.
  if (read === 0 && firstFailure !== undefined) throw firstFailure;
  return analyzer.finish();
}

/** Analyse events you already hold (tests, or events built by your own reader). */
export async function analyzeEvents(
  events: Iterable<MdeEvent> | AsyncIterable<MdeEvent>,
  options: AnalyzeOptions,
): Promise<AnalysisResult> {
  const analyzer = new Analyzer(options);
  for await (const event of events as AsyncIterable<MdeEvent>) analyzer.pushEvent(event);
  return analyzer.finish();
}
