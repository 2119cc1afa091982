/**
 * Which shard a line of NDJSON belongs to, read from its bytes without decoding or parsing it. The
 * engine keeps every state by device, so a line may be analysed by any one shard that gets every line
 * of its device: the owner is a stable hash of the `DeviceId` the row's event will have. The bytes
 * settle that only in the plain cases, checked here; every other line is parsed to find out.
 */

/** Length of the key `"DeviceId"`, quotes included. */
const KEY_LENGTH = 10;

const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x09;

/**
 * The next place of one needle in a chunk of lines, remembered: the lines of a chunk are scanned in
 * order, so a search that ran past the current line (into a later one, or to the chunk's end without
 * a find) answers the next lines' searches too, and each byte of a chunk is searched at most once per
 * needle, however many lines lack the needle.
 *
 * The native search runs for the needle without its first `lead` bytes, and a find counts when those
 * bytes stand before it: the search stops at every byte equal to the first one it looks for, and JSON
 * text is full of quotes, hexadecimal ids and hashes (the letters a to f), so a search that starts with
 * one of those is several times slower. Each key is searched from a letter that is rare in Defender
 * rows: `DeviceId"`, `properties"`, `gory"` (on 200 MB of the benchmark's records, 20, 27 and 30 ms,
 * against 64 ms for `tegory"` and 160–220 ms for each key with its opening quote).
 */
class Finder {
  readonly needle: Buffer;
  readonly #rest: Buffer;
  readonly #lead: number;
  #buf: Buffer | undefined;
  #from = 0;
  #at = -1;

  constructor(needle: string, lead: number) {
    this.needle = Buffer.from(needle, 'latin1');
    this.#rest = this.needle.subarray(lead);
    this.#lead = lead;
  }

  /** Index of the first needle at or after `from` in `buf`, or -1. */
  find(buf: Buffer, from: number): number {
    if (buf !== this.#buf || from < this.#from || (this.#at !== -1 && this.#at < from)) {
      this.#buf = buf;
      this.#from = from;
      this.#at = this.#search(buf, from);
    }
    return this.#at;
  }

  #search(buf: Buffer, from: number): number {
    const lead = this.#lead;
    const needle = this.needle;
    for (let i = buf.indexOf(this.#rest, from + lead); i !== -1; i = buf.indexOf(this.#rest, i + 1)) {
      let k = 0;
      while (k < lead && buf[i - lead + k] === needle[k]) k++;
      if (k === lead) return i - lead;
    }
    return -1;
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

/** Finds the device of lines in the chunks of one input. */
export class DeviceScanner {
  readonly #key = new Finder('"DeviceId"', 1);
  readonly #properties = new Finder('"properties"', 1);
  readonly #category = new Finder('"category"', 4);

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
    // A line without the key costs one search, remembered for the lines after it. Each key is counted
    // as a search of it alone would (an occurrence counts from the end of the previous one), by native
    // searches of the bytes that each line after this one reuses: no copy of the line, no pattern.
    const key = this.#key;
    const at = key.find(buf, start);
    if (at === -1 || at + KEY_LENGTH > end) return undefined;
    if (key.within(buf, at + KEY_LENGTH, end)) return undefined;
    // The value: optional blanks, a colon, optional blanks, a string without escapes.
    let i = at + KEY_LENGTH;
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
    if (where === 'row') return bareRows && !this.#properties.within(buf, start, end) ? id : undefined;
    // A record whose keys repeat (the last one wins in JSON.parse) is left to the parser.
    return where === 'properties' && this.#properties.once(buf, start, end) && this.#category.once(buf, start, end)
      ? id
      : undefined;
  }
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

/** The shard of a device: FNV-1a of its id, modulo the number of shards. Stable across runs. */
export function shardOf(deviceId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) {
    h ^= deviceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}
