#!/usr/bin/env node
/**
 * `npm run bench -- --kql` (or `node bench/kql.mjs`): what exporting every SigmaHQ rule to KQL costs,
 * validation included (issue target: under 30 s in all).
 *
 *   node bench/kql.mjs [--rules DIR] [--repeat N] [--workers N] [--out bench/out/kql.json]
 *
 * Each round, in this process: read every rule file of DIR (default: `packages/sigmahq/rules` when
 * vendored, else `../shared/data/sigma/rules`), `compileSigma` them, `exportSigma` the set, then check
 * every exported query with `checkKqlAll` (the Kusto language service on worker threads, as
 * `tripline export kql` does, plus tripline's RE2 and CIDR checks). Printed: rules exported and refused
 * (by reason), queries with diagnostics, the time of each part, the total, and its CPU time summed over
 * all threads. `--workers 1` checks in this thread with `checkKql`, one query at a time, and also prints
 * the time per query (median, p95, max; the first check, which loads the language service, apart). The load average is printed with the figures, and
 * the CPU time of the checks next to their wall time: on a shared machine the wall time grows with the
 * load, the CPU time much less.
 *
 * It imports the BUILT packages (packages/<pkg>/dist): run `npm run build` first.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (pkg) => pathToFileURL(join(ROOT, 'packages', pkg, 'dist', 'index.js')).href;

function defaultRules() {
  const vendored = join(ROOT, 'packages', 'sigmahq', 'rules');
  return existsSync(vendored) ? vendored : join(ROOT, '..', 'shared', 'data', 'sigma', 'rules');
}

function parseArgs(argv) {
  const args = { rules: defaultRules(), repeat: 1, out: join(ROOT, 'bench', 'out', 'kql.json') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--rules') args.rules = value();
    else if (a === '--repeat') args.repeat = Math.max(1, Number(value()));
    else if (a === '--out') args.out = value();
    else if (a === '--workers') args.workers = Math.max(1, Number(value()));
    else if (a === '--kql') continue;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

/** Every `.yml`/`.yaml` file under `dir`, in sorted order. */
function ruleFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...ruleFiles(p));
    else if (e.name.endsWith('.yml') || e.name.endsWith('.yaml')) out.push(p);
  }
  return out;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const ms = (v) => `${v.toFixed(1)} ms`;

async function round(sigma, kql, dir, workers) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const files = ruleFiles(dir);
  const sources = files.map((f) => ({ text: readFileSync(f, 'utf8'), name: relative(dir, f) }));
  const t1 = performance.now();
  const set = sigma.compileSigma(sources);
  const t2 = performance.now();
  const exported = kql.exportSigma(set);
  const t3 = performance.now();
  const c3 = process.cpuUsage();
  const perQuery = [];
  const refusals = {};
  let withDiagnostics = 0;
  let firstCheckMs;
  const texts = [];
  for (const rule of exported) {
    if (!rule.ok) {
      for (const code of new Set(rule.refusals.map((r) => r.code))) refusals[code] = (refusals[code] ?? 0) + 1;
      continue;
    }
    texts.push(rule.query.text);
  }
  if (workers === 1) {
    // One thread: each query timed on its own.
    for (const text of texts) {
      const q0 = performance.now();
      const diagnostics = kql.checkKql(text);
      const dt = performance.now() - q0;
      if (firstCheckMs === undefined) firstCheckMs = dt;
      else perQuery.push(dt);
      if (diagnostics.length > 0) withDiagnostics++;
    }
  } else {
    const all = await kql.checkKqlAll(
      texts.map((text) => ({ text })),
      workers === undefined ? {} : { workers },
    );
    withDiagnostics = all.filter((d) => d.length > 0).length;
  }
  const t4 = performance.now();
  const cpu = process.cpuUsage(c3);
  const cpuAll = process.cpuUsage(c0);
  perQuery.sort((a, b) => a - b);
  return {
    files: files.length,
    rules: exported.length,
    exported: exported.filter((r) => r.ok).length,
    refused: exported.filter((r) => !r.ok).length,
    refusals,
    withDiagnostics,
    readMs: t1 - t0,
    compileMs: t2 - t1,
    exportMs: t3 - t2,
    validateMs: t4 - t3,
    validateCpuMs: (cpu.user + cpu.system) / 1000,
    totalCpuMs: (cpuAll.user + cpuAll.system) / 1000,
    workers: workers ?? 'default',
    totalMs: t4 - t0,
    firstCheckMs: firstCheckMs ?? 0,
    perQuery: {
      median: quantile(perQuery, 0.5),
      p95: quantile(perQuery, 0.95),
      max: perQuery.at(-1) ?? 0,
      mean: perQuery.reduce((a, b) => a + b, 0) / Math.max(1, perQuery.length),
    },
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  for (const pkg of ['sigma', 'kql']) {
    if (!existsSync(fileURLToPath(dist(pkg)))) throw new Error(`packages/${pkg}/dist is missing: run npm run build`);
  }
  const sigma = await import(dist('sigma'));
  const kql = await import(dist('kql'));
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  console.log(`machine: ${cpus().length} cores, Node ${process.versions.node}; load average ${load()}`);
  console.log(`rules: ${relative(ROOT, args.rules) || args.rules}`);
  const rounds = [];
  for (let i = 0; i < args.repeat; i++) {
    const r = await round(sigma, kql, args.rules, args.workers);
    rounds.push(r);
    console.log(
      `round ${i + 1}: ${r.files} files, ${r.rules} rules: ${r.exported} exported, ${r.refused} refused ${JSON.stringify(r.refusals)}; ` +
        `${r.withDiagnostics} with diagnostics`,
    );
    console.log(
      `  read ${s(r.readMs)}, compileSigma ${s(r.compileMs)}, exportSigma ${s(r.exportMs)}, checkKql ${s(r.validateMs)} ` +
        `(${s(r.validateCpuMs)} CPU) ` +
        `→ total ${s(r.totalMs)} (${s(r.totalCpuMs)} CPU in all threads; target < 30 s)`,
    );
    console.log(
      `  per query: median ${ms(r.perQuery.median)}, mean ${ms(r.perQuery.mean)}, p95 ${ms(r.perQuery.p95)}, max ${ms(r.perQuery.max)}; ` +
        `first check (loads the language service) ${ms(r.firstCheckMs)}`,
    );
  }
  console.log(`load average after: ${load()}`);
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify({ loadAverage: loadavg(), rounds }, null, 2)}\n`);
  console.log(`wrote ${relative(ROOT, args.out)}`);
  const worst = Math.max(...rounds.map((r) => r.totalMs));
  process.exitCode = worst < 30_000 && rounds.every((r) => r.withDiagnostics === 0) ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
