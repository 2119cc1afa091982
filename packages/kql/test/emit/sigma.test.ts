import { compileSigma } from '@tripline/sigma';
import { describe, expect, it } from 'vitest';
import { windowsRow } from '../../../sigma/test/support/mde-rows.js';
import { runKql } from '../../src/check/index.js';
import { exportSigma, exportSigmaRule } from '../../src/emit/index.js';
import { globRegex } from '../../src/emit/sigma.js';

/** One Sigma rule (YAML detection block) compiled with the Defender mapping. */
function rule(detection: string, logsource = 'product: windows\n  category: process_creation', extra = '') {
  const text = `title: t\nid: 11111111-1111-4111-8111-111111111111\nstatus: test\nlevel: high\n${extra}logsource:\n  ${logsource}\ndetection:\n${detection}`;
  const set = compileSigma([{ text, name: 'rule.yml' }]);
  return { set, compiled: set.rules[0] };
}

function query(detection: string, logsource?: string): string {
  const { compiled, set } = rule(detection, logsource);
  if (!compiled) throw new Error(JSON.stringify(set.report.entries[0]?.reasons));
  const out = exportSigmaRule(compiled);
  if (!out.ok) throw new Error(JSON.stringify(out.refusals));
  return out.query.text;
}

describe('exportSigmaRule', () => {
  it('writes table, ActionType filter, platform filter, rebuilds, predicate and project in that order', () => {
    const q = query("  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel");
    const lines = q.split('\n');
    expect(lines[0]).toBe('DeviceProcessEvents');
    expect(lines[1]).toBe('| where ActionType in (@"ProcessCreated")');
    expect(lines[2]).toMatch(/^\| extend tl_Platform = case\(FolderPath startswith "\/", "posix"/);
    expect(lines[3]).toBe('| where tl_Platform != "posix"');
    expect(lines[4]).toMatch(/^\| extend Image = iff\(isempty\(FolderPath\)/);
    expect(lines[5]).toBe('| where Image endswith @"\\whoami.exe"');
    expect(lines[6]).toBe('| project Timestamp, DeviceId, DeviceName, ReportId, FolderPath, FileName, Image');
  });

  it('turns a mid-value wildcard into an anchored regex, never unordered contains', () => {
    const q = query("  sel:\n    CommandLine: 'a*b?c'\n  condition: sel");
    expect(q).toContain('| where ProcessCommandLine matches regex @"(?is)\\Aa.*b.c\\z"');
    expect(globRegex('a\\*b\\?c\\\\d*', false)).toBe('(?is)\\Aa\\*b\\?c\\\\d.*\\z');
    expect(globRegex('x.y', true)).toBe('(?s)\\Ax\\.y\\z');
  });

  it('uses in~ for OR-lists of exact values, and _cs operators when cased', () => {
    expect(query("  sel:\n    CommandLine:\n      - 'a'\n      - 'b'\n  condition: sel")).toContain(
      '| where ProcessCommandLine in~ (@"a", @"b")',
    );
    expect(query("  sel:\n    CommandLine|cased|contains: 'AbC'\n  condition: sel")).toContain(
      '| where ProcessCommandLine contains_cs @"AbC"',
    );
    expect(query("  sel:\n    CommandLine|contains|all:\n      - 'a'\n      - 'b'\n  condition: sel")).toContain(
      '| where (ProcessCommandLine contains @"a" and ProcessCommandLine contains @"b")',
    );
  });

  it('normalises the column for windash as the engine does', () => {
    expect(query("  sel:\n    CommandLine|windash|contains: '-enc'\n  condition: sel")).toContain(
      '| where replace_regex(ProcessCommandLine, @"[/\\x{2013}\\x{2014}\\x{2015}]", "-") contains @"-enc"',
    );
  });

  it('translates regex flags to an inline group and guards patterns that match the empty value', () => {
    expect(query("  sel:\n    CommandLine|re|i|s: 'a.b'\n  condition: sel")).toContain(
      '| where ProcessCommandLine matches regex @"(?is)a.b"',
    );
    expect(query("  sel:\n    CommandLine|re: '^x*$'\n  condition: sel")).toContain(
      '| where (isnotempty(ProcessCommandLine) and ProcessCommandLine matches regex @"^x*$")',
    );
  });

  it('refuses a named group Kusto may not read', () => {
    const { compiled } = rule("  sel:\n    CommandLine|re: '(?<x>a)'\n  condition: sel");
    const out = exportSigmaRule(compiled!);
    expect(out.ok).toBe(false);
    expect(!out.ok && out.refusals[0]?.code).toBe('regex-untranslatable');
  });

  it('checks CIDR ranges by address family', () => {
    const q = query(
      "  sel:\n    DestinationIp|cidr:\n      - '10.0.0.0/8'\n      - 'fe80::/10'\n  condition: sel",
      'product: windows\n  category: network_connection',
    );
    expect(q).toContain('coalesce(ipv4_is_in_range(iff(trim(@"\\s", DestinationIp) startswith "::ffff:"');
    expect(q).toContain(', @"fe80::/10"), false))');
    // The address family decides the function: an IPv4, an IPv4-mapped, an IPv6, another and a non-address.
    const row = (ip: string) =>
      windowsRow('DeviceNetworkEvents', 'ConnectionSuccess', { RemoteIP: ip, RemotePort: 443, LocalIP: '10.9.9.9' });
    const rows = [row('10.1.2.3'), row('::ffff:10.1.2.3'), row('fe80::1'), row('192.168.1.1'), row('not-an-ip')];
    const hits = runKql(q, { DeviceNetworkEvents: rows }).rows.map((r) => r.events[0]);
    expect(hits).toEqual([rows[0], rows[1], rows[2]]);
  });

  it('compares numbers on numeric views, null-safe, and refuses them on text views', () => {
    expect(
      query(
        '  sel:\n    DestinationPort|gt: 1024\n  condition: sel',
        'product: windows\n  category: network_connection',
      ),
    ).toContain('| where iff(isnull(DestinationPort), false, DestinationPort > 1024)');
    const { compiled } = rule('  sel:\n    CommandLine|gt: 3\n  condition: sel');
    const out = exportSigmaRule(compiled!);
    expect(!out.ok && out.refusals[0]?.code).toBe('construct-unsupported');
  });

  it('writes null and exists as empty / not empty (strings) and null / not null (numbers)', () => {
    expect(query('  sel:\n    CommandLine: null\n  condition: sel')).toContain('| where isempty(ProcessCommandLine)');
    expect(query('  sel:\n    CommandLine|exists: true\n  condition: sel')).toContain(
      '| where isnotempty(ProcessCommandLine)',
    );
    expect(query('  sel:\n    ProcessId|exists: false\n  condition: sel')).toContain('| where isnull(ProcessId)');
  });

  it('searches keywords in exactly the keyword views of the route, never as a bare string', () => {
    const q = query("  keywords:\n    - 'whoami'\n  condition: keywords");
    const where = q.split('\n').find((l) => l.startsWith('| where (Image'))!;
    expect(where).toContain('Image contains @"whoami"');
    expect(where).toContain('ProcessCommandLine contains @"whoami"');
    expect(where).not.toMatch(/where "whoami"/);
  });

  it('compares two fields for fieldref, both present', () => {
    expect(query('  sel:\n    CommandLine|fieldref|startswith: Image\n  condition: sel')).toContain(
      '(isnotempty(ProcessCommandLine) and isnotempty(Image) and tolower(ProcessCommandLine) startswith_cs tolower(Image))',
    );
  });

  it('keeps hostile values inside their literals', () => {
    const q = query(`  sel:\n    CommandLine|contains: "\\"); drop table x; //\\nnext"\n  condition: sel`);
    expect(q).toContain('| where ProcessCommandLine contains "\\"); drop table x; //\\nnext"');
    expect(q.split('\n')).toHaveLength(6);
  });

  it('rebuilds registry views and filters the route ActionTypes', () => {
    const q = query(
      "  sel:\n    TargetObject|endswith: '\\Run\\evil'\n    Details: 'DWORD (0x00000001)'\n  condition: sel",
      'product: windows\n  category: registry_set',
    );
    expect(q).toContain('| where ActionType in (@"RegistryValueSet")');
    expect(q).toContain('| extend TargetObject = ');
    expect(q).toContain('tohex(binary_and(tolong(RegistryValueData), 4294967295), 8)');
    expect(q).not.toContain('tl_Platform');
  });

  it('refuses a rule whose whole expression can never match, and writes a never predicate elsewhere as false', () => {
    const { compiled } = rule('  sel:\n    CommandLine: x\n  condition: sel');
    const base = compiled!;
    const origin = { selection: 'sel', item: 'Hashes', position: base.rule.source };
    const never = { kind: 'pred', pred: { kind: 'never', reason: 'IMPHASH' }, origin } as const;
    const all = exportSigmaRule({ ...base, expr: { kind: 'and', args: [never, base.expr] } });
    expect(!all.ok && all.refusals.map((r) => r.code)).toEqual(['never-matches']);
    const part = exportSigmaRule({ ...base, expr: { kind: 'or', args: [never, base.expr] } });
    expect(part.ok && part.query.text).toContain('| where (false or ProcessCommandLine =~ @"x")');
  });

  it('carries a degraded rule with a warning', () => {
    const { compiled } = rule(
      "  sel:\n    ParentImage|endswith: '\\cmd.exe'\n  condition: sel",
      'product: windows\n  category: file_event',
    );
    const out = exportSigmaRule(compiled!);
    expect(out.ok && out.query.warnings.map((w) => w.code)).toEqual(['degraded']);
  });
});

describe('exportSigma', () => {
  it('accounts for every rule of the load report: skipped rules are refused as not-loaded', () => {
    const good = `title: a\nid: 22222222-2222-4222-8222-222222222222\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    CommandLine: x\n  condition: sel\n`;
    const bad = `title: b\nid: 33333333-3333-4333-8333-333333333333\nlogsource:\n  product: windows\n  service: security\ndetection:\n  sel:\n    EventID: 4625\n  condition: sel\n`;
    const set = compileSigma([
      { text: good, name: 'a.yml' },
      { text: bad, name: 'b.yml' },
    ]);
    const out = exportSigma(set);
    expect(out.map((o) => [o.source.id, o.ok])).toEqual([
      ['sigma/22222222-2222-4222-8222-222222222222', true],
      ['sigma/33333333-3333-4333-8333-333333333333', false],
    ]);
    expect(!out[1]!.ok && out[1]!.refusals[0]!.code).toBe('not-loaded');
  });

  it("leaves out the rules the load's select left out (not-selected), and still refuses the others that did not load", () => {
    const doc = (id: string, level: string, logsource = 'product: windows\n  category: process_creation') =>
      `title: r${id}\nid: ${id}\nstatus: test\nlevel: ${level}\nlogsource:\n  ${logsource}\ndetection:\n  sel:\n    CommandLine: x\n  condition: sel\n`;
    const high = '44444444-4444-4444-8444-444444444444';
    const low = '55555555-5555-4555-8555-555555555555';
    const unroutable = '66666666-6666-4666-8666-666666666666';
    const set = compileSigma(
      [
        { text: doc(high, 'high'), name: 'high.yml' },
        { text: doc(low, 'low'), name: 'low.yml' },
        { text: doc(unroutable, 'critical', 'product: windows\n  service: security'), name: 'security.yml' },
      ],
      { select: { minLevel: 'high' } },
    );
    expect(set.report.entries.find((e) => e.id === low)?.reasons[0]?.code).toBe('not-selected');
    const out = exportSigma(set);
    expect(out.map((o) => [o.source.id, o.ok])).toEqual([
      [`sigma/${high}`, true],
      [`sigma/${unroutable}`, false],
    ]);
    // Without a selection, the same low rule is exported.
    const all = exportSigma(compileSigma([{ text: doc(low, 'low'), name: 'low.yml' }]));
    expect(all.map((o) => [o.source.id, o.ok])).toEqual([[`sigma/${low}`, true]]);
  });
});
