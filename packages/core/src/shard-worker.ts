/**
 * A worker thread of `analyze(inputs, { workers })` (internal/parallel/library.ts): imports the host's
 * detector module, checks that its detectors are the calling thread's, then analyses its shard.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ERROR_CODES, TriplineError } from './internal/errors.js';
import { checkSameDetectors, detectorFingerprint, detectorsOfHostModule } from './internal/parallel/host.js';
import type { HostShardData } from './internal/parallel/library.js';
import { serveShard } from './internal/parallel/worker.js';

async function main(data: HostShardData): Promise<void> {
  const port = parentPort!;
  try {
    let ns: Record<string, unknown>;
    try {
      ns = (await import(data.module)) as Record<string, unknown>;
    } catch (error) {
      throw new TriplineError(
        ERROR_CODES.WORKERS_MODULE_UNUSABLE,
        `cannot import worker detector module ${data.name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        { details: { module: data.name } },
      );
    }
    const detectors = await detectorsOfHostModule(ns, data.name, data.exportName);
    checkSameDetectors(data.fingerprint, detectorFingerprint(detectors), data.name);
    serveShard(port, { ...data.options, detectors }, data.shard, data.shards);
  } catch (error) {
    port.postMessage({
      type: 'error',
      message: String((error as Error)?.message ?? error),
      ...(error instanceof TriplineError ? { code: error.code } : {}),
    });
  }
}

void main(workerData as HostShardData);
