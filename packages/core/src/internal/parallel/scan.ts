/**
 * Which shard a line of NDJSON belongs to, read from its text without parsing it. The engine keeps
 * every state by device, so a line may be analysed by any one shard that gets every line of its
 * device: the owner is a stable hash of the `DeviceId` the row's event will have. The text settles
 * that only in the plain cases, checked here; every other line is parsed to find out.
 */

const KEY = '"DeviceId"';

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09;

function once(line: string, text: string): boolean {
  const at = line.indexOf(text);
  return at !== -1 && line.indexOf(text, at + text.length) === -1;
}

/**
 * The `DeviceId` the event of this line will have, when the text alone says it exactly: one
 * `"DeviceId"` in the whole line, a string without escapes, not blank, the key of a bare row (no
 * `properties` in the line) or of a streaming record's `properties` (with its `category` before it).
 * Undefined otherwise: envelopes of many records, escaped or odd values, nested copies, rows without
 * the column (whose device is their DeviceName) — the caller then parses the line.
 *
 * `bareRows`: whether a bare row may be settled here (false while the input's `union withsource=`
 * column is unknown: such rows are read in order by the one reader that settles it).
 */
export function lineDeviceId(line: string, bareRows = true): string | undefined {
  const at = line.indexOf(KEY);
  if (at === -1 || line.indexOf(KEY, at + KEY.length) !== -1) return undefined;
  // The value: optional blanks, a colon, optional blanks, a string without escapes.
  let i = at + KEY.length;
  while (i < line.length && isSpace(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 0x3a /* : */) return undefined;
  i++;
  while (i < line.length && isSpace(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 0x22 /* " */) return undefined;
  const end = line.indexOf('"', i + 1);
  if (end === -1) return undefined;
  const value = line.slice(i + 1, end);
  if (value.includes('\\')) return undefined;
  const id = value.trim();
  // Blank (the event's device is then its DeviceName) or the az CLI's null: parse to be sure.
  if (id === '' || id === 'None') return undefined;
  const where = keyContext(line, at);
  if (where === 'row') return bareRows && !line.includes('"properties"') ? id : undefined;
  // A record whose keys repeat (the last one wins in JSON.parse) is left to the parser.
  return where === 'properties' && once(line, '"properties"') && once(line, '"category"') ? id : undefined;
}

/**
 * Where the key at `at` stands: a key of the top-level object (`row`), a key of the object that is the
 * value of a top-level `"properties"` whose top-level object also has a string `"category"` before it
 * (`properties`: a streaming record), or somewhere else. One pass over the text before the key.
 */
function keyContext(line: string, at: number): 'row' | 'properties' | undefined {
  let depth = 0;
  let inString = false;
  let stringStart = -1;
  /** The last top-level key read, and whether a top-level `category` with a string value was seen. */
  let lastKey = '';
  let category = false;
  let inProperties = false;
  for (let i = 0; i < at; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22) {
        inString = false;
        if (depth === 1) {
          // A top-level string: a key when a colon follows.
          let j = i + 1;
          while (j < at && isSpace(line.charCodeAt(j))) j++;
          if (line.charCodeAt(j) === 0x3a) lastKey = line.slice(stringStart + 1, i);
          else if (lastKey === 'category') category = true;
        }
      }
      continue;
    }
    if (c === 0x22) {
      inString = true;
      stringStart = i;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth === 2) inProperties = c === 0x7b && lastKey === 'properties';
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      if (depth < 2) inProperties = false;
    }
  }
  if (inString) return undefined;
  if (depth === 1) return 'row';
  return depth === 2 && inProperties && category ? 'properties' : undefined;
}

/** The shard of a device: FNV-1a of its id, modulo the number of shards. Stable across runs. */
export function shardOf(deviceId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) {
    h ^= deviceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}
