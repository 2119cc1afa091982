import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defineDetector } from '../detector/define.js';
import { analyze } from '../engine/entry.js';
import { fromFile, fromString } from '../ingest/index.js';
import { stringifyReport, toJsonReport } from './json.js';

const FIXTURES = new URL('../ingest/fixtures/', import.meta.url).pathname;
const FORMS = [
  'linux-row.streaming.ndjson',
  'linux-row.eventhub.json',
  'linux-row.ah-api.json',
  'linux-row.graph.json',
  'linux-row.sentinel.json',
  'linux-row.portal.csv',
];

// Fires on every event so the row lands in the report as evidence.
const everything = defineDetector({
  meta: {
    id: 'test/everything',
    title: 'Every event',
    summary: 'Turns every event into evidence of one alert.',
    rationale: 'Carries rows into the report for end-to-end checks.',
    severity: 'informational',
    category: 'Testing',
    mitre: [],
    tables: [
      'DeviceProcessEvents',
      'DeviceEvents',
      'DeviceFileEvents',
      'DeviceLogonEvents',
      'DeviceInfo',
      'DeviceNetworkInfo',
    ],
    messages: { default: { title: 'Events', description: 'Every event.', riskAssessment: 'None.' } },
  },
  match: () => ({}),
  render: () => ({ values: {}, keyComponents: {} }),
});

describe('ReportId 639199803770463703 from every input form to the JSON report', () => {
  it.each(FORMS)('%s', async (file) => {
    expect(readFileSync(`${FIXTURES}${file}`, 'utf8')).toContain('639199803770463703');
    const result = await analyze(fromFile(`${FIXTURES}${file}`), {
      detectors: [everything],
      generatedAt: '2025-01-01T00:00:00Z',
    });
    expect(result.summary.eventsRejected).toBe(0);
    const text = stringifyReport(result);
    expect(text).toContain('"reportId": "639199803770463703"');
    expect(text).not.toContain('639199803770463700');
    const parsed = JSON.parse(text);
    expect(parsed.alerts[0].evidence.events[0].reportId).toBe('639199803770463703');
    expect(parsed.alerts[0].evidence.events[0].fields.ReportId).toBe('639199803770463703');
  });

  it('gives the same alert evidence whatever the form', async () => {
    const reports = await Promise.all(
      FORMS.map(async (file) => {
        const r = await analyze(fromFile(`${FIXTURES}${file}`), { detectors: [everything], generatedAt: 'x' });
        const e = toJsonReport(r).alerts[0]!.evidence.events[0]!;
        return { table: e.table, timestamp: e.timestamp, reportId: e.reportId, fields: e.fields };
      }),
    );
    for (const r of reports.slice(1)) expect(r).toEqual(reports[0]);
  });

  it('survives as a bare integer in an unknown column too', async () => {
    const line = `{"Timestamp":"2025-11-07T06:46:02Z","DeviceId":"d","DeviceName":"n","ActionType":"ProcessCreated","ReportId":639199803770463703,"MyCounter":18446744073709551615}`;
    const result = await analyze(fromString(line, 'inline'), {
      detectors: [everything],
      generatedAt: 'x',
      evidence: { rows: 'full' },
    });
    const text = stringifyReport(result);
    expect(text).toContain('"MyCounter": "18446744073709551615"');
  });
});
