import { z } from 'zod';
import { ERROR_CODES, TriplineError } from '../errors.js';
import { fleetFindings } from './findings.js';
import {
  type JsonReport,
  jsonReportSchema,
  jsonReportSchema11,
  jsonReportSchema12,
  READABLE_REPORT_VERSIONS,
  REPORT_SCHEMA_VERSION,
} from './schema.js';
import { type JsonReportOptions, jsonReportChunks } from './stream.js';
import type { AnalysisResult } from './types.js';

export { type JsonReport, REPORT_SCHEMA_VERSION };

/**
 * The canonical JSON report of a result (PRODUCT.md's contract): the result itself with its
 * `schemaVersion`. Keys come in the schema's order whatever order the result was built in, so the
 * same result gives the same bytes; `generatedAt` is the only field that varies, and callers can fix it.
 * A result that breaks the contract (a hand-built one with a missing field) throws `invalid-report`.
 */
export function toJsonReport(result: AnalysisResult): JsonReport {
  return checked({ schemaVersion: REPORT_SCHEMA_VERSION, ...result }, 'the analysis result', jsonReportSchema);
}

/**
 * The JSON report as text: 2-space indent, trailing newline (`{ compact: true }`: one line and a
 * newline). Integers are never widened (ReportIds are strings). It is {@link jsonReportChunks} joined:
 * to write a large report, write the chunks (`writeChunks`) instead of this string.
 */
export function stringifyReport(result: AnalysisResult, options: JsonReportOptions = {}): string {
  return [...jsonReportChunks(result, options)].join('');
}

/**
 * Read a saved JSON report (the parsed JSON of `tripline analyze --format json`) back into the result
 * it was written from, to render it again: `renderMarkdown(parseJsonReport(json))` gives the bytes the
 * run gave, its `narrative` included. Reports of version 1.3, 1.2 and 1.1 are read (neither 1.2 nor
 * 1.1 has a `narrative`; a 1.1 report has no `findings`: they are derived from its alerts, exactly as
 * the engine makes them). A report of another version, one that breaks the
 * contract, or one whose `findings` are not those of its alerts throws `invalid-report` naming the field
 * at fault (`alerts[3].key: …`). Reports of version 1.0 lack the alerts' templates and the run's devices
 * and detectors, which cannot be made up: re-run `analyze`.
 */
export function parseJsonReport(json: unknown): AnalysisResult {
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (
    json !== null &&
    typeof json === 'object' &&
    !(READABLE_REPORT_VERSIONS as readonly unknown[]).includes(version)
  ) {
    const which = typeof version === 'string' ? `version ${version.slice(0, 20)}` : 'no schemaVersion';
    throw new TriplineError(
      ERROR_CODES.REPORT_INVALID,
      `the report has ${which}; this release reads JSON reports of version ${READABLE_REPORT_VERSIONS.slice(0, -1).join(', ')} and ${READABLE_REPORT_VERSIONS.at(-1)} ` +
        '(a 1.0 report lacks the message templates, devices and detectors a report is rendered from): ' +
        're-run tripline analyze --format json on the inputs',
    );
  }
  if (version === '1.1') {
    const { schemaVersion: _, ...old } = checked(json, 'the report', jsonReportSchema11);
    const { alerts, ...rest } = old;
    return { ...rest, alerts, findings: fleetFindings(alerts, old.detectors) } as AnalysisResult;
  }
  const { schemaVersion: _, ...result } =
    version === '1.2' ? checked(json, 'the report', jsonReportSchema12) : checked(json, 'the report', jsonReportSchema);
  const expected = fleetFindings(result.alerts, result.detectors);
  const at = firstDifference(result.findings, expected);
  if (at !== undefined) {
    throw new TriplineError(
      ERROR_CODES.REPORT_INVALID,
      `the report is not a valid tripline JSON report: ${at}: the findings are not those of the alerts ` +
        '(one per detector, key and severity, every alert in exactly one, in the contract order)',
    );
  }
  return result;
}

/** The path of the first finding that differs from the expected list, or undefined when they are equal. */
function firstDifference(found: AnalysisResult['findings'], expected: AnalysisResult['findings']): string | undefined {
  const n = Math.max(found.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (JSON.stringify(found[i]) !== JSON.stringify(expected[i])) return `findings[${i}]`;
  }
  return undefined;
}

function checked<T>(value: unknown, what: string, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.length ? z.core.toDotPath(issue.path) : '(top level)';
  throw new TriplineError(
    ERROR_CODES.REPORT_INVALID,
    `${what} is not a valid tripline JSON report: ${path}: ${issue.message}`,
  );
}
