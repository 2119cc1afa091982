#!/usr/bin/env node
/**
 * One consumer process of bench/stream.mjs: `runPartitioned` over `natsSource` with the Defender pack and
 * one SQLite state store per partition (in a folder all consumers share, as on a shared volume). It
 * writes one JSON line per committed batch (`{"type":"batch","rows":<rows so far>,"at":<ms>}`) and, after
 * SIGTERM (the batch in flight finishes and commits), one final line with its peak RSS.
 *
 *   node bench/stream-consumer.mjs '<json: servers, stream, subjectPrefix, partitions, consumer, member, batch, state>'
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const dist = (pkg, entry = 'index') => pathToFileURL(join(ROOT, 'packages', pkg, 'dist', `${entry}.js`)).href;
const { defenderDetectors } = await import(dist('detectors-defender'));
const { sqliteStateStore } = await import(dist('state'));
const { runPartitioned } = await import(dist('stream'));
const { natsSource } = await import(dist('stream', 'nats/index'));

const options = JSON.parse(process.argv[2]);
mkdirSync(options.state, { recursive: true });
const controller = new AbortController();
// The parent stopped listening (it failed or was killed): go on to the graceful stop, quietly.
process.stdout.on('error', () => controller.abort());
process.once('SIGTERM', () => controller.abort());
const source = natsSource({
  servers: options.servers,
  stream: options.stream,
  subjectPrefix: options.subjectPrefix,
  partitions: options.partitions,
  consumer: options.consumer,
  member: options.member,
  batch: { maxRecords: options.batch, maxWaitMs: 1000 },
  ackWaitMs: 120_000,
  onError: (error, partition) => process.stderr.write(`${options.member} ${partition ?? ''}: ${error.message}\n`),
});
let rows = 0;
const partitions = new Set();
await runPartitioned({
  source,
  detectors: defenderDetectors,
  state: (partition) => sqliteStateStore(join(options.state, `p${partition}.db`)),
  onBatch: (outcome) => {
    rows += outcome.records - outcome.redelivered;
    partitions.add(outcome.partition);
    process.stdout.write(`${JSON.stringify({ type: 'batch', rows, at: Date.now() })}\n`);
  },
  signal: controller.signal,
});
process.stdout.write(
  `${JSON.stringify({ type: 'final', rows, maxRssKB: process.resourceUsage().maxRSS, partitions: [...partitions].sort() })}\n`,
);
