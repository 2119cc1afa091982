import { describe, expect, it } from 'vitest';
import { fromFile, fromString } from './index.js';
import { FIXTURES, fixture, run, runText } from './testkit.js';

const BIG = '639199803770463703';

describe('literal examples of the reference note (mde-schema-and-formats.md §3)', () => {
  it('§3(a) streaming record, pretty-printed as documented: one DeviceProcessEvents event', async () => {
    const r = await run(fromFile(`${FIXTURES}ref-streaming-record.json`));
    expect(r.stats).toMatchObject({ format: 'ndjson', rowsRead: 1, events: 1, rejected: 0 });
    const e = r.events[0];
    expect(e?.table).toBe('DeviceProcessEvents');
    expect(e?.timestamp).toBe('2026-07-18T14:55:41.322571Z');
    expect(e?.reportId).toBe('35595');
    expect(e?.source).toEqual({ source: `${FIXTURES}ref-streaming-record.json`, line: 1 });
    expect(e?.posix.process.effectiveGroup).toEqual({ name: 'staff', gid: 20 });
  });

  it('§3(a) the same record inside an Event Hub message (one line, CRLF) and as a storage blob line', async () => {
    const record = JSON.stringify(JSON.parse(fixture('ref-streaming-record.json')));
    const hub = await runText(`{"records":[${record},${record}]}\r\n`);
    expect(hub.stats).toMatchObject({ format: 'eventhub', rowsRead: 2, events: 2 });
    expect(hub.events.map((e) => e.source)).toEqual([
      { source: 'input', line: 1, record: 1 },
      { source: 'input', line: 1, record: 2 },
    ]);
    const blob = await runText(`${record}\r\n${record}\r\n`);
    expect(blob.stats).toMatchObject({ format: 'ndjson', rowsRead: 2, events: 2 });
    expect(blob.events[1]?.toJSON()).toEqual(hub.events[1]?.toJSON());
  });

  it('§3(a) the documented Event Hub template (placeholders, not JSON) is one malformed record, not a crash', async () => {
    const r = await runText(fixture('ref-eventhub-template.json.txt'));
    expect(r.stats).toMatchObject({ format: 'eventhub', rowsRead: 1, events: 0, rejected: 1 });
    expect(r.rejected[0]).toMatchObject({ code: 'malformed-json', record: 1, line: 3 });
  });

  it('§3(b) MDE API answer: rows without ActionType fit several tables → ambiguous-table naming them', async () => {
    const r = await runText(fixture('ref-ah-api.json'));
    expect(r.stats).toMatchObject({ format: 'ah-api', rowsRead: 2, events: 0, rejected: 2 });
    expect(r.rejected[0]).toMatchObject({ record: 1, line: 9, code: 'ambiguous-table' });
    expect(r.rejected[0]?.reason).toContain('DeviceProcessEvents');
    expect(r.rejected[0]?.reason).toContain('DeviceImageLoadEvents');
    expect(r.rejected[1]).toMatchObject({ record: 2, line: 15 });
  });

  it('§3(b) Graph runHuntingQuery answer: same, with lowercase envelope keys', async () => {
    const r = await runText(fixture('ref-graph.json'));
    expect(r.stats).toMatchObject({ format: 'graph', rowsRead: 2, rejected: 2 });
    expect(r.rejected.map((x) => x.code)).toEqual(['ambiguous-table', 'ambiguous-table']);
  });

  it('§3(c) Log Analytics REST answer (a getschema table): 4 positional rows, none a Defender row', async () => {
    const r = await runText(fixture('ref-la-rest.json'));
    expect(r.stats).toMatchObject({ format: 'sentinel', rowsRead: 4, events: 0, rejected: 4 });
    expect(r.rejected.map((x) => [x.record, x.code])).toEqual([
      [1, 'unknown-table'],
      [2, 'unknown-table'],
      [3, 'unknown-table'],
      [4, 'unknown-table'],
    ]);
  });

  it('§3(c) az CLI output: every value text, "None" is null, Type names the table', async () => {
    const r = await runText(fixture('ref-az-cli.json'));
    expect(r.stats).toMatchObject({ format: 'sentinel', rowsRead: 1, events: 1 });
    const e = r.events[0];
    expect(e?.table).toBe('DeviceProcessEvents');
    expect(e?.has('AccountUpn')).toBe(false);
    expect(e?.get('ProcessId')).toBe(2576);
    expect(e?.get('IsProcessRemoteSession')).toBe(false);
    expect(e?.reportId).toBe('1413');
    expect(e?.get('AdditionalFields')).toEqual({ FileType: 'Unknown' });
    expect(e?.get('TableName')).toBe('PrimaryResult'); // az's own column, kept
    expect(e?.has('Type')).toBe(false); // consumed like an envelope's category
  });

  it('§3(d) portal CSV, ISO variant as printed (elided with …): field counts differ → malformed-csv on line 2', async () => {
    const r = await runText(fixture('ref-portal-iso.csv'));
    expect(r.stats).toMatchObject({ format: 'csv', rowsRead: 1, rejected: 1 });
    expect(r.rejected[0]).toMatchObject({
      line: 2,
      code: 'malformed-csv',
      reason: 'record has 28 fields, the header has 16',
    });
  });

  it('§3(d) portal CSV, localised variant: BOM, "Oct 9, 2024 2:40:09 PM", Invalid date = null, 0/1 booleans', async () => {
    const r = await runText(fixture('ref-portal-localised.csv'));
    expect(r.stats).toMatchObject({ format: 'csv', rowsRead: 1, events: 1 });
    const e = r.events[0];
    expect(e?.table).toBe('DeviceLogonEvents');
    expect(e?.timestamp).toBe('2024-10-09T14:40:09Z');
    expect(e?.has('InitiatingProcessCreationTime')).toBe(false);
    expect(e?.get('IsInitiatingProcessRemoteSession')).toBe(false);
    expect(e?.get('Timestamp')).toBe('2024-10-09T14:40:09Z');
    expect(e?.additionalFields).toEqual({ IsLocalLogon: false });
    expect(e?.source.line).toBe(2);
  });
});

describe('one Linux DeviceProcessEvents row in six forms', () => {
  const forms = [
    ['linux-row.streaming.ndjson', 'ndjson'],
    ['linux-row.eventhub.json', 'eventhub'],
    ['linux-row.ah-api.json', 'ah-api'],
    ['linux-row.graph.json', 'graph'],
    ['linux-row.sentinel.json', 'sentinel'],
    ['linux-row.portal.csv', 'csv'],
  ] as const;

  it('yields the identical normalised event, ReportId exact, POSIX fields readable', async () => {
    const results = [];
    for (const [file, format] of forms) {
      const r = await run(fromFile(FIXTURES + file));
      expect(r.stats, file).toMatchObject({ format, rowsRead: 1, events: 1, rejected: 0 });
      const e = r.events[0];
      expect(e?.reportId, file).toBe(BIG);
      expect(e?.get('ReportId'), file).toBe(BIG);
      expect(JSON.stringify(e?.toJSON()), file).toContain(`"ReportId":"${BIG}"`);
      results.push(e?.toJSON());
    }
    for (const json of results.slice(1)) expect(json).toEqual(results[0]);
    const e = (await run(fromFile(`${FIXTURES}linux-row.portal.csv`))).events[0];
    expect(e?.table).toBe('DeviceProcessEvents');
    expect(e?.timestamp).toBe('2026-03-14T09:26:53.1234567Z');
    expect(e?.posix.initiatingProcess.effectiveUser).toMatchObject({ name: 'www-data', uid: 33 });
    expect(e?.posix.process.terminal).toBe('/dev/pts/3');
    expect(e?.get('IsProcessRemoteSession')).toBe(false);
    expect(e?.get('FileSize')).toBe(1396520);
  });

  it('is read the same when the format is forced instead of detected', async () => {
    for (const [file, format] of forms) {
      const r = await run(fromFile(FIXTURES + file), { format });
      expect(r.stats, file).toMatchObject({ format, events: 1 });
    }
  });
});

describe('envelopes and variants', () => {
  const row = (extra: Record<string, unknown> = {}) => ({
    Timestamp: '2024-05-01T10:00:00Z',
    DeviceId: 'd1',
    DeviceName: 'host1',
    ActionType: 'ProcessCreated',
    FileName: 'sh',
    ...extra,
  });

  it('Event Hub: several messages one per line give line + record', async () => {
    const rec = (a: string) => ({
      time: 't',
      category: 'AdvancedHunting-DeviceProcessEvents',
      properties: row({ FileName: a }),
    });
    const text = `${JSON.stringify({ records: [rec('a'), rec('b')] })}\n${JSON.stringify({ records: [rec('c')] })}\n`;
    const r = await runText(text);
    expect(r.stats.format).toBe('eventhub');
    expect(r.events.map((e) => [e.get('FileName'), e.source.line, e.source.record])).toEqual([
      ['a', 1, 1],
      ['b', 1, 2],
      ['c', 2, 1],
    ]);
  });

  it('Event Hub pretty-printed: records carry their index and start line; unknown and foreign categories', async () => {
    const doc = {
      records: [
        { category: 'AdvancedHunting-DeviceProcessEvents', properties: row() },
        { category: 'AdvancedHunting-EmailEvents', properties: { Timestamp: 'x' } },
        { category: 'Something', properties: {} },
        42,
      ],
    };
    const r = await runText(JSON.stringify(doc, null, 2));
    expect(r.stats).toMatchObject({ format: 'eventhub', rowsRead: 4, events: 1, rejected: 3 });
    expect(r.events[0]?.source).toEqual({ source: 'input', line: 3, record: 1 });
    expect(r.rejected.map((x) => [x.record, x.code])).toEqual([
      [2, 'unsupported-table'],
      [3, 'unknown-table'],
      [4, 'not-a-row'],
    ]);
    expect(r.rejected[0]?.reason).toContain('EmailEvents');
  });

  it('AH API: Schema/results key mix, Stats first, withsource column names the table', async () => {
    const doc = {
      Stats: { ExecutionTime: 0.1 },
      Schema: [{ Name: 'Src', Type: 'String' }],
      results: [
        { Src: 'DeviceFileEvents', ...row({ ActionType: 'ProcessCreated' }) },
        { Src: 'IdentityLogonEvents', ...row() },
      ],
    };
    const r = await runText(JSON.stringify(doc, null, 1));
    expect(r.stats).toMatchObject({ format: 'ah-api', rowsRead: 2, events: 1, rejected: 1 });
    expect(r.events[0]?.table).toBe('DeviceFileEvents'); // the withsource column wins over the ActionType
    expect(r.events[0]?.has('Src')).toBe(false);
    expect(r.rejected[0]).toMatchObject({ record: 2, code: 'unsupported-table' });
    expect(r.rejected[0]?.reason).toContain('IdentityLogonEvents');
  });

  it('union withsource=TableName on JSON Lines of Results rows', async () => {
    const lines = [
      { TableName: 'DeviceRegistryEvents', ...row({ ActionType: 'RegistryValueSet' }) },
      { TableName: 'DeviceNetworkInfo', Timestamp: '2024-05-01T10:00:00Z', DeviceId: 'd1', NetworkAdapterName: 'eth0' },
    ];
    const r = await runText(lines.map((l) => JSON.stringify(l)).join('\n'));
    expect(r.events.map((e) => e.table)).toEqual(['DeviceRegistryEvents', 'DeviceNetworkInfo']);
  });

  it('Sentinel array: Type names the table, dynamic columns as objects, TimeGenerated kept', async () => {
    const rows = [
      {
        TimeGenerated: '2024-05-01T10:05:00Z',
        Type: 'DeviceInfo',
        Timestamp: '2024-05-01T10:00:00Z',
        DeviceId: 'd1',
        LoggedOnUsers: [{ UserName: 'rob' }],
        ReportId: 639199803770463703n,
      },
      { Type: 'IdentityLogonEvents', Timestamp: '2024-05-01T10:00:00Z' },
      { Type: 'DeviceEvents', Timestamp: 'yesterday', DeviceId: 'd1', ActionType: 'X' },
    ];
    const text = JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? `@@${v}@@` : v)).replace(/"@@(\d+)@@"/g, '$1');
    const r = await runText(text);
    expect(r.stats).toMatchObject({ format: 'sentinel', rowsRead: 3, events: 1, rejected: 2 });
    expect(r.events[0]?.get('LoggedOnUsers')).toEqual([{ UserName: 'rob' }]);
    expect(r.events[0]?.get('TimeGenerated')).toBe('2024-05-01T10:05:00Z');
    expect(r.events[0]?.reportId).toBe(BIG);
    expect(r.rejected.map((x) => [x.record, x.code])).toEqual([
      [2, 'unsupported-table'],
      [3, 'invalid-timestamp'],
    ]);
  });

  it('Log Analytics REST with real rows, columns after rows, several tables', async () => {
    const doc = {
      tables: [
        {
          name: 'PrimaryResult',
          rows: [['DeviceLogonEvents', '2024-05-01T10:00:00Z', 'host1', 'LogonFailed', '{"IsLocalLogon":true}']],
          columns: [
            { name: 'Type', type: 'string' },
            { name: 'Timestamp', type: 'datetime' },
            { name: 'DeviceName', type: 'string' },
            { name: 'ActionType', type: 'string' },
            { name: 'AdditionalFields', type: 'dynamic' },
          ],
        },
        {
          name: 'Second',
          columns: [{ name: 'Timestamp' }, { name: 'DeviceName' }, { name: 'ActionType' }],
          rows: [
            ['2024-05-01T10:00:01Z', 'h', 'FileCreated'],
            ['too', 'few'],
          ],
        },
      ],
    };
    const r = await runText(JSON.stringify(doc));
    expect(r.stats).toMatchObject({ format: 'sentinel', rowsRead: 3, events: 2, rejected: 1 });
    expect(r.events.map((e) => e.table)).toEqual(['DeviceLogonEvents', 'DeviceFileEvents']);
    expect(r.events[0]?.additionalFields).toEqual({ IsLocalLogon: true });
    expect(r.rejected[0]).toMatchObject({ code: 'not-a-row', record: 3 });
    // Pretty-printed (read as a streamed document) and as one NDJSON line: the same rows, the same numbering.
    for (const text of [JSON.stringify(doc, null, 2), `${JSON.stringify(doc)}\n`]) {
      const again = await runText(text);
      expect(again.events.map((e) => e.toJSON())).toEqual(r.events.map((e) => e.toJSON()));
      expect(again.rejected.map((x) => [x.record, x.code])).toEqual([[3, 'not-a-row']]);
    }
  });

  it('Log Analytics CSV: " [UTC]" header suffix stripped, US display dates', async () => {
    const csv =
      'TimeGenerated [UTC],Timestamp [UTC],DeviceName,ActionType,RemoteIP\n"5/1/2024, 10:00:05.123 AM","5/1/2024, 10:00:00.000 AM",host1,ConnectionSuccess,10.0.0.1\n';
    const r = await runText(csv);
    expect(r.events[0]?.table).toBe('DeviceNetworkEvents');
    expect(r.events[0]?.timestamp).toBe('2024-05-01T10:00:00.000Z');
    expect(r.events[0]?.has('Timestamp [UTC]')).toBe(false);
  });

  it('CSV: quoted newlines, "" escapes, record line = start line, CRLF, blank lines, wrong field count', async () => {
    const csv = [
      'Timestamp,DeviceName,ActionType,ProcessCommandLine',
      '2024-05-01T10:00:00Z,h,ProcessCreated,"bash -c ""echo',
      'two lines"""',
      '',
      '2024-05-01T10:00:01Z,h,ProcessCreated',
      '2024-05-01T10:00:02Z,h,ProcessCreated,plain',
    ].join('\r\n');
    const r = await runText(csv);
    expect(r.stats).toMatchObject({ rowsRead: 3, events: 2, rejected: 1 });
    expect(r.events[0]?.get('ProcessCommandLine')).toBe('bash -c "echo\r\ntwo lines"');
    expect(r.events.map((e) => e.source.line)).toEqual([2, 6]);
    expect(r.rejected[0]).toMatchObject({ line: 5, code: 'malformed-csv' });
    expect(r.events[1]?.get('ProcessCommandLine')).toBe('plain');
  });

  it('CSV: unterminated quote at the end is reported, not swallowed', async () => {
    const r = await runText('Timestamp,DeviceName,ActionType\n2024-05-01T10:00:00Z,h,"Process\n');
    expect(r.rejected).toEqual([
      { source: 'input', line: 2, code: 'malformed-csv', reason: 'input ends inside a quoted field' },
    ]);
  });

  it('fromString names default to "string"', async () => {
    const r = await run(fromString('{"Timestamp":"2024-05-01T10:00:00Z"}'));
    expect(r.rejected[0]?.source).toBe('string');
  });
});
