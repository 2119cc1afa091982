import { readFile, stat } from 'node:fs/promises';
import { type AnalysisResult, isTriplineError, parseJsonReport } from '@tripline/core';
import { CliError, EXIT, type ExitCode, fsReason } from './errors.js';
import { type CliIo, say, writeStdout } from './io.js';
import { type InputIdentity, planOutput, writeOutput } from './output.js';
import { checkCompact, type ReportFormat, renderReport } from './render-report.js';
import { terminalText } from './text.js';

/** Parsed options of `tripline render`. */
export interface RenderCommandOptions {
  readonly format: ReportFormat;
  readonly output?: string;
  /** `--compact`: the JSON report on one line. */
  readonly compact?: boolean;
  readonly quiet?: boolean;
}

/** Saved reports larger than this are refused (a JSON report of a large fleet is tens of MB). */
const MAX_REPORT_BYTES = 1024 * 1024 * 1024;

async function readReportText(path: string, io: CliIo): Promise<string> {
  const shown = terminalText(path, 200);
  if (path === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of io.stdin) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      size += buf.length;
      if (size > MAX_REPORT_BYTES) throw new CliError('the report on stdin is larger than 1 GiB');
      chunks.push(buf);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${shown}: ${fsReason(error)}`, { cause: error });
  }
}

/** The result a saved JSON report holds, or a one-line error naming what is wrong with it. */
export function readReport(text: string, name: string): AnalysisResult {
  const shown = terminalText(name, 200);
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new CliError(
      `${shown} is not JSON (${terminalText((error as Error).message, 200)}): give a report of tripline analyze --format json`,
    );
  }
  try {
    return parseJsonReport(json);
  } catch (error) {
    if (isTriplineError(error, 'report-invalid')) throw new CliError(`${shown}: ${terminalText(error.message, 500)}`);
    throw error;
  }
}

/**
 * `tripline render REPORT.json`: render a saved JSON report (of `tripline analyze --format json`) as
 * Markdown, SARIF or JSON. The output is byte for byte what `analyze` writes in that format for the
 * same run: the JSON report holds the whole record the reporters read.
 */
export async function renderCommand(path: string, options: RenderCommandOptions, io: CliIo): Promise<ExitCode> {
  checkCompact(options.format, options.compact);
  // The saved report is an input like any other: --output may not replace it.
  const inputs: InputIdentity[] = [];
  if (path !== '-') {
    const st = await stat(path).catch(() => undefined);
    inputs.push(st ? { arg: path, dev: st.dev, ino: st.ino } : { arg: path });
  }
  const output = options.output !== undefined ? await planOutput(options.output, inputs) : undefined;
  const result = readReport(await readReportText(path, io), path === '-' ? 'stdin' : path);
  const report = renderReport(result, options.format, { compact: options.compact === true });
  if (output !== undefined) {
    await writeOutput(output, report.chunks);
    if (!options.quiet)
      await say(
        io.stderr,
        `tripline: ${options.format} report written to ${terminalText(options.output ?? '', 200)}\n`,
      );
  } else await writeStdout(io.stdout, report.chunks);
  return EXIT.OK;
}
