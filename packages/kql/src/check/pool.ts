/**
 * `checkKqlAll`: many queries checked by a pool of worker threads, each with its own copy of the
 * Kusto language service, the answers in the order of the queries.
 *
 * The language service binds one query in about 25 ms of CPU (the binder resolves every operator's
 * overloads against the wide Defender tables) and is single-threaded, so the only way to check all
 * SigmaHQ rules faster is to check several at once. Each worker loads the service once (about a
 * second); a worker is started only when it has at least {@link QUERIES_PER_WORKER} queries to check.
 * Queries are handed out one at a time to the first idle worker, and each answer is stored at its
 * query's index: the result does not depend on which worker checked what.
 *
 * The worker script is `dist/check-worker.js` (`.cjs` for the CommonJS build) next to this module.
 * Where it is absent — the TypeScript sources run by a test runner — the queries are checked in this
 * thread, with the same result. A worker that fails (it cannot start, or dies) costs nothing: the
 * queries it held are checked in this thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { KqlDiagnostic } from '../ir.js';
import { type CheckKqlOptions, checkKql } from './check.js';

/** One query of {@link checkKqlAll}: its text and the options {@link checkKql} takes. */
export interface KqlCheckJob {
  readonly text: string;
  readonly options?: CheckKqlOptions;
}

/** Options of {@link checkKqlAll}. */
export interface CheckKqlAllOptions {
  /**
   * The most worker threads to start (default: `os.availableParallelism()`). `1` checks every query in
   * this thread. Fewer are started when there are few queries ({@link QUERIES_PER_WORKER} each).
   */
  readonly workers?: number;
}

/** The fewest queries that justify starting one worker (loading the language service costs ~1 s). */
export const QUERIES_PER_WORKER = 40;

interface Answer {
  readonly index: number;
  readonly diagnostics?: KqlDiagnostic[];
  readonly error?: string;
}

function workerScript(): URL | undefined {
  const here = typeof __filename === 'string' ? pathToFileURL(__filename) : new URL(import.meta.url);
  const ext = here.pathname.endsWith('.cjs') ? '.cjs' : '.js';
  const url = new URL(`./check-worker${ext}`, here);
  return here.pathname.includes('/dist/') && existsSync(url) ? url : undefined;
}

/**
 * How many workers {@link checkKqlAll} starts for `count` queries: at most `requested` (default
 * `os.availableParallelism()`), one per {@link QUERIES_PER_WORKER} queries, and none (this thread
 * checks them) when that is fewer than two, since one worker only makes this thread wait.
 */
export function checkWorkerCount(count: number, requested?: number): number {
  const max = Math.max(1, Math.floor(requested ?? availableParallelism()));
  const n = Math.min(max, Math.floor(count / QUERIES_PER_WORKER));
  return n >= 2 ? n : 0;
}

/**
 * Check every query as {@link checkKql} does, on up to `options.workers` threads; the result holds the
 * diagnostics of `jobs[i]` at index `i`.
 */
export async function checkKqlAll(
  jobs: readonly KqlCheckJob[],
  options: CheckKqlAllOptions = {},
): Promise<KqlDiagnostic[][]> {
  const results: (KqlDiagnostic[] | undefined)[] = new Array(jobs.length).fill(undefined);
  const script = workerScript();
  const count = script ? checkWorkerCount(jobs.length, options.workers) : 0;
  if (count > 0 && script) await runPool(script, count, jobs, results);
  // Whatever no worker answered (no workers, or a worker that failed) is checked here.
  return results.map((r, i) => r ?? checkKql(jobs[i]!.text, jobs[i]!.options ?? {}));
}

function runPool(
  script: URL,
  count: number,
  jobs: readonly KqlCheckJob[],
  results: (KqlDiagnostic[] | undefined)[],
): Promise<void> {
  let next = 0;
  let running = count;
  return new Promise((resolve) => {
    const done = () => {
      running--;
      if (running === 0) resolve();
    };
    for (let w = 0; w < count; w++) {
      let worker: Worker;
      try {
        worker = new Worker(script);
      } catch {
        done();
        continue;
      }
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        void worker.terminate();
        done();
      };
      const send = () => {
        if (next >= jobs.length) return finish();
        const index = next++;
        const job = jobs[index]!;
        worker.postMessage({ index, text: job.text, options: job.options ?? {} });
      };
      worker.on('message', (answer: Answer) => {
        // A query the worker could not check is left to this thread, which reports it as checkKql does.
        if (answer.diagnostics) results[answer.index] = answer.diagnostics;
        send();
      });
      // A failed worker stops taking queries; the one it held stays unanswered and is checked here.
      worker.on('error', finish);
      worker.on('exit', finish);
      send();
    }
  });
}
