/**
 * Which shard a line of NDJSON belongs to, read from its bytes without decoding or parsing it. The
 * engine keeps every state by device, so a line may be analysed by any one shard that gets every line
 * of its device: the owner is a stable hash of the `DeviceId` the row's event will have. The bytes
 * settle that only in the plain cases, checked here; every other line is parsed to find out.
 */

const KEY = Buffer.from('"DeviceId"', 'latin1');

const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x09;

/**
 * The next place of one needle in a chunk of lines, remembered: the lines of a chunk are scanned in
 * order, so a search that ran past the current line (into a later one, or to the chunk's end without
 * a find) answers the next lines' searches too, and each byte of a chunk is searched at most once per
 * needle, however many lines lack the needle.
 */
class Finder {
  #buf: Buffer | undefined;
  #from = 0;
  #at = -1;

  constructor(readonly needle: Buffer) {}

  /** Index of the first needle at or after `from` in `buf`, or -1. */
  find(buf: Buffer, from: number): number {
    if (buf !== this.#buf || from < this.#from || (this.#at !== -1 && this.#at < from)) {
      this.#buf = buf;
      this.#from = from;
      this.#at = buf.indexOf(this.needle, from);
    }
    return this.#at;
  }

  /** Whether the needle is in `buf[start, end)`. */
  within(buf: Buffer, start: number, end: number): boolean {
    const at = this.find(buf, start);
    return at !== -1 && at + this.needle.length <= end;
  }

  /** Whether the needle is in `buf[start, end)` exactly once. */
  once(buf: Buffer, start: number, end: number): boolean {
    if (!this.within(buf, start, end)) return false;
    return !this.within(buf, this.find(buf, start) + this.needle.length, end);
  }
}

/** The three keys the scan counts, in one linear-time pattern (literals only). */
const NEEDLES = /"(?:DeviceId|properties|category)"/g;

/** Finds the device of lines in the chunks of one input. */
export class DeviceScanner {
  readonly #key = new Finder(KEY);

  /**
   * The `DeviceId` the event of line `buf[start, end)` will have, when its bytes alone say it exactly:
   * one `"DeviceId"` in the whole line, a string without escapes, not blank, the key of a bare row (no
   * `properties` in the line) or of a streaming record's `properties` (with its `category` before it).
   * Undefined otherwise: envelopes of many records, escaped or odd values, nested copies, rows without
   * the column (whose device is their DeviceName) — the caller then parses the line.
   *
   * `bareRows`: whether a bare row may be settled here (false while the input's `union withsource=`
   * column is unknown: such rows are read, in order, by every shard, so that each settles it alike).
   */
  deviceId(buf: Buffer, start: number, end: number, bareRows = true): string | undefined {
    // A line without the key costs one search, remembered for the lines after it.
    const first = this.#key.find(buf, start);
    if (first === -1 || first + KEY.length > end) return undefined;
    // One pass counts the three keys (latin1: one character per byte, so places are byte offsets).
    const line = buf.toString('latin1', start, end);
    const counts = countNeedles(line);
    if (counts.key !== 1) return undefined;
    const at = start + counts.keyAt;
    // The value: optional blanks, a colon, optional blanks, a string without escapes.
    let i = at + KEY.length;
    while (i < end && isSpace(buf[i])) i++;
    if (i >= end || buf[i] !== 0x3a /* : */) return undefined;
    i++;
    while (i < end && isSpace(buf[i])) i++;
    if (i >= end || buf[i] !== 0x22 /* " */) return undefined;
    const close = buf.indexOf(0x22, i + 1);
    if (close === -1 || close >= end) return undefined;
    for (let j = i + 1; j < close; j++) if (buf[j] === 0x5c /* \ */) return undefined;
    const id = buf.toString('utf8', i + 1, close).trim();
    // Blank (the event's device is then its DeviceName) or the az CLI's null: parse to be sure.
    if (id === '' || id === 'None') return undefined;
    const where = keyContext(buf, start, at);
    if (where === 'row') return bareRows && counts.properties === 0 ? id : undefined;
    // A record whose keys repeat (the last one wins in JSON.parse) is left to the parser.
    return where === 'properties' && counts.properties === 1 && counts.category === 1 ? id : undefined;
  }
}

/**
 * How often each key occurs in `line` (2 stands for more), counted as a search of each key alone
 * would: an occurrence counts from the end of the previous one of the same key. Two different keys
 * may share a quote (`"DeviceId"properties"`), so the pattern resumes at each match's closing quote.
 */
function countNeedles(line: string): { key: number; keyAt: number; properties: number; category: number } {
  let key = 0;
  let keyAt = -1;
  let properties = 0;
  let category = 0;
  let keyNext = 0;
  let propertiesNext = 0;
  let categoryNext = 0;
  NEEDLES.lastIndex = 0;
  for (let m = NEEDLES.exec(line); m !== null; m = NEEDLES.exec(line)) {
    const at = m.index;
    const next = at + m[0].length;
    NEEDLES.lastIndex = next - 1;
    const c = line.charCodeAt(at + 1);
    if (c === 0x44 /* D */) {
      if (at < keyNext) continue;
      if (key++ === 0) keyAt = at;
      keyNext = next;
    } else if (c === 0x70 /* p */) {
      if (at < propertiesNext) continue;
      properties++;
      propertiesNext = next;
    } else {
      if (at < categoryNext) continue;
      category++;
      categoryNext = next;
    }
    if (key > 1) break;
  }
  return { key, keyAt, properties: Math.min(properties, 2), category: Math.min(category, 2) };
}

/** The bytes of `buf[start, end)` equal the ASCII `word`. */
function equals(buf: Buffer, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (buf[start + k] !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * Where the key at `at` stands: a key of the top-level object (`row`), a key of the object that is the
 * value of a top-level `"properties"` whose top-level object also has a string `"category"` before it
 * (`properties`: a streaming record), or somewhere else. One pass over the bytes before the key (the
 * bytes of a multi-byte UTF-8 character are all above 0x7F, so none is mistaken for a delimiter).
 */
function keyContext(buf: Buffer, start: number, at: number): 'row' | 'properties' | undefined {
  let depth = 0;
  let inString = false;
  let stringStart = -1;
  /** The last top-level key read (as its byte range), and whether a top-level `category` with a string value was seen. */
  let keyStart = 0;
  let keyEnd = 0;
  let category = false;
  let inProperties = false;
  for (let i = start; i < at; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22) {
        inString = false;
        if (depth === 1) {
          // A top-level string: a key when a colon follows.
          let j = i + 1;
          while (j < at && isSpace(buf[j])) j++;
          if (buf[j] === 0x3a) {
            keyStart = stringStart + 1;
            keyEnd = i;
          } else if (equals(buf, keyStart, keyEnd, 'category')) category = true;
        }
      }
      continue;
    }
    if (c === 0x22) {
      inString = true;
      stringStart = i;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth === 2) inProperties = c === 0x7b && equals(buf, keyStart, keyEnd, 'properties');
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      if (depth < 2) inProperties = false;
    }
  }
  if (inString) return undefined;
  if (depth === 1) return 'row';
  return depth === 2 && inProperties && category ? 'properties' : undefined;
}

/** {@link DeviceScanner.deviceId} of one line of text. */
export function lineDeviceId(line: string, bareRows = true): string | undefined {
  const buf = Buffer.from(line, 'utf8');
  return new DeviceScanner().deviceId(buf, 0, buf.length, bareRows);
}

/**
 * The share of the devices shard 0 analyses, relative to each other shard's: shard 0 is the calling
 * thread, which also reads the input, splits it into lines and reads every line's device. At 0.75
 * the two threads of `workers: { count: 2 }` used about the same CPU time on the bench's fleets
 * (measured per thread: sparse 11.5 and 11.7 s, dense 15.5 and 13.7 s; see docs/scaling.md).
 */
export const CALLING_THREAD_SHARE = 0.75;

/**
 * The shard of a device: FNV-1a of its id, placed on [0, 1) and cut in `shards` parts, the first
 * (the calling thread's) {@link CALLING_THREAD_SHARE} of the others' size. Stable across runs.
 */
export function shardOf(deviceId: string, shards: number): number {
  if (shards <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) {
    h ^= deviceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final mix: FNV-1a's high bits alone follow the last characters too closely.
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  const x = (h >>> 0) / 4294967296;
  const first = CALLING_THREAD_SHARE / (CALLING_THREAD_SHARE + shards - 1);
  if (x < first) return 0;
  return Math.min(shards - 1, 1 + Math.floor(((x - first) / (1 - first)) * (shards - 1)));
}
