import { isTriplineError } from '@tripline/core';
import { CommanderError } from 'commander';
import { CliError, EXIT, type ExitCode } from './errors.js';
import { type CliIo, guardStream, processIo, say } from './io.js';
import { buildProgram } from './program.js';
import { terminalLines, terminalText } from './text.js';

/** Commander's messages start with `error: `; ours start with `tripline: `. */
function commanderMessage(error: CommanderError): string {
  return error.message
    .replace(/^error:\s*/, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/** The message of an error a user can act on, or undefined for a bug. */
function userMessage(error: unknown): string | undefined {
  if (error instanceof CliError) return error.message;
  if (isTriplineError(error)) return error.message;
  return undefined;
}

function stackOf(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    lines.push(depth === 0 ? '' : 'Caused by:');
    lines.push(current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return terminalLines(lines.filter(Boolean).join('\n'));
}

/**
 * Run the `tripline` command line with `argv` (the arguments after the program name) and return its
 * exit status: 0 ran, 1 `--fail-on` reached, 2 usage error, nothing readable or the report could not
 * be written, 3 some inputs could not be read. Never throws and never calls `process.exit`; errors
 * are printed as one `tripline: …` line on `io.stderr` (with the stack trace too when `--debug` is
 * given). Write errors on `io.stdout` and `io.stderr` are handled (an `error` listener is added to
 * each, so a failing stream never crashes the process).
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  guardStream(io.stdout);
  guardStream(io.stderr);
  const end = argv.indexOf('--');
  const debug = (end === -1 ? argv : argv.slice(0, end)).includes('--debug');
  let exitCode: ExitCode = EXIT.OK;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end parsing with exit code 0 and have printed what they had to.
      if (error.exitCode === 0) return EXIT.OK;
      if (error.code === 'commander.help') return EXIT.USAGE; // help shown because no command was given
      const command = argv.find((a) => !a.startsWith('-'));
      const help =
        command === 'analyze' ||
        command === 'detectors' ||
        command === 'render' ||
        command === 'rules' ||
        command === 'export' ||
        command === 'state' ||
        command === 'stream'
          ? `tripline ${command} --help`
          : 'tripline --help';
      await say(io.stderr, `tripline: ${terminalText(commanderMessage(error))} (see ${help})\n`);
      return EXIT.USAGE;
    }
    let text: string;
    try {
      const message = userMessage(error);
      text =
        message !== undefined
          ? `tripline: ${terminalText(message, 2000)}`
          : `tripline: internal error: ${terminalText(error instanceof Error ? error.message : String(error), 2000)}${debug ? '' : ' (run with --debug for the stack trace)'}`;
      if (debug) text += `\n${stackOf(error)}`;
    } catch {
      text = 'tripline: internal error: unprintable error';
    }
    await say(io.stderr, `${text}\n`);
    return error instanceof CliError ? error.exitCode : EXIT.USAGE;
  }
}
