import type { Writable } from 'node:stream';
import { type AnalysisResult, type ChunkSink, jsonReportChunks, writeChunks } from '@tripline/core';
import { type MarkdownOptions, markdownChunks } from '@tripline/reporter-markdown';
import { type SarifOptions, sarifChunks } from '@tripline/reporter-sarif';
import type { ReportFormat } from './render-report.js';

/** Options of {@link writeReport}. */
export interface WriteReportOptions {
  /** `json` (the default), `markdown` or `sarif`. */
  readonly format?: ReportFormat;
  /** JSON only: the report on one line. */
  readonly compact?: boolean;
  /** Markdown only: the reporter's options (`compact`, `budget`, `minSeverity`, …). */
  readonly markdown?: MarkdownOptions;
  /** SARIF only: the reporter's options. */
  readonly sarif?: SarifOptions;
}

/**
 * Write a result's report to a stream, chunk by chunk with back-pressure (the stream is not ended):
 * the same bytes as `stringifyReport`, `renderMarkdown` or `stringifySarif(toSarif(…))`, without
 * building the report as one string. Rejects with the stream's first write error.
 *
 * ```ts
 * const out = createWriteStream('report.md');
 * await writeReport(result, out, { format: 'markdown' });
 * out.end();
 * ```
 */
export async function writeReport(
  result: AnalysisResult,
  stream: Writable | ChunkSink,
  options: WriteReportOptions = {},
): Promise<void> {
  const format = options.format ?? 'json';
  switch (format) {
    case 'json':
      return writeChunks(jsonReportChunks(result, { compact: options.compact === true }), stream);
    case 'markdown':
      return writeChunks(markdownChunks(result, options.markdown), stream);
    case 'sarif':
      return writeChunks(sarifChunks(result, options.sarif), stream);
    default:
      throw new TypeError(`writeReport: unknown format ${JSON.stringify(String(format)).slice(0, 40)}`);
  }
}
