import { makeEvent } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { compileRule, techniquesOf } from './compile.js';
import { createEvalContext } from './eval.js';
import type { CompiledRule, FieldView, LoadReason, SigmaRoute } from './ir.js';

const ROUTE_FILE: SigmaRoute = {
  table: 'DeviceFileEvents',
  actionTypes: ['FileCreated', 'FileModified'],
  platform: undefined,
};

import { parseSigmaSource } from './parse.js';
import { testMapping } from './testing/test-mapping.js';

const ID = '5f0c5c5e-8d3a-4a7e-9b1e-2c6d7e8f9a01';

/** A process_creation rule with the given detection (YAML, indented by 4). */
function ruleText(detection: string, extra = ''): string {
  return `title: Test rule
id: ${ID}
${extra}logsource:
    category: process_creation
    product: windows
detection:
${detection}
level: medium
`;
}

function compile(
  detection: string,
  placeholders?: Record<string, string | string[]>,
): { rule?: CompiledRule; reasons: readonly LoadReason[] } {
  const docs = parseSigmaSource(ruleText(detection), 't.yml');
  const d = docs[0]!;
  if (d.kind !== 'rule') return { reasons: d.kind === 'invalid' ? d.reasons : [] };
  const r = compileRule(d.rule, { mapping: testMapping(), ...(placeholders ? { placeholders } : {}) });
  return r.ok ? { rule: r.compiled, reasons: r.compiled.reasons } : { reasons: r.reasons };
}

const ev = (row: Record<string, unknown>) =>
  makeEvent('DeviceProcessEvents', {
    Timestamp: '2026-05-01T10:00:00Z',
    DeviceId: '7f3e9a1c5b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f',
    DeviceName: 'ws-hr-017.contoso.local',
    ActionType: 'ProcessCreated',
    ReportId: 7,
    ...row,
  });

function matches(
  detection: string,
  row: Record<string, unknown>,
  placeholders?: Record<string, string | string[]>,
): boolean {
  const { rule, reasons } = compile(detection, placeholders);
  if (!rule) throw new Error(`did not compile: ${JSON.stringify(reasons)}`);
  return rule.test(createEvalContext(ev(row))) !== undefined;
}

function matchesNet(detection: string, row: Record<string, unknown>): boolean {
  const docs = parseSigmaSource(ruleText(detection).replace('process_creation', 'network_connection'), 'n.yml');
  const d = docs[0]!;
  if (d.kind !== 'rule') throw new Error(JSON.stringify(d));
  const r = compileRule(d.rule, { mapping: testMapping() });
  if (!r.ok) throw new Error(JSON.stringify(r.reasons));
  const e = makeEvent('DeviceNetworkEvents', {
    Timestamp: '2026-05-01T10:00:00Z',
    DeviceId: '7f3e9a1c5b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f',
    DeviceName: 'ws-hr-017.contoso.local',
    ActionType: 'ConnectionSuccess',
    ReportId: 9,
    ...row,
  });
  return r.compiled.test(createEvalContext(e)) !== undefined;
}

const sel = (body: string) => `    selection:\n${body}\n    condition: selection`;

describe('value modifiers', () => {
  it('plain values: case-insensitive equality, wildcards, OR over a list', () => {
    const d = sel("        FileName:\n            - 'cmd.exe'\n            - 'power*.exe'");
    expect(matches(d, { FileName: 'CMD.EXE' })).toBe(true);
    expect(matches(d, { FileName: 'PowerShell.exe' })).toBe(true);
    expect(matches(d, { FileName: 'xcmd.exe' })).toBe(false);
  });

  it('contains / startswith / endswith, and all', () => {
    expect(
      matches(sel("        ProcessCommandLine|contains: 'Invoke-'"), { ProcessCommandLine: 'powershell INVOKE-x' }),
    ).toBe(true);
    expect(matches(sel("        FolderPath|startswith: 'C:\\Windows\\'"), { FolderPath: 'c:\\windows\\x.exe' })).toBe(
      true,
    );
    expect(matches(sel("        FolderPath|endswith: '\\x.exe'"), { FolderPath: 'c:\\windows\\x.exe' })).toBe(true);
    const all = sel("        ProcessCommandLine|contains|all:\n            - ' -enc '\n            - 'bypass'");
    expect(matches(all, { ProcessCommandLine: 'ps -enc AAA -ep bypass' })).toBe(true);
    expect(matches(all, { ProcessCommandLine: 'ps -enc AAA' })).toBe(false);
  });

  it('cased compares case-sensitively', () => {
    const d = sel("        ProcessCommandLine|contains|cased: 'AbC'");
    expect(matches(d, { ProcessCommandLine: 'xAbCx' })).toBe(true);
    expect(matches(d, { ProcessCommandLine: 'xabcx' })).toBe(false);
  });

  it('windash accepts every dash character for every dash of the value', () => {
    const d = sel("        ProcessCommandLine|windash|contains: ' -urlcache '");
    for (const dash of ['-', '/', '\u2013', '\u2014', '\u2015'])
      expect(matches(d, { ProcessCommandLine: `certutil ${dash}urlcache -f http://x` })).toBe(true);
    expect(matches(d, { ProcessCommandLine: 'certutil urlcache' })).toBe(false);
  });

  it('re: case-sensitive by default, i/m/s flags, a leading (?i) lifted, RE2 refusals reported', () => {
    expect(matches(sel("        ProcessCommandLine|re: 'Net\\s+User'"), { ProcessCommandLine: 'net user' })).toBe(
      false,
    );
    expect(matches(sel("        ProcessCommandLine|re|i: 'Net\\s+User'"), { ProcessCommandLine: 'net user' })).toBe(
      true,
    );
    expect(matches(sel("        ProcessCommandLine|re: '(?i)Net\\s+User'"), { ProcessCommandLine: 'NET USER' })).toBe(
      true,
    );
    expect(matches(sel("        ProcessCommandLine|re|s: 'a.b'"), { ProcessCommandLine: 'a\nb' })).toBe(true);
    expect(matches(sel("        ProcessCommandLine|re: 'a.b'"), { ProcessCommandLine: 'a\nb' })).toBe(false);
    expect(matches(sel("        ProcessCommandLine|re|m: '^b$'"), { ProcessCommandLine: 'a\nb' })).toBe(true);
    expect(compile(sel("        ProcessCommandLine|re: '(a)\\1'")).reasons[0]).toMatchObject({
      code: 'regex-unsupported',
      at: 'selection.ProcessCommandLine|re',
    });
    expect(compile(sel("        ProcessCommandLine|re: 'a(?=b)'")).reasons[0]!.code).toBe('regex-unsupported');
  });

  it('re runs in linear time on a 64 KB hostile command line', () => {
    const d = sel("        ProcessCommandLine|re: '(a+)+$'");
    const t0 = performance.now();
    expect(matches(d, { ProcessCommandLine: `${'a'.repeat(65_536)}!` })).toBe(false);
    expect(matches(d, { ProcessCommandLine: 'a'.repeat(65_536) })).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('cidr: IPv4 and IPv6 ranges, IPv4-mapped addresses', () => {
    const d = sel("        RemoteIP|cidr:\n            - '10.0.0.0/8'\n            - 'fe80::/10'");
    expect(matchesNet(d, { RemoteIP: '10.1.2.3' })).toBe(true);
    expect(matchesNet(d, { RemoteIP: '11.1.2.3' })).toBe(false);
    expect(matchesNet(d, { RemoteIP: 'FE80::1%12' })).toBe(true);
    expect(matchesNet(d, { RemoteIP: '::ffff:10.9.9.9' })).toBe(true);
    expect(matchesNet(d, { RemoteIP: 'not an ip' })).toBe(false);
    expect(compile(sel("        RemoteIP|cidr: '10.0.0.0/33'")).reasons[0]!.code).toBe('modifier-unsupported');
  });

  it('base64offset|contains finds the value at any byte offset of a base64 text', () => {
    const d = sel("        ProcessCommandLine|base64offset|contains: 'http://'");
    for (const prefix of ['', 'a', 'ab', 'abc'])
      expect(
        matches(d, { ProcessCommandLine: `powershell -e ${Buffer.from(`${prefix}http://evil`).toString('base64')}` }),
      ).toBe(true);
    expect(matches(d, { ProcessCommandLine: Buffer.from('https://evil').toString('base64') })).toBe(false);
  });

  it('wide|base64offset|contains encodes UTF-16LE first', () => {
    const d = sel("        ProcessCommandLine|wide|base64offset|contains: 'IEX'");
    const text = Buffer.from('x; IEX (New-Object)', 'utf16le').toString('base64');
    expect(matches(d, { ProcessCommandLine: `powershell -enc ${text}` })).toBe(true);
    expect(matches(d, { ProcessCommandLine: Buffer.from('x; IEX', 'utf8').toString('base64') })).toBe(false);
    expect(compile(sel("        ProcessCommandLine|base64offset|wide|contains: 'IEX'")).reasons[0]!.code).toBe(
      'modifier-unsupported',
    );
  });

  it('base64 (whole value) and utf16be', () => {
    expect(
      matches(sel("        ProcessCommandLine|base64|contains: 'hello'"), {
        ProcessCommandLine: `x ${Buffer.from('hello').toString('base64')}`,
      }),
    ).toBe(true);
    // Without an anchor, base64 compares the whole value.
    expect(matches(sel("        ProcessCommandLine|base64: 'hello'"), { ProcessCommandLine: 'aGVsbG8=' })).toBe(true);
    expect(matches(sel("        ProcessCommandLine|base64: 'hello'"), { ProcessCommandLine: 'x aGVsbG8=' })).toBe(
      false,
    );
    const be = Buffer.from('cmd', 'utf16le').swap16().toString('base64');
    expect(matches(sel("        ProcessCommandLine|utf16be|base64|contains: 'cmd'"), { ProcessCommandLine: be })).toBe(
      true,
    );
  });

  it('fieldref compares two fields', () => {
    const d = sel('        FileName|fieldref: InitiatingProcessFileName');
    expect(matches(d, { FileName: 'a.exe', InitiatingProcessFileName: 'A.EXE' })).toBe(true);
    expect(matches(d, { FileName: 'a.exe', InitiatingProcessFileName: 'b.exe' })).toBe(false);
    const e = sel('        ProcessCommandLine|fieldref|endswith: FileName');
    expect(matches(e, { ProcessCommandLine: 'run a.exe', FileName: 'a.exe' })).toBe(true);
  });

  it('exists and null', () => {
    expect(matches(sel('        AccountSid|exists: true'), { AccountSid: 'S-1-5-18' })).toBe(true);
    expect(matches(sel('        AccountSid|exists: true'), {})).toBe(false);
    expect(matches(sel('        AccountSid|exists: false'), {})).toBe(true);
    expect(matches(sel('        AccountSid: null'), { AccountSid: '' })).toBe(true);
    expect(matches(sel('        AccountSid: null'), { AccountSid: 'S-1' })).toBe(false);
    expect(matches(sel("        AccountSid: ''"), {})).toBe(true);
  });

  it('numbers: plain equality and gt/gte/lt/lte, neq', () => {
    expect(matchesNet(sel('        RemotePort: 445'), { RemotePort: 445 })).toBe(true);
    expect(matchesNet(sel('        RemotePort: 445'), { RemotePort: '445' })).toBe(true);
    expect(matchesNet(sel('        RemotePort|gt: 1024'), { RemotePort: 4444 })).toBe(true);
    expect(matchesNet(sel('        RemotePort|lte: 1024'), { RemotePort: 4444 })).toBe(false);
    expect(matchesNet(sel('        RemotePort|neq: 443'), { RemotePort: 80 })).toBe(true);
    expect(matchesNet(sel('        RemotePort|neq: 443'), { RemotePort: 443 })).toBe(false);
    expect(matches(sel("        FileName|neq: 'cmd.exe'"), { FileName: 'CMD.exe' })).toBe(false);
    expect(matches(sel("        FileName|neq: 'cmd.exe'"), { FileName: 'x.exe' })).toBe(true);
    expect(matches(sel("        FileName|neq: 'cmd.exe'"), {})).toBe(false);
    expect(compile(sel("        RemotePort|gt: 'abc'")).reasons[0]!.code).toBe('modifier-unsupported');
  });

  it('expand: placeholders from the options; unknown ones skip the rule', () => {
    const d = sel("        AccountName|expand: '%Admins%'");
    expect(matches(d, { AccountName: 'root' }, { Admins: ['admin', 'root'] })).toBe(true);
    expect(matches(d, { AccountName: 'bob' }, { Admins: ['admin', 'root'] })).toBe(false);
    expect(compile(d).reasons[0]).toMatchObject({ code: 'placeholder-unexpanded' });
    expect(
      matches(sel("        AccountName|expand: '\\%x%Admins%'"), { AccountName: '%xroot' }, { Admins: 'root' }),
    ).toBe(true);
  });

  it('invalid chains are modifier-unsupported', () => {
    for (const item of [
      "ProcessCommandLine|re|contains: 'a'",
      "FileName|contains|startswith: 'a'",
      "FileName|i: 'a'",
      "FileName|contains|contains: 'a'",
      "FileName|wide: 'a'",
    ])
      expect(compile(sel(`        ${item}`)).reasons[0]!.code, item).toBe('modifier-unsupported');
    expect(compile(sel("        FileName|minute: 'a'")).reasons[0]!.code).toBe('modifier-unsupported');
  });

  it('keywords search the route keyword fields, contains semantics', () => {
    const d = "    keywords:\n        - 'mimikatz'\n        - 'sekurlsa'\n    condition: keywords";
    expect(matches(d, { ProcessCommandLine: 'x SEKURLSA::logonpasswords' })).toBe(true);
    expect(matches(d, { ProcessCommandLine: 'x' })).toBe(false);
    const all = "    keywords:\n        '|all':\n            - 'a1'\n            - 'b2'\n    condition: keywords";
    expect(matches(all, { ProcessCommandLine: 'a1 b2' })).toBe(true);
    expect(matches(all, { ProcessCommandLine: 'a1' })).toBe(false);
    // Across two keyword fields, each keyword is explained where it was found.
    const two = parseSigmaSource(ruleText(all).replace('process_creation', 'file_event'), 'k.yml')[0]!;
    if (two.kind !== 'rule') throw new Error('no');
    const mapping = {
      ...testMapping(),
      keywordViews: () =>
        ['FileName', 'FolderPath'].map((f) => (testMapping().field(ROUTE_FILE, f) as { view: FieldView }).view),
    };
    const r = compileRule(two.rule, { mapping });
    if (!r.ok) throw new Error(JSON.stringify(r.reasons));
    const file = makeEvent('DeviceFileEvents', {
      Timestamp: '2026-05-01T10:00:00Z',
      DeviceId: '7f3e9a1c5b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f',
      DeviceName: 'ws-hr-017.contoso.local',
      ActionType: 'FileCreated',
      ReportId: 3,
      FileName: 'a1.txt',
      FolderPath: 'C:\\b2\\x.txt',
    });
    expect(r.compiled.test(createEvalContext(file))?.map((e) => `${e.field} ${e.pattern}`)).toEqual([
      'FileName a1',
      'FolderPath b2',
    ]);
    for (const m of ['cased', 'windash', 're'])
      expect(
        compile(`    keywords:\n        '|${m}':\n            - 'a1'\n    condition: keywords`).reasons[0]!.code,
        m,
      ).toBe('modifier-unsupported');
  });
});

describe('conditions over selections', () => {
  const det = `    sel_a:
        FileName: 'a.exe'
    sel_b:
        ProcessCommandLine|contains: 'b'
    _helper:
        AccountName: 'x'
    filter:
        AccountName: 'system'
`;
  it.each([
    ['1 of sel_*', { FileName: 'a.exe' }, true],
    ['all of sel_*', { FileName: 'a.exe' }, false],
    ['all of sel_*', { FileName: 'a.exe', ProcessCommandLine: 'b' }, true],
    ['all of them', { FileName: 'a.exe', ProcessCommandLine: 'b' }, false],
    ['all of them', { FileName: 'a.exe', ProcessCommandLine: 'b', AccountName: 'system' }, true],
    ['2 of them', { FileName: 'a.exe', AccountName: 'system' }, true],
    ['2 of them', { FileName: 'a.exe', AccountName: 'x' }, false],
    ['sel_a and not filter', { FileName: 'a.exe', AccountName: 'SYSTEM' }, false],
    ['sel_a or sel_b and filter', { ProcessCommandLine: 'b' }, false],
    ['(sel_a or sel_b) and not filter', { ProcessCommandLine: 'b' }, true],
  ])('%s on %j → %s', (condition, row, expected) => {
    expect(matches(`${det}    condition: ${condition}`, row)).toBe(expected);
  });

  it('a condition list is the OR of its entries', () => {
    expect(matches(`${det}    condition:\n        - sel_a\n        - sel_b`, { ProcessCommandLine: 'b' })).toBe(true);
  });

  it('a list of maps is an OR; a map is an AND', () => {
    const d =
      "    selection:\n        - FileName: 'a.exe'\n          AccountName: 'bob'\n        - FileName: 'b.exe'\n    condition: selection";
    expect(matches(d, { FileName: 'a.exe' })).toBe(false);
    expect(matches(d, { FileName: 'a.exe', AccountName: 'bob' })).toBe(true);
    expect(matches(d, { FileName: 'b.exe' })).toBe(true);
  });
});

describe('mapping outcomes', () => {
  it('an unmapped field in a positive selection skips the rule; in a filter it degrades it', () => {
    expect(compile(sel("        CurrentDirectory: 'C:\\x'")).reasons[0]).toMatchObject({
      code: 'field-unmapped',
      at: 'selection.CurrentDirectory',
    });
    const { rule } = compile(
      "    selection:\n        FileName: 'a.exe'\n    filter:\n        CurrentDirectory: 'C:\\x'\n    condition: selection and not filter",
    );
    expect(rule?.status).toBe('degraded');
    expect(rule?.reasons.map((r) => r.code)).toEqual(['field-unmapped-in-filter']);
    expect(rule?.test(createEvalContext(ev({ FileName: 'a.exe' })))).toBeDefined();
  });

  it('IMPHASH-only items never match: folded away, or the rule is skipped when nothing is left', () => {
    const only = compile(sel("        Hashes|contains: 'IMPHASH=ABC'"));
    expect(only.rule).toBeUndefined();
    expect(only.reasons[0]!.code).toBe('selection-never-matches');
    const mixed = compile(
      "    sel_hash:\n        Hashes|contains: 'IMPHASH=ABC'\n    sel_name:\n        FileName: 'a.exe'\n    condition: 1 of sel_*",
    );
    expect(mixed.rule?.status).toBe('degraded');
    expect(mixed.rule?.expr).toMatchObject({ kind: 'pred', pred: { kind: 'string' } });
    const partly = compile(sel("        Hashes|contains:\n            - 'IMPHASH=ABC'\n            - 'SHA256=AB'"));
    expect(partly.rule?.reasons.map((r) => r.code)).toEqual(['selection-never-matches']);
    expect(partly.rule?.test(createEvalContext(ev({ SHA256: 'ab' })))).toBeDefined();
  });

  it('explains what matched: selection, item, field, the pattern as written, the value clipped', () => {
    const { rule } = compile(sel("        ProcessCommandLine|contains: 'Mimikatz'"));
    const long = `x mimikatz ${'y'.repeat(400)}`;
    const out = rule!.test(createEvalContext(ev({ ProcessCommandLine: long })))!;
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      selection: 'selection',
      item: 'ProcessCommandLine|contains',
      field: 'ProcessCommandLine',
      pattern: 'Mimikatz',
    });
    expect(out[0]!.value).toHaveLength(200);
  });

  it('nothing under not is explained', () => {
    const { rule } = compile(
      "    selection:\n        FileName: 'a.exe'\n    filter:\n        AccountName: 'x'\n    condition: selection and not filter",
    );
    const out = rule!.test(createEvalContext(ev({ FileName: 'a.exe', AccountName: 'y' })))!;
    expect(out.map((e) => e.selection)).toEqual(['selection']);
  });
});

describe('platforms', () => {
  it('a rule routed to Linux never sees a Windows row, and the reverse; a rule without platform sees both', () => {
    const text = (product: string) =>
      ruleText(
        "    selection:\n        FileName: 'whoami'\n    filter:\n        AccountName: 'root'\n    condition: selection and not filter",
      ).replace('product: windows', `product: ${product}`);
    const linux = parseSigmaSource(text('linux'), 'l.yml')[0]!;
    if (linux.kind !== 'rule') throw new Error('no');
    const r = compileRule(linux.rule, { mapping: testMapping() });
    if (!r.ok) throw new Error('no');
    expect(r.compiled.route.platform).toBe('linux');
    expect(r.compiled.test(createEvalContext(ev({ FileName: 'whoami', FolderPath: '/usr/bin/whoami' })))).toBeDefined();
    expect(
      r.compiled.test(createEvalContext(ev({ FileName: 'whoami', FolderPath: 'C:\\Windows\\System32\\whoami' }))),
    ).toBeUndefined();
    expect(r.compiled.test(createEvalContext(ev({ FileName: 'whoami' })))).toBeDefined();
    expect(
      matches("    selection:\n        FileName: 'whoami'\n    condition: selection", {
        FileName: 'whoami',
        FolderPath: '/usr/bin/whoami',
      }),
    ).toBe(true);
  });
});

describe('techniquesOf', () => {
  it('reads technique tags, upper-cased, distinct', () => {
    expect(
      techniquesOf([
        'attack.execution',
        'attack.t1059.001',
        'attack.T1059.001',
        'attack.t1685',
        'attack.g0001',
        'cve.2021-1',
      ]),
    ).toEqual(['T1059.001', 'T1685']);
  });
});
