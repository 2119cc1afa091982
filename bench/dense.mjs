#!/usr/bin/env node
/**
 * Deterministic generator of an alert-dense Defender fleet for the benchmark: every device is a
 * Linux server that runs the agent scripts of the reference VM (`examples/wazuh1/events.ndjson`,
 * the reference VM's own 15 minutes of events: sysstat, cron logons, Defender's inventory scripts,
 * the indexer's segment deletions), replayed every 15 minutes, and two devices in five also go
 * through the attack of `examples/attack-webserver/events.ndjson` (web shell, reverse shell,
 * brute force, persistence) once, from the start, at four times its real pace (its 65 minutes in
 * about 16). So each device raises the reference's benign alerts, as a real
 * fleet of such servers does: about 10,500 alerts per 100k rows on 500 devices.
 *
 * Every row carries a `ReportId` beyond 2^53 (700000000000000001 on), written as a bare integer:
 * the worst case for exact integers, where each row has one to keep.
 *
 * Output: streaming-API storage records (the examples' own form), one per line, LF, in event-time
 * order across the fleet (to the 10 ms spread between devices).
 *
 * CLI:    node bench/dense.mjs --rows 100000 [--out FILE|-] [--devices N]
 * Module: `denseLines(options)` (a generator of record lines) and `denseFile(path, options)`.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bumped whenever the output for the same options changes (the bench regenerates stale files). */
export const DENSE_VERSION = 1;

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const ROUND_MS = 15 * 60 * 1000;
const FIRST_REPORT_ID = 700000000000000001n;
/** A ReportId no template holds, replaced by the row's big ReportId once the record is text. */
const REPORT_ID_MARK = 424242424242;
/** The attack plays this many times faster than it was recorded. */
const ATTACK_PACE = 4;

function readRecords(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

/** `iso` moved by `deltaMs`, keeping its sub-millisecond digits. */
function shift(iso, deltaMs) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return iso;
  const frac = m[2] ?? '';
  const ms = Date.parse(`${m[1]}.${frac.slice(0, 3).padEnd(3, '0')}Z`) + deltaMs;
  const base = new Date(ms).toISOString().slice(0, 23);
  return `${base}${frac.slice(3)}Z`;
}

/** Templates: each record with its offset from the start of its source, in time order. */
function templates(path) {
  const records = readRecords(path);
  const t0 = Math.min(...records.map((r) => Date.parse(r.properties.Timestamp)));
  return records
    .map((r) => ({ record: r, offset: Date.parse(r.properties.Timestamp) - t0 }))
    .sort((a, b) => a.offset - b.offset);
}

function deviceOf(index) {
  const id = createHash('sha1').update(`dense-device-${index}`).digest('hex');
  const name = `srv${String(index).padStart(4, '0')}.fleet.internal.cloudapp.net`;
  return { id, name, short: name.split('.')[0] };
}

/**
 * Record lines of a dense fleet: `rows` records over `devices` devices (default 500), starting at
 * `start` (default 2025-11-07T00:00:00Z).
 */
export function* denseLines({ rows, devices = 500, start = '2025-11-07T00:00:00Z' }) {
  const agent = templates(join(ROOT, 'examples/wazuh1/events.ndjson'));
  const attack = templates(join(ROOT, 'examples/attack-webserver/events.ndjson')).map((t) => ({
    ...t,
    offset: Math.floor(t.offset / ATTACK_PACE),
  }));
  const fleet = Array.from({ length: devices }, (_, i) => deviceOf(i));
  const attacked = fleet.filter((_, i) => i % 5 === 1 || i % 5 === 3);
  const t0 = Date.parse(start);
  let reportId = FIRST_REPORT_ID;
  let emitted = 0;
  // Each template is turned into text once, with marks where a row's own values go; a row is then
  // its template's parts joined with those values (the same bytes as cloning and stringifying it).
  const compile = (tpl) => {
    const r = structuredClone(tpl.record);
    const p = r.properties;
    const marks = [];
    const mark = (i) => `\u0000${i}\u0000`;
    const put = (obj, key, fill) => {
      marks.push(fill);
      obj[key] = mark(marks.length - 1);
    };
    const ts = p.Timestamp;
    const ms = Date.parse(ts);
    put(p, 'Timestamp', (_d, delta) => shift(ts, delta));
    const time = r.time;
    put(r, 'time', (_d, delta) => shift(time, delta));
    if (r._TimeReceivedBySvc) {
      const received = r._TimeReceivedBySvc;
      put(r, '_TimeReceivedBySvc', (_d, delta) => shift(received, delta));
    }
    put(p, 'DeviceId', (d) => d.id);
    put(p, 'DeviceName', (d) => d.name);
    if (typeof p.AccountDomain === 'string' && p.AccountDomain !== '') put(p, 'AccountDomain', (d) => d.short);
    if (typeof p.InitiatingProcessAccountDomain === 'string') put(p, 'InitiatingProcessAccountDomain', (d) => d.short);
    p.ReportId = REPORT_ID_MARK;
    const text = JSON.stringify(r).replace(`"ReportId":${REPORT_ID_MARK}`, '"ReportId":\u0000R\u0000');
    // Quoted marks are filled with JSON strings (values are plain ASCII: times, hex ids, host names).
    const parts = text.split(/"\\u0000(\d+)\\u0000"|\u0000R\u0000/);
    return { parts, marks, ms };
  };
  const compiled = new Map();
  const emit = (tpl, device, at) => {
    let c = compiled.get(tpl);
    if (!c) compiled.set(tpl, (c = compile(tpl)));
    const delta = at - c.ms;
    let line = c.parts[0];
    for (let i = 1; i < c.parts.length; i += 2) {
      const slot = c.parts[i];
      line += slot === undefined ? String(reportId) : JSON.stringify(c.marks[Number(slot)](device, delta));
      line += c.parts[i + 1];
    }
    reportId++;
    emitted++;
    return line;
  };
  for (let round = 0; emitted < rows; round++) {
    const roundStart = t0 + round * ROUND_MS;
    // The attack plays out from the first round on, on its devices only.
    const due = [
      ...agent.map((tpl) => ({ tpl, at: tpl.offset, on: fleet })),
      ...attack
        .filter((tpl) => tpl.offset >= round * ROUND_MS && tpl.offset < (round + 1) * ROUND_MS)
        .map((tpl) => ({ tpl, at: tpl.offset - round * ROUND_MS, on: attacked })),
    ].sort((a, b) => a.at - b.at);
    for (const { tpl, at, on } of due) {
      for (let d = 0; d < on.length; d++) {
        if (emitted >= rows) return;
        yield emit(tpl, on[d], roundStart + at + (d % 100) * 10);
      }
    }
  }
}

/** Write a dense fleet to `path` (LF line ends; `-`: stdout), streaming with back-pressure. */
export async function denseFile(path, options) {
  const toStdout = path === '-';
  if (!toStdout) mkdirSync(dirname(path), { recursive: true });
  const out = toStdout ? process.stdout : createWriteStream(path);
  let bytes = 0;
  let n = 0;
  for (const line of denseLines(options)) {
    const text = `${line}\n`;
    bytes += Buffer.byteLength(text);
    n++;
    if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
  }
  if (!toStdout) await new Promise((resolve, reject) => out.end((err) => (err ? reject(err) : resolve())));
  return { path, rows: n, bytes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const get = (name, fallback) => {
    const i = args.indexOf(name);
    return i === -1 ? fallback : args[i + 1];
  };
  const rows = Number(String(get('--rows', '100000')).replace(/_/g, ''));
  const devices = Number(get('--devices', '500'));
  const out = get('--out', join(HERE, 'data', `dense-${rows}.ndjson`));
  const r = await denseFile(out, { rows, devices });
  console.error(`${r.path}: ${r.rows} rows, ${(r.bytes / 1e6).toFixed(1)} MB`);
}
