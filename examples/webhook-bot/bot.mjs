#!/usr/bin/env node
// A chat bot for Defender exports: analyse an Event Hub message (stdin) or every file dropped into a
// folder, and post tripline's compact Markdown report to a Slack- or Teams-style webhook as {"text": …}.
//
//   node bot.mjs --webhook URL < message.json           one message from stdin, then exit
//   node bot.mjs --webhook URL --watch DIR              every file dropped into DIR, until SIGINT/SIGTERM
//   … --state bot-state.json                            post each alert once, across batches and restarts
//
// Options: --min-severity SEV (post only when an alert is at or above it; lower alerts left out),
// --budget slack|slack-section|teams|N (message length limit, default slack), --timeout MS (per
// request, default 10000), --state PATH (keep alert state in PATH, a JSON file when it ends in .json,
// else SQLite: one message per new, escalated, reopened… alert, each once, with an Idempotency-Key
// header). The URL may also come from TRIPLINE_WEBHOOK_URL.
// Exit status: 0 done, 1 the webhook refused or did not answer, 2 usage error, unreadable input or an
// input with no analysed row.
import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { analyze, compareSeverity, createAnalyzer, deliver, fromFile, fromStream, isSeverity } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { codeSpan, escapeMarkdownText, renderMarkdown, sanitizeText } from '@tripline/reporter-markdown';
import { jsonFileStateStore, sqliteStateStore } from '@tripline/state';

const USAGE =
  'usage: bot.mjs --webhook URL [--watch DIR] [--state PATH] [--min-severity SEV] [--budget slack|teams|N] [--timeout MS]';

/** Thrown for bad arguments: exit 2 with one line. */
export class UsageError extends Error {}

/** Parse the command line (and TRIPLINE_WEBHOOK_URL). */
export function parseOptions(argv, env = process.env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      webhook: { type: 'string' },
      watch: { type: 'string' },
      'min-severity': { type: 'string' },
      budget: { type: 'string', default: 'slack' },
      timeout: { type: 'string', default: '10000' },
      state: { type: 'string' },
    },
    strict: true,
  });
  const webhook = values.webhook ?? env.TRIPLINE_WEBHOOK_URL;
  if (!webhook) throw new UsageError(`no webhook URL (--webhook or TRIPLINE_WEBHOOK_URL)\n${USAGE}`);
  let url;
  try {
    url = new URL(webhook);
  } catch {
    throw new UsageError(`not a URL: ${webhook}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`not an http(s) URL: ${webhook}`);
  const minSeverity = values['min-severity']?.toLowerCase();
  if (minSeverity !== undefined && !isSeverity(minSeverity)) throw new UsageError(`unknown severity: ${minSeverity}`);
  const budget = /^\d+$/.test(values.budget) ? Number(values.budget) : values.budget;
  const timeoutMs = Number(values.timeout);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new UsageError(`--timeout must be milliseconds`);
  return { webhook: url.href, watch: values.watch, minSeverity, budget, timeoutMs, state: values.state };
}

/** Thrown for an input of which no row could be analysed: it goes to failed/ (stdin: exit 2), unposted. */
export class NothingAnalysedError extends Error {}

/** Why `result` has nothing to report on (no row analysed), or undefined when some row was analysed. */
export function nothingAnalysed(result) {
  const s = result.summary;
  if (s.eventsAnalyzed > 0) return undefined;
  if (s.eventsRead === 0) return 'no row analysed: the input holds no row';
  const first = result.rejected[0];
  const where = first ? (first.line !== undefined ? `line ${first.line}` : `record ${first.record}`) : undefined;
  const why = first ? ` (first: ${where}: ${first.code}: ${first.reason})` : '';
  return `no row analysed: ${s.eventsRead} rows read, all rejected${why}`;
}

/**
 * Analyse one input and render the chat message. Returns `undefined` as text when `minSeverity` is set
 * and no alert reaches it (nothing worth a message). Throws `NothingAnalysedError` when no row of the
 * input could be analysed: a report of "0 alerts" on an input tripline could not read would be a lie.
 */
export async function reportFor(source, { minSeverity, budget = 'slack' } = {}) {
  const result = await analyze(source, { detectors: defenderDetectors });
  const nothing = nothingAnalysed(result);
  if (nothing !== undefined) throw new NothingAnalysedError(nothing);
  const worth = minSeverity === undefined || result.alerts.some((a) => compareSeverity(a.severity, minSeverity) >= 0);
  const text = worth
    ? renderMarkdown(result, { compact: true, budget, ...(minSeverity ? { minSeverity } : {}) })
    : undefined;
  return { result, text };
}

/**
 * POST `{"text": …}` as JSON (with an `Idempotency-Key` header when `key` is given); throws when the
 * webhook does not answer 2xx within `timeoutMs`.
 */
export async function postToWebhook(url, text, { timeoutMs = 10_000, key } = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...(key !== undefined ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify({ text }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.arrayBuffer(); // drain, so the connection is released
  if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`);
  return response.status;
}

// ───────────── with --state: each alert change once, across batches and restarts ─────────────

/** The store of `--state PATH`: a JSON file when PATH ends in `.json` or `.json.gz`, else SQLite. Opened. */
export async function openState(path) {
  const lower = path.toLowerCase();
  const json = lower.endsWith('.json') || lower.endsWith('.json.gz');
  const store = json ? jsonFileStateStore(path) : sqliteStateStore(path);
  await store.open();
  return store;
}

/**
 * The name an input is known by in the state: its own name and a hash of its bytes. The state skips
 * the rows of a source name an earlier batch read (a batch read again after a crash is not counted
 * twice); exports reuse names (every storage-account blob is a `PT1H.json`), so the bytes name it.
 */
function sourceName(name, bytes) {
  return `${name}#sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
}

const CHANGE_WORDS = {
  new: 'New alert',
  escalated: 'Escalated',
  reopened: 'Reopened',
  updated: 'Still growing',
  repeated: 'Still active',
  resolved: 'Resolved',
};

/**
 * The chat message of one notification (an outbox entry's payload): one line; the title, device and
 * reason (event text) in code spans, where no mention, link or formatting can start.
 */
export function changeText(payload) {
  const a = payload.alert;
  const head = CHANGE_WORDS[payload.kind] ?? escapeMarkdownText(payload.kind);
  const events = `${a.count} event${a.count === 1 ? '' : 's'}`;
  return (
    `*${head}* [${escapeMarkdownText(a.severity)}] ${codeSpan(a.title, { maxLength: 500 })}: ${events} on ` +
    `${codeSpan(a.deviceName, { maxLength: 200 })}, last seen ${escapeMarkdownText(a.lastSeen)} ` +
    `(${codeSpan(payload.reason, { maxLength: 500 })})`
  );
}

/**
 * Analyse one input as the next batch of the stream in `store`, save it, and post its notifications
 * (and any an earlier run left undelivered) one message each, in order. Throws `NothingAnalysedError`
 * for an input of which no row could be analysed (nothing saved, nothing posted); a failed post stops
 * delivery and throws (what was not posted stays queued for the next run, nothing is lost).
 */
export async function analyzeBatch(store, name, bytes, options) {
  const analyzer = createAnalyzer({ detectors: defenderDetectors, state: { store } });
  await analyzer.ready();
  const stats = await analyzer.push(fromStream(Readable.from([bytes]), sourceName(name, bytes)));
  if (stats.rowsRead === 0) throw new NothingAnalysedError('no row analysed: the input holds no row');
  if (stats.events === 0) throw new NothingAnalysedError(`no row analysed: ${stats.rowsRead} rows read, all rejected`);
  const result = analyzer.finish();
  await analyzer.commit();
  const changes = result.changes ?? [];
  const { posted, skipped } = await postOutbox(store, options);
  return { result, changes, posted, skipped };
}

/** Post what the outbox holds, in order; below `--min-severity`: marked delivered unposted, and counted. */
export async function postOutbox(store, options) {
  let posted = 0;
  let skipped = 0;
  await deliver(store, async (entry) => {
    const payload = entry.payload;
    if (options.minSeverity !== undefined && compareSeverity(payload.alert.severity, options.minSeverity) < 0) {
      skipped++;
      return;
    }
    await postToWebhook(options.webhook, changeText(payload), { ...options, key: entry.key });
    posted++;
  });
  return { posted, skipped };
}

function describeBatch({ changes, posted, skipped }) {
  const notifying = changes.filter((c) => c.notify).length;
  return (
    `${changes.length} change${changes.length === 1 ? '' : 's'} (${notifying} notifying); ` +
    `${posted} posted${skipped ? `, ${skipped} below --min-severity not posted` : ''}`
  );
}

/** Read a whole stream (stdin) into one buffer. */
async function readAll(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

function log(line) {
  process.stderr.write(`tripline-bot: ${sanitizeText(line, { maxLength: 400 })}\n`);
}

function describe(result) {
  const s = result.summary;
  return `${s.eventsRead} events (${s.eventsRejected} rejected), ${s.alertCount} alerts`;
}

/** One message from stdin. Resolves with the exit status. */
export async function runStdin(options) {
  if (options.state !== undefined) return runStdinWithState(options);
  let report;
  try {
    report = await reportFor(fromStream(process.stdin, 'stdin'), options);
  } catch (err) {
    if (err instanceof NothingAnalysedError) log(`stdin: ${err.message}; not posted`);
    else log(`cannot analyse stdin: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  if (report.text === undefined) {
    log(`stdin: ${describe(report.result)}; nothing at or above ${options.minSeverity}, not posted`);
    return 0;
  }
  try {
    const status = await postToWebhook(options.webhook, report.text, options);
    log(`stdin: ${describe(report.result)}; posted (HTTP ${status})`);
    return 0;
  } catch (err) {
    log(`stdin: posting failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

async function runStdinWithState(options) {
  let store;
  try {
    store = await openState(options.state);
  } catch (err) {
    log(`cannot open the state ${options.state}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  try {
    const bytes = await readAll(process.stdin);
    const batch = await analyzeBatch(store, 'stdin', bytes, options);
    log(`stdin: ${describeBatch(batch)}`);
    return 0;
  } catch (err) {
    if (err instanceof NothingAnalysedError) log(`stdin: ${err.message}; not posted`);
    else log(`stdin: ${err instanceof Error ? err.message : String(err)}`);
    return err instanceof NothingAnalysedError || isInputError(err) ? 2 : 1;
  } finally {
    await store.close();
  }
}

function isInputError(err) {
  return err?.code === 'input-unreadable' || err?.code === 'input-format-unknown';
}

/** Files a writer is still producing, or that are ours: skipped. Drop files by renaming them in. */
const SKIP = /^\.|\.(?:tmp|part|partial|crdownload)$/i;

/**
 * Watch `dir`: each regular file dropped into it is analysed, its report posted, and the file moved to
 * `dir/processed/` (or `dir/failed/` when it cannot be read, no row of it could be analysed, or posting
 * failed). Files already there at
 * start are handled first. One file at a time, in name order. Returns `{ close() }`.
 */
export async function watchFolder(dir, options) {
  const processed = join(dir, 'processed');
  const failed = join(dir, 'failed');
  await mkdir(processed, { recursive: true });
  await mkdir(failed, { recursive: true });
  let running = Promise.resolve();
  let again = false;
  let busy = false;
  let closed = false;

  const store = options.state !== undefined ? await openState(options.state) : undefined;
  if (store) {
    // What a run before this one committed but did not post (it died, or the webhook was down).
    try {
      const { posted } = await postOutbox(store, options);
      if (posted) log(`posted ${posted} notification(s) left by an earlier run`);
    } catch (err) {
      log(`posting notifications left by an earlier run failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const handle = async (name) => {
    const path = join(dir, name);
    let target = failed;
    if (store) {
      try {
        const batch = await analyzeBatch(store, name, await readFile(path), options);
        log(`${name}: ${describeBatch(batch)}`);
        target = processed;
      } catch (err) {
        log(`${name}: ${err instanceof Error ? err.message : String(err)}; moved to failed/`);
      }
      await rename(path, join(target, basename(name))).catch((err) => log(`${name}: cannot move: ${err.message}`));
      return;
    }
    try {
      const report = await reportFor(fromFile(path), options);
      if (report.text === undefined) {
        log(`${name}: ${describe(report.result)}; nothing at or above ${options.minSeverity}, not posted`);
      } else {
        const status = await postToWebhook(options.webhook, report.text, options);
        log(`${name}: ${describe(report.result)}; posted (HTTP ${status})`);
      }
      target = processed;
    } catch (err) {
      log(`${name}: ${err instanceof Error ? err.message : String(err)}; moved to failed/`);
    }
    await rename(path, join(target, basename(name))).catch((err) => log(`${name}: cannot move: ${err.message}`));
  };

  const scan = async () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        const names = (await readdir(dir)).filter((n) => !SKIP.test(n)).sort();
        for (const name of names) {
          if (closed) return;
          const info = await stat(join(dir, name)).catch(() => undefined);
          if (info?.isFile()) await handle(name);
        }
      } while (again && !closed);
    } finally {
      busy = false;
    }
  };
  const schedule = () => {
    running = running.then(scan).catch((err) => log(`scan failed: ${err.message}`));
  };

  const watcher = watch(dir, () => {
    if (!closed) schedule();
  });
  schedule();
  log(`watching ${dir}`);
  return {
    async close() {
      closed = true;
      watcher.close();
      await running;
      await store?.close();
    },
  };
}

async function cli() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    return 2;
  }
  if (options.watch === undefined) return runStdin(options);
  let folder;
  try {
    folder = await watchFolder(options.watch, options);
  } catch (err) {
    log(`cannot watch ${options.watch}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  await new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await folder.close();
  log('stopped');
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await cli();
}
