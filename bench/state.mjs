#!/usr/bin/env node
import { loadavg } from 'node:os';
/**
 * The engine state of a stream read in batches, on the dense fleet (bench/dense.mjs): its size per
 * open alert and the cost of loading and saving it per batch.
 *
 *   node bench/state.mjs [--rows 100000] [--devices 500] [--batches 4]
 *
 * The rows go through `--batches` fresh analyzers (the Defender pack) sharing one memory store, each
 * loading the state before its batch and saving it after (`store.write(engineStateWrite(a))`). It
 * prints, per batch, the load and save times and the records written, then the state's size by
 * namespace (JSON text of keys and values) over the open alerts of the last batch. Imports the BUILT
 * packages (npm run build first).
 */
import { performance } from 'node:perf_hooks';
import { createAnalyzer, fromString, memoryStateStore } from '../packages/core/dist/index.js';
import { engineStateWrite } from '../packages/core/dist/unstable.js';
import { defenderDetectors } from '../packages/detectors-defender/dist/index.js';
import { denseLines } from './dense.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const rows = arg('--rows', 100_000);
const devices = arg('--devices', 500);
const batches = arg('--batches', 4);

const lines = [...denseLines({ rows, devices })];
const store = memoryStateStore();
await store.open();
const per = Math.ceil(lines.length / batches);
let last;
/** Groups in the store before the batch (what its analyzer loads). */
let loadedGroups = 0;
console.log(
  `dense fleet: ${rows} rows, ${devices} devices, ${batches} batches; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log('batch  rows    groups held  load ms  per group  analyse ms  groups written  save ms  per group');
for (let b = 0; b < batches; b++) {
  const text = lines.slice(b * per, (b + 1) * per).join('\n');
  const a = createAnalyzer({ detectors: defenderDetectors, state: { store }, generatedAt: '2026-01-01T00:00:00Z' });
  const t0 = performance.now();
  await a.ready();
  const t1 = performance.now();
  await a.push(fromString(text, `batch-${b}.ndjson`));
  last = a.finish();
  const t2 = performance.now();
  const w = engineStateWrite(a);
  await store.write(w);
  const t3 = performance.now();
  const groups = w.put.filter((p) => p.ns === 'groups').length;
  const cells = [
    String(b).padEnd(6),
    String(text ? text.split('\n').length : 0).padEnd(7),
    String(loadedGroups).padStart(11),
    (t1 - t0).toFixed(1).padStart(8),
    (loadedGroups ? (t1 - t0) / loadedGroups : 0).toFixed(3).padStart(10),
    (t2 - t1).toFixed(1).padStart(11),
    String(groups).padStart(15),
    (t3 - t2).toFixed(1).padStart(8),
    (groups ? (t3 - t2) / groups : 0).toFixed(3).padStart(10),
  ];
  console.log(cells.join(' '));
  loadedGroups = (await store.read('groups')).size;
}
const open = last.alerts.length;
let total = 0;
const byNs = [];
for (const ns of ['meta', 'groups', 'devices', 'dedupe', 'sources']) {
  let bytes = 0;
  let n = 0;
  for (const [k, v] of await store.read(ns)) {
    bytes += k.length + JSON.stringify(v).length;
    n++;
  }
  total += bytes;
  byNs.push(`${ns} ${n} records ${(bytes / 1e6).toFixed(2)} MB`);
}
console.log(byNs.join('; '));
console.log(
  `open alerts ${open}; state ${(total / 1e6).toFixed(2)} MB = ${Math.round(total / open)} bytes per open alert (target under 2,048)`,
);
