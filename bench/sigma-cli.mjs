/**
 * The command-line children of `bench/sigma.mjs`: the `tripline` binary (`packages/cli/dist/cli.js`,
 * imported in this process with `process.argv` set, as `bench/stage.mjs` does for its `cli-*`
 * stages, so that the binary applies its own V8 settings and peak RSS is its own) running
 *
 *   tripline analyze FLEET -f json -o OUT --no-progress                              (cli-base)
 *   tripline analyze FLEET -f json -o OUT --no-progress --detectors @tripline/sigmahq (cli-sigma)
 *
 * from the repository root (where `@tripline/sigmahq` resolves to the workspace package). Rows are
 * counted from the binary's summary line on stderr; the CPU time is the whole run's (the rules'
 * loading and the report included: what a user waits for).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runBinary } from './run-binary.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Run the binary on `fleet` without (`cli-base`) or with (`cli-sigma`) the SigmaHQ pack. */
export async function cliChild(mode, fleet) {
  if (mode !== 'cli-base' && mode !== 'cli-sigma') throw new Error(`unknown mode ${mode}`);
  const scratch = mkdtempSync(join(tmpdir(), 'tripline-bench-sigma-'));
  const out = join(scratch, 'report.json');
  const argv = ['analyze', fleet, '-f', 'json', '-o', out, '--no-progress'];
  if (mode === 'cli-sigma') argv.push('--detectors', '@tripline/sigmahq');
  process.chdir(ROOT);
  const rssStart = process.memoryUsage().rss;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const { rows, alerts, stderr } = await runBinary(
    pathToFileURL(join(ROOT, 'packages', 'cli', 'dist', 'cli.js')).href,
    argv,
  );
  const c = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  if (!(rows > 0)) throw new Error(`tripline ${argv.join(' ')}: no "events read" on stderr\n${stderr}`);
  const cpuMs = (c.user + c.system) / 1000;
  const result = {
    mode,
    node: process.version,
    rows,
    alerts,
    reportBytes: statSync(out).size,
    runMs: ms,
    rowsPerSec: rows / (ms / 1000),
    runCpuMs: cpuMs,
    rowsPerCpuSec: rows / (cpuMs / 1000),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    rssStartBytes: rssStart,
  };
  rmSync(scratch, { recursive: true, force: true });
  return result;
}
