#!/usr/bin/env node
/**
 * Writes the same DeviceProcessEvents rows in every input form tripline reads, for measuring the
 * memory each form costs (docs/security.md, "Memory per input form"), and a file of rows whose
 * `category` is long and unknown.
 *
 *   node scripts/gen-ingest-memory.mjs OUT_DIR [MEGABYTES=20]
 *   /usr/bin/time -f %M node packages/cli/bin/tripline.js analyze -q -f json OUT_DIR/rest-rowsfirst.json > /dev/null
 *
 * Files: ndjson.ndjson, eventhub.json, ah-api.json, ah-api-pretty.json, sentinel.json,
 * rest-rowslast.json, rest-rowsfirst.json, portal.csv, ndjson.ndjson.gz, longcat.ndjson.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

const COLUMNS = [
  ['Timestamp', 'datetime'],
  ['DeviceId', 'string'],
  ['DeviceName', 'string'],
  ['ActionType', 'string'],
  ['FileName', 'string'],
  ['FolderPath', 'string'],
  ['ProcessId', 'long'],
  ['ProcessCommandLine', 'string'],
  ['AccountName', 'string'],
  ['InitiatingProcessFileName', 'string'],
  ['InitiatingProcessFolderPath', 'string'],
  ['InitiatingProcessId', 'long'],
  ['ReportId', 'long'],
];

/** One realistic row (a Linux process start), distinct per `n`. */
export function row(n) {
  const s = n % 60;
  const m = Math.floor(n / 60) % 60;
  return {
    Timestamp: `2026-03-14T09:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(n % 10_000_000).padStart(7, '0')}Z`,
    DeviceId: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    DeviceName: 'web-01.contoso.example',
    ActionType: 'ProcessCreated',
    FileName: 'curl',
    FolderPath: '/usr/bin/curl',
    ProcessId: 40000 + (n % 20000),
    ProcessCommandLine: `curl -s -o /tmp/cache/${n}.json https://updates.contoso.example/v2/manifest?build=${n}&channel=stable`,
    AccountName: 'svc-deploy',
    InitiatingProcessFileName: 'bash',
    InitiatingProcessFolderPath: '/usr/bin/bash',
    InitiatingProcessId: 3100 + (n % 500),
    ReportId: 1_000_000 + n,
  };
}

const csvCell = (v) => {
  const t = String(v);
  return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
};

/** Write `count` items made by `piece(i)` between `head` and `tail`, through `stream`. */
async function write(path, head, count, piece, tail, gzip = false) {
  const out = createWriteStream(path);
  async function* gen() {
    yield head;
    let buf = '';
    for (let i = 0; i < count; i++) {
      buf += piece(i);
      if (buf.length > 1 << 20) {
        yield buf;
        buf = '';
      }
    }
    yield buf + tail;
  }
  if (gzip) await pipeline(gen(), createGzip(), out);
  else await pipeline(gen(), out);
}

export async function generate(dir, megabytes = 20) {
  mkdirSync(dir, { recursive: true });
  const sample = JSON.stringify(row(1)).length;
  const count = Math.ceil((megabytes * 1024 * 1024) / sample);
  const record = (i) =>
    JSON.stringify({
      time: '2026-03-14T09:30:00.0000000Z',
      category: 'AdvancedHunting-DeviceProcessEvents',
      properties: row(i),
    });
  const names = COLUMNS.map(([n]) => n);
  const cells = (i) => JSON.stringify(names.map((n) => row(i)[n]));
  const columns = JSON.stringify(COLUMNS.map(([name, type]) => ({ name, type })));
  const schema = JSON.stringify(COLUMNS.map(([Name, Type]) => ({ Name, Type })));
  const comma = (f) => (i) => (i === 0 ? '' : ',') + f(i);
  await write(join(dir, 'ndjson.ndjson'), '', count, (i) => `${record(i)}\r\n`, '');
  await write(join(dir, 'ndjson.ndjson.gz'), '', count, (i) => `${record(i)}\r\n`, '', true);
  await write(join(dir, 'eventhub.json'), '{"records":[', count, comma(record), ']}');
  await write(
    join(dir, 'ah-api.json'),
    `{"Schema":${schema},"Results":[`,
    count,
    comma((i) => JSON.stringify(row(i))),
    ']}',
  );
  await write(
    join(dir, 'ah-api-pretty.json'),
    `{\n  "Schema": ${schema},\n  "Results": [\n`,
    count,
    (i) => (i === 0 ? '' : ',\n') + JSON.stringify(row(i), null, 2).replace(/^/gm, '    '),
    '\n  ]\n}\n',
  );
  await write(
    join(dir, 'sentinel.json'),
    '[',
    count,
    comma((i) => JSON.stringify({ ...row(i), Type: 'DeviceProcessEvents' })),
    ']',
  );
  await write(
    join(dir, 'rest-rowslast.json'),
    `{"tables":[{"name":"PrimaryResult","columns":${columns},"rows":[`,
    count,
    comma(cells),
    ']}]}',
  );
  await write(
    join(dir, 'rest-rowsfirst.json'),
    '{"tables":[{"name":"PrimaryResult","rows":[',
    count,
    comma(cells),
    `],"columns":${columns}}]}`,
  );
  await write(
    join(dir, 'portal.csv'),
    `${names.join(',')}\r\n`,
    count,
    (i) => `${names.map((n) => csvCell(row(i)[n])).join(',')}\r\n`,
    '',
  );
  // Rows whose category is 1 MiB long and names no table: each is rejected.
  const longCats = Math.max(1, Math.round(megabytes));
  await write(
    join(dir, 'longcat.ndjson'),
    '',
    longCats,
    (i) => `${JSON.stringify({ category: `AdvancedHunting-${'A'.repeat(1 << 20)}${i}`, properties: row(i) })}\n`,
    '',
  );
  return { rows: count, longCats };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, mb] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node scripts/gen-ingest-memory.mjs OUT_DIR [MEGABYTES=20]');
    process.exit(2);
  }
  const { rows } = await generate(dir, mb === undefined ? 20 : Number(mb));
  console.log(`${rows} rows per form in ${dir}`);
}
