import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeEvent } from '../../testing.js';
import { analyzeEvents } from '../engine/entry.js';
import type { MdeEvent } from '../model/event.js';
import { parseRule, ruleFiles, ruleFixtureFiles } from './load.js';
import { compileCondition, type FieldUse } from './predicate.js';
import { LinearRegex } from './regex.js';
import { ruleJsonSchema } from './schema.js';

const proc = (row: Record<string, unknown>): MdeEvent =>
  makeEvent('DeviceProcessEvents', {
    Timestamp: '2025-11-07T09:14:02.5518230Z',
    DeviceId: '3f1b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
    DeviceName: 'ws-fin-014.corp.contoso.com',
    ActionType: 'ProcessCreated',
    ReportId: 4411,
    FileName: 'rundll32.exe',
    FolderPath: 'C:\\Windows\\System32\\rundll32.exe',
    ProcessCommandLine: 'rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 712 C:\\Temp\\l.dmp full',
    ProcessId: 8812,
    AccountName: 'j.doe',
    InitiatingProcessFileName: 'cmd.exe',
    AdditionalFields: '{"Origin":{"Tags":["a","b"]},"Score":7}',
    ...row,
  });

function cond(where: unknown): (e: MdeEvent) => boolean {
  const uses: FieldUse[] = [];
  return compileCondition(where, ['where'], uses);
}

describe('where: predicates', () => {
  const e = proc({});
  it.each([
    [{ FileName: 'RUNDLL32.EXE' }, true],
    [{ FileName: { equals: 'RUNDLL32.EXE', caseSensitive: true } }, false],
    [{ FileName: ['cmd.exe', 'rundll32.exe'] }, true],
    [{ FileName: ['cmd.exe', 'wmic.exe'] }, false],
    [{ ProcessCommandLine: { contains: 'COMSVCS' } }, true],
    [{ ProcessCommandLine: { contains: ['minidump', 'nothere'], match: 'all' } }, false],
    [{ ProcessCommandLine: { contains: ['minidump', 'comsvcs'], match: 'all' } }, true],
    [{ FolderPath: { startswith: 'c:\\windows\\' } }, true],
    [{ FolderPath: { endswith: '\\cmd.exe' } }, false],
    [{ ProcessCommandLine: { regex: 'minidump\\s+\\d+' } }, true],
    [{ ProcessCommandLine: { regex: 'minidump\\s+\\d+', caseSensitive: true } }, false],
    [{ ProcessId: { gt: 8000, lte: 8812 } }, true],
    [{ ProcessId: { lt: 8812 } }, false],
    [{ ProcessId: { gte: 8812 } }, true],
    [{ AccountDomain: { exists: false } }, true],
    [{ AccountName: { exists: true } }, true],
    [{ 'AdditionalFields.Origin.Tags': 'B' }, true],
    [{ 'AdditionalFields.Score': { gt: 5 } }, true],
    [{ 'AdditionalFields.Missing.Deep': { exists: true } }, false],
    [{ not: { FileName: 'rundll32.exe' } }, false],
    [{ any: [{ FileName: 'cmd.exe' }, { AccountName: 'j.doe' }] }, true],
    [{ all: [{ FileName: 'rundll32.exe' }, { AccountName: 'root' }] }, false],
    [{ FileName: 'rundll32.exe', AccountName: 'root' }, false],
  ])('%j → %s', (where, expected) => {
    expect(cond(where)(e)).toBe(expected);
  });

  it('cidr: IPv4 and IPv6 ranges, anything else never matches', () => {
    const net = (ip: string) =>
      makeEvent('DeviceNetworkEvents', {
        Timestamp: '2025-11-07T09:14:02.5518230Z',
        DeviceId: '3f1b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
        DeviceName: 'ws-fin-014',
        ActionType: 'ConnectionSuccess',
        ReportId: 1,
        RemoteIP: ip,
      });
    const inside = cond({ RemoteIP: { cidr: ['10.0.0.0/8', '2001:db8::/32'] } });
    expect(inside(net('10.4.5.6'))).toBe(true);
    expect(inside(net('2001:db8::1'))).toBe(true);
    expect(inside(net('11.0.0.1'))).toBe(false);
    expect(inside(net('not-an-ip'))).toBe(false);
  });
});

describe('regexes run in linear time', () => {
  it('compiles through re2js: the catastrophic (a+)+$ on 50 KB is an ordinary scan', () => {
    const re = LinearRegex.compile('(a+)+$');
    expect(re.engine).toBe('re2js');
    // V8 would backtrack for ages here; RE2 answers in one pass. No timing assertion: the engine is the guarantee.
    expect(re.test(`${'a'.repeat(50_000)}!`)).toBe(false);
    const { detector } = parseRule(rule({ where: { ProcessCommandLine: { regex: '(a+)+$' } } }), 'redos.yaml');
    expect(detector.match?.(proc({ ProcessCommandLine: `${'a'.repeat(50_000)}!` }), ctx)).toBeUndefined();
  });

  it('a backreference or a lookaround is a load error naming rule, field and position', () => {
    const text = rule({ where: { ProcessCommandLine: { regex: '(\\w+) \\1' } } });
    expect(() => parseRule(text, 'r.yaml')).toThrow(
      /^r\.yaml:\d+:\d+: where\.ProcessCommandLine\.regex: regex: .*`\\1` at character 7/,
    );
    expect(() => parseRule(rule({ where: { FileName: { regex: ['ok', 'a(?=b)'] } } }), 'r.yaml')).toThrow(
      /where\.FileName\.regex\.1: regex: .*`\(\?=` at character 2/,
    );
  });
});

const ctx = { options: {}, severity: 'medium' as const };

/** A valid rule as JSON text, with overrides. */
function rule(over: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      id: 'test/lsass-dump',
      title: 'LSASS dump',
      summary: 'comsvcs MiniDump of a process.',
      description: 'Credential theft through comsvcs.dll.',
      severity: 'high',
      mitre: ['T1003.001'],
      source: { tables: ['DeviceProcessEvents'], actionTypes: ['ProcessCreated'] },
      where: { FileName: 'rundll32.exe' },
      key: ['AccountName'],
      evidence: { lines: { from: 'ProcessCommandLine' } },
      messages: { title: 'dump by {lines}', description: '{count} times on {device}', riskAssessment: 'bad' },
      ...over,
    },
    null,
    2,
  );
}

describe('load errors name file, line, column and field', () => {
  it('an unknown key (a typo) is an error at the key', () => {
    const yaml = [
      'id: test/x',
      'title: X',
      'summary: s',
      'description: d',
      'severity: low',
      'source: { tables: [DeviceProcessEvents] }',
      'where:',
      '  FileName: a.exe',
      'messages: { title: t, description: d, riskAssessment: r }',
      'falsePositive: [oops]',
    ].join('\n');
    expect(() => parseRule(yaml, 'x.yaml')).toThrow('x.yaml:10:1: falsePositive: unknown key "falsePositive"');
  });

  it('a predicate typo inside where is an error at that key', () => {
    expect(() => parseRule(rule({ where: { FileName: { contain: 'x' } } }), 'r.json')).toThrow(
      /^r\.json:20:7: where\.FileName\.contain: unknown operator "contain"/,
    );
  });

  it('a field that no routed table has can never match: an error naming the column', () => {
    expect(() => parseRule(rule({ where: { Filename: 'x' } }), 'r.json')).toThrow(
      /^r\.json:19:5: where\.Filename: "Filename" is not a column of DeviceProcessEvents/,
    );
    expect(() =>
      parseRule(
        rule({
          evidence: { x: { from: 'RemoteUrl' } },
          messages: { title: 't', description: 'd', riskAssessment: 'r' },
        }),
        'r.json',
      ),
    ).toThrow(/evidence\.x\.from: "RemoteUrl" is not a column/);
  });

  it('an unknown ATT&CK id, a bad CIDR, an unknown placeholder, bad YAML', () => {
    expect(() => parseRule(rule({ mitre: ['T9999'] }), 'r.json')).toThrow(
      /r\.json:8:5: mitre\.0: "T9999" is not an active/,
    );
    expect(() => parseRule(rule({ where: { FileName: { cidr: '10.0.0.0/33' } } }), 'r.json')).toThrow(
      /where\.FileName\.cidr: "10\.0\.0\.0\/33" is not a CIDR range/,
    );
    expect(() =>
      parseRule(rule({ messages: { title: '{nope}', description: 'd', riskAssessment: 'r' } }), 'r.json'),
    ).toThrow(/messages\.title: \{nope\} is neither an evidence name/);
    expect(() => parseRule('id: [unclosed', 'bad.yaml')).toThrow(/^bad\.yaml:1:\d+: \(syntax\): /);
    expect(() => parseRule('id: a\nid: b\n', 'dup.yaml')).toThrow(
      /^dup\.yaml:2:1: \(syntax\): Map keys must be unique/,
    );
  });
});

describe('compiled detector', () => {
  it('key, evidence, escalation, window', async () => {
    const { detector } = parseRule(
      rule({
        escalate: [{ severity: 'critical', where: { ProcessCommandLine: { contains: 'lsass' } } }],
        window: { size: '10m', threshold: 3 },
      }),
      'r.json',
    );
    expect(detector.window).toEqual({ sizeMs: 600_000, threshold: 3 });
    expect(detector.match?.(proc({}), ctx)).toEqual({ key: 'j.doe' });
    expect(detector.meta.columns).toEqual(['AccountName', 'FileName', 'ProcessCommandLine']);
    expect(detector.meta.evidence?.lines).toMatchObject({ combine: 'distinct', label: 'ProcessCommandLine' });
    expect(
      detector.match?.(proc({ ProcessCommandLine: 'rundll32 comsvcs.dll MiniDump (lsass pid)' }), ctx),
    ).toMatchObject({
      severity: 'critical',
    });
    expect(detector.match?.(proc({ FileName: 'cmd.exe' }), ctx)).toBeUndefined();
  });

  it('the JSON Schema of the rule format is generated from the zod schema and is strict', () => {
    expect(ruleJsonSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(ruleJsonSchema.additionalProperties).toBe(false);
    expect(Object.keys(ruleJsonSchema.properties as object)).toEqual(
      expect.arrayContaining(['id', 'where', 'evidence', 'escalate']),
    );
  });
});

describe('the published JSON Schema of rule files', () => {
  it('is the committed packages/core/schema/rule.schema.json (when stale: npm run build && node scripts/gen-rule-schema.mjs)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../../schema/rule.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(ruleJsonSchema)));
  });

  it('validates every example rule and rejects a typo the loader rejects', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(ruleJsonSchema as object);
    const dir = new URL('../../../../../examples/rules/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) {
      const rule = parse(readFileSync(new URL(f, dir), 'utf8'));
      expect(validate(rule), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const bad = JSON.parse(rule({ where: { FileName: { contain: 'x' } } }));
    expect(validate(bad)).toBe(false);
    expect(validate(JSON.parse(rule({ severty: 'high' })))).toBe(false);
  });
});

describe('rule folders and fixtures', () => {
  it('a folder scan reads rule files only; fixtures may also sit in <rule>.fixtures/', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-rule-dir-'));
    mkdirSync(join(dir, 'sub/b.fixtures'), { recursive: true });
    for (const f of ['a.yaml', 'a.fires.x.json', 'a.ignores.y.json', 'package.json', 'tsconfig.json', '.hidden.yaml'])
      writeFileSync(join(dir, f), '{}');
    for (const f of ['sub/b.json', 'sub/b.fixtures/fires.one.json', 'sub/b.fixtures/ignores.two.json'])
      writeFileSync(join(dir, f), '{}');
    expect(ruleFiles(dir)).toEqual([join(dir, 'a.yaml'), join(dir, 'sub/b.json')]);
    expect(ruleFixtureFiles(join(dir, 'a.yaml'))).toEqual({
      fires: [join(dir, 'a.fires.x.json')],
      ignores: [join(dir, 'a.ignores.y.json')],
    });
    expect(ruleFixtureFiles(join(dir, 'sub/b.json'))).toEqual({
      fires: [join(dir, 'sub/b.fixtures/fires.one.json')],
      ignores: [join(dir, 'sub/b.fixtures/ignores.two.json')],
    });
    const empty = mkdtempSync(join(tmpdir(), 'tripline-rule-empty-'));
    expect(() => ruleFiles(empty)).toThrow('no rule files (.yaml, .yml, .json) in this folder');
  });
});

describe('threshold and cap', () => {
  const events = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      proc({
        ReportId: 5000 + i,
        ProcessCommandLine: `rundll32.exe comsvcs.dll, MiniDump ${700 + i} C:\\t\\${i}.dmp full`,
      }),
    );
  const run = async (over: Record<string, unknown>, n: number) => {
    const { detector } = parseRule(rule(over), 'r.json');
    return (await analyzeEvents(events(n), { detectors: [detector], generatedAt: '2000-01-01T00:00:00Z' })).alerts;
  };
  it('threshold: no alert below it, one at it', async () => {
    expect(await run({ threshold: 3 }, 2)).toEqual([]);
    expect(await run({ threshold: 3 }, 3)).toHaveLength(1);
  });
  it('every combine of the evidence API: count, sum, min, max, first, last', async () => {
    const [alert] = await run(
      {
        evidence: {
          n: { from: 'ProcessId', combine: 'count', hidden: true },
          total: { from: 'ProcessId', combine: 'sum', hidden: true },
          low: { from: 'ProcessId', combine: 'min', label: 'lowest ProcessId' },
          high: { from: 'ProcessId', combine: 'max', label: 'highest ProcessId' },
          firstLine: { from: 'ProcessCommandLine', combine: 'first', label: 'first' },
          lastLine: { from: 'ProcessCommandLine', combine: 'last', label: 'last' },
        },
        messages: { title: '{n} {total} {low}-{high}', description: '{firstLine} … {lastLine}', riskAssessment: 'r' },
      },
      3,
    );
    expect(alert?.title).toBe('3 26436 8812-8812');
    expect(alert?.evidence.keyComponents).toMatchObject({ 'lowest ProcessId': '8812', 'highest ProcessId': '8812' });
    expect(alert?.evidence.keyComponents.first).toContain('MiniDump 700');
    expect(alert?.evidence.keyComponents.last).toContain('MiniDump 702');
  });

  it('an evidence name that is a built-in value, or two evidence with one label, is a load error', () => {
    expect(() => parseRule(rule({ evidence: { count: { from: 'ProcessId' } } }), 'r.json')).toThrow(
      /evidence\.count: "count" is a built-in template value/,
    );
    expect(() =>
      parseRule(
        rule({ evidence: { a: { from: 'ProcessId' }, b: { from: 'FileName', label: 'ProcessId' } } }),
        'r.json',
      ),
    ).toThrow(/evidence\.b\.label: the label "ProcessId" is also the label of evidence a/);
  });

  it('cap limits the distinct values shown; the count stays exact', async () => {
    const [alert] = await run({ evidence: { lines: { from: 'ProcessCommandLine', cap: 2 } } }, 5);
    expect(alert?.evidence.keyComponents.ProcessCommandLine).toHaveLength(2);
    expect(alert?.evidence.eventCount).toBe(5);
  });
});

describe('evidence no row supplied', () => {
  it('reads as (none), or 0 for count and sum, without an error diagnostic', async () => {
    const { detector } = parseRule(
      rule({
        evidence: {
          domain: { from: 'AccountDomain' },
          n: { from: 'AccountDomain', combine: 'count', hidden: true },
        },
        messages: { title: 'dump in {domain} ({n})', description: 'd', riskAssessment: 'r' },
      }),
      'r.json',
    );
    const result = await analyzeEvents([proc({})], { detectors: [detector], generatedAt: '2000-01-01T00:00:00Z' });
    expect(result.diagnostics.filter((d) => d.level === 'error')).toEqual([]);
    expect(result.alerts[0]?.title).toBe('dump in (none) (0)');
  });
});
