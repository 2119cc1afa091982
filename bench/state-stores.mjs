#!/usr/bin/env node
/**
 * `npm run bench -- --state-stores` (or `node bench/state-stores.mjs`): what keeping state between
 * batches costs a bot with many open alerts, per store.
 *
 *   node bench/state-stores.mjs [--rows 100000] [--devices 500] [--repeat 3] [--next 20000]
 *                               [--stores memory,json-file,json-file-gz,sqlite] [--out bench/out/state-stores.json]
 *
 * The records are the real ones: `--rows` rows of the dense fleet (bench/dense.mjs; about 10,500
 * alerts per 100,000 rows) go through one analyzer of the Defender pack with state, whose `commit()`
 * writes the engine's records (groups, devices, duplicate window, sources, meta), the lifecycle
 * record of every alert and a notification for each into a memory store. Then, for each store and
 * round, on a fresh location: that state is written once (the first batch), the store closed; and a
 * batch as a bot runs it is timed: **load** (open, read every namespace and the outbox) and **save**
 * (one write that upserts every record again, marks the first batch's notifications delivered and
 * queues a notification for one alert in ten), then close. Printed, the median of the rounds: load ms, save ms, ms per alert upsert (save / open
 * alerts) and the bytes on disk per open alert (target < 2 KB): the files after `close()`, which
 * checkpoints SQLite's WAL into the database (a `-wal` or `-shm` file left would be counted).
 *
 * Then the **whole cycle of a bot** on each store, the encoding included: a fresh analyzer loads the
 * state (`ready()`: open, read, inflate), reads the next batch (`--next` rows of the fleet an hour
 * later; not counted), builds the engine's write (every touched group, device and dedupe record
 * serialised and deflated: `engineStateWrite`, timed on its own), finishes (lifecycle records) and
 * commits (`commit()`: the lifecycle's records encoded and everything written in one transaction).
 * ms per upsert = (engine encoding + commit) / records upserted (target < 1 ms), in wall time and in
 * this process's CPU time (user + system; on a loaded machine the wall time mostly waits for a core).
 * Stores take turns inside each round, so the machine's load hits them alike.
 *
 * It imports the BUILT packages (core, detectors-defender, state): run `npm run build` first.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (pkg) => pathToFileURL(join(ROOT, 'packages', pkg, 'dist', 'index.js')).href;
const STORES = ['memory', 'json-file', 'json-file-gz', 'sqlite'];
const TARGET_MS_PER_UPSERT = 1;
const TARGET_BYTES_PER_ALERT = 2048;

function parseArgs(argv) {
  const args = {
    rows: 100_000,
    devices: 500,
    repeat: 3,
    next: 20_000,
    stores: STORES,
    out: join(ROOT, 'bench', 'out', 'state-stores.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--state-stores')
      continue; // passed through by scripts/bench.mjs
    else if (a === '--rows') args.rows = Number(value());
    else if (a === '--devices') args.devices = Number(value());
    else if (a === '--repeat') args.repeat = Number(value());
    else if (a === '--next') args.next = Number(value());
    else if (a === '--stores') args.stores = value().split(',');
    else if (a === '--out') args.out = value();
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isSafeInteger(args.rows) || args.rows < 1) throw new Error('--rows must be a positive integer');
  if (!Number.isSafeInteger(args.devices) || args.devices < 1) throw new Error('--devices must be a positive integer');
  if (!Number.isSafeInteger(args.repeat) || args.repeat < 1) throw new Error('--repeat must be a positive integer');
  for (const s of args.stores) if (!STORES.includes(s)) throw new Error(`unknown store ${s} (${STORES.join(', ')})`);
  return args;
}

/** The state of one batch of the dense fleet, as the analyzer commits it (every namespace, and the outbox). */
async function realState(core, detectors, args) {
  const { denseLines } = await import('./dense.mjs');
  const store = core.memoryStateStore();
  await store.open();
  const analyzer = core.createAnalyzer({ detectors, state: { store }, generatedAt: '2026-01-01T00:00:00Z' });
  await analyzer.ready();
  await analyzer.push(
    core.fromString([...denseLines({ rows: args.rows, devices: args.devices })].join('\n'), 'batch-0.ndjson'),
  );
  const result = analyzer.finish();
  await analyzer.commit();
  const put = [];
  const counts = {};
  for (const ns of core.STATE_NAMESPACES) {
    const records = await store.read(ns);
    counts[ns] = records.size;
    for (const [key, value] of records) put.push({ ns, key, value });
  }
  const outbox = await store.outbox();
  const alertIds = [...(await store.read('alerts')).keys()];
  // The next batch: the bot delivered the first batch's notifications; every record upserted (a long
  // batch touches them all), a notification for one alert in ten.
  const next = {
    put,
    delivered: outbox.map((o) => o.key),
    outbox: alertIds
      .filter((_, i) => i % 10 === 0)
      .map((id) => ({
        key: `${id}:bench`,
        payload: { kind: 'updated', alertId: id },
        queuedAt: '2026-01-01T01:00:00.000Z',
      })),
  };
  return { first: { put, outbox }, next, alerts: alertIds.length, resultAlerts: result.alerts.length, counts };
}

/**
 * One batch as a bot runs it, on the state the store holds: load, analyse the next batch, build the
 * engine's write (timed alone: the encoding), finish, commit. `dir`: where the store's files are (null:
 * memory).
 */
async function cycle(core, unstable, detectors, make, text, dir) {
  const t0 = performance.now();
  const store = make();
  await store.open();
  const analyzer = core.createAnalyzer({ detectors, state: { store }, generatedAt: '2026-01-01T00:00:00Z' });
  await analyzer.ready();
  const t1 = performance.now();
  await analyzer.push(core.fromString(text, 'batch-1.ndjson'));
  const t2 = performance.now();
  const cpu = (u) => (u.user + u.system) / 1000;
  const c2 = process.cpuUsage();
  const engine = unstable.engineStateWrite(analyzer);
  const t3 = performance.now();
  const encodeCpu = cpu(process.cpuUsage(c2));
  const result = analyzer.finish();
  const t4 = performance.now();
  const c4 = process.cpuUsage();
  await analyzer.commit();
  const t5 = performance.now();
  const commitCpu = cpu(process.cpuUsage(c4));
  await store.close();
  const lifecycle = result.changes.length;
  return {
    load: t1 - t0,
    analyse: t2 - t1,
    encode: t3 - t2,
    finish: t4 - t3,
    commit: t5 - t4,
    encodeCpu,
    commitCpu,
    upserts: (engine.put?.length ?? 0) + lifecycle,
    groups: engine.put?.filter((p) => p.ns === 'groups').length ?? 0,
    openAlerts: result.alerts.length,
    bytes: dir === null ? null : bytesOf(dir),
  };
}

function bytesOf(dir) {
  let total = 0;
  for (const name of readdirSync(dir)) total += statSync(join(dir, name)).size;
  return total;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const core = await import(dist('core'));
  const state = await import(dist('state'));
  const { defenderDetectors } = await import(dist('detectors-defender'));
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.versions.node}; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const t = performance.now();
  const real = await realState(core, defenderDetectors, args);
  const { first, next: second, alerts: openAlerts } = real;
  const records = Object.entries(real.counts)
    .map(([ns, n]) => `${ns} ${n}`)
    .join(', ');
  console.log(
    `state of ${args.rows} dense-fleet rows (${args.devices} devices), analysed and committed in ${((performance.now() - t) / 1000).toFixed(1)} s: ${openAlerts} open alerts; records: ${records}; outbox ${first.outbox.length}; ${args.repeat} rounds`,
  );
  const unstable = await import(pathToFileURL(join(ROOT, 'packages', 'core', 'dist', 'unstable.js')).href);
  const { denseLines } = await import('./dense.mjs');
  const nextText = [...denseLines({ rows: args.next, devices: args.devices, start: '2025-11-07T01:00:00Z' })].join(
    '\n',
  );
  const results = Object.fromEntries(
    args.stores.map((s) => [s, { load: [], save: [], bytes: [], driver: undefined, cycle: [] }]),
  );
  const memories = {};
  for (let round = 0; round < args.repeat; round++) {
    for (const name of args.stores) {
      const dir = mkdtempSync(join(tmpdir(), `tripline-bench-state-${name}-`));
      try {
        const make = () =>
          name === 'memory'
            ? (memories[round] ??= core.memoryStateStore())
            : name === 'json-file'
              ? state.jsonFileStateStore(join(dir, 'state.json'))
              : name === 'json-file-gz'
                ? state.jsonFileStateStore(join(dir, 'state.json.gz'))
                : state.sqliteStateStore(join(dir, 'state.db'));
        const setup = make();
        await setup.open();
        await setup.write(first);
        await setup.close();

        const t0 = performance.now();
        const store = make();
        await store.open();
        let loaded = 0;
        for (const ns of core.STATE_NAMESPACES) loaded += (await store.read(ns)).size;
        const queued = (await store.outbox()).length;
        const t1 = performance.now();
        await store.write(second);
        const t2 = performance.now();
        if (loaded !== first.put.length || queued !== first.outbox.length)
          throw new Error(
            `${name}: loaded ${loaded} records and ${queued} notifications, not ${first.put.length} and ${first.outbox.length}`,
          );
        if (store.driver !== undefined) results[name].driver = store.driver;
        await store.close();
        const r = results[name];
        r.load.push(t1 - t0);
        r.save.push(t2 - t1);
        r.bytes.push(name === 'memory' ? Number.NaN : bytesOf(dir));
        r.cycle.push(await cycle(core, unstable, defenderDetectors, make, nextText, name === 'memory' ? null : dir));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const rows = args.stores.map((name) => {
    const r = results[name];
    const save = median(r.save);
    const bytes = median(r.bytes);
    return {
      store: name === 'sqlite' && r.driver ? `sqlite (${r.driver})` : name,
      loadMs: median(r.load),
      saveMs: save,
      msPerUpsert: save / openAlerts,
      bytesPerAlert: Number.isNaN(bytes) ? null : bytes / openAlerts,
      rounds: { load: r.load, save: r.save, bytes: r.bytes.map((b) => (Number.isNaN(b) ? null : b)) },
    };
  });
  const cycles = args.stores.map((name) => {
    const list = results[name].cycle;
    const m = (k) => median(list.map((c) => c[k]));
    const upserts = m('upserts');
    return {
      store: rows.find((r) => r.store.startsWith(name))?.store ?? name,
      loadMs: m('load'),
      analyseMs: m('analyse'),
      encodeMs: m('encode'),
      finishMs: m('finish'),
      commitMs: m('commit'),
      upserts,
      openAlerts: m('openAlerts'),
      msPerUpsert: (m('encode') + m('commit')) / upserts,
      cpuMsPerUpsert: (m('encodeCpu') + m('commitCpu')) / upserts,
      bytesPerAlert: list[0].bytes === null ? null : m('bytes') / m('openAlerts'),
      rounds: list,
    };
  });
  const pad = (s, n) => String(s).padEnd(n);
  const padl = (s, n) => String(s).padStart(n);
  console.log(
    `\n${pad('store', 24)}${padl('load ms', 10)}${padl('save ms', 10)}${padl('ms/upsert', 11)}${padl('bytes/alert', 13)}`,
  );
  for (const r of rows)
    console.log(
      `${pad(r.store, 24)}${padl(r.loadMs.toFixed(0), 10)}${padl(r.saveMs.toFixed(0), 10)}${padl(r.msPerUpsert.toFixed(3), 11)}${padl(r.bytesPerAlert === null ? '-' : r.bytesPerAlert.toFixed(0), 13)}`,
    );
  console.log(
    `\nwhole cycle of the next batch (${args.next} rows): load = open + ready(); encode = the engine's write built (serialised, deflated); commit = lifecycle records encoded + one store write`,
  );
  console.log(
    `${pad('store', 24)}${padl('load ms', 10)}${padl('analyse ms', 12)}${padl('encode ms', 11)}${padl('finish ms', 11)}${padl('commit ms', 11)}${padl('upserts', 9)}${padl('ms/upsert', 11)}${padl('cpu ms/ups', 12)}${padl('bytes/alert', 13)}`,
  );
  for (const c of cycles)
    console.log(
      `${pad(c.store, 24)}${padl(c.loadMs.toFixed(0), 10)}${padl(c.analyseMs.toFixed(0), 12)}${padl(c.encodeMs.toFixed(0), 11)}${padl(c.finishMs.toFixed(0), 11)}${padl(c.commitMs.toFixed(0), 11)}${padl(c.upserts, 9)}${padl(c.msPerUpsert.toFixed(3), 11)}${padl(c.cpuMsPerUpsert.toFixed(3), 12)}${padl(c.bytesPerAlert === null ? '-' : c.bytesPerAlert.toFixed(0), 13)}`,
    );
  const targets = rows.flatMap((r, i) => [
    {
      target: `${r.store}: < ${TARGET_MS_PER_UPSERT} ms per upsert, encoding included (whole cycle, wall time)`,
      value: cycles[i].msPerUpsert,
      met: cycles[i].msPerUpsert < TARGET_MS_PER_UPSERT,
    },
    {
      target: `${r.store}: < ${TARGET_MS_PER_UPSERT} ms per upsert, encoding included (whole cycle, CPU time)`,
      value: cycles[i].cpuMsPerUpsert,
      met: cycles[i].cpuMsPerUpsert < TARGET_MS_PER_UPSERT,
    },
    ...(r.bytesPerAlert === null
      ? []
      : [
          {
            target: `${r.store}: < ${TARGET_BYTES_PER_ALERT} bytes per open alert`,
            value: r.bytesPerAlert,
            met: r.bytesPerAlert < TARGET_BYTES_PER_ALERT,
          },
        ]),
  ]);
  console.log('\ntargets:');
  for (const t of targets) console.log(`  ${t.met ? 'met    ' : 'MISSED '} ${t.target} (${t.value.toFixed(3)})`);
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(
    args.out,
    `${JSON.stringify({ inputRows: args.rows, devices: args.devices, openAlerts, records: real.counts, repeat: args.repeat, next: args.next, node: process.versions.node, loadavg: loadavg(), rows, cycles, targets }, null, 2)}\n`,
  );
  console.log(`\nwrote ${args.out}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
