#!/usr/bin/env node
/**
 * A consumer process of nats-crash.test.ts: the built runtime (`runPartitioned` over `natsSource`,
 * packages/stream/dist) with one JSON file state store per partition in a folder the consumers share.
 * Every consumer of the test runs this same build: a detector's state is kept only by the same detector
 * code (the engine fingerprints the hooks' source), so the TypeScript sources in the test process and
 * the built files here would not share state.
 *
 * Each committed batch is written to `<out>/outcome-<member>-<n>.v8` (v8-serialized, synchronously),
 * each notification appended to `<out>/sent-<member>.ndjson`, the metrics to `<out>/metrics-<member>.json`
 * (every 100 ms and at the end, with the time written). With `dieAt`, when the records it committed reach it, it writes
 * `<out>/died.json` and SIGKILLs itself from inside `onBatch` — the runtime calls it after the state
 * commit and before the source acknowledges the batch, so the acknowledgement never leaves the process.
 * SIGTERM stops it gracefully.
 *
 *   node nats-crash-consumer.mjs '<json: servers, stream, subjectPrefix, partitions, consumer, member,
 *                                  state, out, dieAt?, ackWaitMs, ttlMs, generatedAt, now>'
 */
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serialize } from 'node:v8';

const ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../..');
const dist = (pkg, entry = 'index') => pathToFileURL(join(ROOT, 'packages', pkg, 'dist', `${entry}.js`)).href;
const { defenderDetectors } = await import(dist('detectors-defender'));
const { jsonFileStateStore } = await import(dist('state'));
const { runPartitioned } = await import(dist('stream'));
const { natsSource } = await import(dist('stream', 'nats/index'));

const options = JSON.parse(process.argv[2]);
const controller = new AbortController();
process.once('SIGTERM', () => controller.abort());
const source = natsSource({
  servers: options.servers,
  stream: options.stream,
  subjectPrefix: options.subjectPrefix,
  partitions: options.partitions,
  consumer: options.consumer,
  member: options.member,
  batch: { maxRecords: 17, maxWaitMs: 1000 },
  ackWaitMs: options.ackWaitMs,
  leases: { ttlMs: options.ttlMs },
  onError: (error, partition) => process.stderr.write(`${options.member} ${partition ?? ''}: ${error.message}\n`),
});
let batches = 0;
let committed = 0;
const { member, out } = options;
const writeMetrics = (metrics) => {
  const file = join(out, `metrics-${member}.json`);
  writeFileSync(
    `${file}.tmp`,
    JSON.stringify({ redelivered: metrics.redelivered, batches: metrics.batches, at: Date.now() }),
  );
  renameSync(`${file}.tmp`, file);
};
const final = await runPartitioned({
  source,
  detectors: defenderDetectors,
  state: (partition) => jsonFileStateStore(join(options.state, `p${partition}.json`)),
  analyzer: { generatedAt: options.generatedAt, now: () => new Date(options.now) },
  onBatch: (outcome) => {
    batches++;
    committed += outcome.records - outcome.redelivered;
    writeFileSync(join(out, `outcome-${member}-${String(batches).padStart(4, '0')}.v8`), serialize(outcome));
    if (options.dieAt !== undefined && committed >= options.dieAt) {
      const { partition, from, to, records } = outcome;
      writeFileSync(join(out, 'died.json'), JSON.stringify({ partition, from, to, records }));
      process.kill(process.pid, 'SIGKILL');
    }
  },
  notify: (entry) => {
    appendFileSync(join(out, `sent-${member}.ndjson`), `${JSON.stringify(entry)}\n`);
  },
  onMetrics: writeMetrics,
  metricsIntervalMs: 100,
  signal: controller.signal,
});
writeMetrics(final);
