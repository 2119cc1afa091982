#!/usr/bin/env node
/**
 * `npm run bench -- --stream` (or `node bench/stream.mjs`): the soak run of the partitioned stream
 * runtime on a real broker, bounded in time and on loopback only.
 *
 *   node bench/stream.mjs [--rows 1000000] [--file bench/data/dense-1000000-d500.ndjson]
 *                         [--partitions 4] [--consumers 2] [--batch 2000] [--timeout-s 5400]
 *                         [--out bench/out/stream.json]
 *
 * It starts `nats-server -js` on a free loopback port with a temporary store, publishes the first
 * `--rows` rows of the dense fleet (bench/dense.mjs, the streaming-API rows of 500 Linux servers,
 * generated when missing) re-keyed by `DeviceId` into a stream of `--partitions` partitions (natsSink:
 * every publish acknowledged by JetStream), then starts `--consumers` consumer processes
 * (bench/stream-consumer.mjs: `runPartitioned` over `natsSource`, the Defender pack, one SQLite state
 * store per partition) that share the partitions by leases, and waits until every row is committed.
 * Printed: publish rows/s; consume rows/s overall (rows / time from the consumers' start to the last
 * commit) and per consumer (its rows / its time from its first to its last batch); peak RSS per
 * consumer. The consumers are stopped with SIGTERM (graceful) and the server killed; past
 * `--timeout-s` everything is stopped and the run fails, with the figures so far.
 *
 * It imports the BUILT packages (core, detectors-defender, state, stream): run `npm run build` first.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { denseFile } from './dense.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const args = {
    rows: 1_000_000,
    file: undefined,
    partitions: 4,
    consumers: 2,
    batch: 2000,
    timeoutS: 5400,
    out: join(ROOT, 'bench', 'out', 'stream.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--stream')
      continue; // passed through by scripts/bench.mjs
    else if (a === '--rows') args.rows = Number(value());
    else if (a === '--file') args.file = value();
    else if (a === '--partitions') args.partitions = Number(value());
    else if (a === '--consumers') args.consumers = Number(value());
    else if (a === '--batch') args.batch = Number(value());
    else if (a === '--timeout-s') args.timeoutS = Number(value());
    else if (a === '--out') args.out = value();
    else throw new Error(`unknown argument ${a}`);
  }
  for (const k of ['rows', 'partitions', 'consumers', 'batch', 'timeoutS'])
    if (!Number.isSafeInteger(args[k]) || args[k] < 1) throw new Error(`--${k} must be a positive integer`);
  return args;
}

function natsServerBinary() {
  for (const c of [process.env.TRIPLINE_NATS_SERVER, 'nats-server', '/usr/sbin/nats-server']) {
    if (c && spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0) return c;
  }
  throw new Error('nats-server not found: apt-get install nats-server (or TRIPLINE_NATS_SERVER=<path>)');
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const accepts = (port) =>
  new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (d) => done(d.toString('utf8').startsWith('INFO')));
    socket.connect(port, '127.0.0.1');
  });

async function startServer(storeDir) {
  const port = await freePort();
  const child = spawn(natsServerBinary(), ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 60_000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('nats-server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `nats://127.0.0.1:${port}`, child };
}

/** The first `rows` lines of the file, with the DeviceId of each (streaming-API rows: properties.DeviceId). */
async function* keyedRows(file, rows) {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    if (line === '') continue;
    const m = /"DeviceId":"([0-9a-f]+)"/.exec(line);
    if (!m) throw new Error(`row ${n + 1} has no DeviceId`);
    yield { key: m[1], body: line };
    if (++n >= rows) break;
  }
  if (n < rows) throw new Error(`${file} has ${n} rows, fewer than --rows ${rows}`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const data = join(ROOT, 'bench', 'data');
  const million = join(data, 'dense-1000000-d500.ndjson');
  const file =
    args.file ??
    (args.rows <= 1_000_000 && existsSync(million)
      ? million
      : (await denseFile(join(data, `dense-${args.rows}-d500.ndjson`), { rows: args.rows, devices: 500 })).path);
  if (!existsSync(file)) throw new Error(`${file} not found`);
  const { natsSink } = await import(pathToFileURL(join(ROOT, 'packages', 'stream', 'dist', 'nats', 'index.js')).href);
  const work = mkdtempSync(join(tmpdir(), 'tripline-bench-stream-'));
  const server = await startServer(join(work, 'nats'));
  const consumers = [];
  const deadline = Date.now() + args.timeoutS * 1000;
  const layout = { servers: server.url, stream: 'MDE', subjectPrefix: 'mde.part', partitions: args.partitions };
  const startLoad = loadavg();
  let failure;
  const result = { rows: args.rows, partitions: args.partitions, consumers: [], file };
  try {
    console.log(`nats-server on ${server.url}; ${args.rows} rows of ${file}`);
    const sink = natsSink({ ...layout, createStream: true });
    const t0 = performance.now();
    let chunk = [];
    let published = 0;
    for await (const record of keyedRows(file, args.rows)) {
      chunk.push(record);
      if (chunk.length === 5000) {
        await sink.publish(chunk);
        published += chunk.length;
        chunk = [];
        if (Date.now() > deadline) throw new Error(`--timeout-s reached while publishing (${published} rows)`);
      }
    }
    await sink.publish(chunk);
    await sink.close();
    result.publishSeconds = (performance.now() - t0) / 1000;
    result.publishRowsPerSecond = Math.round(args.rows / result.publishSeconds);
    console.log(
      `published ${args.rows} rows in ${result.publishSeconds.toFixed(1)} s (${result.publishRowsPerSecond} rows/s)`,
    );

    const c0 = performance.now();
    for (let i = 0; i < args.consumers; i++) {
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'bench', 'stream-consumer.mjs'),
          JSON.stringify({
            ...layout,
            consumer: 'bench',
            member: `c${i}`,
            batch: args.batch,
            state: join(work, 'state'),
          }),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const c = { name: `c${i}`, child, rows: 0, first: undefined, last: undefined, final: undefined };
      createInterface({ input: child.stdout }).on('line', (line) => {
        const msg = JSON.parse(line);
        if (msg.type === 'batch') {
          c.rows = msg.rows;
          c.first ??= msg.at;
          c.last = msg.at;
        } else if (msg.type === 'final') c.final = msg;
      });
      c.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      consumers.push(c);
    }
    let lastPrint = 0;
    while (consumers.reduce((n, c) => n + c.rows, 0) < args.rows) {
      if (Date.now() > deadline) throw new Error('--timeout-s reached while consuming');
      for (const c of consumers)
        if (c.child.exitCode !== null) throw new Error(`consumer ${c.name} exited early (${c.child.exitCode})`);
      if (performance.now() - lastPrint > 30_000) {
        lastPrint = performance.now();
        console.log(`  consumed ${consumers.map((c) => `${c.name} ${c.rows}`).join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    result.consumeSeconds = (performance.now() - c0) / 1000;
    result.consumeRowsPerSecond = Math.round(args.rows / result.consumeSeconds);
  } catch (error) {
    failure = error;
  } finally {
    for (const c of consumers) c.child.kill('SIGTERM');
    for (const c of consumers) {
      const exit = await Promise.race([c.exited, new Promise((r) => setTimeout(() => r(undefined), 120_000))]);
      if (!exit) c.child.kill('SIGKILL');
      const seconds = c.first === undefined ? 0 : (c.last - c.first) / 1000;
      result.consumers.push({
        name: c.name,
        rows: c.rows,
        rowsPerSecond: seconds > 0 ? Math.round(c.rows / seconds) : undefined,
        peakRssMB: c.final ? Math.round(c.final.maxRssKB / 1000) : undefined,
        partitions: c.final?.partitions,
        exit: exit ?? 'killed after 120 s',
      });
    }
    server.child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
  result.load = { start: startLoad.map((x) => x.toFixed(2)), end: loadavg().map((x) => x.toFixed(2)) };
  result.machine = { cpus: cpus().length, memoryGB: Math.round(totalmem() / 1e9) };
  console.log(
    `consumed ${result.consumers.reduce((n, c) => n + c.rows, 0)} of ${args.rows} rows` +
      (result.consumeSeconds
        ? ` in ${result.consumeSeconds.toFixed(1)} s: ${result.consumeRowsPerSecond} rows/s overall`
        : ''),
  );
  for (const c of result.consumers)
    console.log(
      `  ${c.name}: ${c.rows} rows, ${c.rowsPerSecond ?? '-'} rows/s, peak RSS ${c.peakRssMB ?? '-'} MB, partitions ${c.partitions?.join(',') ?? '-'}`,
    );
  console.log(
    `load average ${result.load.start.join(' ')} at the start, ${result.load.end.join(' ')} at the end; ${result.machine.cpus} CPUs`,
  );
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify({ ...result, failure: failure?.message }, null, 2)}\n`);
  if (failure) {
    console.error(`bench stream: ${failure.message}`);
    process.exitCode = 1;
  }
}

await main();
