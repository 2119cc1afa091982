#!/usr/bin/env node
/**
 * `npm run bench -- --state-stores` (or `node bench/state-stores.mjs`): what keeping state between batches costs a
 * bot with many open alerts, per store.
 *
 *   node bench/state-stores.mjs [--alerts 10000] [--repeat 3] [--stores memory,json-file,json-file-gz,sqlite]
 *                        [--out bench/out/state-stores.json]
 *
 * For each store and round, on a fresh location: a first batch writes N open alerts (an `alerts`
 * lifecycle record and a `groups` record each, shaped like the engine's and the lifecycle's records:
 * a group keeps 5 evidence events of a DeviceProcessEvents row and a window timeline), then the
 * store is closed. Then one batch as a bot runs it: **load** (open, read every group and alert
 * record) and **save** (one write that upserts all N alerts and groups, with their revision and
 * count moved on, plus an outbox entry for one alert in ten), then close. Printed, the median of the
 * rounds: load ms, save ms, ms per alert upsert (save / N; target < 1 ms) and the bytes on disk per
 * open alert (target < 2 KB). Stores take turns inside each round, so the machine's load hits them alike.
 *
 * It imports the BUILT packages (packages/core/dist, packages/state/dist): run `npm run build` first.
 */
import { createHash } from 'node:crypto';
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
  const args = { alerts: 10_000, repeat: 3, stores: STORES, out: join(ROOT, 'bench', 'out', 'state-stores.json') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--state')
      continue; // passed through by scripts/bench.mjs
    else if (a === '--alerts') args.alerts = Number(value());
    else if (a === '--repeat') args.repeat = Number(value());
    else if (a === '--stores') args.stores = value().split(',');
    else if (a === '--out') args.out = value();
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isSafeInteger(args.alerts) || args.alerts < 1) throw new Error('--alerts must be a positive integer');
  if (!Number.isSafeInteger(args.repeat) || args.repeat < 1) throw new Error('--repeat must be a positive integer');
  for (const s of args.stores) if (!STORES.includes(s)) throw new Error(`unknown store ${s} (${STORES.join(', ')})`);
  return args;
}

/** A deterministic hex id (what alert ids and DeviceIds look like), from a counter. */
function hex(n, length) {
  return createHash('sha256').update(String(n)).digest('hex').slice(0, length);
}

const DETECTORS = [
  'defender/lsass-access',
  'defender/encoded-powershell',
  'defender/brute-force-logon',
  'defender/suspicious-scheduled-task',
  'defender/office-spawns-shell',
];

function instant(ms) {
  return new Date(Date.UTC(2024, 9, 9, 10, 0, 0) + ms).toISOString();
}

/** One DeviceProcessEvents row as the engine's evidence keeps it (declared columns), encoded as in engine-state. */
function evidenceEvent(alert, j) {
  const device = `ws-fin-${String(alert % 500).padStart(3, '0')}.contoso.local`;
  return [
    'DeviceProcessEvents',
    {
      Timestamp: instant(alert * 1000 + j * 7),
      DeviceId: hex(alert % 500, 40),
      DeviceName: device,
      ActionType: 'ProcessCreated',
      ReportId: String(639199803770463703n + BigInt(alert * 10 + j)),
      FileName: 'powershell.exe',
      ProcessCommandLine: `powershell.exe -NoProfile -ExecutionPolicy Bypass -EncodedCommand ${hex(alert * 10 + j, 64)}`,
      AccountName: 'svc-backup',
      InitiatingProcessFileName: 'winword.exe',
    },
    `PT1H-${String(alert % 24).padStart(2, '0')}.json`,
    alert * 10 + j,
  ];
}

/** The `groups` record of one alert (the engine's GroupRecord: detector, device, key, count, span, sample, timeline). */
function groupRecord(alert, batch) {
  const n = 5 + batch * 3;
  return {
    d: DETECTORS[alert % DETECTORS.length],
    v: hex(alert % 500, 40),
    k: `CONTOSO\\svc-backup|${hex(alert, 12)}`,
    n,
    s: batch === 0 ? 'high' : 'critical',
    sp: [instant(alert * 1000), instant(alert * 1000 + n * 7)],
    e: Array.from({ length: 5 }, (_, j) => evidenceEvent(alert, j)),
    tl: Array.from({ length: Math.min(n, 8) }, (_, j) => [j === 0 ? 0 : 7, 0]),
  };
}

/** The `alerts` record of one alert (the lifecycle's AlertRecord). */
function alertRecord(alert, batch) {
  const g = groupRecord(alert, batch);
  return {
    id: hex(alert, 16),
    stream: 'eventhub/partition-3',
    detector: g.d,
    device: g.v,
    deviceName: `ws-fin-${String(alert % 500).padStart(3, '0')}.contoso.local`,
    key: g.k,
    title: 'Encoded PowerShell started by an Office application',
    severity: g.s,
    count: g.n,
    firstSeen: g.sp[0],
    lastSeen: g.sp[1],
    status: 'active',
    revision: batch + 1,
    lastEvidenceAt: instant(3_600_000 * (batch + 1)),
    lastNotifiedAt: instant(3_600_000),
    notifiedRevision: 1,
    handledBy: null,
  };
}

function batchWrite(alerts, batch) {
  const put = [];
  const outbox = [];
  for (let i = 0; i < alerts; i++) {
    const key = JSON.stringify(['eventhub/partition-3', hex(i, 16)]);
    put.push({ ns: 'groups', key, value: groupRecord(i, batch) });
    put.push({ ns: 'alerts', key: hex(i, 16), value: alertRecord(i, batch) });
    if (i % 10 === 0)
      outbox.push({
        key: `${hex(i, 16)}:${batch + 1}`,
        payload: { kind: batch === 0 ? 'new' : 'escalated', alertId: hex(i, 16), revision: batch + 1 },
        queuedAt: instant(3_600_000 * (batch + 1)),
      });
  }
  return { put, outbox };
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
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.versions.node}; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(`state: ${args.alerts} open alerts (a group and an alert record each), ${args.repeat} rounds`);
  const first = batchWrite(args.alerts, 0);
  const second = batchWrite(args.alerts, 1);
  const results = Object.fromEntries(args.stores.map((s) => [s, { load: [], save: [], bytes: [], driver: undefined }]));
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
        const groups = await store.read('groups');
        const alerts = await store.read('alerts');
        const t1 = performance.now();
        await store.write(second);
        const t2 = performance.now();
        if (groups.size !== args.alerts || alerts.size !== args.alerts)
          throw new Error(`${name}: loaded ${groups.size} groups and ${alerts.size} alerts, not ${args.alerts}`);
        if (store.driver !== undefined) results[name].driver = store.driver;
        await store.close();
        const r = results[name];
        r.load.push(t1 - t0);
        r.save.push(t2 - t1);
        r.bytes.push(name === 'memory' ? Number.NaN : bytesOf(dir));
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
      msPerUpsert: save / args.alerts,
      bytesPerAlert: Number.isNaN(bytes) ? null : bytes / args.alerts,
      rounds: { load: r.load, save: r.save, bytes: r.bytes.map((b) => (Number.isNaN(b) ? null : b)) },
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
  const targets = rows.flatMap((r) => [
    {
      target: `${r.store}: < ${TARGET_MS_PER_UPSERT} ms per alert upsert`,
      value: r.msPerUpsert,
      met: r.msPerUpsert < TARGET_MS_PER_UPSERT,
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
    `${JSON.stringify({ alerts: args.alerts, repeat: args.repeat, node: process.versions.node, loadavg: loadavg(), rows, targets }, null, 2)}\n`,
  );
  console.log(`\nwrote ${args.out}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
