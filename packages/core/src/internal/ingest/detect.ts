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

/** End (index of its `\n`, or the text's length) of the next non-blank line after `nl`, and its start; undefined when none is complete. */
function nextLine(s: string, nl: number): { start: number; end: number } | undefined {
  let at = nl + 1;
  for (;;) {
    while (at < s.length && (s.charCodeAt(at) === 0x20 || s.charCodeAt(at) === 0x09 || s.charCodeAt(at) === 0x0d)) at++;
    if (at >= s.length) return undefined;
    if (s.charCodeAt(at) === 0x0a) {
      at++;
      continue;
    }
    const end = s.indexOf('\n', at);
    return end === -1 ? undefined : { start: at, end };
  }
}

/** True when the first line of `s` has been read and the next non-blank line too (or none can tell). */
export function secondLineReady(s: string, i: number): boolean {
  const nl = s.indexOf('\n', i);
  if (nl === -1) return false;
  return nextLine(s, nl) !== undefined;
}

/**
 * A damaged first line of NDJSON: the next non-blank line is a complete JSON object, and the first
 * line neither starts an array, opens a pretty-printed document (ends with `[` or `{`), starts an
 * envelope whose rows follow one per line, nor is a complete object itself. A file that starts mid-record (`tail -c`) or whose first line was cut then loses that
 * line, not the file.
 */
function damagedFirstLine(s: string, i: number): boolean {
  const nl = s.indexOf('\n', i);
  if (nl === -1) return false;
  const first = s.slice(i, nl).trimEnd();
  if (first === '') return false;
  const last = first.charCodeAt(first.length - 1);
  const c = first.charCodeAt(0);
  // `[` starts an array (one row per line is a common layout); `[`/`{` at the end open a
  // pretty-printed document; an envelope's first line ending in `,` has its rows one per line.
  if (c === 0x5b || last === 0x5b || last === 0x7b) return false;
  if (c === 0x7b && (last === 0x7d || (last === 0x2c && envelopeOf(s, i) !== undefined))) return false;
  const next = nextLine(s, nl);
  if (next === undefined) return false;
  const line = s.slice(next.start, next.end).trimEnd();
  if (line.charCodeAt(0) !== 0x7b || line.charCodeAt(line.length - 1) !== 0x7d) return false;
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}

/**
 * What the start of a text that held no row looks like, for the error that says so: one line of
 * text, a CSV header of columns no table has, or the first characters.
 */
export function describeText(text: string, format: ConcreteFormat): string {
  const i = firstContent(text);
  const nl = text.indexOf('\n', i);
  const first = text.slice(i, nl === -1 ? text.length : nl).replace(/\r$/, '');
  const shown = JSON.stringify(first.length > 60 ? `${first.slice(0, 60)}…` : first);
  if (format === 'csv') {
    return nl === -1 || text.slice(nl + 1).trim() === ''
      ? `it holds one line of text (${shown}) and nothing after it`
      : `its first line (${shown}) reads as a CSV header of columns no Defender table has, and no record follows`;
  }
  return `it starts with ${shown}`;
}

/**
 * Sniff the format from the start of an input (a few KiB are plenty; a UTF-8 BOM and leading
 * whitespace are skipped). Rules:
 * - `[` → `sentinel` (a JSON array of rows: Log Analytics / Sentinel, az CLI);
 * - `{` whose first key is `records` → `eventhub`; `Schema`/`Results`/`Stats` → `ah-api`;
 *   `schema`/`results`/`@odata.context` → `graph`; `tables` → `sentinel` (Log Analytics REST);
 *   any other `{` → `ndjson` (bare rows or streaming records, one per line, or one pretty-printed);
 * - a first line that is damaged NDJSON (cut, or the file starts mid-record) followed by a complete
 *   JSON object line → `ndjson` (the first line is rejected, not the file);
 * - otherwise a first line holding a comma → `csv` (a header row);
 * - otherwise, when a later line starts with `{` → `ndjson` (junk lines are rejected one by one);
 * - otherwise (also for empty input) → undefined.
 */
export function detectFormat(firstBytes: string): ConcreteFormat | undefined {
  const s = firstBytes;
  const i = firstContent(s);
  if (i >= s.length) return undefined;
  const c = s.charCodeAt(i);
  if (c !== 0x7b && damagedFirstLine(s, i)) return 'ndjson';
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
 * Lines or whole documents? JSON whose first line is a complete object (`{…}`) and is followed by
 * more lines is read line by line (NDJSON; each line may itself be a row, a record or a one-line
 * envelope); JSON that starts with `[`, or whose first line leaves the object open (pretty-printed),
 * is read as documents. When the input is a single line, or its first line is longer than the
 * sniffed prefix, an envelope key means a document and anything else an NDJSON row (a long
 * ScriptContent line, say). A damaged first line followed by NDJSON lines is read as lines.
 */
export function layoutOf(prefix: string, format: ConcreteFormat, forced: boolean, ended: boolean): Layout {
  if (format === 'csv') return 'csv';
  if (format === 'ndjson' && forced) return 'lines';
  const i = firstContent(prefix);
  if (i >= prefix.length) return 'lines';
  if (damagedFirstLine(prefix, i)) return 'lines';
  const c = prefix.charCodeAt(i);
  if (c === 0x5b) return 'document';
  if (c !== 0x7b) return 'lines';
  const nl = prefix.indexOf('\n', i);
  const first = prefix.slice(i, nl === -1 ? prefix.length : nl).trimEnd();
  if (nl !== -1) return first.endsWith('}') ? 'lines' : 'document';
  // The whole input is one line (ended) or longer than the prefix: an envelope is read as a
  // document, element by element, so a cut at its end costs at most the last element.
  if (envelopeOf(prefix, i) !== undefined) return 'document';
  return ended && !first.endsWith('}') ? 'document' : 'lines';
}

/** Formats read as JSON (any layout). */
export const JSON_FORMATS: ReadonlySet<ConcreteFormat> = new Set<ConcreteFormat>([
  'ndjson',
  'eventhub',
  'ah-api',
  'graph',
  'sentinel',
]);
