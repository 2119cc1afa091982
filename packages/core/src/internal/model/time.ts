/**
 * Timestamp normalisation. Defender writes 0–7 fractional digits, sometimes no `Z`, and the portal's
 * CSV export may hold a localised display string. Every form is turned into one canonical ISO 8601 UTC
 * string that keeps the fractional digits as given, plus a sortable instant (epoch ms and the
 * remaining 100 ns ticks, since JavaScript dates stop at milliseconds).
 *
 * Times written in a local time zone (Log Analytics `[Local Time]` exports, the Defender portal's
 * display dates) are converted with the `timezone` option, which asks the platform's `Intl` time zone data.
 */
export interface ParsedTime {
  /** Canonical `YYYY-MM-DDTHH:MM:SS[.fffffff]Z`, fractional digits as in the input. */
  readonly iso: string;
  /** Epoch milliseconds. */
  readonly ms: number;
  /** Sub-millisecond remainder in 100 ns ticks (0–9999). */
  readonly ticks: number;
}

/** The fields of a date and time as written, before any zone is applied. */
interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly fraction: string;
  /** Offset east of UTC in minutes when the text names one (`Z` is 0); undefined when it names no zone. */
  readonly offset: number | undefined;
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|UTC|[+-]\d{2}:?\d{2})?$/;
const MONTHS: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
// "Oct 9, 2024 2:40:09 PM" (portal, en-US display)
const MONTH_NAME_RE =
  /^([A-Za-z]{3,4})\.? (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)? ?([AaPp][Mm])?$/;
// "10/9/2024 2:40:09 PM" (en-US numeric display), "11/7/2025, 6:40:09.381 AM" (Log Analytics)
const US_NUMERIC_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)? ?([AaPp][Mm])?$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

const MS_PER_DAY = 86_400_000;
/** 400 Gregorian years are exactly 146,097 days: shifting by them keeps every calendar date. */
const MS_PER_400_YEARS = 146_097 * MS_PER_DAY;

/**
 * `Date.UTC` for every year 0–9999. `Date.UTC` reads years 0–99 as 1900–1999, so those are computed
 * 400 years later and moved back by exactly 400 years.
 */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  return year >= 0 && year < 100
    ? Date.UTC(year + 400, month - 1, day, hour, minute, second) - MS_PER_400_YEARS
    : Date.UTC(year, month - 1, day, hour, minute, second);
}

/** Days per month of a non-leap year; February of leap years is checked apart. */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** True when the fields name a real calendar date and time (second 60, a leap second, is allowed). */
function validWall(w: WallTime): boolean {
  return (
    w.month >= 1 &&
    w.month <= 12 &&
    w.day >= 1 &&
    w.day <= (w.month === 2 && isLeap(w.year) ? 29 : DAYS_IN_MONTH[w.month - 1]!) &&
    w.hour <= 23 &&
    w.minute <= 59 &&
    w.second <= 60
  );
}

/** The wall time's fields read as UTC, in whole epoch milliseconds (fraction left out). */
function wallMs(w: WallTime): number {
  return utcMs(w.year, w.month, w.day, w.hour, w.minute, w.second);
}

/**
 * The instant of `w` when its wall clock was `offsetMs` ahead of UTC. Undefined when the instant
 * falls outside years 0000–9999, which the canonical form cannot write.
 */
function build(w: WallTime, offsetMs: number): ParsedTime | undefined {
  const frac = w.fraction.slice(0, 7);
  const wholeMs = wallMs(w) - offsetMs;
  if (!Number.isFinite(wholeMs)) return undefined;
  const d = new Date(wholeMs);
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) return undefined;
  const padded = frac.padEnd(7, '0');
  const ms = wholeMs + Number(padded.slice(0, 3));
  const ticks = Number(padded.slice(3, 7));
  const iso =
    `${pad(year, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac ? `.${frac}` : ''}Z`;
  return { iso, ms, ticks };
}

/** Two ASCII digits at `i` as a number, or -1. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Fast path for what Defender writes almost always: `YYYY-MM-DDTHH:MM:SS[.f{1,7}]Z`, already
 * canonical, so the canonical string is the input itself (no regex, no Date, no string building).
 * Returns undefined for anything else (other forms, years before 1000, second 60, impossible
 * dates), which then takes the general path — so results are exactly those of that path.
 */
function parseCanonical(s: string): ParsedTime | undefined {
  const len = s.length;
  if (len < 20 || len > 28 || s.charCodeAt(len - 1) !== 0x5a /* Z */) return undefined;
  if (s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || s.charCodeAt(10) !== 0x54) return undefined;
  if (s.charCodeAt(13) !== 0x3a || s.charCodeAt(16) !== 0x3a) return undefined;
  const y1 = two(s, 0);
  const y2 = two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const hour = two(s, 11);
  const minute = two(s, 14);
  const second = two(s, 17);
  if (
    y1 < 10 ||
    y2 < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  ) {
    return undefined;
  }
  const year = y1 * 100 + y2;
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!)) return undefined;
  let ms = 0;
  let ticks = 0;
  if (len > 20) {
    // `.` then 1–7 digits, then `Z`.
    if (s.charCodeAt(19) !== 0x2e || len === 21) return undefined;
    let frac = 0;
    for (let i = 20; i < len - 1; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return undefined;
      frac = frac * 10 + d;
    }
    for (let n = len - 21; n < 7; n++) frac *= 10;
    ms = Math.floor(frac / 10_000);
    ticks = frac % 10_000;
  }
  return { iso: s, ms: Date.UTC(year, month - 1, day, hour, minute, second) + ms, ticks };
}

function hour12(hour: number, meridiem: string | undefined): number {
  if (!meridiem) return hour;
  const pm = meridiem.toLowerCase() === 'pm';
  if (hour === 12) return pm ? 12 : 0;
  return pm ? hour + 12 : hour;
}

/**
 * `Z`, `UTC`, `±HH:MM` or `±HHMM` as minutes east of UTC. Per RFC 3339 (`time-numoffset`), hours are
 * 00–23 and minutes 00–59; anything else (`+99:99`) is undefined. No zone at all is also undefined.
 */
function offsetMinutes(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z' || zone === 'UTC') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** Sentinel for a zone designator that is written but invalid. */
const BAD_ZONE = Symbol('bad zone');

/** The fields of any accepted form, or undefined (including an invalid zone or calendar date). */
function parseWall(text: string): WallTime | undefined {
  const s = text.trim();
  let m = ISO_RE.exec(s);
  if (m) {
    const zone = m[8];
    const offset = zone === undefined ? undefined : (offsetMinutes(zone) ?? BAD_ZONE);
    if (offset === BAD_ZONE) return undefined;
    return checked({
      year: +m[1]!,
      month: +m[2]!,
      day: +m[3]!,
      hour: +m[4]!,
      minute: +m[5]!,
      second: m[6] ? +m[6] : 0,
      fraction: m[7] ?? '',
      offset,
    });
  }
  m = MONTH_NAME_RE.exec(s);
  if (m) {
    const month = MONTHS[m[1]!.toLowerCase()];
    if (month === undefined) return undefined;
    return checked(displayWall(+m[3]!, month, +m[2]!, m));
  }
  m = US_NUMERIC_RE.exec(s);
  if (m) return checked(displayWall(+m[3]!, +m[1]!, +m[2]!, m));
  return undefined;
}

function displayWall(year: number, month: number, day: number, m: RegExpExecArray): WallTime {
  return {
    year,
    month,
    day,
    hour: hour12(+m[4]!, m[8]),
    minute: +m[5]!,
    second: m[6] ? +m[6] : 0,
    fraction: m[7] ?? '',
    offset: undefined,
  };
}

function checked(w: WallTime): WallTime | undefined {
  return validWall(w) ? w : undefined;
}

/**
 * Parse a Defender timestamp. Accepts ISO 8601 with 0–7 (up to 9, truncated to 7) fractional digits,
 * with `Z`, an RFC 3339 offset (`±HH:MM`, hours 00–23, minutes 00–59), or no zone (read as UTC), and
 * the portal's localised en-US display forms (`Oct 9, 2024 2:40:09 PM`, `10/9/2024 2:40:09 PM`,
 * `11/7/2025, 6:40:09.381 AM`, read as UTC). Years 0000–9999 are kept as written. Returns undefined
 * otherwise.
 */
export function parseTimestamp(text: string): ParsedTime | undefined {
  const fast = parseCanonical(text);
  if (fast !== undefined) return fast;
  const w = parseWall(text);
  return w === undefined ? undefined : build(w, (w.offset ?? 0) * 60_000);
}

/** True when `text` is one of the display forms (`Oct 9, 2024 2:40:09 PM`, `10/9/2024 2:40:09 PM`), valid or not. */
export function isDisplayTime(text: string): boolean {
  const s = text.trim();
  const c = s.charCodeAt(0);
  // ISO starts with four digits and `-`; display forms with a letter or `M/` / `MM/`.
  if (s.charCodeAt(1) !== 0x2f && s.charCodeAt(2) !== 0x2f && !((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a)) return false;
  return MONTH_NAME_RE.test(s) || US_NUMERIC_RE.test(s);
}

/** True when `text` is an accepted form that names no zone (ISO without `Z` or offset, or a display form). */
export function isZonelessTime(text: string): boolean {
  const w = parseWall(text);
  return w !== undefined && w.offset === undefined;
}

/** What reading a local time found. */
export type LocalTimeResult =
  | { readonly kind: 'exact' | 'ambiguous' | 'zoned'; readonly time: ParsedTime }
  | { readonly kind: 'skipped' | 'invalid' };

const HOUR_MS = 3_600_000;
const BUCKET_MS = 6 * HOUR_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * An IANA time zone (`Europe/Berlin`), read from the platform's `Intl` time zone data: the UTC offset
 * at any instant, and local wall-clock times turned into instants across daylight-saving changes.
 *
 * - A wall time that occurs twice (the repeated hour when clocks go back) is read as its **first**
 *   occurrence, the earlier instant (as RFC 5545 and Temporal's default `compatible` do); the result
 *   says `ambiguous`.
 * - A wall time that never occurs (the hour skipped when clocks go forward) has no instant; the
 *   result says `skipped` and no time is made up for it.
 */
export class TimeZone {
  /** The zone's canonical name as `Intl` reports it (`Europe/Berlin`). */
  readonly name: string;
  readonly #format: Intl.DateTimeFormat;
  /**
   * Offsets by six-hour bucket of UTC: one offset, or the one change inside the bucket (found to the
   * second). Rows of one export fall in few buckets, so `Intl` is asked a few times per bucket, not
   * per row. Assumes no zone changes its offset twice within six hours, which holds for the tz data.
   */
  readonly #buckets = new Map<number, { readonly before: number; readonly after: number; readonly change: number }>();

  private constructor(format: Intl.DateTimeFormat) {
    this.#format = format;
    this.name = format.resolvedOptions().timeZone;
  }

  /** The zone named `name` (an IANA name, in any letter case), or undefined when the platform does not know it. */
  static of(name: string): TimeZone | undefined {
    if (typeof name !== 'string' || name.trim() !== name || name === '' || name.length > 64) return undefined;
    // Node 22+ (ECMA-402 2024) also takes offsets such as `+01:00`, Node 20 does not: refused everywhere,
    // so a configuration means the same on every runtime (a fixed offset is an IANA `Etc/GMT-1`).
    if (name.startsWith('+') || name.startsWith('-')) return undefined;
    try {
      return new TimeZone(
        new Intl.DateTimeFormat('en-US', {
          timeZone: name,
          hourCycle: 'h23',
          era: 'short',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
        }),
      );
    } catch {
      return undefined;
    }
  }

  /** Milliseconds the zone's clock is ahead of UTC at the instant `ms`. */
  offsetAt(ms: number): number {
    const key = Math.floor(ms / BUCKET_MS);
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      const lo = key * BUCKET_MS;
      const hi = lo + BUCKET_MS;
      const before = this.#offsetOf(lo);
      const after = this.#offsetOf(hi);
      let change = hi;
      if (before !== after) {
        // The first whole second at which the offset is `after`: bisect between lo (before) and hi (after).
        let a = lo;
        let b = hi;
        while (b - a > 1000) {
          const mid = a + Math.floor((b - a) / 2000) * 1000;
          if (this.#offsetOf(mid) === before) a = mid;
          else b = mid;
        }
        change = b;
      }
      bucket = { before, after, change };
      if (this.#buckets.size >= 4096) this.#buckets.clear();
      this.#buckets.set(key, bucket);
    }
    return ms < bucket.change ? bucket.before : bucket.after;
  }

  #offsetOf(second: number): number {
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let sec = 0;
    let bc = false;
    for (const part of this.#format.formatToParts(second)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          hour = Number(part.value) % 24;
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          sec = Number(part.value);
          break;
        case 'era':
          bc = part.value === 'BC' || part.value === 'B';
          break;
      }
    }
    const wall = utcMs(bc ? 1 - year : year, month, day, hour, minute, sec);
    return wall - second;
  }

  /**
   * Instants at which the zone's clock read `wall` (a wall time written as if in UTC, epoch ms):
   * one normally, two in a repeated hour (earlier first), none in a skipped one.
   */
  instantsOf(wall: number): number[] {
    // The offsets a day either side (as Temporal does): no zone changes twice within two days.
    const before = this.offsetAt(wall - DAY_MS);
    const after = this.offsetAt(wall + DAY_MS);
    const first = wall - before;
    const firstHolds = this.offsetAt(first) === before;
    if (before === after) return firstHolds ? [first] : [];
    const second = wall - after;
    const secondHolds = this.offsetAt(second) === after;
    const found = [...(firstHolds ? [first] : []), ...(secondHolds ? [second] : [])];
    return found.sort((a, b) => a - b);
  }

  /**
   * Read `text` as a time in this zone. A text that names its own zone (`Z`, `+02:00`) is read as
   * written (`zoned`); a zone-less one (ISO without zone, a display form) is converted: `exact`, or
   * `ambiguous` (the first of two occurrences), or `skipped` (never occurred); `invalid` otherwise.
   */
  parse(text: string): LocalTimeResult {
    const w = parseWall(text);
    if (w === undefined) return { kind: 'invalid' };
    if (w.offset !== undefined) {
      const time = build(w, w.offset * 60_000);
      return time === undefined ? { kind: 'invalid' } : { kind: 'zoned', time };
    }
    const instants = this.instantsOf(wallMs(w));
    const first = instants[0];
    if (first === undefined) return { kind: 'skipped' };
    const time = build(w, wallMs(w) - first);
    if (time === undefined) return { kind: 'invalid' };
    return { kind: instants.length > 1 ? 'ambiguous' : 'exact', time };
  }
}

/**
 * The canonical name of the IANA time zone `name`, given in any letter case (`europe/berlin` →
 * `Europe/Berlin`), or undefined when the platform's time zone data does not know it.
 */
export function canonicalTimeZone(name: string): string | undefined {
  return TimeZone.of(name)?.name;
}

/** Order two instants given as epoch ms + 100 ns ticks. */
export function compareInstants(aMs: number, aTicks: number, bMs: number, bTicks: number): number {
  return aMs - bMs || aTicks - bTicks;
}
