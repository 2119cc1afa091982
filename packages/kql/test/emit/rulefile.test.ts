/**
 * Rule files → KQL: the example rules (examples/rules, inside the repository) are exported or refused
 * with a reason, and every exported one agrees with the local rule on its own fixtures (run by the
 * subset interpreter over the fixture rows).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeEvents, fromString, type MdeEvent, parseRule } from '@tripline/core';
import { ingest } from '@tripline/core/unstable';
import { describe, expect, it } from 'vitest';
import { checkKql, runKql, subsetViolations } from '../../src/check/index.js';
import { exportRuleFile } from '../../src/emit/index.js';

const dir = fileURLToPath(new URL('../../../../examples/rules/', import.meta.url));

async function rows(file: string): Promise<MdeEvent[]> {
  const out: MdeEvent[] = [];
  const text = readFileSync(file, 'utf8');
  await ingest(fromString(text, file), { event: (e) => out.push(e), rejected: () => {} });
  return out;
}

const RULE = (where: string, extra = '') => `id: custom/test-rule
title: Test rule
summary: A rule for the exporter's tests.
description: A rule for the exporter's tests.
severity: medium
source:
  tables: [DeviceProcessEvents]
  actionTypes: [ProcessCreated]
where:
${where}
${extra}messages:
  title: t
  description: d
  riskAssessment: r
`;

function exported(where: string, extra = '') {
  return exportRuleFile(parseRule(RULE(where, extra), 'test.yaml').rule);
}

describe('exportRuleFile', () => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  it('exports or refuses every example rule with a reason', () => {
    const outcome = files.map((f) => {
      const e = exportRuleFile(parseRule(readFileSync(join(dir, f), 'utf8'), f).rule, f);
      return [f, e.ok ? 'exported' : e.refusals.map((r) => r.code).join(',')];
    });
    expect(outcome).toMatchInlineSnapshot(`
      [
        [
          "adfs-dkm-key-read.yaml",
          "construct-unsupported,construct-unsupported",
        ],
        [
          "encoded-powershell.yaml",
          "exported",
        ],
        [
          "lsass-minidump-comsvcs.yaml",
          "exported",
        ],
        [
          "rdp-brute-force.yaml",
          "exported",
        ],
        [
          "security-log-cleared.yaml",
          "exported",
        ],
        [
          "shadow-copy-deletion.yaml",
          "exported",
        ],
      ]
    `);
  });

  for (const f of files) {
    it(`${f}: the query passes the language service and agrees with the rule on its fixtures`, async () => {
      const path = join(dir, f);
      const loaded = parseRule(readFileSync(path, 'utf8'), path);
      const e = exportRuleFile(loaded.rule, f);
      if (!e.ok) {
        expect(e.refusals[0]!.message.length).toBeGreaterThan(20);
        return;
      }
      expect(checkKql(e.query.text, { require: ['Timestamp', 'DeviceId', 'ReportId'] })).toEqual([]);
      expect(subsetViolations(e.query.text)).toEqual([]);
      const base = f.slice(0, -'.yaml'.length);
      const fixtures = readdirSync(dir)
        .filter((n) => n.startsWith(`${base}.fires.`) || n.startsWith(`${base}.ignores.`))
        .map((n) => join(dir, n));
      expect(fixtures.length).toBeGreaterThan(0);
      for (const fixture of fixtures) {
        const events = await rows(fixture);
        const local = await analyzeEvents(events, { detectors: [loaded.detector] });
        const kql = runKql(e.query.text, events);
        expect(kql.rows.length > 0, fixture).toBe(local.alerts.length > 0);
      }
    });
  }

  it('writes each operator with the engine meaning', () => {
    const q = (where: string) => {
      const e = exported(where);
      if (!e.ok) throw new Error(JSON.stringify(e.refusals));
      return e.query.text.split('\n')[2];
    };
    expect(q('  FileName: [a.exe, b.exe]')).toBe('| where FileName in~ (@"a.exe", @"b.exe")');
    expect(q('  ProcessCommandLine: { contains: [x, y], match: all }')).toBe(
      '| where (ProcessCommandLine contains @"x" and ProcessCommandLine contains @"y")',
    );
    expect(q('  ProcessCommandLine: { startswith: X, caseSensitive: true }')).toBe(
      '| where ProcessCommandLine startswith_cs @"X"',
    );
    expect(q("  ProcessCommandLine: { regex: 'a.*b' }")).toBe('| where ProcessCommandLine matches regex @"(?i)a.*b"');
    expect(q('  ProcessId: { gt: 4 }')).toBe('| where iff(isnull(ProcessId), false, ProcessId > 4)');
    expect(q('  ProcessId: 4')).toBe('| where tostring(ProcessId) =~ @"4"');
    expect(q('  AccountSid: { exists: false }')).toBe('| where not(isnotempty(AccountSid))');
    expect(q('  not:\n    any:\n      - FileName: a\n      - FileName: b')).toBe(
      '| where not((FileName =~ @"a" or FileName =~ @"b"))',
    );
  });

  it('refuses keys inside JSON columns, numbers on text, and a threshold without a window', () => {
    const codes = (where: string, extra = '') => {
      const e = exported(where, extra);
      return e.ok ? [] : e.refusals.map((r) => r.code);
    };
    expect(codes('  AdditionalFields.Foo: bar')).toEqual(['construct-unsupported']);
    expect(codes('  FileName: { gt: 3 }')).toEqual(['construct-unsupported']);
    expect(codes('  FileName: a', 'threshold: 3\n')).toEqual(['construct-unsupported']);
  });

  it('counts a window per device and key in fixed buckets, with the warning', () => {
    const e = exported('  FileName: a', 'key: [AccountName]\nwindow: { size: 10m, threshold: 5 }\n');
    if (!e.ok) throw new Error(JSON.stringify(e.refusals));
    expect(e.query.windowMs).toBe(600_000);
    expect(e.query.warnings.map((w) => w.code)).toEqual(['fixed-buckets']);
    expect(e.query.text).toContain(
      '| summarize tl_Count = count(), arg_max(Timestamp, ReportId, DeviceName) by DeviceId, Key_0, tl_Window = bin(Timestamp, 10m)',
    );
    expect(checkKql(e.query.text)).toEqual([]);
  });
});
