import type { InputFormat } from './types.js';

/** A concrete input format (what `auto` resolves to). */
export type ConcreteFormat = Exclude<InputFormat, 'auto'>;

const FIRST_KEY_RE = /^\{\s*"((?:[^"\\]|\\.){0,64})"\s*:/;

function firstContent(s: string): number {
  let i = s.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < s.length && s.charCodeAt(i) <= 0x20) i++;
  return i;
}

/** Format named by the first key of a JSON object, when that key is an envelope's. */
function envelopeOf(s: string, at: number): ConcreteFormat | undefined {
  const m = FIRST_KEY_RE.exec(s.slice(at, at + 256));
  switch (m?.[1]) {
    case 'records':
    case 'Records':
      return 'eventhub';
    case 'Schema':
    case 'Results':
    case 'Stats':
      return 'ah-api';
    case 'schema':
    case 'results':
    case '@odata.context':
      return 'graph';
    case 'tables':
    case 'Tables':
      return 'sentinel';
    default:
      return undefined;
  }
}

/**
 * Sniff the format from the start of an input (a few KiB are plenty; a UTF-8 BOM and leading
 * whitespace are skipped). Rules:
 * - `[` → `sentinel` (a JSON array of rows: Log Analytics / Sentinel, az CLI);
 * - `{` whose first key is `records` → `eventhub`; `Schema`/`Results`/`Stats` → `ah-api`;
 *   `schema`/`results`/`@odata.context` → `graph`; `tables` → `sentinel` (Log Analytics REST);
 *   any other `{` → `ndjson` (bare rows or streaming records, one per line, or one pretty-printed);
 * - otherwise a first line holding a comma → `csv` (a header row);
 * - otherwise, when a later line starts with `{` → `ndjson` (junk lines are rejected one by one);
 * - otherwise (also for empty input) → undefined.
 */
export function detectFormat(firstBytes: string): ConcreteFormat | undefined {
  const s = firstBytes;
  const i = firstContent(s);
  if (i >= s.length) return undefined;
  const c = s.charCodeAt(i);
  if (c === 0x5b) return 'sentinel';
  if (c === 0x7b) return envelopeOf(s, i) ?? 'ndjson';
  const nl = s.indexOf('\n', i);
  const first = s.slice(i, nl === -1 ? s.length : nl);
  if (first.includes(',')) return 'csv';
  if (/\n[ \t]*\{/.test(s.slice(i))) return 'ndjson';
  return undefined;
}

/** How a detected or forced format is read. */
export type Layout = 'lines' | 'document' | 'csv';

/**
 * Lines or whole documents? JSON whose first line is a complete object (`{…}`) is read line by line
 * (NDJSON; each line may itself be a row, a record or a one-line envelope); JSON that starts with
 * `[`, or whose first line leaves the object open (pretty-printed), is read as documents. When the
 * first line is longer than the sniffed prefix, an envelope key means a document and anything else
 * an NDJSON row (a long ScriptContent line, say).
 */
export function layoutOf(prefix: string, format: ConcreteFormat, forced: boolean, ended: boolean): Layout {
  if (format === 'csv') return 'csv';
  if (format === 'ndjson' && forced) return 'lines';
  const i = firstContent(prefix);
  if (i >= prefix.length) return 'lines';
  const c = prefix.charCodeAt(i);
  if (c === 0x5b) return 'document';
  if (c !== 0x7b) return 'lines';
  const nl = prefix.indexOf('\n', i);
  const first = prefix.slice(i, nl === -1 ? prefix.length : nl).trimEnd();
  if (nl !== -1 || ended) return first.endsWith('}') ? 'lines' : 'document';
  return envelopeOf(prefix, i) !== undefined ? 'document' : 'lines';
}

/** Formats read as JSON (any layout). */
export const JSON_FORMATS: ReadonlySet<ConcreteFormat> = new Set<ConcreteFormat>([
  'ndjson',
  'eventhub',
  'ah-api',
  'graph',
  'sentinel',
]);
