import {
  type AnalysisResult,
  type Diagnostic,
  ERROR_CODES,
  type ErrorCode,
  isTriplineError,
  SEVERITIES,
  type TriplineError,
} from '@tripline/core';
import type { SarifResultCount } from '@tripline/reporter-sarif';
import type { LoadReport } from '@tripline/sigma';
import { fsReason } from './errors.js';
import { notSelected } from './sigma-rules.js';
import { formatCount, formatDuration, terminalText } from './text.js';

// The lines `tripline analyze` prints on stderr about its run.

/**
 * The warning for Sigma rules of `--rules` that did not load as written, or undefined when all did:
 * nothing is dropped silently, and `tripline rules check` lists each rule with its reason.
 */
export function sigmaLoadWarning(report: LoadReport): string | undefined {
  // Rules --sigma-level or --sigma-status left out are what the user asked for, not a warning.
  const skipped = report.rules.skipped + report.correlations.skipped - report.entries.filter(notSelected).length;
  const degraded = report.rules.degraded + report.correlations.degraded;
  if (skipped + degraded === 0) return undefined;
  const parts = [
    ...(skipped ? [`${formatCount(skipped)} skipped`] : []),
    ...(degraded ? [`${formatCount(degraded)} loaded with a weaker meaning`] : []),
  ];
  return `tripline: warning: of ${formatCount(report.documents)} Sigma document${report.documents === 1 ? '' : 's'} in --rules, ${parts.join(' and ')} (tripline rules check <path> lists each with its reason)`;
}

/** `14 alerts (1 high, 3 medium, 10 low)`. */
function alertPhrase(result: AnalysisResult): string {
  const s = result.summary;
  const parts = [...SEVERITIES]
    .reverse()
    .filter((sev) => s.bySeverity[sev] > 0)
    .map((sev) => `${formatCount(s.bySeverity[sev])} ${sev}`);
  const n = s.alertCount;
  return `${formatCount(n)} alert${n === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * The closing line on stderr: `tripline: 30 events read (25 analysed, 5 rejected) from 1 input in
 * 0.21 s; 14 alerts (1 high, 3 medium, 10 low)`.
 */
export function summaryLine(
  result: AnalysisResult,
  durationMs: number,
  output?: string,
  extra: { readonly failedInputs?: number; readonly sarif?: SarifResultCount | undefined } = {},
): string {
  const s = result.summary;
  const inputs = result.inputs.length;
  const failed = extra.failedInputs ?? 0;
  let line =
    `tripline: ${formatCount(s.eventsRead)} event${s.eventsRead === 1 ? '' : 's'} read ` +
    `(${formatCount(s.eventsAnalyzed)} analysed, ${formatCount(s.eventsRejected)} rejected) ` +
    `from ${inputs} input${inputs === 1 ? '' : 's'}` +
    (failed > 0 ? ` (${failed} of them could not be read)` : '') +
    ` in ${formatDuration(durationMs)}; ${alertPhrase(result)}`;
  const sarif = extra.sarif;
  if (sarif !== undefined && sarif.kept < sarif.total) {
    line += `, of which the SARIF log holds ${formatCount(sarif.kept)}`;
  }
  if (s.eventsRejected > 0) line += '; rejected rows are listed in the report';
  if (output !== undefined) line += `; report written to ${terminalText(output, 200)}`;
  return line;
}

/** One diagnostic as a stderr line (where it came from, when known). */
export function diagnosticLine(d: Diagnostic): string {
  const where =
    d.source !== undefined
      ? ` (${d.source}${d.line !== undefined ? `:${d.line}` : d.record !== undefined ? ` record ${d.record}` : ''})`
      : '';
  return `tripline: ${d.level}: ${terminalText(`${d.detectorId ? `${d.detectorId}: ` : ''}${d.message}${where}`, 500)}`;
}

const INPUT_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ERROR_CODES.INPUT_UNREADABLE,
  ERROR_CODES.INPUT_FORMAT_UNKNOWN,
]);

/** Whether an error is about one input (the run goes on with the others), not about the run. */
export function isInputError(error: unknown): error is TriplineError {
  return isTriplineError(error) && INPUT_ERRORS.has(error.code);
}

/** OS errors whose short wording ({@link fsReason}) says all: the others keep the core's full message. */
const SHORT_OS_REASONS: ReadonlySet<string> = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'EISDIR',
  'ENOTDIR',
  'ELOOP',
  'EMFILE',
  'ENFILE',
]);

/** One line about an input that could not be read, naming it (with a short OS reason when there is one). */
export function inputFailure(error: TriplineError, name: string): string {
  const os = error.details.osCode;
  if (error.code === ERROR_CODES.INPUT_UNREADABLE && typeof os === 'string' && SHORT_OS_REASONS.has(os)) {
    return os === 'EISDIR'
      ? `cannot read ${name}: is a directory (give the event files inside it)`
      : `cannot read ${name}: ${fsReason({ code: os })}`;
  }
  return error.message.includes(name) ? error.message : `${name}: ${error.message}`;
}

/** An input that could not be read: its name and the line that says why. */
export interface FailedInput {
  readonly name: string;
  readonly message: string;
}
