/**
 * The interpreter, construct by construct of KQL_SUBSET, with hand-written queries and Defender rows.
 * Semantics as Microsoft Learn documents them (string operators, `has` term matching, `isempty` vs
 * `isnull`, range functions, `bin`, summarize aggregations).
 */
import type { MdeEvent } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import { KqlRunError, runKql } from '../../src/index.js';
import { logon, net, proc } from './support.js';

/** ReportIds of the rows a query returns (as decimal strings). */
function ids(query: string, rows: MdeEvent[]): string[] {
  return runKql(query, rows).rows.map((r) => String(r.values.ReportId));
}

/** The one value `extend V = <expr>` computes for a row. */
function value(expr: string, row: MdeEvent = proc({})): unknown {
  const r = runKql(`DeviceProcessEvents | extend V = ${expr} | project V`, [row]);
  return r.rows[0]?.values.V;
}

const rows = [
  proc({ ReportId: 1, FileName: 'cmd.exe', ProcessCommandLine: 'cmd.exe /c whoami /all', ProcessId: 4012 }),
  proc({ ReportId: 2, FileName: 'CMD.EXE', ProcessCommandLine: 'CMD /C WHOAMIX', ProcessId: 88 }),
  proc({ ReportId: 3, FileName: 'powershell.exe', ProcessCommandLine: 'powershell -enc SQBFAFgA', ProcessId: 5000 }),
  proc({ ReportId: 4, FileName: 'notepad.exe' }),
];

describe('string operators', () => {
  it.each([
    ['FileName == "cmd.exe"', ['1']],
    ['FileName != "cmd.exe"', ['2', '3', '4']],
    ['FileName =~ "cmd.exe"', ['1', '2']],
    ['FileName !~ "cmd.exe"', ['3', '4']],
    ['ProcessCommandLine contains "whoami"', ['1', '2']],
    ['ProcessCommandLine contains_cs "whoami"', ['1']],
    ['ProcessCommandLine !contains "whoami"', ['3', '4']],
    ['ProcessCommandLine startswith "cmd"', ['1', '2']],
    ['ProcessCommandLine startswith_cs "CMD"', ['2']],
    ['ProcessCommandLine endswith "/all"', ['1']],
    ['ProcessCommandLine endswith_cs "WHOAMIX"', ['2']],
    ['FileName in ("cmd.exe", "notepad.exe")', ['1', '4']],
    ['FileName !in ("cmd.exe", "notepad.exe")', ['2', '3']],
    ['FileName in~ ("cmd.exe")', ['1', '2']],
    ['FileName !in~ ("cmd.exe")', ['3', '4']],
    ['FileName in (dynamic(["notepad.exe", "x"]))', ['4']],
  ])('%s', (predicate, expected) => {
    expect(ids(`DeviceProcessEvents | where ${predicate}`, rows)).toEqual(expected);
  });

  it('has matches whole terms, not substrings, case-insensitively; has_cs keeps the case', () => {
    expect(ids('DeviceProcessEvents | where ProcessCommandLine has "whoami"', rows)).toEqual(['1']);
    expect(ids('DeviceProcessEvents | where ProcessCommandLine has "WHOAMI"', rows)).toEqual(['1']);
    expect(ids('DeviceProcessEvents | where ProcessCommandLine has "who"', rows)).toEqual([]);
    expect(ids('DeviceProcessEvents | where ProcessCommandLine has_cs "WHOAMIX"', rows)).toEqual(['2']);
    expect(ids('DeviceProcessEvents | where ProcessCommandLine has_cs "whoamix"', rows)).toEqual([]);
    // A needle with punctuation: its letter ends must fall on term boundaries.
    expect(ids('DeviceProcessEvents | where ProcessCommandLine has "c whoami"', rows)).toEqual(['1']);
    expect(ids('DeviceProcessEvents | where ProcessCommandLine has "/all"', rows)).toEqual(['1']);
  });

  it('matches regex searches with RE2 semantics; (?i) folds case', () => {
    expect(ids('DeviceProcessEvents | where ProcessCommandLine matches regex @"who.mi\\b"', rows)).toEqual(['1']);
    expect(ids('DeviceProcessEvents | where ProcessCommandLine matches regex @"(?i)^cmd.*whoami"', rows)).toEqual([
      '1',
      '2',
    ]);
    expect(ids('DeviceProcessEvents | where ProcessCommandLine matches regex "[-/]enc"', rows)).toEqual(['3']);
  });

  it('an absent string is the empty string: != is true for it, == "" matches it', () => {
    expect(ids('DeviceProcessEvents | where ProcessCommandLine == ""', rows)).toEqual(['4']);
    expect(ids('DeviceProcessEvents | where ProcessCommandLine != "x"', rows)).toEqual(['1', '2', '3', '4']);
  });
});

describe('numbers, null, logic', () => {
  it.each([
    ['ProcessId > 1000', ['1', '3']],
    ['ProcessId >= 4012', ['1', '3']],
    ['ProcessId < 100', ['2']],
    ['ProcessId <= 88', ['2']],
    ['ProcessId == 88', ['2']],
    ['ProcessId in (88, 5000)', ['2', '3']],
    ['ProcessId between (100 .. 4012)', ['1']],
    // A null long (row 4): null == 88 is false and null != 88 is true (Microsoft Learn, "Null values");
    // an ordering comparison with null is null, which where drops.
    ['ProcessId != 88', ['1', '3', '4']],
    ['not(ProcessId == 88)', ['1', '3', '4']],
    ['ProcessId == long(null)', []],
    ['not(ProcessId > 100)', ['2']],
    ['isnull(ProcessId)', ['4']],
    ['isnotnull(ProcessId)', ['1', '2', '3']],
    ['isempty(ProcessCommandLine)', ['4']],
    ['isnotempty(ProcessCommandLine)', ['1', '2', '3']],
    // Strings are never null in Kusto.
    ['isnull(ProcessCommandLine)', []],
    ['FileName =~ "cmd.exe" and ProcessId > 100', ['1']],
    ['FileName == "notepad.exe" or ProcessId < 100', ['2', '4']],
    // null or true is true; null and false is false.
    ['ProcessId > 1 or FileName == "notepad.exe"', ['1', '2', '3', '4']],
  ])('%s', (predicate, expected) => {
    expect(ids(`DeviceProcessEvents | where ${predicate}`, rows)).toEqual(expected);
  });

  it('ReportIds beyond 2^53 stay exact and compare as decimal numbers', () => {
    const big = [proc({ ReportId: '9007199254740993' }), proc({ ReportId: '9007199254740992' })];
    expect(ids('DeviceProcessEvents | where ReportId == 9007199254740993', big)).toEqual(['9007199254740993']);
    expect(ids('DeviceProcessEvents | where ReportId > 9007199254740992', big)).toEqual(['9007199254740993']);
  });

  it('datetimes compare exactly, to the 100 ns tick; ago and now read the given instant', () => {
    const t = [
      proc({ ReportId: 1, Timestamp: '2025-03-04T10:00:00.0000001Z' }),
      proc({ ReportId: 2, Timestamp: '2025-03-04T09:00:00Z' }),
    ];
    expect(ids('DeviceProcessEvents | where Timestamp > datetime(2025-03-04T10:00:00Z)', t)).toEqual(['1']);
    const recent = runKql('DeviceProcessEvents | where Timestamp > ago(30m)', t, { now: '2025-03-04T10:20:00Z' });
    expect(recent.rows.map((r) => r.values.ReportId)).toEqual([1]);
    const past = runKql('DeviceProcessEvents | where Timestamp < now()', t, { now: '2025-03-04T10:20:00Z' });
    expect(past.rows.length).toBe(2);
  });
});

describe('functions', () => {
  const row = proc({
    FileName: 'Cmd.Exe',
    ProcessCommandLine: 'cmd.exe /c "net user admin P@ss /add"',
    ProcessId: 4012,
    AdditionalFields: '{"Terminal":"pts/1","Nested":{"A":[10,20]},"Flag":true}',
  });
  it.each([
    ['strcat(FileName, "|", ProcessId)', 'Cmd.Exe|4012'],
    ['iff(ProcessId > 10, "big", "small")', 'big'],
    ['case(ProcessId < 10, "a", ProcessId < 5000, "b", "c")', 'b'],
    ['case(ProcessId < 10, "a", "c")', 'c'],
    ['tolower(FileName)', 'cmd.exe'],
    ['toupper(FileName)', 'CMD.EXE'],
    ['tostring(ProcessId)', '4012'],
    ['tolong("42")', 42],
    ['toint("x")', null],
    ['toreal("1.5")', 1.5],
    ['replace_string(FileName, ".", "_")', 'Cmd_Exe'],
    ['replace_regex(ProcessCommandLine, @"(\\w+) (\\w+)", @"\\2-\\1")', 'cmd.exe /c "user-net P-admin@ss /add"'],
    ['extract(@"user (\\w+)", 1, ProcessCommandLine)', 'admin'],
    ['extract(@"nomatch(\\w+)", 1, ProcessCommandLine)', ''],
    ['strlen(FileName)', 7],
    ['substring(FileName, 4)', 'Exe'],
    ['substring(FileName, 0, 3)', 'Cmd'],
    ['indexof(FileName, ".")', 3],
    ['indexof(FileName, "zz")', -1],
    ['indexof("a:b:c", ":", 2)', 3],
    ['indexof("a:b:c", ":", 0, 1)', -1],
    ['indexof("a:b:c", ":", 0, -1, 2)', 3],
    ['indexof("a:b:c", ":", -2)', 3],
    ['substring("https://x", indexof("https://x", "://") + 3)', 'x'],
    ['ProcessId - 12', 4000],
    ['strlen(FileName) - 2 + 1', 6],
    ['tostring(Timestamp + 1h)', '2025-03-04T11:15:30.1234567Z'],
    ['tostring(datetime(2025-03-04T10:30:00Z) - datetime(2025-03-04T10:00:00Z))', '00:30:00'],
    ['ProcessId + long(null)', null],
    ['split(FileName, ".")', ['Cmd', 'Exe']],
    ['split(FileName, ".", 1)', ['Exe']],
    ['trim(@"[C e]+", "  Cmd.Exe  ")', 'md.Ex'],
    ['coalesce(ProcessCommandLine, "none")', 'cmd.exe /c "net user admin P@ss /add"'],
    ['coalesce(AccountName, "none")', 'none'],
    ['base64_encode_tostring("whoami")', 'd2hvYW1p'],
    ['tohex(255)', 'ff'],
    ['tohex(255, 8)', '000000ff'],
    ['tohex(-546)', 'fffffffffffffdde'],
    ['binary_and(4294967297, 4294967295)', 1],
    ['binary_shift_right(4294967296, 32)', 1],
    [
      'strcat("QWORD (0x", tohex(binary_and(binary_shift_right(81985529216486895, 32), 4294967295), 8), "-0x", tohex(binary_and(81985529216486895, 4294967295), 8), ")")',
      'QWORD (0x01234567-0x89abcdef)',
    ],
    ['tostring(parse_json(AdditionalFields).Terminal)', 'pts/1'],
    ['tostring(parse_json(AdditionalFields)["Terminal"])', 'pts/1'],
    ['toint(parse_json(AdditionalFields).Nested.A[1])', 20],
    ['parse_json(AdditionalFields).Flag == true', true],
    ['isnull(parse_json(AdditionalFields).Missing)', true],
    ['todynamic("not json")', 'not json'],
    ['array_length(parse_json(AdditionalFields).Nested.A)', 2],
    ['array_length(parse_json(AdditionalFields).Terminal)', null],
    ['set_has_element(dynamic(["a", "Cmd.Exe"]), FileName)', true],
    ['set_has_element(dynamic(["a"]), FileName)', false],
    ['datetime_diff("minute", datetime(2025-03-04T10:30:00Z), datetime(2025-03-04T10:00:59Z))', 30],
    ['bin(ProcessId, 1000)', 4000],
    ['bin(Timestamp, 1h)', '2025-03-04T10:00:00Z'],
    ['bin(Timestamp, 10m)', '2025-03-04T10:10:00Z'],
    ['tostring(Timestamp)', '2025-03-04T10:15:30.1234567Z'],
    ['tostring(2h)', '02:00:00'],
  ])('%s', (expr, expected) => {
    expect(value(expr, row)).toEqual(expected);
  });

  it('ipv4_is_in_range, ipv6_is_in_range (IPv4 addresses mapped), ipv4_is_private', () => {
    const n = [
      net({ ReportId: 1, RemoteIP: '10.1.2.3' }),
      net({ ReportId: 2, RemoteIP: '192.168.7.7' }),
      net({ ReportId: 3, RemoteIP: '2001:db8::1' }),
      net({ ReportId: 4, RemoteIP: '8.8.8.8' }),
      net({ ReportId: 5, RemoteIP: 'not-an-ip' }),
    ];
    const q = (p: string) => runKql(`DeviceNetworkEvents | where ${p}`, n).rows.map((r) => r.values.ReportId);
    expect(q('ipv4_is_in_range(RemoteIP, "10.0.0.0/8")')).toEqual([1]);
    expect(q('ipv4_is_in_range(RemoteIP, "8.8.8.8")')).toEqual([4]);
    expect(q('ipv6_is_in_range(RemoteIP, "2001:db8::/32")')).toEqual([3]);
    expect(q('ipv6_is_in_range(RemoteIP, "::ffff:10.0.0.0/104")')).toEqual([1]);
    expect(q('ipv4_is_private(RemoteIP)')).toEqual([1, 2]);
    expect(q('not(ipv4_is_private(RemoteIP))')).toEqual([4]);
  });
});

describe('attacker-controlled text', () => {
  it('regex functions stay linear on a long command line (RE2; trim is two searches)', () => {
    const long = `${'a '.repeat(100_000)}!`;
    const row = proc({ ProcessCommandLine: long });
    const t0 = performance.now();
    expect(value('strlen(trim(@"[a ]+", ProcessCommandLine))', row)).toBe(1);
    expect(value('strlen(trim(@"[!]+", ProcessCommandLine))', row)).toBe(long.length - 1);
    expect(value('strlen(replace_regex(ProcessCommandLine, @"a+", "b"))', row)).toBe(long.length);
    expect(value('ProcessCommandLine matches regex @"(a|a )*!$"', row)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

describe('tabular operators', () => {
  const fails = [
    logon({ ReportId: 1, Timestamp: '2025-03-04T10:01:00Z', AccountName: 'admin', RemoteIP: '203.0.113.5' }),
    logon({ ReportId: 2, Timestamp: '2025-03-04T10:02:00Z', AccountName: 'root', RemoteIP: '203.0.113.5' }),
    logon({ ReportId: 3, Timestamp: '2025-03-04T10:03:00Z', AccountName: 'admin', RemoteIP: '203.0.113.5' }),
    logon({ ReportId: 4, Timestamp: '2025-03-04T10:12:00Z', AccountName: 'guest', RemoteIP: '198.51.100.9' }),
    logon({ ReportId: 5, Timestamp: '2025-03-04T10:13:00Z', ActionType: 'LogonSuccess', AccountName: 'admin' }),
  ];

  it('extend adds columns (and replaces one of the same name), project keeps and orders them', () => {
    const r = runKql(
      'DeviceLogonEvents | extend User = toupper(AccountName), AccountName = "x" | project ReportId, User, AccountName',
      fails.slice(0, 1),
    );
    expect(r.columns).toEqual(['ReportId', 'User', 'AccountName']);
    expect(r.rows[0]?.values).toEqual({ ReportId: 1, User: 'ADMIN', AccountName: 'x' });
    expect(r.rows[0]?.events).toEqual([fails[0]]);
  });

  it('project with a computed column; project-rename', () => {
    const r = runKql(
      'DeviceLogonEvents | project Id = ReportId, Ip = RemoteIP | project-rename Address = Ip',
      fails.slice(3, 4),
    );
    expect(r.columns).toEqual(['Id', 'Address']);
    expect(r.rows[0]?.values).toEqual({ Id: 4, Address: '198.51.100.9' });
  });

  it('sort (desc by default, nulls last) and take', () => {
    expect(ids('DeviceLogonEvents | sort by Timestamp', fails)).toEqual(['5', '4', '3', '2', '1']);
    expect(ids('DeviceLogonEvents | sort by AccountName asc, ReportId desc | take 3', fails)).toEqual(['5', '3', '1']);
    expect(ids('DeviceLogonEvents | order by RemotePort asc | take 2', fails)).toEqual(['1', '2']);
  });

  it('union of two tables', () => {
    const r = runKql(
      'union (DeviceLogonEvents | where AccountName == "guest"), (DeviceProcessEvents | where FileName == "cmd.exe")',
      [...fails, ...rows],
    );
    expect(r.rows.map((x) => x.values.ReportId)).toEqual([4, 1]);
  });

  it('rows can be given by table', () => {
    const r = runKql('DeviceLogonEvents | where AccountName == "root"', { DeviceLogonEvents: fails });
    expect(r.rows.map((x) => x.values.ReportId)).toEqual([2]);
  });

  it('summarize with every aggregation of the subset, by a key and bin(Timestamp)', () => {
    const r = runKql(
      `DeviceLogonEvents
| where ActionType == "LogonFailed"
| summarize Failures = count(), Admins = countif(AccountName == "admin"), Users = dcount(AccountName),
    AdminUsers = dcountif(AccountName, AccountName != "root"), Sum = sum(ReportId), Avg = avg(ReportId),
    P50 = percentile(ReportId, 50), First = min(Timestamp), Last = max(Timestamp), Set = make_set(AccountName),
    List = make_list(AccountName), Any = take_any(RemoteIP), arg_max(Timestamp, AccountName)
    by RemoteIP, bin(Timestamp, 10m)
| sort by Failures desc`,
      fails,
    );
    expect(r.columns).toEqual([
      'RemoteIP',
      'Timestamp',
      'Failures',
      'Admins',
      'Users',
      'AdminUsers',
      'Sum',
      'Avg',
      'P50',
      'First',
      'Last',
      'Set',
      'List',
      'Any',
      'Timestamp1',
      'AccountName',
    ]);
    expect(r.rows.map((x) => x.values)).toEqual([
      {
        RemoteIP: '203.0.113.5',
        Timestamp: '2025-03-04T10:00:00Z',
        Failures: 3,
        Admins: 2,
        Users: 2,
        AdminUsers: 1,
        Sum: 6,
        Avg: 2,
        P50: 2,
        First: '2025-03-04T10:01:00Z',
        Last: '2025-03-04T10:03:00Z',
        Set: ['admin', 'root'],
        List: ['admin', 'root', 'admin'],
        Any: '203.0.113.5',
        Timestamp1: '2025-03-04T10:03:00Z',
        AccountName: 'admin',
      },
      {
        RemoteIP: '198.51.100.9',
        Timestamp: '2025-03-04T10:10:00Z',
        Failures: 1,
        Admins: 0,
        Users: 1,
        AdminUsers: 1,
        Sum: 4,
        Avg: 4,
        P50: 4,
        First: '2025-03-04T10:12:00Z',
        Last: '2025-03-04T10:12:00Z',
        Set: ['guest'],
        List: ['guest'],
        Any: '198.51.100.9',
        Timestamp1: '2025-03-04T10:12:00Z',
        AccountName: 'guest',
      },
    ]);
    expect(r.rows[0]?.events).toEqual(fails.slice(0, 3));
  });

  it('summarize without by returns one row, even over no rows; arg_min(…, *) carries the row', () => {
    expect(runKql('DeviceLogonEvents | where AccountName == "nobody" | summarize n = count()', fails).rows).toEqual([
      { values: { n: 0 }, events: [] },
    ]);
    const r = runKql(
      'DeviceLogonEvents | summarize arg_min(Timestamp, *) by AccountName | where AccountName == "admin"',
      fails,
    );
    expect(r.rows[0]?.values.ReportId).toBe(1);
  });
});

describe('what the interpreter does not run is an error naming it', () => {
  it.each([
    ['DeviceProcessEvents | join (DeviceProcessEvents) on DeviceId', /join/],
    ['DeviceProcessEvents | where ProcessCommandLine has_any ("a", "b")', /has_any/],
    ['DeviceProcessEvents | extend X = hash_sha256(FileName)', /hash_sha256/],
    ['DeviceProcessEvents | summarize stdev(ProcessId)', /stdev/],
    ['DeviceProcessEvents | extend tolower(FileName)', /unnamed expression/],
    ['DeviceProcessEvents | where FileNme == "x"', /KS142/],
  ])('%s', (query, message) => {
    expect(() => runKql(query, rows)).toThrowError(KqlRunError);
    expect(() => runKql(query, rows)).toThrowError(message);
  });
});
