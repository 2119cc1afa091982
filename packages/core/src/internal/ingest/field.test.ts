/**
 * Field inputs: what real exports look like once they have been through Windows shells, Excel,
 * storage blobs and a broken download. No input is read as nothing; encodings and compression are
 * decoded; a damaged first line costs that line; truncation is said; bad values are clipped.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isTriplineError } from '../errors.js';
import { fromIterable, fromString, ingest } from './index.js';
import { chunked, run, runText } from './testkit.js';
import type { IngestNotice, IngestOptions, InputSource, RejectedRow } from './types.js';

const DEVICE = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

/** A DeviceProcessEvents row as the streaming API writes it (`properties` of a record). */
function processRow(n: number): Record<string, unknown> {
  return {
    Timestamp: `2026-03-14T09:26:${String(n % 60).padStart(2, '0')}.1234567Z`,
    DeviceId: DEVICE,
    DeviceName: 'web-01.contoso.example',
    ActionType: 'ProcessCreated',
    FileName: 'bash',
    FolderPath: '/usr/bin/bash',
    ProcessId: 48200 + n,
    ProcessCommandLine: `bash -c "id ${n}"`,
    AccountName: 'www-data',
    InitiatingProcessFileName: 'php-fpm8.1',
    InitiatingProcessFolderPath: '/usr/sbin/php-fpm8.1',
    InitiatingProcessId: 1207,
    ReportId: 71900 + n,
  };
}

/** A streaming-API record (one line of a PT1H.json blob). */
function streamingRecord(n: number): Record<string, unknown> {
  return {
    time: '2026-03-14T09:28:10.0000000Z',
    tenantId: '00000000-1111-2222-3333-444444444444',
    operationName: 'Publish',
    category: 'AdvancedHunting-DeviceProcessEvents',
    properties: processRow(n),
  };
}

const ndjson = (count: number): string =>
  Array.from({ length: count }, (_, i) => `${JSON.stringify(streamingRecord(i + 1))}\r\n`).join('');

const ahApi = (count: number): string =>
  JSON.stringify({
    Schema: Object.keys(processRow(0)).map((Name) => ({ Name, Type: Name === 'Timestamp' ? 'DateTime' : 'String' })),
    Results: Array.from({ length: count }, (_, i) => processRow(i + 1)),
  });

const CSV_COLUMNS = Object.keys(processRow(0));
const csv = (count: number, eol = '\r\n'): string =>
  [
    CSV_COLUMNS.join(','),
    ...Array.from({ length: count }, (_, i) =>
      CSV_COLUMNS.map((c) => {
        const v = String(processRow(i + 1)[c]);
        return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
      }).join(','),
    ),
  ].join(eol) + eol;

const utf16le = (s: string, bom: boolean): Buffer =>
  Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(s, 'utf16le')]);
const utf16be = (s: string, bom: boolean): Buffer => {
  const le = Buffer.from(s, 'utf16le');
  const be = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1] as number;
    be[i + 1] = le[i] as number;
  }
  return Buffer.concat([bom ? Buffer.from([0xfe, 0xff]) : Buffer.alloc(0), be]);
};
const bytesOf = (b: Uint8Array, name = 'input'): InputSource => fromIterable([b], name);

interface NoticeRun {
  events: number;
  rejected: RejectedRow[];
  notices: IngestNotice[];
  reportIds: string[];
}

async function runNotices(source: InputSource, options?: IngestOptions): Promise<NoticeRun> {
  const rejected: RejectedRow[] = [];
  const notices: IngestNotice[] = [];
  const reportIds: string[] = [];
  const stats = await ingest(
    source,
    {
      event: (e) => reportIds.push(String(e.reportId)),
      rejected: (r) => rejected.push(r),
      notice: (n) => notices.push(n),
    },
    options,
  );
  expect(stats.rowsRead).toBe(stats.events + stats.rejected);
  return { events: stats.events, rejected, notices, reportIds };
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isTriplineError(err), `expected a TriplineError, got ${String(err)}`).toBe(true);
  if (!isTriplineError(err)) return { code: '', message: '' };
  return { code: err.code, message: err.message };
}

describe('no input is read as nothing', () => {
  it('one line of text holding a comma is an error naming the input, not a CSV header with zero rows', async () => {
    const e = await failure(run(fromString('hello, world', 'h.txt')));
    expect(e.code).toBe('input-format-unknown');
    expect(e.message).toContain('h.txt');
    expect(e.message).toMatch(/no row/);
  });

  it('a CSV header of columns no Defender table has, with no record, is an error', async () => {
    const e = await failure(run(fromString('name,size,owner\r\n', 'listing.csv')));
    expect(e.code).toBe('input-format-unknown');
    expect(e.message).toContain('listing.csv');
  });

  it('an export with no rows is still zero rows: empty envelopes, an empty array, a Defender CSV header', async () => {
    for (const text of [
      '{"records":[]}',
      '{"Schema":[{"Name":"Timestamp","Type":"DateTime"}],"Results":[]}',
      '[]\n',
      '{"tables":[{"name":"PrimaryResult","columns":[{"name":"Timestamp","type":"datetime"}],"rows":[]}]}',
      `${CSV_COLUMNS.join(',')}\r\n`,
    ]) {
      const r = await runText(text);
      expect(r.stats.rowsRead, text).toBe(0);
    }
  });
});

describe('encodings and compression', () => {
  const expected = Array.from({ length: 5 }, (_, i) => String(71901 + i));

  it('UTF-16 LE/BE with and without a BOM, and UTF-8 with a BOM, read like UTF-8 in every form', async () => {
    for (const [form, text] of [
      ['ah-api', ahApi(5)],
      ['ndjson', ndjson(5)],
      ['csv', csv(5)],
    ] as const) {
      for (const [label, bytes] of [
        ['utf-16le bom', utf16le(text, true)],
        ['utf-16le', utf16le(text, false)],
        ['utf-16be bom', utf16be(text, true)],
        ['utf-16be', utf16be(text, false)],
        ['utf-8 bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
      ] as const) {
        const r = await runNotices(bytesOf(bytes));
        expect(r.rejected, `${form} ${label}`).toEqual([]);
        expect(r.reportIds, `${form} ${label}`).toEqual(expected);
        // Odd chunk boundaries (inside a code unit and inside the BOM) change nothing.
        const cuts = [1, 3, 7, 100, 101, 1001].filter((c) => c < bytes.length);
        const r2 = await runNotices(chunked(bytes, cuts));
        expect(r2.reportIds, `${form} ${label} chunked`).toEqual(expected);
      }
    }
  });

  it('UTF-32 is named as such, not read as a CSV record of one field', async () => {
    const text = ndjson(2);
    const le = Buffer.alloc(text.length * 4);
    for (let i = 0; i < text.length; i++) le.writeUInt32LE(text.charCodeAt(i), i * 4);
    for (const bytes of [Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), le]), le]) {
      const e = await failure(runNotices(bytesOf(bytes, 'u32.json')));
      expect(e.code).toBe('input-format-unknown');
      expect(e.message).toContain('u32.json');
      expect(e.message).toContain('UTF-32');
    }
  });

  it('gzip input is decompressed as a stream, members concatenated as gunzip does, any chunking', async () => {
    const text = ndjson(6);
    const gz = Buffer.concat([gzipSync(text.slice(0, 700)), gzipSync(text.slice(700))]);
    expect(gz[0]).toBe(0x1f);
    const ids = Array.from({ length: 6 }, (_, i) => String(71901 + i));
    expect((await runNotices(bytesOf(gz, 'PT1H.json.gz'))).reportIds).toEqual(ids);
    const r = await runNotices(
      chunked(
        gz,
        Array.from({ length: gz.length - 1 }, (_, i) => i + 1),
      ),
    );
    expect(r.reportIds).toEqual(ids);
    expect(r.notices).toEqual([]);
    // A gzipped UTF-16 answer: both layers are undone.
    expect((await runNotices(bytesOf(gzipSync(utf16le(ahApi(2), true))))).reportIds).toEqual(ids.slice(0, 2));
  });

  it('a gzip blob whose compressed bytes hold a comma and no newline is still decompressed', async () => {
    // The tester's trigger: compressed bytes that sniff as a one-line CSV header.
    let found: Buffer | undefined;
    for (let n = 1; n < 400 && found === undefined; n++) {
      const gz = gzipSync(ndjson(1).replace('71901', String(80000 + n)));
      if (!gz.includes(0x0a) && gz.includes(0x2c)) found = gz;
    }
    expect(found).toBeDefined();
    const r = await runNotices(bytesOf(found as Buffer, 'rev.ndjson.gz'));
    expect(r.events).toBe(1);
  });

  it('a truncated or corrupt gzip keeps the rows read before the damage and says so', async () => {
    const text = ndjson(40);
    const gz = gzipSync(text);
    const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
    const r = await runNotices(bytesOf(cut, 'cut.json.gz'));
    expect(r.events).toBeGreaterThan(5);
    expect(r.events).toBeLessThan(40);
    expect(r.notices.map((n) => n.code)).toContain('input-truncated');
    expect(r.notices[0]?.message).toMatch(/gzip/);

    const bad = Buffer.from(gz);
    for (let i = Math.floor(bad.length / 2); i < bad.length - 8; i++) bad[i] = 0xff ^ (bad[i] as number);
    const r2 = await runNotices(bytesOf(bad, 'bad.json.gz'));
    expect(r2.notices.map((n) => n.code)).toContain('input-corrupt');
    expect(r2.notices.find((n) => n.code === 'input-corrupt')?.message).toContain('bad.json.gz');
  });

  it('gzip that does not hold an export, and binary input, are named as what they are', async () => {
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(64, 0x2c)]);
    const e1 = await failure(runNotices(bytesOf(gzipSync(elf), 'ls.gz')));
    expect(e1.code).toBe('input-format-unknown');
    expect(e1.message).toContain('ls.gz');
    expect(e1.message).toMatch(/gzip/);
    expect(e1.message).toMatch(/binary/);
    expect(e1.message).not.toMatch(/fields/);

    const e2 = await failure(runNotices(bytesOf(elf, '/bin/ls')));
    expect(e2.message).toMatch(/binary/);
    const zip = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(40, 0x2c)]);
    const e3 = await failure(runNotices(bytesOf(zip, 'export.zip')));
    expect(e3.message).toMatch(/ZIP/);
  });

  it('CR-only line ends (Excel "CSV (Macintosh)") are read, with their line numbers', async () => {
    const text = csv(5, '\r');
    const r = await runText(`${text.slice(0, -1)}\r${CSV_COLUMNS.map(() => 'x').join(',')},extra\r`);
    expect(r.events.map((e) => e.reportId)).toEqual(expected);
    expect(r.rejected).toMatchObject([{ line: 7, code: 'malformed-csv' }]);
  });
});

describe('a damaged first line costs that line, not the file', () => {
  const full = ndjson(24);

  it('a file that starts in the middle of a record (tail -c +101) is NDJSON with line 1 rejected', async () => {
    const r = await runText(full.slice(100));
    expect(r.stats.format).toBe('ndjson');
    expect(r.events).toHaveLength(23);
    expect(r.rejected).toMatchObject([{ line: 1, code: 'malformed-json' }]);
  });

  it('a first line cut in half: line 1 rejected, the other lines read', async () => {
    const lines = full.split('\r\n');
    lines[0] = (lines[0] as string).slice(0, (lines[0] as string).length >> 1);
    for (const source of [fromString(lines.join('\r\n')), chunked(Buffer.from(lines.join('\n')), [5, 17, 900])]) {
      const r = await run(source);
      expect(r.events).toHaveLength(23);
      expect(r.rejected).toMatchObject([{ line: 1, code: 'malformed-json' }]);
    }
  });

  it('pretty-printed documents and an Event Hub message with one record per line stay documents', async () => {
    const records = Array.from({ length: 3 }, (_, i) => JSON.stringify(streamingRecord(i + 1)));
    const onePerLine = `{"records":[\n${records.join(',\n')}\n]}\n`;
    expect((await runText(onePerLine)).events).toHaveLength(3);
    const pretty = JSON.stringify({ records: [streamingRecord(1), streamingRecord(2)] }, null, 2);
    expect((await runText(pretty)).events).toHaveLength(2);
    const prettyRow = JSON.stringify(processRow(1), null, 2);
    expect((await runText(prettyRow)).events).toHaveLength(1);
  });
});

describe('nothing lost', () => {
  it('a Log Analytics answer with rows before columns, cut off: its rows are accounted and the cut is said', async () => {
    const text =
      '{"tables":[{"name":"PrimaryResult","rows":[["2025-11-07T06:45:00Z","wazuh1","LogonSuccess",71890,"DeviceLogonEvents"],' +
      '["2025-11-07T06:45:01Z","wazuh1","LogonSuccess",71891,"DeviceLogonEvents"]],"columns":[{"name":"Timestamp","type":"datetime"},{"name":"Devi';
    const r = await runNotices(fromString(text, 'rest_cut.json'));
    expect(r.events + r.rejected.length).toBe(2);
    expect(r.rejected.map((x) => x.record)).toEqual([1, 2]);
    expect(r.notices.map((n) => n.code)).toEqual(['input-truncated']);
  });

  it('rows before columns are read once the columns arrive (whole answer)', async () => {
    const text =
      '{"tables":[{"name":"PrimaryResult","rows":[["2025-11-07T06:45:00Z","wazuh1","LogonSuccess",71890,"DeviceLogonEvents"],' +
      '["2025-11-07T06:45:01Z","wazuh1","LogonSuccess",71891,"DeviceLogonEvents"]],"columns":[{"name":"Timestamp","type":"datetime"},' +
      '{"name":"DeviceName","type":"string"},{"name":"ActionType","type":"string"},{"name":"ReportId","type":"long"},{"name":"Type","type":"string"}]}]}';
    for (const source of [fromString(text), chunked(Buffer.from(text), [10, 50, 51, 200, 201, 300])]) {
      const r = await runNotices(source);
      expect(r.reportIds).toEqual(['71890', '71891']);
      expect(r.rejected).toEqual([]);
      expect(r.notices).toEqual([]);
    }
  });

  it('an NDJSON row carrying an extra "records": [] or "Results": [] key is a row, not an empty envelope', async () => {
    for (const key of ['records', 'Results', 'results']) {
      const lines = Array.from({ length: 4 }, (_, i) => streamingRecord(i + 1));
      (lines[3] as Record<string, unknown>)[key] = [];
      const bare = { ...processRow(5), [key]: [] };
      const r = await runText(`${[...lines, bare].map((l) => JSON.stringify(l)).join('\n')}\n`);
      expect(r.stats.rowsRead, key).toBe(5);
      expect(r.events.map((e) => e.reportId)).toEqual(['71901', '71902', '71903', '71904', '71905']);
    }
  });

  it('a JSON document cut between two rows says it was truncated', async () => {
    const text = `{"records":[${JSON.stringify(streamingRecord(1))},`;
    const r = await runNotices(fromString(text, 'eh_cut.json'));
    expect(r.events).toBe(1);
    expect(r.notices).toMatchObject([{ code: 'input-truncated' }]);
    expect(r.notices[0]?.message).toContain('eh_cut.json');
  });

  it('a complete last row is kept when only the closing ]} is missing', async () => {
    for (const text of [
      `{"records":[${JSON.stringify(streamingRecord(1))},${JSON.stringify(streamingRecord(2))}`,
      ahApi(2).slice(0, -2),
      `[${JSON.stringify(processRow(1))},\n${JSON.stringify(processRow(2))}\n`,
    ]) {
      const r = await runNotices(fromString(text));
      expect(r.reportIds, text.slice(0, 40)).toEqual(['71901', '71902']);
      expect(r.rejected).toEqual([]);
      expect(r.notices.map((n) => n.code)).toEqual(['input-truncated']);
    }
    // A last element that is itself cut is still rejected, with the notice.
    const cut = `{"records":[${JSON.stringify(streamingRecord(1))},${JSON.stringify(streamingRecord(2)).slice(0, 80)}`;
    const r = await runNotices(fromString(cut));
    expect(r.events).toBe(1);
    expect(r.rejected).toMatchObject([{ record: 2, code: 'malformed-json' }]);
  });
});

describe('bad values are clipped', () => {
  it('a rejection quotes at most a clipped copy of the bad value', async () => {
    const huge = `AdvancedHunting-${'A'.repeat(1 << 20)}`;
    const r = await runText(
      `${JSON.stringify({ category: huge, properties: processRow(1) })}\n${JSON.stringify({ ...processRow(2), Timestamp: 'T'.repeat(1 << 20) })}\n`,
    );
    expect(r.rejected).toHaveLength(2);
    for (const x of r.rejected) expect(x.reason.length).toBeLessThan(600);
    expect(r.rejected[0]?.reason).toMatch(/more characters/);
  });
});

describe('tables of other products', () => {
  it('Defender for Cloud tables are unsupported-table, by category or by Type', async () => {
    const lines: string[] = [];
    for (const t of ['CloudAuditEvents', 'CloudProcessEvents', 'CloudStorageAggregatedEvents']) {
      lines.push(JSON.stringify({ category: `AdvancedHunting-${t}`, properties: processRow(1) }));
      lines.push(JSON.stringify({ ...processRow(2), Type: t }));
    }
    const r = await runText(`${lines.join('\n')}\n`);
    expect(r.rejected.map((x) => x.code)).toEqual(Array(6).fill('unsupported-table'));
    expect(r.rejected[0]?.reason).toContain('CloudAuditEvents');
  });

  it('__proto__, constructor and toString are not tables of any product', async () => {
    const lines: string[] = [];
    for (const t of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      lines.push(JSON.stringify({ category: `AdvancedHunting-${t}`, properties: processRow(1) }));
      lines.push(JSON.stringify({ ...processRow(2), Type: t }));
    }
    const r = await runText(`${lines.join('\n')}\n`);
    // By category: a name of no table. By Type: not a table name, so the row's own columns decide.
    expect(r.rejected.map((x) => x.code)).toEqual(Array(4).fill('unknown-table'));
    expect(r.events).toHaveLength(4);
    for (const x of r.rejected) expect(x.reason).not.toMatch(/belongs to/);
  });
});

describe('notices reach the result', () => {
  it('analyze() lists a cut-off input as a warning diagnostic naming it, and keeps its rows', async () => {
    const { analyze } = await import('../engine/entry.js');
    const text = `{"records":[${JSON.stringify(streamingRecord(1))},`;
    const result = await analyze(fromString(text, 'eh_cut.json'), { detectors: [] });
    expect(result.summary.eventsAnalyzed).toBe(1);
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({ level: 'warning', code: 'input-truncated', source: 'eh_cut.json' }),
    );
  });
});
