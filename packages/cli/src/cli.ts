#!/usr/bin/env node
/**
 * The `tripline` binary: runs the command with the process's arguments and streams, and sets the
 * exit status (without `process.exit`, so output still being written is not cut).
 */
import { setFlagsFromString } from 'node:v8';
import { heapFlags } from './internal/heap.js';
import { removePendingOutputs } from './internal/output.js';
import { run } from './internal/run.js';

// Collect old space earlier than V8 would by default (see heapFlags): peak memory follows the
// analysis's live state instead of several times it.
for (const flag of heapFlags(process.execArgv)) setFlagsFromString(flag);

// Write errors on stdout and stderr (a full disk, `| head` closing the pipe) are handled where the
// write is awaited: the report's EPIPE is no error (the exit status still tells whether --fail-on was
// reached), any other is one line and exit 2. These listeners only keep the `error` events Node also
// emits from crashing the process. (run() adds its own too; these cover writes outside it.)
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

// Ctrl-C or a kill during a long run: remove the temporary file of a report being written (the
// target keeps its previous content), erase the progress line, and leave with 128 + the signal.
const leave = (code: number) => () => {
  removePendingOutputs();
  if (process.stderr.isTTY) process.stderr.write('\r\u001b[K');
  process.exit(code);
};
// `tripline stream` handles both itself: the batch in flight finishes and commits, then exit 0.
if (process.argv[2] !== 'stream') {
  process.once('SIGINT', leave(130));
  process.once('SIGTERM', leave(143));
}

process.exitCode = await run(process.argv.slice(2));
