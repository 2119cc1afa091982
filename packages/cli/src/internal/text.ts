import { sanitizeText } from '@tripline/reporter-markdown';

/**
 * Text that came from outside (event data, file names, error messages quoting input) made safe for
 * a terminal: control characters such as ESC of ANSI sequences, bidirectional overrides and other
 * invisible characters are shown as `⟪U+XXXX⟫`, line breaks as `↵`.
 */
export function terminalText(value: string, maxLength?: number): string {
  return sanitizeText(value, maxLength === undefined ? {} : { maxLength });
}

/** Like {@link terminalText} but keeps line breaks (stack traces). */
export function terminalLines(value: string): string {
  return sanitizeText(value, { newlines: 'keep' });
}

/**
 * Characters `JSON.stringify` leaves raw that a terminal may act on or hide: DEL and the C1 controls
 * (U+0080–U+009F, where U+009B is a one-character CSI), the line/paragraph separators and the
 * bidirectional overrides/isolates.
 */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Escape the characters of {@link JSON_UNSAFE} as `\uXXXX` in JSON text. The document parses to the
 * same value; it only stops a report printed to a terminal from carrying raw control characters.
 * Only string contents can hold them, so a plain replacement is exact.
 */
export function escapeJsonForTerminal(json: string): string {
  return json.replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Final guard for Markdown written to a terminal or file: the reporter already escapes event text,
 * this only replaces any control character it may have let through (never LF or TAB) with U+FFFD.
 */
export function stripControlCharacters(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '\uFFFD');
}

/** `1,234,567`: grouped digits, locale-independent (reports and tests must not vary by locale). */
export function formatCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `12.3 MB`: decimal units, one decimal from kB up. */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `0.42 s`, `12.3 s`, `3 min 05 s`. */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - m * 60)).padStart(2, '0')} s`;
}

/** `0:07`, `12:30`, `1:02:03`: an ETA. */
export function formatClock(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
