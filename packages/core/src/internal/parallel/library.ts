/**
 * `analyze(inputs, { workers })`: the library's worker threads. With `count: N` the calling thread
 * reads, serves shard 0 itself and merges (main.ts, shards.ts); N - 1 workers each run
 * `shard-worker.js` (next to the built package), which imports the host's detector module, checks
 * that its set is the calling thread's, and serves its shard (worker.ts).
 */
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AnalyzeOptions } from '../engine/types.js';
import { ERROR_CODES, TriplineError } from '../errors.js';
import { detectorFingerprint } from './host.js';
import { ShardedAnalyzer, type ShardPort } from './main.js';
import { inThreadShard } from './shards.js';

/** Most worker threads one analysis starts. */
export const MAX_WORKERS = 16;

/** What a worker of `analyze({ workers })` is started with (`workerData`). */
export interface HostShardData {
  /** The detector module as a URL or package name (what `import()` takes), and as the caller named it. */
  readonly module: string;
  readonly name: string;
  readonly exportName?: string;
  /** {@link detectorFingerprint} of the calling thread's detectors. */
  readonly fingerprint: readonly string[];
  /** The analysis options without detectors (they are code: the worker imports its own). */
  readonly options: Omit<AnalyzeOptions, 'detectors'>;
  readonly shard: number;
  readonly shards: number;
}

/** The worker script of the built package: next to this bundle, or (when run from sources) in `dist/`. */
function shardWorkerScript(): URL {
  const here = typeof __filename === 'string' ? pathToFileURL(__filename) : new URL(import.meta.url);
  const ext = here.pathname.endsWith('.cjs') ? '.cjs' : '.js';
  for (const candidate of [`./shard-worker${ext}`, '../../../dist/shard-worker.js']) {
    const url = new URL(candidate, here);
    if (existsSync(url)) return url;
  }
  throw new TriplineError(
    ERROR_CODES.OPTION_INVALID,
    `analyze({ workers }) needs the built package: no shard-worker${ext} next to ${here.pathname}`,
  );
}

/** A module specifier `import()` takes in the worker: URLs and absolute paths as file URLs, package names as given. */
function specifier(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module === '')
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      'workers.detectors must name a module: a URL, an absolute path or a package name',
    );
  if (isAbsolute(module)) return pathToFileURL(module).href;
  if (module.startsWith('.'))
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      `workers.detectors ${JSON.stringify(module)} is relative, and a worker cannot tell to what: pass new URL(${JSON.stringify(module)}, import.meta.url)`,
    );
  return module;
}

/**
 * The sharded analyzer of `options.workers`, or undefined when the calling thread analyses (no
 * `workers`, or `count: 1`). Throws `option-invalid` for a bad count, for `state` (an incremental run
 * keeps one engine state) or a bad module name.
 */
export function workersAnalyzer(options: AnalyzeOptions): ShardedAnalyzer | undefined {
  const workers = options.workers;
  if (workers === undefined) return undefined;
  const count = workers.count;
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS)
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      `workers.count must be an integer from 1 to ${MAX_WORKERS}, got ${String(count)}`,
    );
  const module = specifier(workers.detectors);
  if (count === 1) return undefined;
  if (options.state !== undefined)
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      'workers and state cannot be used together: an incremental run keeps one engine state',
    );
  const fingerprint = detectorFingerprint(options.detectors);
  const { detectors: _d, workers: _w, ...rest } = ShardedAnalyzer.shardOptions(options);
  const script = shardWorkerScript();
  // Shard 0 is served by the calling thread (see inThreadShard), the others by worker threads.
  const ports = Array.from({ length: count }, (_, shard): ShardPort => {
    if (shard === 0) return inThreadShard({ ...rest, detectors: options.detectors }, 0, count);
    const workerData: HostShardData = {
      module,
      name: String(workers.detectors instanceof URL ? workers.detectors.href : workers.detectors),
      ...(workers.exportName !== undefined ? { exportName: workers.exportName } : {}),
      fingerprint,
      options: rest,
      shard,
      shards: count,
    };
    // A young generation of 8 MB per worker: every row is short-lived garbage (see the CLI's workers).
    return new Worker(script, { workerData, resourceLimits: { maxYoungGenerationSizeMb: 8 } }) as unknown as ShardPort;
  });
  return new ShardedAnalyzer(options, ports);
}
