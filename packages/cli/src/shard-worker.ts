/**
 * A shard worker of `tripline analyze --workers N`: builds the run's detectors from the same options
 * (detectors are code, so each thread loads its own), then analyses the rows the main thread sends it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ShardedAnalyzer, serveShard } from '@tripline/core/unstable';
import { type AnalyzeCommandOptions, runOptions } from './internal/analyze.js';

const data = workerData as { options: AnalyzeCommandOptions; shard: number; shards: number };
const port = parentPort!;
try {
  const { analyzeOptions } = await runOptions(data.options, undefined);
  serveShard(port, ShardedAnalyzer.shardOptions(analyzeOptions), data.shard, data.shards);
} catch (error) {
  port.postMessage({ type: 'error', message: String((error as Error)?.message ?? error) });
}
