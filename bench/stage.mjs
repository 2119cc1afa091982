/**
 * One benchmark stage, run in its own process by `scripts/bench.mjs` so that peak RSS is the stage's
 * own: `node --expose-gc bench/stage.mjs <stage> <file>`. Prints one JSON line (prefixed `RESULT `).
 *
 * Stages:
 * - `floor`     read the file (fs stream), split lines on newline bytes, decode and `JSON.parse` each
 *               line — no tripline code;
 * - `floor-text` the same done the textbook way (chunks decoded to text, then split): for comparison;
 * - `ingest`    core `ingest(fromFile(f), countingSink)`: format detection, line splitting, exact
 *               JSON, table from `category`, normalisation into `MdeEvent`s;
 * - `analyze`   `analyze(fromFile(f), { detectors: defenderDetectors })`: all of the above plus
 *               routing, every Defender detector, grouping, device state, correlation;
 * - `analyze-noop`       as `analyze`, plus 50 no-op detectors subscribed to a table the stream
 *                        does not contain (DeviceImageLoadEvents): routing must make them free;
 * - `analyze-subscribed` as `analyze`, plus 50 no-op detectors subscribed to DeviceProcessEvents
 *                        (the busiest table): what a subscribed detector costs per row;
 * - `report`    `analyze` plus the three reporters: `stringifyReport`, `renderMarkdown`,
 *               `stringifySarif(toSarif(result))`.
 * - `lib-json`, `lib-markdown`, `lib-sarif`: the library as a user calls it: `analyze`, then the
 *               report written to a file (streamed from the format's chunk generator where the build
 *               has one, else the string function and one write);
 * - `cli-json`, `cli-markdown`, `cli-sarif`: the `tripline` binary (`packages/cli/dist/cli.js`) in
 *               this process: `tripline analyze <file> --format F --no-progress --output <tmp>`,
 *               so that peak RSS is the CLI's own.
 * - `cli-json-w2`, `cli-markdown-w2`, `cli-sarif-w2`: the same with `--workers 2` (peak RSS and CPU
 *               are the process's: the worker threads included).
 * - `analyze-w2`, `lib-json-w2` (any `-wN` of `analyze` and `lib-FORMAT`): the library with
 *               `workers: { count: N }`, the calling thread and N - 1 worker threads each analysing
 *               the devices of its shard (CPU and peak RSS of the whole process).
 */
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runBinary } from './run-binary.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** `scripts/bench.mjs --snapshot` points this at a private copy of the built packages. */
const PACKAGES_ROOT = process.env.TRIPLINE_BENCH_PACKAGES ?? join(ROOT, 'packages');
const dist = (pkg, entry = 'index') => pathToFileURL(join(PACKAGES_ROOT, pkg, 'dist', `${entry}.js`)).href;

/** Fixed so that report bytes are comparable between runs. */
const GENERATED_AT = '2025-11-07T12:00:00.000Z';
const NOOP_COUNT = 50;
const FORMATS = { json: 'json', markdown: 'markdown', sarif: 'sarif' };

const [stage, file] = process.argv.slice(2);
if (!stage || !file) {
  console.error(
    'usage: node --expose-gc bench/stage.mjs <floor|floor-text|ingest|analyze[-wN]|analyze-noop|analyze-subscribed|report|lib-FORMAT[-wN]|cli-FORMAT[-wN]> <file>',
  );
  process.exit(2);
}

/** Counts calls so the bench can show that routing never called an unsubscribed detector. */
const noopCalls = { count: 0 };

function noopDetectors(core, table) {
  const out = [];
  for (let i = 0; i < NOOP_COUNT; i++) {
    out.push(
      core.defineDetector({
        meta: {
          id: `bench/noop-${String(i).padStart(2, '0')}`,
          title: `No-op detector ${i}`,
          summary: 'Benchmark detector: matches nothing.',
          rationale: 'Measures the cost of routing to detectors that do nothing.',
          severity: 'informational',
          category: 'Benchmark',
          mitre: [],
          tables: [table],
          messages: { default: { title: 'never', description: 'never', riskAssessment: 'never' } },
        },
        match() {
          noopCalls.count++;
          return undefined;
        },
        render() {
          return undefined;
        },
      }),
    );
  }
  return out;
}

/**
 * The floor: the least work that reads this input — newline bytes found in each chunk, each line
 * decoded on its own and given to `JSON.parse`. (Decoding whole chunks first is slower: see
 * `floorText`.)
 */
async function floor(path) {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  let carry;
  let rows = 0;
  let keys = 0;
  const line = (buf, start, end) => {
    const stop = end > start && buf[end - 1] === 0x0d ? end - 1 : end;
    if (stop === start) return;
    const v = JSON.parse(buf.toString('utf8', start, stop));
    rows++;
    if (v.properties) keys += 1; // touch the result so the parse cannot be optimised away
  };
  for await (let chunk of stream) {
    if (carry !== undefined) {
      chunk = Buffer.concat([carry, chunk]);
      carry = undefined;
    }
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) break;
      line(chunk, start, nl);
      start = nl + 1;
    }
    if (start < chunk.length) carry = chunk.subarray(start);
  }
  if (carry !== undefined) line(carry, 0, carry.length);
  return { rows, extra: { withProperties: keys } };
}

/**
 * The textbook way to read NDJSON in Node, for comparison: decode each 256 KiB chunk with a
 * `StringDecoder`, split the text on `\n`, `JSON.parse` each line. One non-ASCII character makes
 * a chunk (and every line sliced from it) a two-byte string, which costs both decoding and parsing.
 */
async function floorText(path) {
  const decoder = new StringDecoder('utf8');
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  let rest = '';
  let rows = 0;
  let keys = 0;
  const line = (text) => {
    const end = text.charCodeAt(text.length - 1) === 0x0d ? text.length - 1 : text.length;
    if (end === 0) return;
    const v = JSON.parse(end === text.length ? text : text.slice(0, end));
    rows++;
    if (v.properties) keys += 1;
  };
  for await (const chunk of stream) {
    const text = rest + decoder.write(chunk);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      line(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest.length) line(rest);
  return { rows, extra: { withProperties: keys } };
}

/**
 * The report of `result` in `format` written to `path` as a library user writes it: streamed chunk by
 * chunk (with back-pressure) where the build has the chunk generators, else the string function and
 * one write. Its bytes, and whether it was streamed.
 */
async function writeLibraryReport(core, markdown, sarif, result, format, path) {
  const chunks =
    format === 'json'
      ? core.jsonReportChunks?.(result)
      : format === 'markdown'
        ? markdown.markdownChunks?.(result)
        : sarif.sarifChunks?.(result);
  if (chunks) {
    const { createWriteStream } = await import('node:fs');
    const stream = createWriteStream(path);
    for (const chunk of chunks) if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve));
    await new Promise((resolve, reject) => stream.end((err) => (err ? reject(err) : resolve())));
  } else {
    const text =
      format === 'json'
        ? core.stringifyReport(result)
        : format === 'markdown'
          ? markdown.renderMarkdown(result)
          : sarif.stringifySarif(sarif.toSarif(result));
    writeFileSync(path, text);
  }
  return { bytes: statSync(path).size, streamed: chunks !== undefined };
}

async function main() {
  const bytes = statSync(file).size;
  const needCore = stage !== 'floor' && stage !== 'floor-text';
  // `analyze-wN`, `lib-FORMAT-wN`, `cli-FORMAT-wN`: the same with N threads (the analysis sharded by device).
  const [libName, libWorkers] = stage.startsWith('lib-') ? stage.slice(4).split('-w') : [];
  const libFormat = libName !== undefined ? FORMATS[libName] : undefined;
  const analyzeWorkers = /^analyze-w\d+$/.test(stage) ? stage.slice('analyze-w'.length) : libWorkers;
  const [cliName, cliWorkers] = stage.startsWith('cli-') ? stage.slice(4).split('-w') : [];
  const cliFormat = cliName !== undefined ? FORMATS[cliName] : undefined;
  if ((stage.startsWith('lib-') && !libFormat) || (stage.startsWith('cli-') && !cliFormat))
    throw new Error(`unknown stage ${stage}`);
  const core = needCore && !cliFormat ? await import(dist('core')) : undefined;
  const defender =
    stage.startsWith('analyze') || stage === 'report' || libFormat
      ? await import(dist('detectors-defender'))
      : undefined;
  const markdown = stage === 'report' || libFormat === 'markdown' ? await import(dist('reporter-markdown')) : undefined;
  const sarif = stage === 'report' || libFormat === 'sarif' ? await import(dist('reporter-sarif')) : undefined;
  const scratch = libFormat || cliFormat ? mkdtempSync(join(tmpdir(), 'tripline-bench-')) : undefined;

  let detectors;
  if (defender) {
    detectors = [...defender.defenderDetectors];
    if (stage === 'analyze-noop') detectors.push(...noopDetectors(core, 'DeviceImageLoadEvents'));
    if (stage === 'analyze-subscribed') detectors.push(...noopDetectors(core, 'DeviceProcessEvents'));
  }

  globalThis.gc?.();
  const rssAfterImport = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rows = 0;
  let extra = {};
  let retained;

  if (cliFormat) {
    // The binary itself (dist/cli.js: what `tripline` runs, process settings included), with this
    // argv; its stderr (the summary line) is kept to count rows and alerts.
    const out = join(scratch, `report.${cliFormat}`);
    const argv = ['analyze', file, '--format', cliFormat, '--no-progress', '--output', out];
    if (cliWorkers !== undefined) argv.push('--workers', cliWorkers);
    const run = await runBinary(dist('cli', 'cli'), argv);
    rows = run.rows;
    extra = { alerts: run.alerts, reportBytes: statSync(out).size };
  } else if (stage === 'floor') {
    ({ rows, extra } = await floor(file));
  } else if (stage === 'floor-text') {
    ({ rows, extra } = await floorText(file));
  } else if (stage === 'ingest') {
    let events = 0;
    let rejected = 0;
    // `ingest` is on @tripline/core/unstable (on the root entry in builds before it, as in older snapshots).
    const ingest = core.ingest ?? (await import(dist('core', 'unstable'))).ingest;
    const stats = await ingest(core.fromFile(file), {
      event() {
        events++;
      },
      rejected() {
        rejected++;
      },
    });
    rows = stats.rowsRead;
    extra = { events, rejected, format: stats.format };
  } else {
    const tA = performance.now();
    const result = await core.analyze(core.fromFile(file), {
      detectors,
      generatedAt: GENERATED_AT,
      // Each worker thread imports the same set: the Defender preset, from the build under test.
      ...(analyzeWorkers !== undefined
        ? { workers: { count: Number(analyzeWorkers), detectors: dist('detectors-defender') } }
        : {}),
    });
    const analyzeMs = performance.now() - tA;
    rows = result.summary.eventsRead;
    if (analyzeWorkers !== undefined) extra.workers = Number(analyzeWorkers);
    retained = result;
    extra = {
      ...extra,
      detectors: detectors.length,
      eventsAnalyzed: result.summary.eventsAnalyzed,
      eventsRejected: result.summary.eventsRejected,
      duplicateEvents: result.summary.duplicateEvents,
      alerts: result.summary.alertCount,
      devices: result.summary.devices,
      bySeverity: result.summary.bySeverity,
      alertsByDetector: Object.fromEntries(
        Object.entries(
          result.alerts.reduce((acc, a) => {
            acc[a.detectorId] = (acc[a.detectorId] ?? 0) + 1;
            return acc;
          }, {}),
        ).sort(),
      ),
      diagnostics: result.diagnostics.length,
      analyzeMs,
    };
    if (stage === 'analyze-noop' || stage === 'analyze-subscribed') extra.noopMatchCalls = noopCalls.count;
    if (libFormat) {
      const out = join(scratch, `report.${libFormat}`);
      const t1 = performance.now();
      const written = await writeLibraryReport(core, markdown, sarif, result, libFormat, out);
      extra.reportMs = performance.now() - t1;
      extra.reportBytes = written.bytes;
      extra.streamed = written.streamed;
    }
    if (stage === 'report') {
      const t1 = performance.now();
      const json = core.stringifyReport(result);
      const t2 = performance.now();
      const md = markdown.renderMarkdown(result);
      const t3 = performance.now();
      const sf = sarif.stringifySarif(sarif.toSarif(result));
      const t4 = performance.now();
      extra.reporters = {
        jsonMs: t2 - t1,
        markdownMs: t3 - t2,
        sarifMs: t4 - t3,
        jsonBytes: Buffer.byteLength(json),
        markdownBytes: Buffer.byteLength(md),
        sarifBytes: Buffer.byteLength(sf),
      };
    }
  }

  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  // What the run keeps (its state and result), after garbage: flat memory means this does not grow with rows.
  globalThis.gc?.();
  const heapRetained = process.memoryUsage().heapUsed;
  void retained;
  const out = {
    stage,
    file,
    bytes,
    rows,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    rssAfterImportBytes: rssAfterImport,
    heapRetainedBytes: heapRetained,
    node: process.version,
    ...extra,
  };
  process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  console.error(err?.stack ?? String(err));
  process.exit(1);
});
