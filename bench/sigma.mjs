#!/usr/bin/env node
/**
 * `npm run bench -- --sigma` (or `node bench/sigma.mjs`): what loading every SigmaHQ rule costs.
 *
 *   node bench/sigma.mjs [--rows 100000] [--repeat 3] [--rules DIR] [--seed N] [--devices N]
 *                        [--unique F] [--routes] [--min-level LEVEL] [--out bench/out/sigma.json]
 *
 * Three measurements, each in its own `node --expose-gc` child so that peak RSS is its own:
 *
 * - **compile**: read every rule file of DIR (default: `packages/sigmahq/rules` when vendored, else
 *   `../shared/data/sigma/rules`) and `compileSigma` them; the time of each part.
 * - **fleet**: the generated fleet of `npm run bench` (`bench/data/fleet-<rows>-…`), analysed with the
 *   Defender preset alone (`base`) and with the Defender preset plus every loaded SigmaHQ rule
 *   (`sigma`), in alternating order each round; rows/s of `analyze` (compiling excluded) and peak RSS
 *   (compiling included). Printed: the median of the rounds, the rows/s ratio sigma/base (target
 *   ≥ 75 %) and the growth of peak RSS (target < 100 MB); and the heap still in use at the end of
 *   each run after a full collection (result and rules held), the part of memory that does not move
 *   with the collector's timing. The generated fleet repeats its values
 *   as real fleets do (the same agent command lines and images on every device), which the Sigma
 *   family's memos exploit: `--unique F` (0 to 1) runs a copy of the fleet in which a fraction F of
 *   the rows (chosen by a hash of the row number) have values no other row has — ` #u<row>` appended
 *   to the command line and the initiating command line, a folder `u<row>` inserted before the file
 *   name of `FolderPath` — the figure for data whose values do not repeat.
 * - **cli**: what a user of the command line runs, on the same fleet: the `tripline` binary
 *   (`bench/sigma-cli.mjs`: `packages/cli/dist/cli.js` in the child's own process, with the V8
 *   settings the binary gives itself) running `tripline analyze FLEET -f json -o OUT --no-progress`
 *   without (`cli-base`) and with `--detectors @tripline/sigmahq` (`cli-sigma`), in alternating order
 *   each round. Rows/s per CPU second of the whole run (loading the rules and writing the report
 *   included) and peak RSS; printed on their own lines (`cli …`), beside the library's.
 * - **routes** (with `--routes`, one run after the rounds): the `sigma` run again, the family wrapped
 *   in a timer: per table and kind of device (the platform the family reads from the row's paths),
 *   the rows it met, the matches it emitted and the wall time inside its `matchAll` (the candidate
 *   scan, the rules tested, and the engine's work on each emitted match) per row. The timer costs
 *   two `performance.now()` calls a row, so the total is a little over the family's real share.
 * - `--min-level LEVEL` (`informational`, `low`, `medium`, `high`, `critical`): the library's children
 *   load only the rules at LEVEL or above (`compileSigma`'s `select: { minLevel }`; the others are
 *   reported `not-selected`), what a user who selects rules pays. The `cli` children are not run then
 *   (`--detectors @tripline/sigmahq` loads every rule).
 * - **adversarial**: a 64 KB command line built from the corpus's own literals (every string and
 *   regex needle of every loaded rule) and `echo clip&&` repetitions, in a DeviceProcessEvents row,
 *   through the family (what the engine runs: the candidate index, then the candidates) and through
 *   every rule of the table one by one (the worst case); target under 1 s.
 *
 * The library lines (`fleet …`, `ratio sigma/base`) measure `analyze()` under V8's defaults, the
 * compiled set built in the same process; the `cli …` lines measure the binary, which collects old
 * space earlier (`--heap-growing-percent=40`, packages/cli/src/internal/heap.ts) and writes a report.
 *
 * It imports the BUILT packages (packages/<pkg>/dist): run `npm run build` first.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliChild } from './sigma-cli.mjs';
import { ensureData, uniqueFleet } from './sigma-fleet.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', 'out');
const MB = 1e6;
const GENERATED_AT = '2025-11-07T12:00:00.000Z';
/** Length of the adversarial command line, in UTF-16 code units. */
const ADVERSARIAL_LENGTH = 64 * 1024;
/** Sigma levels, lowest first (`--min-level`). */
const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'];
const dist = (pkg, entry = 'index') => pathToFileURL(join(ROOT, 'packages', pkg, 'dist', `${entry}.js`)).href;

function defaultRules() {
  const vendored = join(ROOT, 'packages', 'sigmahq', 'rules');
  return existsSync(vendored) ? vendored : join(ROOT, '..', 'shared', 'data', 'sigma', 'rules');
}

function parseArgs(argv) {
  const args = {
    rows: 100_000,
    repeat: 3,
    rules: defaultRules(),
    seed: 1,
    devices: 120,
    unique: 0,
    routes: false,
    minLevel: undefined,
    out: join(OUT, 'sigma.json'),
    child: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--rows') args.rows = Number(value().replace(/_/g, '').replace(/k$/i, '000'));
    else if (a === '--repeat') args.repeat = Number(value());
    else if (a === '--rules') args.rules = value();
    else if (a === '--seed') args.seed = Number(value());
    else if (a === '--devices') args.devices = Number(value());
    else if (a === '--unique') {
      args.unique = Number(value());
      if (!(args.unique >= 0 && args.unique <= 1)) throw new Error('--unique takes a fraction from 0 to 1');
    } else if (a === '--out') args.out = value();
    else if (a === '--child') args.child = [value(), value()];
    else if (a === '--fleet') args.fleet = value();
    else if (a === '--routes') args.routes = true;
    else if (a === '--min-level') {
      args.minLevel = value();
      if (!LEVELS.includes(args.minLevel)) throw new Error(`--min-level takes one of ${LEVELS.join(', ')}`);
    } else if (a === '--sigma' || a === '--quick') continue;
    else if (a === '-h' || a === '--help') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
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

/** Read and compile the rules of `dir`; the set and the time of each part. */
async function compileRules(dir, minLevel) {
  const sigma = await import(dist('sigma'));
  const t0 = performance.now();
  const files = ruleFiles(dir);
  const sources = files.map((f) => ({ text: readFileSync(f, 'utf8'), name: relative(dir, f) }));
  const t1 = performance.now();
  const c0 = process.cpuUsage();
  const set = sigma.compileSigma(sources, minLevel ? { select: { minLevel } } : undefined);
  const c = process.cpuUsage(c0);
  const t2 = performance.now();
  return {
    sigma,
    set,
    files: files.length,
    readMs: t1 - t0,
    compileMs: t2 - t1,
    compileCpuMs: (c.user + c.system) / 1000,
  };
}

/** Every needle of an expression: string pattern literals and regex literals. */
function literalsOf(e, out) {
  if (e.kind === 'and' || e.kind === 'or') for (const a of e.args) literalsOf(a, out);
  else if (e.kind === 'not') literalsOf(e.arg, out);
  else if (e.kind === 'pred') {
    const p = e.pred;
    if (p.kind === 'string' || p.kind === 'keyword') for (const x of p.patterns) out.push(...x.literals, x.text);
    if (p.kind === 'regex') for (const r of p.regexes) out.push(...r.literals);
  }
  return out;
}

/**
 * The adversarial command line: every literal of every process rule once (so that every rule with a
 * witness is a candidate and every regex finds its anchors), then `echo clip&&` repetitions, with
 * runs of quotes, carets and spaces between (what backtracking regexes choke on).
 */
function adversarialLine(rules) {
  const pieces = [];
  for (const r of rules) if (r.route.table === 'DeviceProcessEvents') literalsOf(r.expr, pieces);
  const uniq = [...new Set(pieces.filter((p) => p.length > 0))].sort();
  let line = uniq.join(' echo clip&& ');
  const filler = ['echo clip&&', ' "" ', '^^', '    ', "''", '%%', ' -', ' /'];
  for (let i = 0; line.length < ADVERSARIAL_LENGTH; i++) line += filler[i % filler.length];
  return { line: line.slice(0, ADVERSARIAL_LENGTH), pieces: uniq.length };
}

/** One measurement: `mode` on `file` (rules folder, or the fleet for `base`); `fleet` for `sigma`. */
async function child(mode, file, fleet, minLevel) {
  if (mode.startsWith('cli-')) {
    process.stdout.write(`RESULT ${JSON.stringify(await cliChild(mode, file))}\n`);
    return;
  }
  const core = await import(dist('core'));
  const defender = await import(dist('detectors-defender'));
  globalThis.gc?.();
  const { rss: rssStart, heapUsed: heapStart } = process.memoryUsage();
  /** Heap still in use after a full collection, over the child's start (what old space's growth multiplies). */
  const liveHeap = () => {
    globalThis.gc?.();
    return process.memoryUsage().heapUsed - heapStart;
  };
  const out = { mode, node: process.version };
  if (mode === 'compile' || mode === 'sigma' || mode === 'adversarial' || mode === 'routes') {
    const c = await compileRules(file, minLevel);
    Object.assign(out, {
      files: c.files,
      readMs: c.readMs,
      compileMs: c.compileMs,
      compileCpuMs: c.compileCpuMs,
      rules: c.set.rules.length,
      report: c.set.report.rules,
    });
    if (mode === 'adversarial') {
      const testing = await import(dist('core', 'testing'));
      const { line, pieces } = adversarialLine(c.set.rules);
      const event = testing.makeEvent('DeviceProcessEvents', {
        Timestamp: '2025-11-07T06:46:38.299848Z',
        DeviceId: '3ff9c103501f006f3bc9e85a331590b08bb8e81f',
        DeviceName: 'desktop-008.contoso.local',
        ActionType: 'ProcessCreated',
        ReportId: 7311,
        FileName: 'cmd.exe',
        FolderPath: 'C:\\Windows\\System32\\cmd.exe',
        ProcessCommandLine: line,
        AccountDomain: 'contoso',
        AccountName: 'j.doe',
        InitiatingProcessFileName: 'explorer.exe',
        InitiatingProcessFolderPath: 'C:\\Windows\\explorer.exe',
        InitiatingProcessCommandLine: 'C:\\Windows\\Explorer.EXE',
      });
      const family = c.set.family;
      let emitted = 0;
      let threw = 0;
      // A first, benign row: what the first process row of a run pays (route indexes are built with the family).
      const warm = testing.makeEvent('DeviceProcessEvents', {
        Timestamp: '2025-11-07T06:46:37Z',
        DeviceId: '3ff9c103501f006f3bc9e85a331590b08bb8e81f',
        DeviceName: 'desktop-008.contoso.local',
        ActionType: 'ProcessCreated',
        ReportId: 7310,
        FileName: 'notepad.exe',
        FolderPath: 'C:\\Windows\\System32\\notepad.exe',
        ProcessCommandLine: 'notepad.exe C:\\Users\\j.doe\\todo.txt',
      });
      const w0 = performance.now();
      family.matchAll(warm, () => {});
      const firstRowMs = performance.now() - w0;
      const t0 = performance.now();
      const u0 = process.cpuUsage();
      try {
        family.matchAll(event, () => {
          emitted++;
        });
      } catch {
        threw++;
      }
      const u = process.cpuUsage(u0);
      const familyMs = performance.now() - t0;
      const familyCpuMs = (u.user + u.system) / 1000;
      // The same row again: the rules' code is compiled by now (a fleet run is in this state).
      const t0b = performance.now();
      const u0b = process.cpuUsage();
      family.matchAll(event, () => {});
      const ub = process.cpuUsage(u0b);
      const familyWarmMs = performance.now() - t0b;
      const familyWarmCpuMs = (ub.user + ub.system) / 1000;
      // Every rule of the table, one by one, each on its own memo (nothing shared): the worst case.
      let rulesRun = 0;
      let matched = 0;
      let slowest = { ms: 0, id: '' };
      const t1 = performance.now();
      for (const rule of c.set.rules) {
        if (rule.route.table !== 'DeviceProcessEvents') continue;
        const r0 = performance.now();
        try {
          if (rule.test(c.sigma.createEvalContext(event))) matched++;
        } catch {
          threw++;
        }
        const ms = performance.now() - r0;
        if (ms > slowest.ms) slowest = { ms, id: rule.detectorId };
        rulesRun++;
      }
      const allMs = performance.now() - t1;
      Object.assign(out, {
        firstRowMs,
        lineLength: line.length,
        literalPieces: pieces,
        familyMs,
        familyCpuMs,
        familyEmitted: emitted,
        familyWarmMs,
        familyWarmCpuMs,
        allRulesMs: allMs,
        allRulesRun: rulesRun,
        allRulesMatched: matched,
        slowestRule: slowest,
        threw,
      });
    }
    if (mode === 'routes') {
      const { detectors, routes, total } = timedFamily(c.set, c.sigma.eventPlatform);
      const tA = performance.now();
      const cA = process.cpuUsage();
      const result = await core.analyze(core.fromFile(fleet), {
        detectors: [...defender.defenderDetectors, ...detectors],
        generatedAt: GENERATED_AT,
      });
      const cpu = process.cpuUsage(cA);
      Object.assign(out, analyzed(result, performance.now() - tA, (cpu.user + cpu.system) / 1000), {
        familyMs: total.ms,
        routes: [...routes].map(([route, r]) => ({ route, ...r })).sort((a, b) => b.ms - a.ms),
      });
    }
    if (mode === 'sigma') {
      const tA = performance.now();
      const cA = process.cpuUsage();
      const result = await core.analyze(core.fromFile(fleet), {
        detectors: [...defender.defenderDetectors, ...c.set.detectors],
        generatedAt: GENERATED_AT,
      });
      const cpu = process.cpuUsage(cA);
      Object.assign(out, analyzed(result, performance.now() - tA, (cpu.user + cpu.system) / 1000));
      // The result and the compiled set are both still held here.
      out.liveHeapBytes = liveHeap();
    }
  } else if (mode === 'base') {
    const tA = performance.now();
    const cA = process.cpuUsage();
    const result = await core.analyze(core.fromFile(file), {
      detectors: defender.defenderDetectors,
      generatedAt: GENERATED_AT,
    });
    const cpu = process.cpuUsage(cA);
    Object.assign(out, analyzed(result, performance.now() - tA, (cpu.user + cpu.system) / 1000));
    out.liveHeapBytes = liveHeap();
  } else throw new Error(`unknown mode ${mode}`);
  out.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  out.rssStartBytes = rssStart;
  process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
}

/**
 * The set's detectors with its family wrapped in a timer (see `routes` in the module comment): per
 * "table platform" key, rows met, matches emitted and milliseconds inside `matchAll`.
 */
function timedFamily(set, eventPlatform) {
  const family = set.family;
  const routes = new Map();
  const total = { ms: 0 };
  const timed = {
    kind: family.kind,
    id: family.id,
    members: family.members,
    tables: family.tables,
    ...(family.actionTypes ? { actionTypes: family.actionTypes } : {}),
    matchAll(event, emit) {
      const key = `${event.table} ${eventPlatform(event) ?? 'unknown'}`;
      let r = routes.get(key);
      if (r === undefined) routes.set(key, (r = { rows: 0, matches: 0, ms: 0 }));
      let matches = 0;
      const t0 = performance.now();
      try {
        family.matchAll(event, (member, match) => {
          matches++;
          emit(member, match);
        });
      } finally {
        const dt = performance.now() - t0;
        r.rows++;
        r.matches += matches;
        r.ms += dt;
        total.ms += dt;
      }
    },
  };
  return { detectors: set.detectors.map((d) => (d === family ? timed : d)), routes, total };
}

function analyzed(result, analyzeMs, cpuMs) {
  const byDetector = {};
  for (const a of result.alerts)
    if (a.detectorId.startsWith('sigma/')) byDetector[a.detectorId] = (byDetector[a.detectorId] ?? 0) + 1;
  return {
    rows: result.summary.eventsRead,
    analyzeMs,
    rowsPerSec: result.summary.eventsRead / (analyzeMs / 1000),
    analyzeCpuMs: cpuMs,
    rowsPerCpuSec: result.summary.eventsRead / (cpuMs / 1000),
    alerts: result.summary.alertCount,
    sigmaAlerts: Object.values(byDetector).reduce((a, b) => a + b, 0),
    sigmaRulesFiring: Object.keys(byDetector).length,
    diagnostics: result.diagnostics.length,
  };
}

function runChild(argv) {
  return new Promise((resolvePromise, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...argv], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`child ${argv.join(' ')} failed (${code})`));
      else resolvePromise(JSON.parse(line.slice(7)));
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f0 = (n) => Math.round(n).toLocaleString('en');
const ms = (n) => `${(n / 1000).toFixed(2)} s`;

/** The `routes` child's figures, one line per table and kind of device, costliest first. */
function routeLines(r) {
  const lines = [
    `family by route (one run with the family timed, ${ms(r.analyzeCpuMs)} CPU in all): ${ms(r.familyMs)} inside matchAll, emitted matches' engine work included`,
  ];
  for (const x of r.routes)
    lines.push(
      `  ${x.route.padEnd(32)} ${f0(x.rows).padStart(9)} rows ${((1000 * x.ms) / x.rows).toFixed(2).padStart(7)} µs/row ${ms(x.ms).padStart(8)} (${((100 * x.ms) / r.familyMs).toFixed(0).padStart(2)} %) ${f0(x.matches).padStart(8)} matches`,
    );
  return lines;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) return child(...args.child, args.fleet, args.minLevel);
  for (const p of ['core', 'detectors-defender', 'sigma'])
    if (!existsSync(join(ROOT, 'packages', p, 'dist', 'index.js')))
      throw new Error(`packages/${p}/dist is missing: run npm run build first`);
  if (!existsSync(args.rules)) throw new Error(`no Sigma rules at ${args.rules} (--rules DIR)`);
  const fleet = await ensureData(args, (file) => console.log(`generating ${relative(ROOT, file)} …`));
  const file = args.unique > 0 ? uniqueFleet(fleet, args.unique) : fleet;
  const load = loadavg();
  console.log(
    `Sigma benchmark: ${relative(ROOT, args.rules) || args.rules}${args.minLevel ? ` (rules at ${args.minLevel} or above)` : ''}, ${f0(args.rows)} rows${args.unique > 0 ? ` (${(100 * args.unique).toFixed(0)} % of them with values no other row has)` : ''}, ${args.repeat} round(s); node ${process.version}, ${cpus().length} CPUs, ${(totalmem() / 1e9).toFixed(1)} GB; load average ${load.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const rounds = { compile: [], base: [], sigma: [], 'cli-base': [], 'cli-sigma': [], adversarial: [] };
  // The library's children load the rules at --min-level or above; the binary loads every rule.
  const select = args.minLevel ? ['--min-level', args.minLevel] : [];
  for (let r = 0; r < args.repeat; r++) {
    rounds.compile.push(await runChild(['--child', 'compile', args.rules, ...select]));
    const order = r % 2 === 0 ? ['base', 'sigma'] : ['sigma', 'base'];
    for (const m of order)
      rounds[m].push(
        await runChild(m === 'sigma' ? ['--child', m, args.rules, '--fleet', file, ...select] : ['--child', m, file]),
      );
    if (!args.minLevel)
      for (const m of r % 2 === 0 ? ['cli-base', 'cli-sigma'] : ['cli-sigma', 'cli-base'])
        rounds[m].push(await runChild(['--child', m, file]));
    rounds.adversarial.push(await runChild(['--child', 'adversarial', args.rules, ...select]));
  }
  if (args.routes) rounds.routes = [await runChild(['--child', 'routes', args.rules, '--fleet', file, ...select])];
  const c = rounds.compile;
  const base = median(rounds.base.map((x) => x.rowsPerSec));
  const sig = median(rounds.sigma.map((x) => x.rowsPerSec));
  const baseCpu = median(rounds.base.map((x) => x.rowsPerCpuSec));
  const sigCpu = median(rounds.sigma.map((x) => x.rowsPerCpuSec));
  const baseRss = median(rounds.base.map((x) => x.maxRssBytes));
  const sigRss = median(rounds.sigma.map((x) => x.maxRssBytes));
  const baseLive = median(rounds.base.map((x) => x.liveHeapBytes));
  const sigLive = median(rounds.sigma.map((x) => x.liveHeapBytes));
  const cliBase = median(rounds['cli-base'].map((x) => x.rowsPerCpuSec));
  const cliSig = median(rounds['cli-sigma'].map((x) => x.rowsPerCpuSec));
  const cliBaseRss = median(rounds['cli-base'].map((x) => x.maxRssBytes));
  const cliSigRss = median(rounds['cli-sigma'].map((x) => x.maxRssBytes));
  const adv = rounds.adversarial;
  const first = c[0];
  const lines = [
    `rules: ${first.files} files, ${first.rules} loaded (${first.report.loaded} loaded, ${first.report.degraded} degraded, ${first.report.skipped} skipped)`,
    `compile: read ${ms(median(c.map((x) => x.readMs)))}, compileSigma ${ms(median(c.map((x) => x.compileMs)))} wall, ${ms(median(c.map((x) => x.compileCpuMs)))} CPU (target < 2 s)`,
    `fleet base : ${f0(base)} rows/s, peak RSS ${f0(baseRss / MB)} MB`,
    `fleet sigma: ${f0(sig)} rows/s, peak RSS ${f0(sigRss / MB)} MB; ${rounds.sigma[0].sigmaAlerts} Sigma alert(s) from ${rounds.sigma[0].sigmaRulesFiring} rule(s)`,
    `ratio sigma/base: ${((100 * sig) / base).toFixed(1)} % wall, ${((100 * sigCpu) / baseCpu).toFixed(1)} % per CPU second (target ≥ 75 %); peak RSS growth ${f0((sigRss - baseRss) / MB)} MB (target < 100 MB)`,
    `live heap at the end of the run (after a full collection, the result and the rules still held): base ${f0(baseLive / MB)} MB, sigma ${f0(sigLive / MB)} MB (+${f0((sigLive - baseLive) / MB)} MB); under V8's defaults old space grows to several times what stays live, so the peak growth moves with the collector from run to run and this does not`,
    ...(args.minLevel
      ? [`cli: not run with --min-level (the binary's --detectors @tripline/sigmahq loads every rule)`]
      : [
          `cli base : tripline analyze -f json, ${f0(cliBase)} rows per CPU second, peak RSS ${f0(cliBaseRss / MB)} MB; ${rounds['cli-base'][0].alerts} alert(s)`,
          `cli sigma: the same with --detectors @tripline/sigmahq, ${f0(cliSig)} rows per CPU second, peak RSS ${f0(cliSigRss / MB)} MB; ${rounds['cli-sigma'][0].alerts} alert(s)`,
          `cli ratio sigma/base: ${((100 * cliSig) / cliBase).toFixed(1)} % per CPU second (rules loading and report included); peak RSS growth ${f0((cliSigRss - cliBaseRss) / MB)} MB`,
        ]),
    `first process row (route indexes built when the rules load): ${ms(median(adv.map((x) => x.firstRowMs)))}`,
    `adversarial ${f0(adv[0].lineLength)}-unit command line (${f0(adv[0].literalPieces)} corpus literals): family ${ms(median(adv.map((x) => x.familyMs)))} wall, ${ms(median(adv.map((x) => x.familyCpuMs)))} CPU (${adv[0].familyEmitted} match(es); the same row again ${ms(median(adv.map((x) => x.familyWarmCpuMs)))} CPU); every process rule one by one ${ms(median(adv.map((x) => x.allRulesMs)))} (${adv[0].allRulesRun} rules, ${adv[0].allRulesMatched} match(es), slowest ${adv[0].slowestRule.id} ${adv[0].slowestRule.ms.toFixed(1)} ms); ${adv.reduce((a, x) => a + x.threw, 0)} error(s) (target < 1 s)`,
    ...(rounds.routes ? routeLines(rounds.routes[0]) : []),
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  ];
  for (const l of lines) console.log(l);
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(
    args.out,
    `${JSON.stringify({ args: { ...args, child: undefined }, loadBefore: load, loadAfter: loadavg(), rounds, summary: lines }, null, 2)}\n`,
  );
}

main().catch((err) => {
  console.error(err?.stack ?? String(err));
  process.exit(1);
});
