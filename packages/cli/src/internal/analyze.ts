import { lstat, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  type AnalysisResult,
  type AnalyzeOptions,
  createAnalyzer,
  type Diagnostic,
  fromFile,
  fromStream,
  type InputFormat,
  type InputSource,
  isTriplineError,
  type RejectedRow,
  type RunConfig,
  SEVERITIES,
  type Severity,
  severityRank,
  stringifyReport,
  type TableName,
  validateRunConfig,
} from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { renderMarkdown } from '@tripline/reporter-markdown';
import { stringifySarif, toSarif } from '@tripline/reporter-sarif';
import { readConfigFile } from './config-file.js';
import { CliError, EXIT, type ExitCode, fsReason } from './errors.js';
import { resolveGeneratedAt } from './generated-at.js';
import { type CliIo, isTerminal, writeAll } from './io.js';
import { ProgressLine } from './progress.js';
import { escapeJsonForTerminal, formatCount, formatDuration, stripControlCharacters, terminalText } from './text.js';

/** Report formats of `tripline analyze --format`. */
export const REPORT_FORMATS = ['markdown', 'json', 'sarif'] as const;
/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Parsed options of `tripline analyze`. */
export interface AnalyzeCommandOptions {
  readonly format: ReportFormat;
  readonly output?: string;
  readonly failOn?: Severity;
  readonly minSeverity?: Severity;
  readonly config?: string;
  readonly inputFormat: InputFormat;
  /** `--table`: the table of rows that name none. */
  readonly table?: TableName;
  /** `--timezone`: IANA zone of local times in the inputs (overrides `timezone` of the config file). */
  readonly timezone?: string;
  readonly generatedAt?: string;
  /** `--no-progress` sets this false. */
  readonly progress: boolean;
  readonly quiet?: boolean;
}

/** Diagnostics echoed on stderr (the rest are in the report). */
const DIAGNOSTICS_SHOWN = 5;

interface PlannedInput {
  /** As the user wrote it (`-` for stdin). */
  readonly arg: string;
  readonly size?: number;
}

/** Check every input before reading any, so a typo in the last path does not cost a long run. */
async function planInputs(files: readonly string[], io: CliIo): Promise<PlannedInput[]> {
  const args = files.length ? files : ['-'];
  if (args.filter((a) => a === '-').length > 1) throw new CliError('stdin (-) can be given only once');
  if (files.length === 0 && io.stdin.isTTY) {
    throw new CliError('no input: give one or more event files, or pipe events to stdin (see tripline analyze --help)');
  }
  const planned: PlannedInput[] = [];
  for (const arg of args) {
    if (arg === '-') {
      planned.push({ arg });
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(arg);
    } catch (error) {
      throw new CliError(`cannot read ${arg}: ${fsReason(error)}`, { cause: error });
    }
    if (info.isDirectory()) throw new CliError(`cannot read ${arg}: is a directory (give the event files inside it)`);
    planned.push(info.isFile() ? { arg, size: info.size } : { arg });
  }
  return planned;
}

/** Fail before the run when the report could not be written at the end. */
async function checkOutputPath(path: string): Promise<void> {
  try {
    if ((await stat(path)).isDirectory()) throw new CliError(`cannot write ${path}: is a directory`);
  } catch (error) {
    if (error instanceof CliError) throw error;
    if ((error as { code?: string }).code !== 'ENOENT')
      throw new CliError(`cannot write ${path}: ${fsReason(error)}`, { cause: error });
    try {
      if (!(await stat(dirname(path))).isDirectory()) throw new Error('not a directory');
    } catch (inner) {
      throw new CliError(`cannot write ${path}: the folder ${dirname(path)} does not exist`, { cause: inner });
    }
  }
}

/** Load, parse and validate `--config`, then apply `--min-severity` and `--timezone` on top. */
async function buildConfig(options: AnalyzeCommandOptions): Promise<RunConfig | undefined> {
  let config: RunConfig | undefined;
  if (options.config !== undefined) {
    const raw = await readConfigFile(options.config);
    // Validate the file alone first, so an error names a key of the file, not one the CLI added.
    config = validateRunConfig(raw, defenderDetectors).config;
  }
  if (options.minSeverity !== undefined) config = { ...config, minSeverity: options.minSeverity };
  if (options.timezone !== undefined) config = { ...config, timezone: options.timezone };
  return config;
}

function render(result: AnalysisResult, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return escapeJsonForTerminal(stringifyReport(result));
    case 'sarif':
      return escapeJsonForTerminal(stringifySarif(toSarif(result)));
    case 'markdown':
      return stripControlCharacters(renderMarkdown(result));
  }
}

/**
 * Write the report. A regular file (or a new path) is written next to the target and renamed over
 * it, so a reader or a failed run never sees half a report. Anything else that already exists —
 * a symbolic link, a device such as /dev/stdout, a named pipe — is written through as it is:
 * renaming over it would replace the link or the device node itself.
 */
async function writeReport(path: string, text: string): Promise<void> {
  let existing: Awaited<ReturnType<typeof lstat>> | undefined;
  try {
    existing = await lstat(path);
  } catch {
    existing = undefined;
  }
  if (existing !== undefined && !existing.isFile()) {
    try {
      await writeFile(path, text, 'utf8');
      return;
    } catch (error) {
      if ((error as { code?: string }).code === 'EPIPE') return; // `-o /dev/stdout | head`
      throw new CliError(`cannot write ${path}: ${fsReason(error)}`, { cause: error });
    }
  }
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, text, { encoding: 'utf8', flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new CliError(`cannot write ${path}: ${fsReason(error)}`, { cause: error });
  }
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
export function summaryLine(result: AnalysisResult, durationMs: number, output?: string): string {
  const s = result.summary;
  const inputs = result.inputs.length;
  let line =
    `tripline: ${formatCount(s.eventsRead)} event${s.eventsRead === 1 ? '' : 's'} read ` +
    `(${formatCount(s.eventsAnalyzed)} analysed, ${formatCount(s.eventsRejected)} rejected) ` +
    `from ${inputs} input${inputs === 1 ? '' : 's'} in ${formatDuration(durationMs)}; ${alertPhrase(result)}`;
  if (s.eventsRejected > 0) line += '; rejected rows are listed in the report';
  if (output !== undefined) line += `; report written to ${terminalText(output, 200)}`;
  return line;
}

function diagnosticLine(d: Diagnostic): string {
  const where =
    d.source !== undefined
      ? ` (${d.source}${d.line !== undefined ? `:${d.line}` : d.record !== undefined ? ` record ${d.record}` : ''})`
      : '';
  return `tripline: ${d.level}: ${terminalText(`${d.detectorId ? `${d.detectorId}: ` : ''}${d.message}${where}`, 500)}`;
}

/** Say which input failed when the core's message does not already. */
function inputError(error: unknown, name: string): never {
  if (isTriplineError(error) && (error.code === 'input-unreadable' || error.code === 'input-format-unknown')) {
    const message = error.message.includes(name) ? error.message : `${name}: ${error.message}`;
    throw new CliError(message, { cause: error });
  }
  throw error;
}

/**
 * `tripline analyze`: read the inputs, run the Defender detectors, write the report, print a
 * summary, and return the exit status (1 when `--fail-on` is reached).
 */
export async function analyzeCommand(
  files: readonly string[],
  options: AnalyzeCommandOptions,
  io: CliIo,
): Promise<ExitCode> {
  const now = io.now ?? (() => performance.now());
  const started = now();
  const generatedAt = resolveGeneratedAt(options.generatedAt, io.env);
  const inputs = await planInputs(files, io);
  if (options.output !== undefined) await checkOutputPath(options.output);
  const config = await buildConfig(options);

  const analyzeOptions: AnalyzeOptions = {
    detectors: defenderDetectors,
    ...(config !== undefined ? { config } : {}),
    ...(options.inputFormat !== 'auto' ? { inputFormat: options.inputFormat } : {}),
    ...(options.table !== undefined ? { table: options.table } : {}),
    ...(generatedAt !== undefined ? { generatedAt } : {}),
  };
  const analyzer = createAnalyzer(analyzeOptions);

  const showProgress = options.progress && !options.quiet && isTerminal(io.stderr);
  const progress = showProgress ? new ProgressLine(io.stderr, now) : undefined;
  const totalBytes = inputs.every((i) => i.size !== undefined)
    ? inputs.reduce((n, i) => n + (i.size ?? 0), 0)
    : undefined;
  let doneBytes = 0;
  if (progress) {
    analyzer.on('progress', (p) => {
      progress.update({
        source: p.source,
        bytesRead: doneBytes + p.bytesRead,
        ...(totalBytes !== undefined ? { totalBytes } : {}),
        rowsRead: p.eventsAnalyzed + p.eventsRejected,
        eventsRejected: p.eventsRejected,
        elapsedMs: now() - started,
      });
    });
  }

  const firstRejected = new Map<string, RejectedRow>();
  analyzer.on('rejected', (row) => {
    if (!firstRejected.has(row.source)) firstRejected.set(row.source, row);
  });

  let result: AnalysisResult;
  try {
    for (const input of inputs) {
      const name = input.arg === '-' ? 'stdin' : input.arg;
      let source: InputSource;
      try {
        source = input.arg === '-' ? fromStream(io.stdin, 'stdin') : fromFile(input.arg);
      } catch (error) {
        inputError(error, name);
      }
      let stats: Awaited<ReturnType<typeof analyzer.push>>;
      try {
        stats = await analyzer.push(source);
      } catch (error) {
        inputError(error, name);
      }
      doneBytes += stats.bytesRead;
      if (stats.events === 0 && stats.rejected > 0) {
        // Rows were found but not one is an event: this is not an export of a format tripline reads
        // (or a wrong --input-format), and a report of N rejections would hide that.
        const first = firstRejected.get(stats.source);
        const where =
          first?.line !== undefined
            ? `line ${first.line}: `
            : first?.record !== undefined
              ? `record ${first.record}: `
              : '';
        throw new CliError(
          `${name}: nothing readable: ${stats.rejected === 1 ? 'its only row was' : `all ${formatCount(stats.rejected)} rows were`} rejected` +
            (first ? ` (first: ${where}${first.reason})` : ''),
        );
      }
    }
    result = analyzer.finish();
  } finally {
    progress?.clear();
  }

  const report = render(result, options.format);
  if (options.output !== undefined) await writeReport(options.output, report);
  else await writeAll(io.stdout, report);

  const failed =
    options.failOn !== undefined &&
    result.alerts.some((a) => severityRank(a.severity) >= severityRank(options.failOn as Severity));

  if (!options.quiet) {
    const notable = result.diagnostics.filter((d) => d.level !== 'info');
    const lines = notable.slice(0, DIAGNOSTICS_SHOWN).map(diagnosticLine);
    if (notable.length > DIAGNOSTICS_SHOWN)
      lines.push(`tripline: … and ${notable.length - DIAGNOSTICS_SHOWN} more diagnostics in the report`);
    lines.push(summaryLine(result, now() - started, options.output));
    if (failed) {
      const n = result.alerts.filter(
        (a) => severityRank(a.severity) >= severityRank(options.failOn as Severity),
      ).length;
      lines.push(
        `tripline: failing: ${formatCount(n)} alert${n === 1 ? '' : 's'} at or above ${options.failOn} (--fail-on ${options.failOn})`,
      );
    }
    await writeAll(io.stderr, `${lines.join('\n')}\n`);
  }
  return failed ? EXIT.FAIL_ON : EXIT.OK;
}
