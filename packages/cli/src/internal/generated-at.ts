import { CliError } from './errors.js';

const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Parse an ISO-8601 time (`2025-01-31`, `2025-01-31T12:00:00Z`, with offset) to its canonical UTC form, or undefined. */
export function parseIsoTime(value: string): string | undefined {
  if (!ISO_RE.test(value.trim())) return undefined;
  const ms = Date.parse(value.trim());
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
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
