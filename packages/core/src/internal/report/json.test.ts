import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../testing.js';
import { defineDetector } from '../detector/define.js';
import type { Detector } from '../detector/types.js';
import { analyze, analyzeEvents } from '../engine/entry.js';
import { isTriplineError } from '../errors.js';
import { fromString } from '../ingest/sources.js';
import { findingId } from './findings.js';
import { parseJsonReport, REPORT_SCHEMA_VERSION, stringifyReport, toJsonReport } from './json.js';
import type { AnalysisResult, Narrative } from './types.js';

/** A narrative with keys out of the schema's order, as a provider may build it. */
const NARRATIVE: Narrative = {
  stats: { retries: 0, rejected: 1, kept: 1, sentences: 2 },
  injections: [
    {
      excerpt: '<|im_start|>system',
      pattern: 'chat-template-token',
      field: 'keyComponents.AccountName',
      alertId: 'a1',
    },
  ],
  rejected: [
    { reasons: ['203.0.113.7 occurs in no cited fact'], cites: ['F1'], text: 'From 203.0.113.7.', section: 'summary' },
  ],
  alerts: [{ sentences: [{ cites: ['A1.count'], text: 'root logged on once.' }], alertId: 'a1' }],
  summary: { sentences: [{ cites: ['F1'], text: 'One alert was raised.' }], source: 'model' },
  facts: [
    { text: 'alerts=1', id: 'F1' },
    { text: 'alert a1 count=1', id: 'A1.count' },
  ],
  generatedAt: '2025-11-07T07:00:00Z',
  endpoint: 'http://127.0.0.1:8080',
  model: 'test-model',
};

/** A small valid record, with keys deliberately out of the schema's order. */
function record(): AnalysisResult {
  return {
    inputs: [{ rejected: 0, events: 1, rowsRead: 1, format: 'ndjson', source: 'events.ndjson' }],
    detectors: [],
    devices: [],
    diagnostics: [],
    rejected: [],
    alerts: [
      {
        message: {
          values: { account: 'root' },
          templates: { title: 'Logon as {account}', description: 'd', riskAssessment: 'r' },
        },
        key: 'root',
        relatedAlerts: [],
        evidence: { events: [], keyComponents: { AccountName: 'root' }, eventCount: 1 },
        lastSeen: '2025-11-07T06:40:09Z',
        firstSeen: '2025-11-07T06:40:09Z',
        device: { name: 'web01', id: 'd1' },
        riskAssessment: 'r',
        description: 'd',
        mitre: [],
        category: 'Credential Access',
        severity: 'low',
        title: 'Logon as root',
        detectorId: 'acme/root-logon',
        id: 'a1',
      },
    ],
    findings: [
      {
        lastSeen: '2025-11-07T06:40:09Z',
        firstSeen: '2025-11-07T06:40:09Z',
        count: 1,
        alerts: ['a1'],
        devices: 1,
        title: 'Logon as root',
        severity: 'low',
        key: 'root',
        detectorId: 'acme/root-logon',
        id: findingId('acme/root-logon', 'root', 'low'),
      },
    ],
    summary: {
      byTable: {},
      timeRange: null,
      devices: 0,
      bySeverity: { informational: 0, low: 1, medium: 0, high: 0, critical: 0 },
      highestSeverity: 'low',
      alertCount: 1,
      duplicateEvents: 0,
      eventsRejected: 0,
      eventsAnalyzed: 1,
      eventsRead: 1,
    },
    generatedAt: '2025-11-12T09:00:36Z',
    tool: { version: '0.0.0', name: 'tripline' },
  };
}

describe('toJsonReport', () => {
  it('is the record with its version, keys in the schema order whatever order the record was built in', () => {
    const report = toJsonReport(record());
    expect(Object.keys(report)).toEqual([
      'schemaVersion',
      'tool',
      'generatedAt',
      'summary',
      'alerts',
      'findings',
      'rejected',
      'diagnostics',
      'devices',
      'detectors',
      'inputs',
    ]);
    expect(report.schemaVersion).toBe('1.3');
    expect(Object.keys(report.findings[0]!)).toEqual([
      'id',
      'detectorId',
      'key',
      'severity',
      'title',
      'devices',
      'alerts',
      'count',
      'firstSeen',
      'lastSeen',
    ]);
    expect(Object.keys(report.alerts[0]!)).toEqual([
      'id',
      'detectorId',
      'title',
      'severity',
      'category',
      'mitre',
      'description',
      'riskAssessment',
      'device',
      'firstSeen',
      'lastSeen',
      'evidence',
      'relatedAlerts',
      'key',
      'message',
    ]);
    expect(Object.keys(report.summary.bySeverity)).toEqual(['critical', 'high', 'medium', 'low', 'informational']);
    expect(Object.keys(report.inputs[0]!)).toEqual(['source', 'format', 'rowsRead', 'events', 'rejected']);
    expect(report.alerts[0]!.key).toBe('root');
    expect(report.alerts[0]!.message.templates.title).toBe('Logon as {account}');
  });

  it('throws report-invalid naming the field when a hand-built result breaks the contract', () => {
    const bad = { ...record(), alerts: [{ ...record().alerts[0]!, key: undefined }] } as unknown as AnalysisResult;
    expect(() => toJsonReport(bad)).toThrow(/alerts\[0\]\.key/);
  });
});

describe('parseJsonReport', () => {
  it('gives back the record a report was written from', () => {
    const text = stringifyReport(record());
    expect(stringifyReport(parseJsonReport(JSON.parse(text)))).toBe(text);
  });

  it('refuses a 1.0 report, saying to re-run analyze', () => {
    const old = { ...JSON.parse(stringifyReport(record())), schemaVersion: '1.0' };
    let error: unknown;
    try {
      parseJsonReport(old);
    } catch (e) {
      error = e;
    }
    expect(isTriplineError(error, 'report-invalid')).toBe(true);
    expect((error as Error).message).toMatch(/version 1\.0.*re-run tripline analyze/);
    expect(REPORT_SCHEMA_VERSION).toBe('1.3');
  });

  it('reads a 1.1 report (no findings), deriving its findings from the alerts', () => {
    const { findings, ...rest } = JSON.parse(stringifyReport(record()));
    const old = { ...rest, schemaVersion: '1.1' };
    const read = parseJsonReport(old);
    expect(read.findings).toEqual(findings);
    expect(stringifyReport(read)).toBe(stringifyReport(record()));
    // A 1.1 report is strict about its own fields: findings are not one of them.
    expect(() => parseJsonReport({ ...old, findings })).toThrow(/findings/);
  });

  it('reads a 1.2 report (no narrative) to the record a 1.3 report of the same run gives', () => {
    const json = JSON.parse(stringifyReport(record()));
    const read = parseJsonReport({ ...json, schemaVersion: '1.2' });
    expect(stringifyReport(read)).toBe(stringifyReport(record()));
    // A 1.2 report is strict about its own fields: the narrative is not one of them.
    expect(() => parseJsonReport({ ...json, schemaVersion: '1.2', narrative: NARRATIVE })).toThrow(/narrative/);
    expect(() => parseJsonReport({ ...json, schemaVersion: '0.9' })).toThrow(/version 1\.1, 1\.2 and 1\.3/);
  });

  it('writes the narrative after inputs, in its own key order, and reads it back (absent: no key at all)', () => {
    const plain = stringifyReport(record());
    expect(plain).not.toContain('"narrative"');
    const narrated: AnalysisResult = { ...record(), narrative: NARRATIVE };
    const text = stringifyReport(narrated);
    const json = JSON.parse(text);
    expect(Object.keys(json).slice(-2)).toEqual(['inputs', 'narrative']);
    expect(Object.keys(json.narrative)).toEqual([
      'model',
      'endpoint',
      'generatedAt',
      'facts',
      'summary',
      'alerts',
      'rejected',
      'injections',
      'stats',
    ]);
    expect(json.narrative).toEqual(NARRATIVE);
    const read = parseJsonReport(json);
    expect(read.narrative).toEqual(NARRATIVE);
    expect(stringifyReport(read)).toBe(text);
    // The same bytes as the record stringified at once, pretty and compact; and only the narrative differs.
    expect(text).toBe(`${JSON.stringify(toJsonReport(narrated), null, 2)}\n`);
    expect(stringifyReport(narrated, { compact: true })).toBe(`${JSON.stringify(toJsonReport(narrated))}\n`);
    expect(JSON.stringify({ ...json, narrative: undefined }, null, 2)).toBe(plain.slice(0, -1));
    // A narrative that breaks the contract is refused, naming its field.
    const bad = { ...json, narrative: { ...NARRATIVE, endpoint: undefined } };
    expect(() => parseJsonReport(bad)).toThrow(/narrative\.endpoint/);
    expect(() => stringifyReport({ ...record(), narrative: { ...NARRATIVE, extra: 1 } as never })).toThrow(/narrative/);
  });

  it('refuses a 1.2 report without findings, or whose findings are not those of its alerts', () => {
    const json = JSON.parse(stringifyReport(record()));
    expect(() => parseJsonReport({ ...json, findings: undefined })).toThrow(/findings: /);
    expect(() => parseJsonReport({ ...json, findings: [] })).toThrow(/findings\[0\]: the findings are not those/);
    const moved = { ...json, findings: [{ ...json.findings[0], devices: 2 }] };
    expect(() => parseJsonReport(moved)).toThrow(/findings\[0\]/);
    const extra = { ...json, findings: [...json.findings, { ...json.findings[0], key: 'x' }] };
    expect(() => parseJsonReport(extra)).toThrow(/findings\[1\]/);
  });

  it('names the field at fault in an invalid report', () => {
    const json = JSON.parse(stringifyReport(record()));
    json.alerts[0].evidence.eventCount = 'many';
    expect(() => parseJsonReport(json)).toThrow(/alerts\[0\]\.evidence\.eventCount/);
    expect(() => parseJsonReport(null)).toThrow(/not a valid tripline JSON report/);
    expect(() => parseJsonReport([])).toThrow(/report-invalid|no schemaVersion/);
  });
});

describe('the engine never writes a report its own schema refuses', () => {
  const row = (reportId: unknown) =>
    makeEvent('DeviceProcessEvents', {
      Timestamp: '2025-11-07T06:46:38.29932Z',
      DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
      DeviceName: 'wazuh1',
      ActionType: 'ProcessCreated',
      FileName: 'lsof',
      ReportId: reportId,
    });
  const detector = (values: Record<string, string | number>) =>
    defineDetector({
      meta: {
        id: 'test/lsof',
        title: 'lsof runs',
        summary: 'Groups lsof runs.',
        rationale: 'Exercises the report contract.',
        severity: 'low',
        category: 'Testing',
        mitre: [],
        tables: ['DeviceProcessEvents'],
        actionTypes: ['ProcessCreated'],
        messages: { default: { title: 'lsof {n}', description: 'd', riskAssessment: 'r' } },
      },
      match: (e) => (e.str('FileName') === 'lsof' ? { key: 'lsof' } : undefined),
      render: () => ({ values, keyComponents: {} }),
    } as Detector);

  it('keeps a ReportId that is not an integer as written, in a valid report', async () => {
    const line = JSON.stringify({
      time: '2025-11-07T06:46:39.0000000Z',
      category: 'AdvancedHunting-DeviceProcessEvents',
      properties: {
        Timestamp: '2025-11-07T06:46:38.29932Z',
        DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
        DeviceName: 'wazuh1',
        ActionType: 'ProcessCreated',
        FileName: 'lsof',
        ReportId: ':',
      },
    });
    const result = await analyze(fromString(`${line}\n`, 'events.ndjson'), {
      detectors: [detector({ n: 1 })],
      generatedAt: 'x',
    });
    const report = toJsonReport(result);
    expect(report.alerts[0]?.evidence.events[0]?.reportId).toBe(':');
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY])(
    'turns a render value of %s into a diagnostic, not a report that cannot be written',
    async (n) => {
      const result = await analyzeEvents([row('71907')], { detectors: [detector({ n })], generatedAt: 'x' });
      expect(result.alerts).toHaveLength(0);
      expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([
        ['detector-malformed-render', expect.stringContaining('render.values.n is not a finite number')],
      ]);
      expect(() => toJsonReport(result)).not.toThrow();
    },
  );
});
