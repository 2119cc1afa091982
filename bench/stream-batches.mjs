#!/usr/bin/env node
// The stream runtime's cost against one run: the dense fleet (bench/dense.mjs) analysed once by
// `analyze()`, then published to an in-memory broker keyed by DeviceId and consumed by one
// `runPartitioned` consumer (memory state stores), in one process. Prints one JSON line per batch
// size: both times, rows per second, batches, and the ratio stream / analyze (compare ratios measured
// in one run: the shared machine's load moves absolute times). Built packages (npm run build).
//
// With --sigma, every detector of @tripline/sigmahq is loaded beside the Defender preset (1,793 more
// detectors: what each batch's analyzer pays to load them shows at small batch sizes).
//
//   node bench/stream-batches.mjs [--rows 20000] [--devices 200] [--partitions 4] [--batches 250,1000,5000] [--sigma]
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { analyze, fromString, memoryStateStore } from '../packages/core/dist/index.js';
import { defenderDetectors } from '../packages/detectors-defender/dist/index.js';
import { memoryBroker, partitionOf, runPartitioned } from '../packages/stream/dist/index.js';
import { denseLines } from './dense.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000' },
    devices: { type: 'string', default: '200' },
    partitions: { type: 'string', default: '4' },
    batches: { type: 'string', default: '250,1000,5000' },
    sigma: { type: 'boolean', default: false },
  },
});
const detectors = values.sigma
  ? [...defenderDetectors, ...(await import('../packages/sigmahq/dist/index.js')).detectors]
  : defenderDetectors;
const rows = Number(values.rows);
const partitions = Number(values.partitions);
const lines = [...denseLines({ rows, devices: Number(values.devices) })];
const records = lines.map((line) => ({ key: /"DeviceId":"([^"\\]*)"/.exec(line)?.[1] ?? '', body: line }));

// Warm-up: the first run of a process compiles the detectors' code paths.
await analyze(fromString(lines.join('\n'), 'warm-up'), { detectors });

for (const batch of values.batches.split(',').map(Number)) {
  const t0 = performance.now();
  const ref = await analyze(fromString(lines.join('\n'), 'all'), { detectors });
  const analyzeMs = performance.now() - t0;
  const broker = memoryBroker({ partitions, batchSize: batch });
  await broker.sink().publish(records);
  const stores = new Map();
  const controller = new AbortController();
  let batches = 0;
  const t1 = performance.now();
  const done = runPartitioned({
    source: broker.source({ consumer: 'bench' }),
    detectors,
    state: (p) => {
      if (!stores.has(p)) stores.set(p, memoryStateStore());
      return stores.get(p);
    },
    onBatch: () => {
      batches++;
    },
    signal: controller.signal,
  });
  await broker.drained(24 * 3_600_000);
  const streamMs = performance.now() - t1;
  controller.abort();
  const metrics = await done;
  const perPartition = new Map();
  for (const r of records)
    perPartition.set(partitionOf(r.key, partitions), 1 + (perPartition.get(partitionOf(r.key, partitions)) ?? 0));
  console.log(
    JSON.stringify({
      rows,
      partitions,
      batch,
      sigma: values.sigma,
      alerts: ref.summary.alertCount,
      analyzeMs: Math.round(analyzeMs),
      analyzeRowsPerSecond: Math.round(rows / (analyzeMs / 1000)),
      streamMs: Math.round(streamMs),
      streamRowsPerSecond: Math.round(rows / (streamMs / 1000)),
      batches,
      ratio: Number((streamMs / analyzeMs).toFixed(2)),
      rowsCounted: metrics.rows,
      load: loadavg().map((l) => Number(l.toFixed(1))),
    }),
  );
}
