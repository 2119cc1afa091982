/**
 * The `tripline` binary run in the calling process (`packages/cli/dist/cli.js` imported with
 * `process.argv` set): the binary applies its own process settings (V8 flags), and the process's
 * peak RSS and CPU time are the binary's. Used by `bench/stage.mjs` (its `cli-*` stages) and
 * `bench/sigma-cli.mjs`. An ES module is evaluated once per process: one run per child.
 */

/**
 * Run `tripline <argv>` from the module at `cliUrl`; its stderr is kept (not printed) to read the
 * summary line. Throws when the binary exits with a code other than 0 or 1 (1: alerts at or above
 * `--fail-on`). Returns the rows and alerts the summary line counts (0 when it has none) and stderr.
 */
export async function runBinary(cliUrl, argv) {
  const stderr = [];
  const write = process.stderr.write;
  process.stderr.write = (chunk, encoding, done) => {
    stderr.push(String(chunk));
    (typeof encoding === 'function' ? encoding : done)?.();
    return true;
  };
  process.argv = [process.argv[0], 'tripline', ...argv];
  try {
    await import(cliUrl);
  } finally {
    process.stderr.write = write;
  }
  const code = process.exitCode ?? 0;
  process.exitCode = undefined;
  const text = stderr.join('');
  if (code !== 0 && code !== 1) throw new Error(`tripline ${argv.join(' ')}: exit ${code}\n${text}`);
  const count = (re) => Number((re.exec(text)?.[1] ?? '0').replace(/,/g, ''));
  return { rows: count(/([\d,]+) events read/), alerts: count(/; ([\d,]+) alerts/), stderr: text };
}
