import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import {
  type AnalysisResult,
  type AnalyzeOptions,
  type Analyzer,
  createAnalyzer,
  type Diagnostic,
  fromFile,
  fromStream,
  type InputFormat,
  type InputSource,
  type RejectedRow,
  type RunConfig,
  type Severity,
  type StateStore,
  type TableName,
  validateRunConfig,
} from '@tripline/core';
import { diagnostic, inThreadShard, ShardedAnalyzer, type ShardPort, severityRank } from '@tripline/core/unstable';
import type { LoadReport } from '@tripline/sigma';
import {
  diagnosticLine,
  type FailedInput,
  inputFailure,
  isInputError,
  sigmaLoadWarning,
  summaryLine,
} from './analyze-lines.js';
import { readConfigFile } from './config-file.js';
import { CliError, EXIT, type ExitCode } from './errors.js';
import { resolveGeneratedAt } from './generated-at.js';
import { type CliIo, isTerminal, say, writeStdout } from './io.js';
import {
  type NarrateConfig,
  type NarrateFlags,
  type Narration,
  narrationStep,
  resolveNarration,
  splitNarrateConfig,
} from './narrate.js';
import { type InputIdentity, planOutput, writeOutput } from './output.js';
import { ProgressLine } from './progress.js';
import { checkCompact, type ReportFormat, renderReport } from './render-report.js';
import {
  type DetectorFlags,
  type LoadedDetector,
  loadDetectorSet,
  mergeSelect,
  mergeSources,
  nothingToRun,
  runnable,
  splitConfigSources,
} from './sources.js';
import {
  changedAlertsResult,
  changesLine,
  failingChanges,
  markDelivered,
  openStateStore,
  stateSource,
} from './state.js';
import { formatCount, terminalText } from './text.js';

/** Parsed options of `tripline analyze`. */
export interface AnalyzeCommandOptions extends NarrateFlags, DetectorFlags {
  readonly format: ReportFormat;
  readonly output?: string;
  /** `--compact`: the JSON report on one line. */
  readonly compact?: boolean;
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
  /** `--state PATH`: an incremental run over the state in PATH; the report holds the changes only. */
  readonly state?: string;
  /** `--workers N`: analyse in N threads (this one and N - 1 workers), each owning the devices hashed to it (default 1: no worker). */
  readonly workers?: number;
}

/** Diagnostics echoed on stderr (the rest are in the report). */
const DIAGNOSTICS_SHOWN = 5;

interface PlannedInput extends InputIdentity {
  /** As the user wrote it (`-` for stdin). */
  readonly arg: string;
  readonly size?: number;
}

/**
 * Look at every input before reading any: sizes for the progress line, and the identity of each file
 * so that `--output` cannot overwrite one. An input that cannot be read is not an error here: it is
 * reported when its turn comes, and the others are analysed.
 */
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
    try {
      const info = await stat(arg);
      planned.push({ arg, dev: info.dev, ino: info.ino, ...(info.isFile() ? { size: info.size } : {}) });
    } catch {
      planned.push({ arg });
    }
  }
  return planned;
}

/**
 * Load, parse and validate `--config`, load the detectors it and the command line name (`rules`,
 * `modules`, `builtin`; `--rules`, `--detectors`, `--no-builtin`, `--sigma-level`, `--sigma-status`),
 * then apply `--min-severity` and `--timezone` on top.
 */
export async function buildRun(
  options: Pick<AnalyzeCommandOptions, 'config' | 'minSeverity' | 'timezone'> & DetectorFlags,
  cwd: string = process.cwd(),
): Promise<{
  config: RunConfig | undefined;
  detectors: LoadedDetector[];
  sigma?: LoadReport;
  narrate?: NarrateConfig;
}> {
  let config: RunConfig | undefined;
  let raw: unknown;
  let fromFile = {};
  let narrate: NarrateConfig | undefined;
  if (options.config !== undefined) {
    const split = splitConfigSources(await readConfigFile(options.config), options.config);
    ({ narration: narrate, rest: raw } = splitNarrateConfig(split.rest, options.config));
    fromFile = split.sources;
  }
  let sigma: LoadReport | undefined;
  const detectors = await loadDetectorSet(mergeSources(fromFile, options), cwd, (load) => {
    sigma = load.report;
  });
  if (detectors.length === 0) throw nothingToRun(mergeSelect(fromFile, options), sigma);
  if (options.config !== undefined) {
    // Validate the file alone first, so an error names a key of the file, not one the CLI added.
    config = validateRunConfig(raw, runnable(detectors)).config;
  }
  if (options.minSeverity !== undefined) config = { ...config, minSeverity: options.minSeverity };
  if (options.timezone !== undefined) config = { ...config, timezone: options.timezone };
  return { config, detectors, ...(sigma ? { sigma } : {}), ...(narrate ? { narrate } : {}) };
}

/** The analysis options of a run of `tripline analyze` (a shard worker builds its own the same way). */
export async function runOptions(
  options: AnalyzeCommandOptions,
  generatedAt: string | undefined,
): Promise<{ analyzeOptions: AnalyzeOptions; sigma?: LoadReport; narration?: Narration }> {
  const { config, detectors, sigma, narrate } = await buildRun(options);
  const narration = resolveNarration(options, narrate);
  const analyzeOptions: AnalyzeOptions = {
    detectors: runnable(detectors),
    ...(config !== undefined ? { config } : {}),
    ...(options.inputFormat !== 'auto' ? { inputFormat: options.inputFormat } : {}),
    ...(options.table !== undefined ? { table: options.table } : {}),
    ...(generatedAt !== undefined ? { generatedAt } : {}),
  };
  const fixed = narration && generatedAt !== undefined ? { ...narration, generatedAt } : narration;
  return { analyzeOptions, ...(sigma ? { sigma } : {}), ...(fixed ? { narration: fixed } : {}) };
}

/**
 * `--workers N`: N shards, each analysing the devices hashed to it: shard 0 in this thread (which
 * otherwise only reads; see `inThreadShard`), the others in worker threads (dist/shard-worker.js),
 * each building the run's detectors itself (detectors are code: they cannot be sent). They share the
 * process's V8 flags (`--heap-growing-percent`).
 */
function startShards(options: AnalyzeCommandOptions, analyzeOptions: AnalyzeOptions, count: number): ShardPort[] {
  const { workers: _w, ...rest } = options;
  const script = new URL('./shard-worker.js', import.meta.url);
  return Array.from({ length: count }, (_, shard) => {
    if (shard === 0) return inThreadShard(ShardedAnalyzer.shardOptions(analyzeOptions), 0, count);
    // A young generation of 8 MB per worker (V8's default is larger): every row is short-lived
    // garbage, and two default young generations cost about 50 MB of peak RSS for no speed.
    const worker = new Worker(script, {
      workerData: { options: rest, shard, shards: count },
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    return worker as unknown as ShardPort;
  });
}

/**
 * `tripline analyze`: read the inputs, run the detectors (the built-in preset, `--rules`, `--detectors`), write the report, print a
 * summary, and return the exit status: 1 when `--fail-on` is reached, 3 when some inputs could not be
 * read (and `--fail-on` was not reached), 2 when none could, or the report could not be written.
 */
export async function analyzeCommand(
  files: readonly string[],
  options: AnalyzeCommandOptions,
  io: CliIo,
): Promise<ExitCode> {
  const now = io.now ?? (() => performance.now());
  const started = now();
  checkCompact(options.format, options.compact);
  const generatedAt = resolveGeneratedAt(options.generatedAt, io.env);
  const inputs = await planInputs(files, io);
  // Before any reading: a report that cannot be written must not cost a long run.
  const output = options.output !== undefined ? await planOutput(options.output, inputs) : undefined;
  if (options.state !== undefined && (options.workers ?? 1) > 1) {
    throw new CliError(
      '--state and --workers cannot be used together: an incremental run keeps one engine state (run it without --workers)',
    );
  }
  const run = await runOptions(options, generatedAt);
  // The state is opened before any reading: a store that cannot be read must not cost a long run.
  const store = options.state !== undefined ? await openStateStore(options.state) : undefined;
  try {
    return await analyzeRun(inputs, output, run, store, { options, io, now, started });
  } finally {
    await store?.close();
  }
}

async function analyzeRun(
  inputs: PlannedInput[],
  output: Awaited<ReturnType<typeof planOutput>> | undefined,
  { analyzeOptions: base, sigma, narration }: Awaited<ReturnType<typeof runOptions>>,
  store: StateStore | undefined,
  ctx: {
    options: AnalyzeCommandOptions;
    io: CliIo;
    now: () => number;
    started: number;
  },
): Promise<ExitCode> {
  const { options, io, now, started } = ctx;
  const analyzeOptions: AnalyzeOptions = store !== undefined ? { ...base, state: { store } } : base;
  const analyzer =
    (options.workers ?? 1) > 1
      ? new ShardedAnalyzer(analyzeOptions, startShards(options, analyzeOptions, options.workers ?? 1))
      : createAnalyzer(analyzeOptions);
  if (store !== undefined) await (analyzer as Analyzer).ready();

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

  const failures: FailedInput[] = [];
  /** Inputs in which not one row is an event: their rows are in the report, this says why it matters. */
  const unreadable: Diagnostic[] = [];
  const fail = async (failure: FailedInput): Promise<void> => {
    failures.push(failure);
    // With one input, its failure is the one error line of the run (exit 2); with several, each is
    // told as it happens (errors are printed even with --quiet).
    if (inputs.length > 1) {
      progress?.clear();
      await say(io.stderr, `tripline: error: ${terminalText(failure.message, 2000)}\n`);
    }
  };

  let result: AnalysisResult;
  try {
    for (const input of inputs) {
      const name = input.arg === '-' ? 'stdin' : input.arg;
      let stats: Awaited<ReturnType<typeof analyzer.push>>;
      try {
        const source: InputSource =
          store !== undefined
            ? await stateSource(input.arg, io.stdin)
            : input.arg === '-'
              ? fromStream(io.stdin, 'stdin')
              : fromFile(input.arg);
        stats = await analyzer.push(source);
      } catch (error) {
        if (!isInputError(error)) throw error;
        await fail({ name, message: inputFailure(error, name) });
        continue;
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
        const message =
          `${name}: nothing readable: ${stats.rejected === 1 ? 'its only row was' : `all ${formatCount(stats.rejected)} rows were`} rejected` +
          (first ? ` (first: ${where}${first.reason})` : '');
        unreadable.push(diagnostic('input-nothing-readable', { message, source: stats.source }));
        await fail({ name, message });
      }
    }
    result = await analyzer.finish();
  } catch (error) {
    if (analyzer instanceof ShardedAnalyzer) await analyzer.close();
    throw error;
  } finally {
    progress?.clear();
  }

  if (failures.length === inputs.length && result.summary.eventsAnalyzed === 0) {
    // Nothing at all was readable: no report, exit 2. (A lone stream that failed after some rows
    // still gets its report of those rows, exit 3.)
    if (failures.length === 1) throw new CliError((failures[0] as FailedInput).message);
    throw new CliError(`nothing readable: none of the ${failures.length} inputs could be read`);
  }
  if (unreadable.length > 0) result = { ...result, diagnostics: [...result.diagnostics, ...unreadable] };
  const changes = store !== undefined ? ((analyzer as Analyzer).finish().changes ?? []) : undefined;
  // With --state the report holds the alerts of this batch's notifying changes (docs/cli.md).
  const full = result;
  if (changes !== undefined) result = changedAlertsResult(result, changes);
  // --narrate: the reported result is narrated; an endpoint that fails leaves it without (and says so).
  const narrated = await narrationStep(result, narration, io.env, options.quiet === true);
  result = narrated.result;

  const report = renderReport(result, options.format, { compact: options.compact === true });
  if (output !== undefined) await writeOutput(output, report.chunks);
  else {
    // A reader that stops early (`| head`) is not an error: the exit status below still says whether
    // --fail-on was reached. Any other write error is one line and exit 2.
    await writeStdout(io.stdout, report.chunks);
  }

  if (store !== undefined) {
    // The report was the delivery: the batch is saved, and its notifications are marked delivered.
    // A run that dies before the commit is redone whole by the next one (the same changes again).
    await (analyzer as Analyzer).commit();
    await markDelivered(store, changes ?? []);
  }

  const failing =
    changes !== undefined
      ? failingChanges(full, changes, options.failOn)
      : result.alerts.filter(
          (a) => options.failOn !== undefined && severityRank(a.severity) >= severityRank(options.failOn),
        );
  const failed = options.failOn !== undefined && failing.length > 0;

  const lines: string[] = [...narrated.lines];
  const sigmaWarning = sigma ? sigmaLoadWarning(sigma) : undefined;
  if (!options.quiet && sigmaWarning) lines.push(sigmaWarning);
  if (!options.quiet) {
    const notable = result.diagnostics.filter(
      (d) => d.level !== 'info' && d.code !== 'input-failed' && d.code !== 'input-nothing-readable',
    );
    lines.push(...notable.slice(0, DIAGNOSTICS_SHOWN).map(diagnosticLine));
    if (notable.length > DIAGNOSTICS_SHOWN)
      lines.push(`tripline: … and ${notable.length - DIAGNOSTICS_SHOWN} more diagnostics in the report`);
  }
  const sarif = report.sarif;
  if (sarif !== undefined && sarif.kept < sarif.total) {
    // Printed even with --quiet: the file holds fewer alerts than the run found.
    lines.push(
      `tripline: warning: the SARIF log holds ${formatCount(sarif.kept)} of ${formatCount(sarif.total)} alerts (${sarif.reason ?? 'upload limits'}); it keeps the highest severities, and the JSON and Markdown reports list every alert`,
    );
  }
  if (failures.length > 0) {
    // Printed even with --quiet, like every error. With several inputs each failure was told as it
    // happened; a lone input's is told here.
    if (inputs.length === 1) lines.push(`tripline: error: ${terminalText((failures[0] as FailedInput).message, 2000)}`);
    lines.push(
      `tripline: error: ${failures.length} of ${inputs.length} inputs could not be read (${failures
        .map((f) => terminalText(f.name, 200))
        .join(', ')}); the report covers the others and lists these`,
    );
  }
  if (!options.quiet) {
    lines.push(summaryLine(full, now() - started, options.output, { failedInputs: failures.length, sarif }));
    if (changes !== undefined && store !== undefined && options.state !== undefined)
      lines.push(changesLine(changes, options.state, store.kind));
    if (failed) {
      const n = failing.length;
      lines.push(
        `tripline: failing: ${formatCount(n)} ${changes !== undefined ? 'new or escalated ' : ''}alert${n === 1 ? '' : 's'} at or above ${options.failOn} (--fail-on ${options.failOn})`,
      );
    }
  }
  if (lines.length > 0) await say(io.stderr, `${lines.join('\n')}\n`);
  if (failed) return EXIT.FAIL_ON;
  return failures.length > 0 ? EXIT.PARTIAL : EXIT.OK;
}
