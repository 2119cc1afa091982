import { isSeverity, SEVERITIES, type Severity } from '@tripline/core';
import { parseTimestamp, severityRank } from '@tripline/core/unstable';

/**
 * Severity badges: a colour that survives plain-text chat clients plus the word, so the level is
 * readable without the colour too.
 */
export const SEVERITY_BADGES: Readonly<Record<Severity, string>> = {
  informational: '🔵 INFO',
  low: '🟢 LOW',
  medium: '🟡 MEDIUM',
  high: '🔴 HIGH',
  critical: '⛔ CRITICAL',
};

/** Severities, highest first (the report's order): core's order reversed. */
export const SEVERITIES_DESC: readonly Severity[] = [...SEVERITIES].reverse();

/** Core's rank of a severity (informational = 0 … critical = 4); a value outside the scale (bad input) ranks 0. */
export function rank(severity: Severity): number {
  return isSeverity(severity) ? severityRank(severity) : 0;
}

/** Badge for a severity; an unknown value (bad input) shows as `❔ UNKNOWN` instead of crashing. */
export function badge(severity: Severity | null | undefined): string {
  if (severity === null || severity === undefined) return 'none';
  return SEVERITY_BADGES[severity] ?? '❔ UNKNOWN';
}

/** `12,345`: thousands separators without the host locale, so output is the same on every machine. */
export function int(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.trunc(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `1 event` / `2 events`. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${int(n)} ${n === 1 ? singular : pluralForm}`;
}

/**
 * Milliseconds since the epoch of a timestamp as core reads it (`parseTimestamp`: ISO 8601 with or
 * without a zone, the portal's display forms), or undefined when it is none.
 */
export function parseTime(value: string | undefined): number | undefined {
  return typeof value === 'string' ? parseTimestamp(value)?.ms : undefined;
}

/** `2025-11-07 06:40` (UTC), or with seconds. */
export function utc(ms: number, seconds = false): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, seconds ? 19 : 16)}`;
}

/** `2025-11-07 06:40 – 06:55 UTC`; the date is repeated only when it changes, seconds only when needed to tell start from end. */
export function period(startMs: number, endMs: number): string {
  const seconds = Math.floor(startMs / 60_000) === Math.floor(endMs / 60_000) && startMs !== endMs;
  const a = utc(startMs, seconds);
  const b = utc(endMs, seconds);
  if (a === b) return `${a} UTC`;
  return a.slice(0, 10) === b.slice(0, 10) ? `${a} – ${b.slice(11)} UTC` : `${a} – ${b} UTC`;
}

/** `15-minute`, `3-hour`, `2-day`, `40-second`: a window's length, rounded, as an adjective. */
export function duration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 90) return `${Math.max(1, Math.round(s))}-second`;
  const min = s / 60;
  if (min < 120) return `${Math.round(min)}-minute`;
  const h = min / 60;
  if (h < 48) return `${Math.round(h)}-hour`;
  return `${Math.round(h / 24)}-day`;
}

/** Fixed-point number without trailing zeros: `0.39`, `2`, `1.5`. */
export function decimal(n: number, digits = 2): string {
  return String(Number(n.toFixed(digits)));
}
