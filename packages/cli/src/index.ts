/**
 * @packageDocumentation
 * `tripline`: the command line of tripline. The `tripline` binary is `dist/cli.js`; this entry point
 * exposes the same command as a function, for tests and for tools that embed the CLI, and
 * `writeReport`: any report format written to a stream with back-pressure.
 */
export type { AnalyzeCommandOptions } from './internal/analyze.js';
export { summaryLine } from './internal/analyze-lines.js';
export type { DetectorListing } from './internal/detectors.js';
export { CliError, EXIT, type ExitCode } from './internal/errors.js';
export { type CliIo, type CliOutput, processIo } from './internal/io.js';
export { removePendingOutputs } from './internal/output.js';
export { CLI_VERSION } from './internal/program.js';
export { formatProgress, type ProgressState } from './internal/progress.js';
export { REPORT_FORMATS, type ReportFormat } from './internal/render-report.js';
export { run } from './internal/run.js';
export { type WriteReportOptions, writeReport } from './internal/write-report.js';
