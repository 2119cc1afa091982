/**
 * Timestamp normalisation. Defender writes 0–7 fractional digits, sometimes no `Z`, and the portal's
 * CSV export may hold a localised display string. Every form is turned into one canonical ISO 8601 UTC
 * string that keeps the fractional digits as given, plus a sortable instant (epoch ms and the
 * remaining 100 ns ticks, since JavaScript dates stop at milliseconds).
 */
export interface ParsedTime {
  /** Canonical `YYYY-MM-DDTHH:MM:SS[.fffffff]Z`, fractional digits as in the input. */
  readonly iso: string;
  /** Epoch milliseconds. */
  readonly ms: number;
  /** Sub-millisecond remainder in 100 ns ticks (0–9999). */
  readonly ticks: number;
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
// "10/9/2024 2:40:09 PM" (en-US numeric display)
const US_NUMERIC_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)? ?([AaPp][Mm])?$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function build(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  fraction: string,
  offsetMinutes: number,
): ParsedTime | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const frac = fraction.slice(0, 7);
  const wholeMs = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  if (!Number.isFinite(wholeMs)) return undefined;
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCDate() !== day) return undefined; // 31 February and friends
  const padded = frac.padEnd(7, '0');
  const ms = wholeMs + Number(padded.slice(0, 3));
  const ticks = Number(padded.slice(3, 7));
  const d = new Date(wholeMs);
  if (year < 0 || d.getUTCFullYear() > 9999) return undefined;
  const iso =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac ? `.${frac}` : ''}Z`;
  return { iso, ms, ticks };
}

/** Days per month of a non-leap year; February of leap years is checked apart. */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

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
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return undefined;
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
 * Parse a Defender timestamp. Accepts ISO 8601 with 0–7 (up to 9, truncated to 7) fractional digits,
 * with `Z`, an offset, or no zone (read as UTC), and the portal's localised en-US display forms
 * (`Oct 9, 2024 2:40:09 PM`, `10/9/2024 2:40:09 PM`, read as UTC). Returns undefined otherwise.
 */
export function parseTimestamp(text: string): ParsedTime | undefined {
  const fast = parseCanonical(text);
  if (fast !== undefined) return fast;
  const s = text.trim();
  let m = ISO_RE.exec(s);
  if (m) {
    const zone = m[8];
    let offset = 0;
    if (zone && zone !== 'Z' && zone !== 'z' && zone !== 'UTC') {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
    }
    return build(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, m[6] ? +m[6] : 0, m[7] ?? '', offset);
  }
  m = MONTH_NAME_RE.exec(s);
  if (m) {
    const month = MONTHS[m[1]!.toLowerCase()];
    if (month === undefined) return undefined;
    return build(+m[3]!, month, +m[2]!, hour12(+m[4]!, m[8]), +m[5]!, m[6] ? +m[6] : 0, m[7] ?? '', 0);
  }
  m = US_NUMERIC_RE.exec(s);
  if (m) return build(+m[3]!, +m[1]!, +m[2]!, hour12(+m[4]!, m[8]), +m[5]!, m[6] ? +m[6] : 0, m[7] ?? '', 0);
  return undefined;
}

/** Order two instants given as epoch ms + 100 ns ticks. */
export function compareInstants(aMs: number, aTicks: number, bMs: number, bTicks: number): number {
  return aMs - bMs || aTicks - bTicks;
}
