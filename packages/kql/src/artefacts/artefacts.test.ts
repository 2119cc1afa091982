import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { ExportedRule, ExportSource, KqlQuery } from '../ir.js';
import {
  artefactBaseName,
  artefactPath,
  artefactsFor,
  entityMappings,
  ruleUuid,
  sentinelDuration,
  tacticsOf,
  toArtefacts,
} from './index.js';

const SOURCE: ExportSource = {
  id: 'sigma/5f1b2c3d-0000-4000-8000-000000000001',
  kind: 'sigma',
  title: 'Encoded PowerShell command line',
  description: 'PowerShell started with an encoded command.',
  severity: 'high',
  techniques: ['T1059.001', 'T1027'],
  author: 'Jane Doe',
  references: ['https://example.org/ps-enc'],
  falsePositives: ['Software deployment tools'],
  file: 'rules/proc_creation_win_powershell_enc.yml',
};

const QUERY: KqlQuery = {
  text: [
    'DeviceProcessEvents',
    '| where FileName =~ "powershell.exe" and ProcessCommandLine contains "-enc"',
    '| project Timestamp, DeviceId, DeviceName, ReportId, AccountName, AccountDomain, FileName, FolderPath, ProcessCommandLine, ProcessId',
  ].join('\n'),
  tables: ['DeviceProcessEvents'],
  columns: [
    'Timestamp',
    'DeviceId',
    'DeviceName',
    'ReportId',
    'AccountName',
    'AccountDomain',
    'FileName',
    'FolderPath',
    'ProcessCommandLine',
    'ProcessId',
  ],
  warnings: [],
};

const RULE: ExportedRule = { ok: true, source: SOURCE, query: QUERY };

function rule(
  source: { [K in keyof ExportSource]?: ExportSource[K] | undefined } = {},
  query: Partial<KqlQuery> = {},
): ExportedRule {
  const merged = { ...SOURCE, ...source } as Record<string, unknown>;
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  return { ok: true, source: merged as unknown as ExportSource, query: { ...QUERY, ...query } };
}

function only<T>(list: readonly T[]): T {
  expect(list).toHaveLength(1);
  return list[0] as T;
}

const HOSTILE =
  'yes\n---\nkind: NRT\nquery: "DeviceInfo" # x\r\n| where 1 == 1 \u2028 : - [a] {b} & *c !d %e @f `g\' "h" \\i \u0007';

describe('advanced hunting', () => {
  it('writes a comment header with id, title, severity, ATT&CK, author, the DRL line, then the query', () => {
    const a = only(toArtefacts(RULE, 'advanced-hunting'));
    expect(a.path).toBe('advanced-hunting/sigma-5f1b2c3d-0000-4000-8000-000000000001.kql');
    expect(a.content).toBe(
      [
        '// Encoded PowerShell command line',
        '// id: sigma/5f1b2c3d-0000-4000-8000-000000000001',
        '// severity: high',
        '// ATT&CK: T1059.001 Command and Scripting Interpreter: PowerShell, T1027 Obfuscated Files or Information',
        '// author: Jane Doe',
        '// licence: Sigma rule by Jane Doe, Detection Rule License 1.1',
        '// source: rules/proc_creation_win_powershell_enc.yml',
        '// exported by tripline; tables: DeviceProcessEvents',
        QUERY.text,
        '',
      ].join('\n'),
    );
  });

  it('lists the warnings and the window', () => {
    const a = only(
      toArtefacts(
        rule(
          { kind: 'sigma-correlation' },
          { windowMs: 600_000, warnings: [{ code: 'fixed-buckets', message: 'bins of 10m, not a sliding window' }] },
        ),
        'advanced-hunting',
      ),
    );
    expect(a.content).toContain('// window: 10m\n');
    expect(a.content).toContain('// warning fixed-buckets: bins of 10m, not a sliding window\n');
    expect(a.content).toContain('// licence: Sigma correlation by Jane Doe, Detection Rule License 1.1\n');
  });

  it('keeps a rule-file or detector without the Sigma licence line', () => {
    const a = only(
      toArtefacts(rule({ kind: 'rule-file', id: 'acme/curl-pipe-sh', author: undefined }), 'advanced-hunting'),
    );
    expect(a.content).not.toContain('licence');
    expect(a.content).not.toContain('author');
  });

  it('never lets a hostile title or author leave its comment line', () => {
    const a = only(toArtefacts(rule({ title: HOSTILE, author: HOSTILE, file: HOSTILE }), 'advanced-hunting'));
    const lines = a.content.split('\n');
    const queryStart = lines.indexOf('DeviceProcessEvents');
    expect(lines.slice(0, queryStart).every((l) => l.startsWith('// '))).toBe(true);
    expect(lines.slice(queryStart).join('\n')).toBe(`${QUERY.text}\n`);
    expect(a.content).not.toMatch(/[\r\u2028\u0007]/);
  });

  it('writes nothing for a refused rule', () => {
    const refused: ExportedRule = {
      ok: false,
      source: SOURCE,
      refusals: [{ code: 'field-no-kql', message: 'Imphash has no MDE column' }],
    };
    expect(toArtefacts(refused, 'advanced-hunting')).toEqual([]);
    expect(artefactsFor(refused, 'sentinel')).toEqual({ ok: false, source: SOURCE, refusals: refused.refusals });
  });
});

describe('custom detection', () => {
  it('is the Graph detectionRule body', () => {
    const a = only(toArtefacts(RULE, 'custom-detection'));
    expect(a.path).toBe('custom-detection/sigma-5f1b2c3d-0000-4000-8000-000000000001.json');
    const body = JSON.parse(a.content);
    expect(body).toEqual({
      displayName: 'Encoded PowerShell command line',
      isEnabled: true,
      queryCondition: { queryText: QUERY.text },
      schedule: { period: '1H' },
      detectionAction: {
        alertTemplate: {
          title: 'Encoded PowerShell command line',
          description: [
            'PowerShell started with an encoded command.',
            'Sigma rule by Jane Doe, Detection Rule License 1.1',
            'References: https://example.org/ps-enc',
            'Exported by tripline from sigma/5f1b2c3d-0000-4000-8000-000000000001.',
          ].join('\n\n'),
          severity: 'high',
          category: 'Execution',
          recommendedActions:
            'Review the matching events on the device and the process tree around them. Known false positives: Software deployment tools.',
          mitreTechniques: ['T1059.001', 'T1027'],
          impactedAssets: [{ '@odata.type': '#microsoft.graph.security.impactedDeviceAsset', identifier: 'deviceId' }],
        },
        organizationalScope: null,
        responseActions: [],
      },
    });
    expect(a.content.endsWith('}\n')).toBe(true);
  });

  it('maps critical to high (Graph has no critical) and uses the period asked for', () => {
    const body = JSON.parse(
      only(toArtefacts(rule({ severity: 'critical' }), 'custom-detection', { period: '24H', enabled: false })).content,
    );
    expect(body.detectionAction.alertTemplate.severity).toBe('high');
    expect(body.schedule).toEqual({ period: '24H' });
    expect(body.isEnabled).toBe(false);
  });

  it('adds the columns Defender requires to a final project that lacks them', () => {
    const q = {
      text: 'DeviceProcessEvents\n| where FileName =~ "whoami.exe"\n| project DeviceName, ProcessCommandLine',
      columns: ['DeviceName', 'ProcessCommandLine'],
    };
    const body = JSON.parse(only(toArtefacts(rule({}, q), 'custom-detection')).content);
    expect(body.queryCondition.queryText).toBe(
      'DeviceProcessEvents\n| where FileName =~ "whoami.exe"\n| project Timestamp, DeviceId, ReportId, DeviceName, ProcessCommandLine',
    );
  });

  it('appends a project when the query chose no columns but lost them', () => {
    const q = { text: 'DeviceProcessEvents\n| where FileName =~ "whoami.exe"', columns: ['DeviceName'] };
    const body = JSON.parse(only(toArtefacts(rule({}, q), 'custom-detection')).content);
    expect(body.queryCondition.queryText).toBe(
      'DeviceProcessEvents\n| where FileName =~ "whoami.exe"\n| project Timestamp, DeviceId, ReportId, DeviceName',
    );
  });

  it('refuses a query whose summarize dropped ReportId', () => {
    const q = {
      text: 'DeviceLogonEvents\n| where ActionType == "LogonFailed"\n| summarize Timestamp = max(Timestamp), Failures = count() by DeviceId, DeviceName, bin(Timestamp, 10m)',
      columns: ['DeviceId', 'DeviceName', 'Timestamp', 'Failures'],
    };
    const out = artefactsFor(rule({}, q), 'custom-detection');
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.refusals.map((r) => r.code)).toEqual(['construct-unsupported']);
      expect(out.refusals[0]?.message).toContain('ReportId');
    }
    // The other targets need no such columns.
    expect(toArtefacts(rule({}, q), 'advanced-hunting')).toHaveLength(1);
  });

  it('refuses near-real-time mode for a query over several tables', () => {
    const multi = rule({}, { tables: ['DeviceProcessEvents', 'DeviceNetworkEvents'] });
    const out = artefactsFor(multi, 'custom-detection', { period: '0' });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.refusals.map((r) => r.code)).toEqual(['nrt-multi-table']);
    expect(artefactsFor(multi, 'custom-detection', { period: '1H' }).ok).toBe(true);
    const single = JSON.parse(only(toArtefacts(RULE, 'custom-detection', { period: '0' })).content);
    expect(single.schedule).toEqual({ period: '0' });
  });

  it('picks a period whose lookback covers the window, and warns when the one asked for does not', () => {
    const day = rule({}, { windowMs: 24 * 3_600_000 });
    expect(JSON.parse(only(toArtefacts(day, 'custom-detection')).content).schedule).toEqual({ period: '12H' });
    expect(JSON.parse(only(toArtefacts(rule({}, { windowMs: 600_000 }), 'custom-detection')).content).schedule).toEqual(
      { period: '1H' },
    );
    const short = artefactsFor(day, 'custom-detection', { period: '1H' });
    expect(short.ok && short.warnings.map((w) => w.code)).toEqual(['lookback-short']);
    const covered = artefactsFor(day, 'custom-detection', { period: '24H' });
    expect(covered.ok && covered.warnings).toEqual([]);
  });

  it('keeps hostile text inside its JSON strings', () => {
    const body = JSON.parse(
      only(toArtefacts(rule({ title: HOSTILE, description: HOSTILE }), 'custom-detection')).content,
    );
    expect(body.displayName).toBe(HOSTILE);
    expect(body.detectionAction.alertTemplate.title).toBe(HOSTILE);
  });
});

describe('sentinel', () => {
  it('is a scheduled analytic rule in the Azure-Sentinel Detections shape', () => {
    const a = only(toArtefacts(RULE, 'sentinel'));
    expect(a.path).toBe('sentinel/sigma-5f1b2c3d-0000-4000-8000-000000000001.yaml');
    const y = parse(a.content);
    expect(Object.keys(y)).toEqual([
      'id',
      'name',
      'description',
      'severity',
      'requiredDataConnectors',
      'queryFrequency',
      'queryPeriod',
      'triggerOperator',
      'triggerThreshold',
      'tactics',
      'relevantTechniques',
      'query',
      'entityMappings',
      'version',
      'kind',
    ]);
    expect(y.id).toBe(ruleUuid(SOURCE.id));
    expect(y.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(y.name).toBe(SOURCE.title);
    expect(y.severity).toBe('High');
    expect(y.requiredDataConnectors).toEqual([
      { connectorId: 'MicrosoftThreatProtection', dataTypes: ['DeviceProcessEvents'] },
    ]);
    expect([y.queryFrequency, y.queryPeriod, y.triggerOperator, y.triggerThreshold]).toEqual(['1h', '1h', 'gt', 0]);
    expect(y.tactics).toEqual(['Execution', 'DefenseEvasion']);
    expect(y.relevantTechniques).toEqual(['T1059.001', 'T1027']);
    expect(y.query).toBe(QUERY.text);
    expect(y.entityMappings).toEqual([
      { entityType: 'Host', fieldMappings: [{ identifier: 'HostName', columnName: 'DeviceName' }] },
      {
        entityType: 'Account',
        fieldMappings: [
          { identifier: 'Name', columnName: 'AccountName' },
          { identifier: 'NTDomain', columnName: 'AccountDomain' },
        ],
      },
      {
        entityType: 'Process',
        fieldMappings: [
          { identifier: 'CommandLine', columnName: 'ProcessCommandLine' },
          { identifier: 'ProcessId', columnName: 'ProcessId' },
        ],
      },
      {
        entityType: 'File',
        fieldMappings: [
          { identifier: 'Name', columnName: 'FileName' },
          { identifier: 'Directory', columnName: 'FolderPath' },
        ],
      },
    ]);
    expect([y.version, y.kind]).toEqual(['1.0.0', 'Scheduled']);
    expect(a.content).toContain('query: |-\n  DeviceProcessEvents\n');
  });

  it('maps only the columns the query returns', () => {
    expect(entityMappings(['Timestamp', 'DeviceId', 'ReportId'])).toEqual([]);
    expect(entityMappings(['DeviceName', 'RemoteIP', 'LocalIP', 'FolderPath'])).toEqual([
      { entityType: 'Host', fieldMappings: [{ identifier: 'HostName', columnName: 'DeviceName' }] },
      { entityType: 'IP', fieldMappings: [{ identifier: 'Address', columnName: 'RemoteIP' }] },
      { entityType: 'IP', fieldMappings: [{ identifier: 'Address', columnName: 'LocalIP' }] },
    ]);
  });

  it('covers the window with the query period, up to Sentinel’s 14 days', () => {
    const y = parse(only(toArtefacts(rule({}, { windowMs: 2 * 86_400_000 }), 'sentinel')).content);
    expect([y.queryFrequency, y.queryPeriod]).toEqual(['1h', '2d']);
    const y2 = parse(only(toArtefacts(RULE, 'sentinel', { frequencyMs: 300_000 })).content);
    expect([y2.queryFrequency, y2.queryPeriod]).toEqual(['5m', '5m']);
    const long = artefactsFor(rule({}, { windowMs: 30 * 86_400_000 }), 'sentinel');
    expect(long.ok && long.warnings.map((w) => w.code)).toEqual(['lookback-short']);
    expect(long.ok && parse(long.artefacts[0]?.content ?? '').queryPeriod).toBe('14d');
  });

  it('keeps hostile titles and descriptions as strings of one document', () => {
    for (const text of [HOSTILE, 'yes', 'null', '- a', 'a: b', '#x', '"', "'", '---', '...', '@x', '0x1F', '1e3', '']) {
      const a = only(toArtefacts(rule({ title: text, description: text, author: text }), 'sentinel'));
      const docs = parseAllDocuments(a.content);
      expect(Array.isArray(docs) && docs.length).toBe(1);
      const y = parse(a.content);
      expect(y.name).toBe(text);
      expect(y.kind).toBe('Scheduled');
      expect(y.query).toBe(QUERY.text);
    }
  });

  it('keeps a hostile query intact', () => {
    const text = `DeviceProcessEvents\n| where ProcessCommandLine contains "\\n---\\nkind: NRT" or ProcessCommandLine contains @"a""b: #c"`;
    const y = parse(only(toArtefacts(rule({}, { text }), 'sentinel')).content);
    expect(y.query).toBe(text);
  });
});

describe('determinism and names', () => {
  it('gives the same bytes for the same rule', () => {
    for (const target of ['advanced-hunting', 'custom-detection', 'sentinel'] as const)
      expect(toArtefacts(RULE, target)).toEqual(toArtefacts(structuredClone(RULE), target));
  });

  it('names files safely on every OS and keeps distinct ids distinct', () => {
    expect(artefactBaseName('defender/logon-brute-force')).toBe('defender-logon-brute-force');
    const names = [
      'acme/Foo',
      'acme/foo',
      'acme/a b',
      'acme/a?b',
      'con',
      'acme/../../etc/passwd',
      'x'.repeat(300),
      '',
      '///',
      'acme/ünïcode',
    ].map(artefactBaseName);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
    for (const n of names) {
      expect(n).toMatch(/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/);
      expect(n.length).toBeLessThanOrEqual(110);
      expect(n).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)$/);
    }
    expect(artefactPath({ ...SOURCE, id: 'acme/../../x' }, 'sentinel')).toMatch(/^sentinel\/[a-z0-9][^/]*\.yaml$/);
  });

  it('derives UUIDs from the rule id alone', () => {
    expect(ruleUuid('sigma/x')).toBe(ruleUuid('sigma/x'));
    expect(ruleUuid('sigma/x')).not.toBe(ruleUuid('sigma/y'));
  });

  it('writes durations as Sentinel does', () => {
    expect([300_000, 3_600_000, 5_400_000, 86_400_000, 90_000].map(sentinelDuration)).toEqual([
      '5m',
      '1h',
      '90m',
      '1d',
      '2m',
    ]);
  });

  it('derives tactics from the ATT&CK data, never guessing', () => {
    expect(tacticsOf(['T1059.001'])).toEqual(['Execution']);
    expect(tacticsOf(['T1071.001', 'T1078'])).toEqual([
      'InitialAccess',
      'Persistence',
      'PrivilegeEscalation',
      'DefenseEvasion',
      'CommandAndControl',
    ]);
    expect(tacticsOf(['T9999', 'not-an-id'])).toEqual([]);
  });
});
