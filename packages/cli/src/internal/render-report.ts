import { type AnalysisResult, jsonReportChunks } from '@tripline/core';
import { markdownChunks } from '@tripline/reporter-markdown';
import { type SarifResultCount, sarifChunks, sarifPlannedCount } from '@tripline/reporter-sarif';
import { CliError } from './errors.js';
import { escapeJsonForTerminal, stripControlCharacters } from './text.js';

/** Report formats of `tripline analyze --format`. */
export const REPORT_FORMATS = ['markdown', 'json', 'sarif'] as const;
/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** A report rendered for output. */
export interface RenderedReport {
  /** The report's text, chunk by chunk (written with back-pressure, never joined into one string). */
  readonly chunks: Iterable<string>;
  /** SARIF only: how many alerts the log holds (once its chunks have all been written). */
  readonly sarif?: SarifResultCount | undefined;
}

/** How a report is rendered (`--compact`). */
export interface RenderReportOptions {
  /** JSON on one line. */
  readonly compact?: boolean;
}

/** Each chunk passed through `f` (the terminal guards replace single characters, so chunk by chunk is exact). */
function* mapChunks(chunks: Iterable<string>, f: (chunk: string) => string): Generator<string> {
  for (const chunk of chunks) yield f(chunk);
}

/**
 * The report of a result in `format`, safe for a terminal (`tripline analyze` and `tripline render`
 * share it): JSON and SARIF with the characters a terminal acts on escaped, Markdown with any control
 * character replaced — chunk by chunk, as the chunks are written.
 */
export function renderReport(
  result: AnalysisResult,
  format: ReportFormat,
  options: RenderReportOptions = {},
): RenderedReport {
  switch (format) {
    case 'json':
      return {
        chunks: mapChunks(jsonReportChunks(result, { compact: options.compact === true }), escapeJsonForTerminal),
      };
    case 'sarif': {
      // The count is the generator's return value: known once the log is written (read after writing).
      // A reader that closed the pipe stops the writing before that: the sizing pass then tells it.
      let count: SarifResultCount | undefined;
      const chunks = (function* () {
        count = yield* sarifChunks(result);
      })();
      return {
        chunks: mapChunks(chunks, escapeJsonForTerminal),
        get sarif() {
          count ??= sarifPlannedCount(result);
          return count;
        },
      };
    }
    case 'markdown':
      return { chunks: mapChunks(markdownChunks(result), stripControlCharacters) };
  }
}

/** `--compact` is a form of the JSON report: refused with another format (exit 2). */
export function checkCompact(format: ReportFormat, compact: boolean | undefined): void {
  if (compact === true && format !== 'json') {
    throw new CliError(`--compact applies to --format json, not ${format}`);
  }
}
