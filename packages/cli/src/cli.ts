#!/usr/bin/env node
/**
 * The `tripline` binary: runs the command with the process's arguments and streams, and sets the
 * exit status (without `process.exit`, so output still being written is not cut).
 */
import { run } from './internal/run.js';

let exitCode: number | undefined;

// `tripline … | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(exitCode ?? 0);
  throw error;
});

// Ctrl-C during a long run: erase the progress line before leaving.
process.once('SIGINT', () => {
  if (process.stderr.isTTY) process.stderr.write('\r\u001b[K');
  process.exit(130);
});

exitCode = await run(process.argv.slice(2));
process.exitCode = exitCode;
