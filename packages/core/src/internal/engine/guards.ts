/**
 * Output guards: everything a plugin hands the engine (a match, a render answer, a window, a thrown
 * value) is read here, once, inside a guard, into plain data the engine owns; only that copy is
 * validated and used.
 */
import { techniqueName } from '../attack/index.js';
import type {
  AnyDetector,
  CorrelationMatch,
  EvidenceValue,
  Match,
  MessageTemplates,
  RenderHook,
  WindowSpec,
} from '../detector/types.js';
import { ERROR_CODES, TriplineError } from '../errors.js';
import { MdeEvent } from '../model/event.js';
import { isSeverity, type Severity } from '../severity.js';
import type { EvidencePlan } from './group.js';

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
export function isEngineEvent(v: unknown): v is MdeEvent {
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
export type Problem = string;

export function isObject(v: unknown): v is Record<string, unknown> {
  // Array.isArray throws on a revoked Proxy: callers run inside a guard.
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Assign without letting a key named `__proto__` change the copy's prototype. */
export function put<T>(target: Record<string, T>, key: string, value: T): void {
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

/** An evidence value from plugin code, copied: a string, a finite number, a boolean, or an array of them. */
export function copyEvidenceValue(
  v: unknown,
): EvidenceValue | readonly EvidenceValue[] | undefined | { problem: Problem } {
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

export function isProblem(v: unknown): v is { problem: Problem } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What a runtime contributes to reading a match: the declared evidence and the message variants. */
export interface MatchShape {
  readonly plan: EvidencePlan;
  readonly meta: { readonly messages: Readonly<Record<string, MessageTemplates>> };
}

/** Copies a match's own fields (each read once) and checks the copy. Runs inside a guard. */
function copyMatch(m: Record<string, unknown>, shape: MatchShape): Match | Problem {
  const key: unknown = m.key;
  const severity: unknown = m.severity;
  const tag: unknown = m.tag;
  const value: unknown = m.value;
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
      if (!plan.index.has(k)) return `match.evidence.${k} is not declared in meta.evidence`;
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
  if (value !== undefined) {
    if (typeof value === 'string') copy.value = value;
    else if (typeof value === 'number' && Number.isFinite(value)) copy.value = value;
    else return `match.value ${show(value)} is not a string or a finite number`;
  }
  return copy;
}

/** A per-event match from plugin code, copied and checked (see {@link copyMatch}). */
export function readMatch(m: unknown, shape: MatchShape): Match | Problem {
  try {
    if (!isObject(m)) return 'a match must be an object';
    return copyMatch(m, shape);
  } catch (error) {
    return `reading the detector's match threw: ${describeError(error)}`;
  }
}

/** {@link readMatch} for device-state and correlation matches, which also carry their events. */
export function readStateMatch(m: unknown, what: string, shape: MatchShape): CorrelationMatch | Problem {
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
export function readMatchList(result: unknown): readonly unknown[] | Problem {
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
export function readStateList(result: unknown, what: string): readonly unknown[] | undefined | Problem {
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

/** A render hook's answer as the engine copied it, and the engine's derived alert text (`values` and `keyComponents` always set). */
export interface Rendered extends RenderHook {
  readonly values: Readonly<Record<string, string | number>>;
  readonly keyComponents: Readonly<Record<string, string | readonly string[]>>;
}

/** Copies `render`'s output (each field read once) into frozen plain objects, then checks the copy. */
export function readRendered(r: unknown, templates: Readonly<Record<string, MessageTemplates>>): Rendered | Problem {
  try {
    if (!isObject(r)) return 'render must return an object, undefined or null';
    const variant: unknown = r.variant;
    const rawValues: unknown = r.values;
    const rawKeyComponents: unknown = r.keyComponents;
    const severity: unknown = r.severity;
    const mitre: unknown = r.mitre;
    if (variant !== undefined && (typeof variant !== 'string' || !Object.hasOwn(templates, variant)))
      return `render variant ${show(variant)} has no message templates`;
    const values: Record<string, string | number> = {};
    if (rawValues === undefined) {
      // A hook may leave the values to the engine.
    } else if (!isObject(rawValues)) return 'render.values must be an object';
    else
      for (const k in rawValues) {
        if (!Object.hasOwn(rawValues, k)) continue;
        const v: unknown = rawValues[k];
        if (typeof v !== 'string' && typeof v !== 'number') return 'render.values must be strings or numbers';
        if (typeof v === 'number' && !Number.isFinite(v)) return `render.values.${k} is not a finite number`;
        put(values, k, v);
      }
    const kc = rawKeyComponents === undefined ? {} : copyStringRecord(rawKeyComponents, 'render.keyComponents');
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

const WINDOW_COMPARISONS: readonly string[] = ['gte', 'gt', 'lte', 'lt', 'eq', 'neq'];
const WINDOW_MEASURES: readonly string[] = ['count', 'distinct', 'sum', 'avg', 'percentile', 'tags'];

/** A detector's window, read once at load; a window function that throws or returns nonsense is a load error. */
export function readWindow(detector: AnyDetector, id: string, options: unknown): WindowSpec | undefined {
  const fail = (message: string): never => {
    throw new TriplineError(ERROR_CODES.DETECTOR_INVALID, `detector ${id}: window: ${message}`, {
      details: { detectorId: id, key: 'window' },
    });
  };
  let copy: { -readonly [K in keyof WindowSpec]: unknown } | undefined;
  let problem: string | undefined;
  try {
    const w: unknown = detector.window;
    const spec: unknown = typeof w === 'function' ? w.call(detector, options) : w;
    if (spec !== undefined && spec !== null) {
      if (isObject(spec)) {
        copy = {
          sizeMs: spec.sizeMs,
          threshold: spec.threshold,
          compare: spec.compare,
          measure: spec.measure,
          tag: spec.tag,
          percentile: spec.percentile,
          ordered: spec.ordered,
        };
        const and: unknown = spec.and;
        if (and !== undefined) {
          if (isObject(and)) copy.and = { compare: and.compare, threshold: and.threshold };
          else problem = 'and must be { compare, threshold }';
        }
        const tags: unknown = spec.tags;
        if (tags !== undefined) {
          const list = copyStrings(tags);
          if (list === undefined || typeof list === 'string') problem = 'tags must be an array of strings';
          else copy.tags = list;
        }
      } else problem = 'must be { sizeMs, threshold, … }';
    }
  } catch (error) {
    problem = `reading it threw: ${describeError(error)}`;
  }
  if (problem !== undefined) return fail(problem);
  if (copy === undefined) return undefined;
  return checkWindow(copy, fail);
}

/** The checks of a copied window; `fail` throws. */
function checkWindow(w: { -readonly [K in keyof WindowSpec]: unknown }, fail: (message: string) => never): WindowSpec {
  const { sizeMs, threshold, compare, measure, tag, percentile, ordered, and, tags } = w;
  const isNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);
  if (!isNumber(sizeMs)) return fail('sizeMs must be a number');
  if (sizeMs < 0) return fail('sizeMs must not be negative');
  if (!isNumber(threshold)) return fail('threshold must be a number');
  if (compare !== undefined && !WINDOW_COMPARISONS.includes(compare as string))
    return fail(`compare must be one of ${WINDOW_COMPARISONS.join(', ')}`);
  const out: { -readonly [K in keyof WindowSpec]: WindowSpec[K] } = { sizeMs, threshold };
  if (compare !== undefined) out.compare = compare as NonNullable<WindowSpec['compare']>;
  if (and !== undefined) {
    const a = and as { compare: unknown; threshold: unknown };
    if (!WINDOW_COMPARISONS.includes(a.compare as string))
      return fail(`and.compare must be one of ${WINDOW_COMPARISONS.join(', ')}`);
    if (!isNumber(a.threshold)) return fail('and.threshold must be a number');
    out.and = Object.freeze({ compare: a.compare as NonNullable<WindowSpec['compare']>, threshold: a.threshold });
  }
  if (measure !== undefined && !WINDOW_MEASURES.includes(measure as string))
    return fail(`measure must be one of ${WINDOW_MEASURES.join(', ')}`);
  const m = (measure ?? 'count') as NonNullable<WindowSpec['measure']>;
  if (measure !== undefined) out.measure = m;
  if (tag !== undefined) {
    if (typeof tag !== 'string') return fail('tag must be a string');
    if (m === 'tags') return fail('tag filters the measured matches; a tags window names its tags in tags');
    out.tag = tag;
  }
  if (m === 'percentile') {
    if (!isNumber(percentile) || percentile < 0 || percentile > 100)
      return fail('a percentile window needs percentile, a number from 0 to 100');
    out.percentile = percentile;
  } else if (percentile !== undefined) return fail('percentile is only for measure: percentile');
  if (m === 'tags') {
    const list = tags as readonly string[] | undefined;
    if (list === undefined || list.length === 0) return fail('a tags window needs tags, a non-empty list');
    if (new Set(list).size !== list.length) return fail('tags must be distinct');
    out.tags = Object.freeze([...list]);
  } else if (tags !== undefined) return fail('tags is only for measure: tags');
  if (ordered !== undefined) {
    if (typeof ordered !== 'boolean') return fail('ordered must be a boolean');
    if (ordered) {
      if (m !== 'tags') return fail('ordered is only for measure: tags');
      if ((out.compare ?? 'gte') !== 'gte' || threshold !== out.tags!.length || out.and !== undefined)
        return fail('an ordered window needs every tag: threshold tags.length, compare gte, no and');
    }
    out.ordered = ordered;
  }
  return Object.freeze(out);
}
