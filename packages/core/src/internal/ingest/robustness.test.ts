import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isTriplineError } from '../errors.js';
import { detectFormat, fromFile, fromIterable, fromStream, ingest } from './index.js';
import { ByteLineSplitter, LineSplitter } from './lines.js';
import { chunked, digest, FIXTURES, fixtureBytes, run, runText } from './testkit.js';

const ok = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ Timestamp: '2024-05-01T10:00:00Z', DeviceId: 'd1', ActionType: 'ProcessCreated', ...extra });

const enc = (s: string) => new TextEncoder().encode(s);

async function expectError(p: Promise<unknown>, code: string, ...fragments: string[]): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isTriplineError(err), String(err)).toBe(true);
  if (!isTriplineError(err)) return;
  expect(err.code).toBe(code);
  for (const f of fragments) expect(err.message).toContain(f);
}

/** A line splitter with a 64 KiB limit that records the lines it completes and the over-long ones. */
function recording<S>(
  Splitter: new (onLine: (line: string, n: number) => void, onTooLong: (n: number) => void, max: number) => S,
): { splitter: S; lines: string[]; tooLong: number[]; max: number } {
  const lines: string[] = [];
  const tooLong: number[] = [];
  const max = 64 * 1024;
  const splitter = new Splitter(
    (l) => lines.push(l),
    (n) => tooLong.push(n),
    max,
  );
  return { splitter, lines, tooLong, max };
}

describe('NDJSON lines', () => {
  it('reports every malformed line with its line number; blank lines are not rows; CRLF and LF mix', async () => {
    const text = [
      ok(),
      '{"Timestamp": ',
      '',
      '   ',
      '\t',
      '[1]',
      '42',
      'null',
      '"text"',
      ok({ FileName: 'é' }),
      '{oops}',
    ].join('\r\n');
    const r = await runText(`${text}\n\n`);
    expect(r.stats).toMatchObject({ format: 'ndjson', rowsRead: 8, events: 2, rejected: 6 });
    expect(r.events.map((e) => e.source.line)).toEqual([1, 10]);
    expect(r.events[1]?.get('FileName')).toBe('é');
    expect(r.rejected.map((x) => [x.line, x.code])).toEqual([
      [2, 'malformed-json'],
      [6, 'not-a-row'],
      [7, 'not-a-row'],
      [8, 'not-a-row'],
      [9, 'not-a-row'],
      [11, 'malformed-json'],
    ]);
    expect(r.rejected[0]?.reason).toMatch(/^line is not valid JSON: /);
    expect(r.rejected[1]?.reason).toBe('expected a row object, found an array');
  });

  it('handles a last line without newline, and rows that fail normalisation', async () => {
    const r = await runText(
      `${ok()}\n{"ActionType":"ProcessCreated","DeviceId":"d"}\n{"Timestamp":"2024-05-01T10:00:00Z","ActionType":"ProcessCreated"}`,
    );
    expect(r.rejected.map((x) => [x.line, x.code])).toEqual([
      [2, 'missing-timestamp'],
      [3, 'missing-device'],
    ]);
  });

  it('keeps a __proto__ key as data (no prototype pollution)', async () => {
    const r = await runText(
      `{"Timestamp":"2024-05-01T10:00:00Z","DeviceId":"d","ActionType":"ProcessCreated","__proto__":{"polluted":1}}\n`,
    );
    expect(r.events).toHaveLength(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('chunk boundaries anywhere give identical results', () => {
  const inputs: Record<string, string> = {
    ndjson: `\uFEFF${ok({ FileName: 'café ® 😀' })}\r\n\r\n${ok({ ProcessCommandLine: 'a\\r\\nb' })}\nnot json\r\n[1]\n${JSON.stringify(
      {
        records: [
          {
            category: 'AdvancedHunting-DeviceFileEvents',
            properties: JSON.parse(ok({ ActionType: 'FileCreated', FileName: 'ü.txt' })),
          },
        ],
      },
    )}\r\n{"Timestamp":"2024-05-01T10:00:00Z","DeviceId":"d","ReportId":639199803770463703,"ActionType":"X"}`,
    eventhub: `\uFEFF${JSON.stringify(
      {
        records: [
          {
            category: 'AdvancedHunting-DeviceProcessEvents',
            properties: JSON.parse(ok({ FileName: 'naïve "q" \\ 😀' })),
          },
          {
            category: 'AdvancedHunting-DeviceLogonEvents',
            properties: JSON.parse(ok({ ActionType: 'LogonFailed', AdditionalFields: '{"a":[1,{"b":"]}"}]}' })),
          },
          [],
          { broken: '__' },
        ],
      },
      null,
      2,
    ).replace('"broken": "__"', '"broken": ')}`,
    sentinel: `${fixtureAsText('ref-az-cli.json').trimEnd()}\n[{"Type":"DeviceInfo","Timestamp":"2024-05-01T10:00:00Z","DeviceName":"hé","LoggedOnUsers":[{"UserName":"ü"}],"ReportId":639199803770463703}]`,
    csv: `\uFEFFTimestamp,DeviceId,ActionType,ProcessCommandLine\r\n2024-05-01T10:00:00Z,d,ProcessCreated,"multi\r\nline ""quoted"" é"\r\n\r\n2024-05-01T10:00:01Z,d,ProcessCreated,😀\r\n2024-05-01T10:00:02Z,d\r\n`,
    rest: JSON.stringify(
      {
        tables: [
          {
            name: 'PrimaryResult',
            columns: [{ name: 'Type' }, { name: 'Timestamp' }, { name: 'DeviceName' }, { name: 'ActionType' }],
            rows: [
              ['DeviceProcessEvents', '2024-05-01T10:00:00Z', 'hé', 'ProcessCreated'],
              ['DeviceEvents', '2024-05-01T10:00:00Z', 'h', 'ScriptContent'],
            ],
          },
        ],
      },
      null,
      1,
    ),
  };

  function fixtureAsText(name: string): string {
    return new TextDecoder().decode(fixtureBytes(name));
  }

  for (const [name, text] of Object.entries(inputs)) {
    it(`${name}: split at every byte position`, async () => {
      const bytes = enc(text);
      const reference = await run(fromIterable([bytes], name));
      expect(reference.stats.rowsRead).toBeGreaterThan(1);
      const want = digest(reference);
      for (let cut = 1; cut < bytes.length; cut++) {
        const got = await run(chunked(bytes, [cut], name));
        if (JSON.stringify(digest(got)) !== JSON.stringify(want)) expect(digest(got), `cut at ${cut}`).toEqual(want);
      }
      // And one byte at a time.
      const single = await run(
        chunked(
          bytes,
          Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
          name,
        ),
      );
      expect(digest(single)).toEqual(want);
    });
  }

  it('a snapshot of what those inputs produce', async () => {
    const summary: Record<string, unknown> = {};
    for (const [name, text] of Object.entries(inputs)) {
      const r = await runText(text);
      summary[name] = {
        format: r.stats.format,
        events: r.events.length,
        rejected: r.rejected.map((x) => `${x.line}/${x.record}:${x.code}`),
      };
    }
    expect(summary).toEqual({
      ndjson: { format: 'ndjson', events: 4, rejected: ['4/undefined:malformed-json', '5/undefined:not-a-row'] },
      eventhub: { format: 'eventhub', events: 2, rejected: ['21/3:not-a-row', '22/4:malformed-json'] },
      sentinel: { format: 'sentinel', events: 2, rejected: [] },
      csv: { format: 'csv', events: 2, rejected: ['6/undefined:malformed-csv'] },
      rest: { format: 'sentinel', events: 2, rejected: [] },
    });
  });
});

describe('NDJSON from bytes (split on 0x0A, decoded line by line)', () => {
  const text = [
    `\uFEFF${ok({ FileName: 'café ® 😀' })}`,
    ok({ ProcessCommandLine: 'plain ascii' }),
    '',
    'not json',
    ok({ FolderPath: 'C:\\Program Files\\Microsoft® Defender' }),
    '{"Timestamp":"2024-05-01T10:00:00Z","DeviceId":"d","ReportId":639199803770463703,"ActionType":"X"}',
  ].join('\r\n');

  it('gives exactly the events and rejections of the same input read as text', async () => {
    const fromBytes = await run(fromIterable([enc(text)], 'input'));
    const fromText = await runText(text);
    expect(fromBytes.stats.rowsRead).toBe(5);
    expect(digest(fromBytes)).toEqual(digest(fromText));
    expect(fromBytes.events[0]?.get('FileName')).toBe('café ® 😀');
    expect(fromBytes.events[0]?.source.line).toBe(1);
  });

  it('invalid UTF-8 becomes U+FFFD in its own line only, whatever the chunking', async () => {
    const head = enc(
      `${ok({ FileName: 'a' })}\n{"Timestamp":"2024-05-01T10:00:00Z","DeviceId":"d","ActionType":"ProcessCreated","FileName":"x`,
    );
    const bad = Uint8Array.from([0xff, 0xc3, 0x28, 0xe2, 0x82]);
    const tail = enc(`y"}\n${ok({ FileName: 'é' })}\n`);
    const bytes = new Uint8Array([...head, ...bad, ...tail]);
    const whole = await run(fromIterable([bytes], 'input'));
    expect(whole.events.map((e) => e.get('FileName'))).toEqual(['a', 'x\uFFFD\uFFFD(\uFFFDy', 'é']);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      expect(digest(await run(chunked(bytes, [cut])))).toEqual(digest(whole));
    }
  });

  it("counts a line's UTF-8 bytes against maxLineBytes, its CR excluded, and goes on", async () => {
    const euro = ok({ ProcessCommandLine: '€'.repeat(400) }); // ~500 characters, ~1300 bytes
    const fits = ok({ ProcessCommandLine: 'x'.repeat(1000 - ok({ ProcessCommandLine: '' }).length) });
    expect(Buffer.byteLength(fits)).toBe(1000);
    const bytes = enc(`${euro}\r\n${fits}\r\n${ok()}\r\n`);
    for (const source of [fromIterable([bytes]), chunked(bytes, [300, 1400, 1405, 2399])]) {
      const r = await run(source, { maxLineBytes: 1000 });
      expect(r.rejected.map((x) => [x.line, x.code, x.reason])).toEqual([
        [1, 'line-too-long', 'line is longer than 1000 bytes'],
      ]);
      expect(r.events.map((e) => e.source.line)).toEqual([2, 3]);
    }
  });

  it('holds at most maxLineBytes + 1 bytes of an unfinished line', () => {
    const { splitter, lines, tooLong, max } = recording(ByteLineSplitter);
    const piece = Buffer.alloc(4096, 0x79);
    let peak = 0;
    for (let i = 0; i < 2000; i++) {
      splitter.pushBytes(piece);
      peak = Math.max(peak, splitter.bufferedBytes);
    }
    splitter.pushBytes(Buffer.from('tail\nnext line\r\nlast'));
    splitter.end();
    expect(peak).toBeLessThanOrEqual(max + 1);
    expect(tooLong).toEqual([1]);
    expect(lines).toEqual(['next line', 'last']);
  });

  it('copies a held partial line: a source that reuses its buffer cannot change it', async () => {
    const line = `${ok({ FileName: 'kept' })}\n`;
    const shared = Buffer.alloc(line.length);
    async function* reusing(): AsyncGenerator<Uint8Array> {
      // The first half of the line, then the same buffer overwritten with the second half.
      const bytes = Buffer.from(line);
      const half = 20;
      bytes.copy(shared, 0, 0, half);
      yield shared.subarray(0, half);
      bytes.copy(shared, 0, half);
      yield shared.subarray(0, bytes.length - half);
    }
    const r = await run(fromIterable(reusing()));
    expect(r.events.map((e) => e.get('FileName'))).toEqual(['kept']);
  });

  it('a source that mixes bytes and text chunks reads the text as UTF-8', async () => {
    const r = await run(
      fromIterable([
        enc(`${ok({ FileName: 'b' })}\n{"Timestamp":"2024-05-01T10:00:00Z",`),
        '"DeviceId":"d","ActionType":"ProcessCreated","FileName":"ü"}\n',
      ]),
    );
    expect(r.events.map((e) => e.get('FileName'))).toEqual(['b', 'ü']);
  });
});

describe('empty and odd inputs', () => {
  it('empty input, whitespace, BOM only: 0 rows, no crash', async () => {
    for (const text of ['', '\n\n', '\uFEFF', '  \r\n\t']) {
      const r = await runText(text);
      expect(r.stats).toMatchObject({ format: 'ndjson', rowsRead: 0, events: 0, rejected: 0 });
    }
    const dir = mkdtempSync(join(tmpdir(), 'tripline-ingest-'));
    const empty = join(dir, 'empty.ndjson');
    writeFileSync(empty, '');
    const r = await run(fromFile(empty));
    expect(r.stats).toMatchObject({ rowsRead: 0, bytesRead: 0 });
    expect(r.progress.at(-1)).toMatchObject({ source: empty, bytesRead: 0, totalBytes: 0, rowsRead: 0 });
  });

  it('text that is no supported format is a clear error, not rows of garbage', async () => {
    await expectError(
      runText('hello world\nthis is not json\n', undefined, 'notes.txt'),
      'input-format-unknown',
      'notes.txt',
    );
  });

  it('a forced format that does not fit is an error; a forced JSON format reads any JSON shape', async () => {
    await expectError(runText(`${ok()}\n`, { format: 'csv' }), 'input-format-unknown', 'csv', 'ndjson');
    await expectError(runText('a,b\n1,2\n', { format: 'sentinel' }), 'input-format-unknown');
    const r = await runText(`${ok()}\n`, { format: 'graph' });
    expect(r.stats).toMatchObject({ format: 'graph', events: 1 });
    // az rows one per line: the "None" rule follows a forced sentinel format, not plain NDJSON.
    const az =
      '{"Type":"DeviceProcessEvents","Timestamp":"2024-05-01T10:00:00Z","DeviceName":"h","ActionType":"ProcessCreated","AccountUpn":"None"}\n';
    expect((await runText(az, { format: 'sentinel' })).events[0]?.has('AccountUpn')).toBe(false);
    expect((await runText(az)).events[0]?.get('AccountUpn')).toBe('None');
  });

  it('bad options are rejected up front', async () => {
    await expectError(runText('', { maxLineBytes: 0 }), 'option-invalid');
    await expectError(runText('', { format: 'xml' as never }), 'option-invalid', 'xml');
  });

  it('truncated JSON documents and text after a document are reported', async () => {
    const cut = await runText(
      `{"records":[{"category":"AdvancedHunting-DeviceProcessEvents","properties":${ok()}},\n{"category":"Adv`,
    );
    expect(cut.stats).toMatchObject({ events: 1, rejected: 1 });
    expect(cut.rejected[0]).toMatchObject({ line: 2, record: 2, code: 'malformed-json' });
    const one = await runText('{\n"Timestamp": "2024');
    expect(one.rejected[0]).toMatchObject({ line: 1, code: 'malformed-json' });
    const tail = await runText(`[\n${ok()}\n]\ntrailing words\n[${ok()}]`);
    expect(tail.stats).toMatchObject({ events: 2, rejected: 1 });
    expect(tail.rejected[0]).toMatchObject({ line: 4, code: 'malformed-json' });
  });
});

describe('detectFormat', () => {
  it('sniffs each family from its first bytes', () => {
    expect(detectFormat('')).toBeUndefined();
    expect(detectFormat('  \n')).toBeUndefined();
    expect(detectFormat('\uFEFF{"time":"x","category":"AdvancedHunting-DeviceEvents"')).toBe('ndjson');
    expect(detectFormat('{"Timestamp":"2024')).toBe('ndjson');
    expect(detectFormat('{\n    "records": [')).toBe('eventhub');
    expect(detectFormat('{"Schema":[{"Name":"Timestamp"')).toBe('ah-api');
    expect(detectFormat('{"Stats":{},"Schema":[')).toBe('ah-api');
    expect(detectFormat('{"schema":[')).toBe('graph');
    expect(detectFormat('{ "@odata.context": "https://graph')).toBe('graph');
    expect(detectFormat('{"tables":[{"name":"PrimaryResult"')).toBe('sentinel');
    expect(detectFormat('[\n  {\n    "TableName": "PrimaryResult"')).toBe('sentinel');
    expect(detectFormat('\uFEFFTimestamp,DeviceId,DeviceName\r\n')).toBe('csv');
    expect(detectFormat('"Timestamp","DeviceId"\n')).toBe('csv');
    expect(detectFormat('garbage\n{"Timestamp":1}\n')).toBe('ndjson');
    expect(detectFormat('just words')).toBeUndefined();
    expect(detectFormat('PK\u0003\u0004\u0014\u0000')).toBeUndefined();
  });
});

describe('unreadable inputs', () => {
  it('a missing file is input-unreadable naming the path and the OS reason', async () => {
    const path = join(tmpdir(), 'tripline-no-such-file.ndjson');
    await expectError(run(fromFile(path)), 'input-unreadable', path, 'ENOENT');
  });

  it('a directory is input-unreadable naming the path', async () => {
    await expectError(run(fromFile(FIXTURES)), 'input-unreadable', FIXTURES, 'directory');
  });

  it('a stream that fails mid-way is input-unreadable naming the source', async () => {
    async function* failing(): AsyncGenerator<string> {
      yield `${ok()}\n`;
      throw new Error('connection reset');
    }
    const events: unknown[] = [];
    const err = await ingest(fromIterable(failing(), 'hub://events'), {
      event: (e) => events.push(e),
      rejected: () => undefined,
    }).catch((e: unknown) => e);
    expect(isTriplineError(err, 'input-unreadable')).toBe(true);
    expect(String((err as Error).message)).toContain('hub://events');
    expect(String((err as Error).message)).toContain('connection reset');
    expect(events).toHaveLength(1);
  });

  it('errors thrown by the sink propagate unchanged', async () => {
    const boom = new Error('sink full');
    const err = await ingest(fromIterable([`${ok()}\n`]), {
      event: () => {
        throw boom;
      },
      rejected: () => undefined,
    }).catch((e: unknown) => e);
    expect(err).toBe(boom);
  });
});

describe('over-long lines', () => {
  it('rejects a line longer than maxLineBytes with its line, counting UTF-8 bytes, and goes on', async () => {
    const long = ok({ ProcessCommandLine: 'x'.repeat(5000) });
    const euro = ok({ ProcessCommandLine: '€'.repeat(400) }); // ~500 characters, ~1300 bytes
    const r = await runText(`${long}\n${ok()}\n${euro}\n${ok()}`, { maxLineBytes: 1000 });
    expect(r.stats).toMatchObject({ rowsRead: 4, events: 2, rejected: 2 });
    expect(r.rejected.map((x) => [x.line, x.code])).toEqual([
      [1, 'line-too-long'],
      [3, 'line-too-long'],
    ]);
  });

  it('keeps memory bounded: the splitter never holds more than maxLineBytes of a line', () => {
    const { splitter, lines, tooLong, max } = recording(LineSplitter);
    const piece = 'y'.repeat(4096);
    let peak = 0;
    for (let i = 0; i < 2000; i++) {
      splitter.push(piece);
      peak = Math.max(peak, splitter.bufferedChars);
    }
    splitter.push('tail\nnext line\n');
    splitter.end();
    expect(peak).toBeLessThanOrEqual(max);
    expect(tooLong).toEqual([1]);
    expect(lines).toEqual(['next line']);
  });

  it('a 20 MiB line streamed through ingest with the default limit (16 MiB) is rejected, the next line read', async () => {
    const chunk = 'z'.repeat(1 << 20);
    async function* source(): AsyncGenerator<string> {
      yield '{"Timestamp":"2024-05-01T10:00:00Z","DeviceId":"d","ActionType":"X","P":"';
      for (let i = 0; i < 20; i++) yield chunk;
      yield `"}\n${ok()}\n`;
    }
    const r = await run(fromIterable(source()));
    expect(r.rejected).toEqual([
      { source: 'iterable', line: 1, code: 'line-too-long', reason: `line is longer than ${16 * 1024 * 1024} bytes` },
    ]);
    expect(r.events.map((e) => e.source.line)).toEqual([2]);
  });

  it('over-long array elements and CSV records are rejected the same way', async () => {
    const doc = JSON.stringify(
      {
        records: [
          { category: 'AdvancedHunting-DeviceEvents', properties: { P: 'x'.repeat(3000) } },
          { category: 'AdvancedHunting-DeviceProcessEvents', properties: JSON.parse(ok()) },
        ],
      },
      null,
      1,
    );
    const r = await runText(doc, { maxLineBytes: 1000 });
    expect(r.rejected.map((x) => [x.record, x.code])).toEqual([[1, 'line-too-long']]);
    expect(r.events).toHaveLength(1);
    const csv = `Timestamp,DeviceId,ActionType,ProcessCommandLine\n2024-05-01T10:00:00Z,d,X,"${'q'.repeat(3000)}"\n2024-05-01T10:00:00Z,d,X,short\n`;
    const c = await runText(csv, { maxLineBytes: 1000 });
    expect(c.rejected.map((x) => [x.line, x.code])).toEqual([[2, 'line-too-long']]);
    expect(c.events.map((e) => e.source.line)).toEqual([3]);
  });
});

describe('sources and progress', () => {
  it('fromStream reads a Node readable (bytes or text)', async () => {
    const r = await run(fromStream(Readable.from([Buffer.from(`${ok()}\n`), Buffer.from(ok())]), 'stdin'));
    expect(r.stats).toMatchObject({ source: 'stdin', events: 2 });
    const t = await run(fromStream(Readable.from([`${ok()}\n`], { objectMode: true })));
    expect(t.stats).toMatchObject({ source: 'stream', events: 1 });
  });

  it('progress is cumulative, carries the file size, and ends at the total', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-ingest-'));
    const path = join(dir, 'many.ndjson');
    const lines = Array.from({ length: 6000 }, (_, i) => ok({ ProcessId: i })).join('\n');
    writeFileSync(path, lines);
    const r = await run(fromFile(path));
    expect(r.stats.events).toBe(6000);
    expect(r.progress.length).toBeGreaterThan(2);
    const size = Buffer.byteLength(lines);
    for (let i = 1; i < r.progress.length; i++) {
      expect(r.progress[i]?.bytesRead).toBeGreaterThanOrEqual(r.progress[i - 1]?.bytesRead ?? 0);
      expect(r.progress[i]?.rowsRead).toBeGreaterThanOrEqual(r.progress[i - 1]?.rowsRead ?? 0);
    }
    expect(r.progress.at(-1)).toEqual({ source: path, bytesRead: size, totalBytes: size, rowsRead: 6000 });
  });
});
