import { parseTimestamp } from '@tripline/core/unstable';
import { CliError } from './errors.js';

/**
 * Parse an ISO-8601 time (`2025-01-31`, `2025-01-31T12:00:00Z`, with an offset) to its canonical UTC
 * form (`toISOString`), or undefined. Read by core's timestamp parser, so a time without a zone is
 * UTC, as in the events, whatever the host's time zone; a date alone is its midnight UTC.
 */
export function parseIsoTime(value: string): string | undefined {
  const text = value.trim();
  const date = text.length === 10 ? `${text}T00:00:00Z` : text;
  if (!isIsoDate(date)) return undefined;
  const parsed = parseTimestamp(date);
  return parsed === undefined ? undefined : new Date(parsed.ms).toISOString();
}

/** `YYYY-MM-DD` then `T` or a space: the ISO form, not the portal's display forms core also reads. */
function isIsoDate(text: string): boolean {
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9]) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return text[4] === '-' && text[7] === '-' && (text[10] === 'T' || text[10] === ' ');
}

/**
 * The report's `generatedAt`: `--generated-at` if given, else `SOURCE_DATE_EPOCH` (seconds since
 * the epoch, the reproducible-builds convention), else undefined (now). A malformed
 * `SOURCE_DATE_EPOCH` is an error rather than silently ignored, as that convention asks.
 */
export function resolveGeneratedAt(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (option !== undefined) return option;
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch === undefined || epoch === '') return undefined;
  if (!/^\d{1,15}$/.test(epoch)) {
    throw new CliError(
      `SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01T00:00:00Z (got ${JSON.stringify(epoch)})`,
    );
  }
  const date = new Date(Number(epoch) * 1000);
  if (Number.isNaN(date.getTime())) throw new CliError(`SOURCE_DATE_EPOCH is out of range (got ${epoch})`);
  return date.toISOString();
}
