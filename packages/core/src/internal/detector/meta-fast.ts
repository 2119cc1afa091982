/**
 * A hand-written reading of detector metadata for the common case: plain objects and arrays whose every
 * field is plainly valid. It returns what the zod schema of `define.ts` returns for such metadata (the
 * same keys in the same order, fresh objects and arrays, trimmed nothing) and `undefined` for anything
 * else — an unknown key, an odd prototype, a value the schema would reject or rewrite — which the
 * schema then reads, so every error and every unusual case is the schema's own. A rule engine loads
 * thousands of detectors per run (a Sigma family); the schema costs about 0.1 ms each.
 */
import { TABLE_NAMES } from '../model/tables.js';
import { PLACEHOLDER_NAME_RE } from '../report/template.js';
import { SEVERITIES } from '../severity.js';

/** The keys of the metadata schema, in its order (the order zod writes them in). */
export const META_KEYS = [
  'id',
  'title',
  'summary',
  'rationale',
  'severity',
  'severityNotes',
  'category',
  'mitre',
  'mitreNotes',
  'references',
  'falsePositives',
  'tables',
  'actionTypes',
  'options',
  'messages',
  'values',
  'evidence',
  'columns',
] as const;
const TEMPLATE_KEYS = ['title', 'description', 'riskAssessment'] as const;
const EVIDENCE_KEYS = ['from', 'combine', 'cap', 'label', 'hidden'] as const;
const EVIDENCE_KEY_SET: ReadonlySet<string> = new Set(EVIDENCE_KEYS);
const TABLES: ReadonlySet<string> = new Set(TABLE_NAMES);
const SEVERITY_SET: ReadonlySet<string> = new Set(SEVERITIES);
/** Tab, line feed, carriage return: the URL check of the schema deletes them from the value. */
const URL_REWRITTEN = /[\t\n\r]/;

type Plain = Record<string, unknown>;

/** Keys the schema may go without. */
const OPTIONAL: ReadonlySet<string> = new Set([
  'severityNotes',
  'mitreNotes',
  'references',
  'falsePositives',
  'actionTypes',
  'options',
  'values',
  'evidence',
  'columns',
]);
const COMBINE_SET: ReadonlySet<string> = new Set(['distinct', 'first', 'last', 'count', 'sum', 'min', 'max']);

/** An object the schema reads as one (not an array). Its keys are read as the schema reads them. */
function isObject(v: unknown): v is Plain {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The keys a record schema reads (enumerable own string keys), or undefined when the object is not
 * plainly a record: another prototype, an own `constructor`, symbol keys or a `__proto__` key.
 */
function recordKeys(v: Plain): string[] | undefined {
  // The schema takes plain objects alone for records (a Date, a class instance are errors).
  const proto = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || Object.hasOwn(v, 'constructor')) return undefined;
  if (Object.getOwnPropertySymbols(v).length > 0) return undefined;
  const keys = Object.keys(v);
  return keys.includes('__proto__') ? undefined : keys;
}

/** A plain array of strings each passing `ok`, copied; undefined otherwise. */
function strings(v: unknown, ok: (s: string) => boolean): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) {
    const s = v[i];
    if (typeof s !== 'string' || !ok(s)) return undefined;
    out[i] = s;
  }
  return out;
}

const text =
  (min: number, max = Number.POSITIVE_INFINITY) =>
  (s: unknown) =>
    typeof s === 'string' && s.length >= min && s.length <= max;
const nonEmpty = text(1);
const title = text(3, 120);
const longText = text(10);
const category = text(2, 80);
const label = text(1, 120);
const templateTitle = text(1, 200);
/**
 * `http(s)://`, a host of labels of letters, digits and dashes whose last label is 2 to 63 letters (so
 * neither an IPv4 address) and none of them punycode, then nothing or `/` and printable ASCII: a URL the
 * URL parser always accepts, checked without it, in one pass. The differential test checks the claim.
 */
export function isPlainUrl(s: string): boolean {
  const start = s.startsWith('https://') ? 8 : s.startsWith('http://') ? 7 : -1;
  if (start < 0) return false;
  let slash = s.indexOf('/', start);
  if (slash < 0) slash = s.length;
  let label = start;
  let letters = true;
  for (let i = start; i < slash; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (i === label) return false;
      label = i + 1;
      letters = true;
      continue;
    }
    const letter = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
    if (!letter && c !== 0x2d && !(c >= 0x30 && c <= 0x39)) return false;
    if (!letter) letters = false;
  }
  if (label === start || !letters || slash - label < 2 || slash - label > 63) return false;
  if (s.slice(start, slash).toLowerCase().includes('xn--')) return false;
  for (let i = slash; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}
const isUrl = (s: string): boolean => isPlainUrl(s) || (s.trim() === s && !URL_REWRITTEN.test(s) && URL.canParse(s));
const isPlaceholder = (s: string): boolean => PLACEHOLDER_NAME_RE.test(s);
/** The element check of each list of strings. */
const LISTS: Readonly<Record<string, (s: string) => boolean>> = {
  references: isUrl,
  falsePositives: nonEmpty,
  tables: (s) => TABLES.has(s),
  values: isPlaceholder,
  columns: nonEmpty,
};

/** One evidence field, copied with its keys in the schema's order; undefined when not plainly valid. */
function evidenceField(v: unknown): Plain | undefined {
  if (!isObject(v)) return undefined;
  // A strict object: a key it does not know is an error (the schema words it).
  for (const k in v) if (!EVIDENCE_KEY_SET.has(k)) return undefined;
  const out: Plain = {};
  for (const k of EVIDENCE_KEYS) {
    if (!(k in v)) continue;
    const x = v[k];
    if (k === 'from' ? typeof x !== 'function' && !nonEmpty(x) : !evidenceValue(k, x)) return undefined;
    out[k] = x;
  }
  return 'combine' in out ? out : undefined;
}

function evidenceValue(k: (typeof EVIDENCE_KEYS)[number], x: unknown): boolean {
  if (k === 'combine') return typeof x === 'string' && COMBINE_SET.has(x);
  if (k === 'cap') return Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 10_000;
  if (k === 'label') return label(x);
  return typeof x === 'boolean';
}

/** A record of plainly valid values, copied by `read`; undefined when a value is not. */
function record(v: unknown, read: (x: unknown) => Plain | undefined): Plain | undefined {
  if (!isObject(v)) return undefined;
  const keys = recordKeys(v);
  if (keys === undefined) return undefined;
  const out: Plain = {};
  for (const k of keys) {
    const x = read(v[k]);
    if (x === undefined) return undefined;
    out[k] = x;
  }
  return out;
}

/** A message template (an object schema: keys it does not know are dropped). */
function template(v: unknown): Plain | undefined {
  if (!isObject(v)) return undefined;
  const out: Plain = {};
  for (const k of TEMPLATE_KEYS) {
    const x = k in v ? v[k] : undefined;
    if (!(k === 'title' ? templateTitle(x) : nonEmpty(x))) return undefined;
    out[k] = x;
  }
  return out;
}

/**
 * The schema's output for plainly valid metadata (see the module comment), or undefined: then the
 * schema decides. `idRe` is the detector id pattern.
 */
export function readMetaFast(meta: unknown, idRe: RegExp): Plain | undefined {
  if (!isObject(meta)) return undefined;
  const out: Plain = {};
  // As the schema: each key of its shape, in order, read once; keys it does not know are dropped.
  for (const k of META_KEYS) {
    if (!(k in meta)) {
      if (!OPTIONAL.has(k)) return undefined;
      continue;
    }
    const v = meta[k];
    const read = readField(k, v, idRe);
    if (read === undefined) return undefined;
    out[k] = read;
  }
  return out;
}

/** The schema's output for one present field, or undefined when it is not plainly valid. */
function readField(k: (typeof META_KEYS)[number], v: unknown, idRe: RegExp): unknown {
  switch (k) {
    case 'id':
      return typeof v === 'string' && idRe.test(v) ? v : undefined;
    case 'title':
      return title(v) ? v : undefined;
    case 'summary':
    case 'rationale':
      return longText(v) ? v : undefined;
    case 'severity':
      return typeof v === 'string' && SEVERITY_SET.has(v) ? v : undefined;
    case 'category':
      return category(v) ? v : undefined;
    case 'severityNotes':
    case 'mitreNotes':
      return nonEmpty(v) ? v : undefined;
    case 'options':
      // Any value but undefined (which the schema would write as a key of its own).
      return v;
    case 'messages': {
      const messages = record(v, template);
      return messages !== undefined && 'default' in messages ? messages : undefined;
    }
    case 'evidence':
      return record(v, evidenceField);
    case 'mitre': {
      // The schema freezes the ATT&CK list (`readonly`).
      const list = strings(v, () => true);
      return list && Object.freeze(list);
    }
    case 'actionTypes': {
      const list = strings(v, nonEmpty);
      return list && list.length > 0 ? list : undefined;
    }
    default: {
      const ok = LISTS[k];
      return ok === undefined ? undefined : strings(v, ok);
    }
  }
}
