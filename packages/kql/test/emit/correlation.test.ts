import type { MdeEvent } from '@tripline/core';
import { compileSigma } from '@tripline/sigma';
import { describe, expect, it } from 'vitest';
import { windowsRow } from '../../../sigma/test/support/mde-rows.js';
import { checkKql, runKql, subsetViolations } from '../../src/check/index.js';
import { kqlTimespan } from '../../src/emit/correlation.js';
import { exportSigma } from '../../src/emit/index.js';

const RULES = `title: whoami
id: 0b7c2d1e-1111-4a11-8111-000000000001
name: whoami
logsource:
  product: windows
  category: process_creation
detection:
  sel:
    Image|endswith: '\\whoami.exe'
  condition: sel
---
title: net user
id: 0b7c2d1e-1111-4a11-8111-000000000002
name: net_user
logsource:
  product: windows
  category: process_creation
detection:
  sel:
    CommandLine|contains: 'net user'
  condition: sel
---
title: file drop
id: 0b7c2d1e-1111-4a11-8111-000000000003
name: file_drop
logsource:
  product: windows
  category: file_event
detection:
  sel:
    TargetFilename|endswith: '.ps1'
  condition: sel
`;

function correlation(body: string): string {
  return `---\ntitle: corr\nid: 0b7c2d1e-2222-4a11-8111-000000000009\ncorrelation:\n${body}`;
}

function exportOne(body: string) {
  const set = compileSigma([{ text: RULES + correlation(body), name: 'c.yml' }]);
  const out = exportSigma(set);
  expect(out).toHaveLength(4);
  return out[3]!;
}

const at = (min: number, sec = 0) =>
  `2026-11-30T09:${String(min).padStart(2, '0')}:${String(sec).padStart(2, '0')}.0000000Z`;

function proc(time: string, extra: Record<string, unknown>): MdeEvent {
  return windowsRow('DeviceProcessEvents', 'ProcessCreated', { Timestamp: time, ...extra });
}

const WHOAMI = {
  FileName: 'whoami.exe',
  FolderPath: 'C:\\Windows\\System32\\whoami.exe',
  ProcessCommandLine: 'whoami',
};

describe('correlations', () => {
  it('refuses a rule only correlations use as correlation-only; generate: true exports it alone too', () => {
    const body =
      '  type: event_count\n  rules:\n    - whoami\n  group-by:\n    - User\n  timespan: 5m\n  condition:\n    gte: 3\n';
    const quiet = exportSigma(compileSigma([{ text: RULES + correlation(body), name: 'c.yml' }]));
    expect(quiet.map((r) => (r.ok ? 'ok' : r.refusals.map((x) => x.code).join()))).toEqual([
      'correlation-only',
      'ok',
      'ok',
      'ok',
    ]);
    expect(!quiet[0]!.ok && quiet[0]!.refusals[0]!.message).toContain('generate: true');
    expect(quiet[0]!.source.id).toBe('sigma/0b7c2d1e-1111-4a11-8111-000000000001');
    const loud = exportSigma(
      compileSigma([{ text: `${RULES + correlation(`${body}  generate: true\n`)}`, name: 'c.yml' }]),
    );
    expect(loud.map((r) => r.ok)).toEqual([true, true, true, true]);
  });

  it('event_count: summarize count() per device, group-by and fixed bucket, with the warning and the window', () => {
    const e = exportOne(
      '  type: event_count\n  rules:\n    - whoami\n  group-by:\n    - User\n  timespan: 5m\n  condition:\n    gte: 3\n',
    );
    if (!e.ok) throw new Error(JSON.stringify(e.refusals));
    expect(e.source.kind).toBe('sigma-correlation');
    expect(e.query.windowMs).toBe(300_000);
    expect(e.query.warnings[0]?.code).toBe('fixed-buckets');
    expect(e.query.text).toContain(
      '| summarize tl_Count = count(), arg_max(Timestamp, ReportId, DeviceName) by DeviceId, By_User, tl_Window = bin(Timestamp, 5m)',
    );
    expect(e.query.text).toContain('| where tl_Count >= 3');
    expect(checkKql(e.query.text, { require: ['Timestamp', 'DeviceId', 'ReportId'] })).toEqual([]);
    expect(subsetViolations(e.query.text)).toEqual([]);
    const rows = [
      proc(at(1), { ...WHOAMI, AccountDomain: 'CONTOSO', AccountName: 'a' }),
      proc(at(2), { ...WHOAMI, AccountDomain: 'CONTOSO', AccountName: 'a' }),
      proc(at(3), { ...WHOAMI, AccountDomain: 'CONTOSO', AccountName: 'a' }),
      proc(at(3), { ...WHOAMI, AccountDomain: 'CONTOSO', AccountName: 'b' }),
      proc(at(4), {
        FileName: 'cmd.exe',
        FolderPath: 'C:\\Windows\\System32\\cmd.exe',
        AccountName: 'a',
        AccountDomain: 'CONTOSO',
      }),
    ];
    const result = runKql(e.query.text, { DeviceProcessEvents: rows });
    expect(result.rows.map((r) => [r.values.By_User, r.values.tl_Count])).toEqual([['CONTOSO\\a', 3]]);
  });

  it('value_count: distinct values exactly (make_set), the value field read through the mapping', () => {
    const e = exportOne(
      '  type: value_count\n  rules:\n    - whoami\n  group-by:\n    - ComputerName\n  timespan: 1h\n  condition:\n    field: User\n    gte: 2\n',
    );
    if (!e.ok) throw new Error(JSON.stringify(e.refusals));
    expect(checkKql(e.query.text)).toEqual([]);
    const rows = [
      proc(at(1), { ...WHOAMI, AccountName: 'a' }),
      proc(at(2), { ...WHOAMI, AccountName: 'a' }),
      proc(at(3), { ...WHOAMI, AccountName: 'b' }),
    ];
    const result = runKql(e.query.text, { DeviceProcessEvents: rows });
    expect(result.rows).toHaveLength(1);
  });

  it('temporal: the rules of several tables unioned, tagged, and counted per bucket', () => {
    const e = exportOne(
      '  type: temporal\n  rules:\n    - whoami\n    - file_drop\n  group-by:\n    - ComputerName\n  timespan: 10m\n',
    );
    if (!e.ok) throw new Error(JSON.stringify(e.refusals));
    expect(e.query.tables).toEqual(['DeviceFileEvents', 'DeviceProcessEvents']);
    expect(e.query.text.startsWith('union\n(DeviceProcessEvents')).toBe(true);
    expect(e.query.text).toContain('| where array_length(tl_Rules) >= 2');
    expect(checkKql(e.query.text)).toEqual([]);
    expect(subsetViolations(e.query.text)).toEqual([]);
    const file = windowsRow('DeviceFileEvents', 'FileCreated', {
      Timestamp: at(2),
      FileName: 'run.ps1',
      FolderPath: 'C:\\Users\\Public\\run.ps1',
    });
    const one = runKql(e.query.text, { DeviceProcessEvents: [proc(at(1), WHOAMI)], DeviceFileEvents: [] });
    expect(one.rows).toHaveLength(0);
    const both = runKql(e.query.text, { DeviceProcessEvents: [proc(at(1), WHOAMI)], DeviceFileEvents: [file] });
    expect(both.rows).toHaveLength(1);
  });

  it('event_count over several rules counts an event they all match once, as the local correlation does', () => {
    const e = exportOne(
      '  type: event_count\n  rules:\n    - whoami\n    - net_user\n  group-by:\n    - ComputerName\n  timespan: 10m\n  condition:\n    gte: 2\n',
    );
    if (!e.ok) throw new Error(JSON.stringify(e.refusals));
    expect(checkKql(e.query.text)).toEqual([]);
    expect(subsetViolations(e.query.text)).toEqual([]);
    const both = proc(at(1), { ...WHOAMI, ProcessCommandLine: 'whoami & net user' });
    expect(runKql(e.query.text, { DeviceProcessEvents: [both] }).rows).toHaveLength(0);
    const other = proc(at(2), {
      FileName: 'net.exe',
      FolderPath: 'C:\\Windows\\System32\\net.exe',
      ProcessCommandLine: 'net user x',
    });
    const two = runKql(e.query.text, { DeviceProcessEvents: [both, other] });
    expect(two.rows.map((r) => r.values.tl_Count)).toEqual([2]);
  });

  it('value_sum, value_avg and value_percentile compare the numeric value', () => {
    for (const [type, agg] of [
      ['value_sum', 'tl_Sum = sum(tl_Value)'],
      ['value_avg', 'tl_Avg = avg(tl_Value)'],
      ['value_percentile', 'tl_Percentile = percentile(tl_Value, 95)'],
    ] as const) {
      const pct = type === 'value_percentile' ? '    percentile: 95\n' : '';
      const e = exportOne(
        `  type: ${type}\n  rules:\n    - whoami\n  group-by:\n    - ComputerName\n  timespan: 1h\n  condition:\n    field: ProcessId\n${pct}    gt: 100\n`,
      );
      if (!e.ok) throw new Error(JSON.stringify(e.refusals));
      expect(e.query.text).toContain(agg);
      expect(e.query.text).toContain('tl_Value = toreal(ProcessId)');
      expect(checkKql(e.query.text)).toEqual([]);
    }
  });

  it('refuses temporal_ordered and chained correlations, with a reason', () => {
    const ordered = exportOne(
      '  type: temporal_ordered\n  rules:\n    - whoami\n    - net_user\n  group-by:\n    - ComputerName\n  timespan: 10m\n',
    );
    expect(!ordered.ok && ordered.refusals[0]?.code).toBe('correlation-unsupported');
    const set = compileSigma([
      {
        text: `${RULES}${correlation('  type: event_count\n  rules:\n    - whoami\n  group-by:\n    - ComputerName\n  timespan: 5m\n  condition:\n    gte: 2\n')}name: base\n---\ntitle: chained\nid: 0b7c2d1e-2222-4a11-8111-000000000010\ncorrelation:\n  type: event_count\n  rules:\n    - base\n  group-by:\n    - ComputerName\n  timespan: 1h\n  condition:\n    gte: 2\n`,
        name: 'c.yml',
      },
    ]);
    const out = exportSigma(set);
    expect(out[3]!.ok).toBe(true);
    expect(out[4]!.ok).toBe(false);
    expect(!out[4]!.ok && ['correlation-unsupported', 'not-loaded']).toContain(
      !out[4]!.ok && out[4]!.refusals[0]!.code,
    );
  });

  it('writes timespans in the largest unit that divides them', () => {
    expect(kqlTimespan(86_400_000)).toBe('1d');
    expect(kqlTimespan(90_000)).toBe('90s');
    expect(kqlTimespan(300_000)).toBe('5m');
    expect(kqlTimespan(1500)).toBe('1500ms');
  });
});
