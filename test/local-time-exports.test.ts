/**
 * The same Defender events exported two ways — streaming-API NDJSON (UTC) and a Log Analytics portal
 * CSV whose display time zone was Europe/Berlin (`Timestamp [Local Time]`, `11/7/2025, 6:40:09.381 AM`)
 * — give the same alerts once the CSV's zone is given. The events cross both daylight-saving changes
 * of 2025: a brute-force window spans the skipped hour of 30 March, and single-event alerts sit on
 * either side of the repeated hour of 26 October.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AnalysisResult, analyze, fromString, TABLE_COLUMNS, TABLE_NAMES } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { describe, expect, it } from 'vitest';

const DETECTORS = resolve(fileURLToPath(new URL('.', import.meta.url)), '../packages/detectors-defender/src/detectors');

interface Row {
  readonly table: string;
  readonly props: Record<string, unknown>;
}

const DATETIME = new Set(
  TABLE_NAMES.flatMap((t) => Object.entries(TABLE_COLUMNS[t]).filter(([, type]) => type === 'datetime')).map(
    ([name]) => name,
  ),
);

/** The records of one `fires.*` fixture, moved so the first starts at `start`, times cut to milliseconds (all Log Analytics shows). */
function fixtureAt(path: string, start: string): Row[] {
  const records = (JSON.parse(readFileSync(join(DETECTORS, path), 'utf8')) as { records: Record<string, unknown>[] })
    .records;
  const first = Date.parse((records[0]!.properties as { Timestamp: string }).Timestamp);
  const shift = Date.parse(start) - first;
  return records.map((r) => {
    const props: Record<string, unknown> = { ...(r.properties as Record<string, unknown>) };
    for (const [k, v] of Object.entries(props)) {
      if (DATETIME.has(k) && typeof v === 'string')
        props[k] = new Date(Math.floor(Date.parse(v) + shift)).toISOString();
    }
    return { table: String(r.category).replace(/^AdvancedHunting-/, ''), props };
  });
}

const ROWS: Row[] = [
  // 01:58:30 CET → 03:02:01 CEST: the window crosses the hour that never happened.
  ...fixtureAt('logon-brute-force/fixtures/fires.brute-force-then-root.json', '2025-03-30T00:58:30.250Z'),
  // 02:40 CEST, the first pass through the repeated hour of 26 October.
  ...fixtureAt('suspicious-command-line/fixtures/fires.curl-pipe-shell.json', '2025-10-26T00:40:12.345Z'),
  // 03:10 CET, after it.
  ...fixtureAt('exec-process-replacement/fixtures/fires.reverse-shell-netcat.json', '2025-10-26T02:10:00.001Z'),
  // Summer and winter time, far from any change.
  ...fixtureAt('exec-process-replacement/fixtures/fires.cron-shell-exec.json', '2025-07-01T11:00:00.500Z'),
  ...fixtureAt('suspicious-command-line/fixtures/fires.history-wipe.json', '2025-12-24T23:30:00.000Z'),
];

const ndjson = ROWS.map((r) => JSON.stringify({ category: `AdvancedHunting-${r.table}`, properties: r.props })).join(
  '\r\n',
);

const berlin = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Europe/Berlin',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  second: '2-digit',
  hour12: true,
});

/** How the Log Analytics portal shows a time in local time: `11/7/2025, 6:40:09.381 AM`. */
function display(iso: string): string {
  const ms = Date.parse(iso);
  const part = (type: string) => berlin.formatToParts(ms).find((p) => p.type === type)?.value ?? '';
  const millis = String(((ms % 1000) + 1000) % 1000).padStart(3, '0');
  return `${part('month')}/${part('day')}/${part('year')}, ${part('hour')}:${part('minute')}:${part('second')}.${millis} ${part('dayPeriod')}`;
}

const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** A Log Analytics portal CSV export, display time zone Europe/Berlin. */
function logAnalyticsCsv(): string {
  const columns = [...new Set(ROWS.flatMap((r) => Object.keys(r.props)))];
  const header = [
    'TimeGenerated [Local Time]',
    ...columns.map((c) => (DATETIME.has(c) ? `${c} [Local Time]` : c)),
    'Type',
  ];
  const lines = ROWS.map((r) => {
    const cells = columns.map((c) => {
      const v = r.props[c];
      if (v === undefined || v === null) return '';
      if (DATETIME.has(c) && typeof v === 'string') return quote(display(v));
      return quote(typeof v === 'object' ? JSON.stringify(v) : String(v));
    });
    const ts = r.props.Timestamp as string;
    return [quote(display(new Date(Date.parse(ts) + 90_000).toISOString())), ...cells, r.table].join(',');
  });
  return `\uFEFF${[header.join(','), ...lines].join('\r\n')}\r\n`;
}

const view = (r: AnalysisResult) =>
  r.alerts.map((a) => ({
    id: a.id,
    detectorId: a.detectorId,
    severity: a.severity,
    title: a.title,
    firstSeen: a.firstSeen,
    lastSeen: a.lastSeen,
    events: a.evidence.eventCount,
    keyComponents: a.evidence.keyComponents,
  }));

describe('one set of events, exported as NDJSON (UTC) and as a Log Analytics CSV in local time', () => {
  it('gives the same alerts, ids and first/last seen once the CSV is read with its time zone', async () => {
    const csv = logAnalyticsCsv();
    expect(csv).toContain('"3/30/2025, 1:58:30.250 AM"');
    expect(csv).toContain('"3/30/2025, 3:02:01.');
    const options = { detectors: defenderDetectors, generatedAt: '2026-01-01T00:00:00Z' };
    const fromNdjson = await analyze(fromString(ndjson, 'events.ndjson'), options);
    const fromCsv = await analyze(fromString(csv, 'la-export.csv'), { ...options, timezone: 'Europe/Berlin' });

    expect(fromCsv.summary).toMatchObject({ eventsRead: ROWS.length, eventsAnalyzed: ROWS.length, eventsRejected: 0 });
    expect(fromNdjson.summary.eventsAnalyzed).toBe(ROWS.length);
    const detectorIds = fromNdjson.alerts.map((a) => a.detectorId);
    for (const id of [
      'defender/logon-brute-force',
      'defender/suspicious-command-line',
      'defender/exec-process-replacement',
    ])
      expect(detectorIds).toContain(id);
    expect(view(fromCsv)).toEqual(view(fromNdjson));
    expect(fromCsv.summary.timeRange).toEqual(fromNdjson.summary.timeRange);
    expect(fromCsv.diagnostics.map((d) => d.code)).toEqual(['local-time-converted', 'local-time-ambiguous']);
  });

  it('without the zone, reads the CSV as UTC, and says so', async () => {
    const options = { detectors: defenderDetectors, generatedAt: '2026-01-01T00:00:00Z' };
    const fromNdjson = await analyze(fromString(ndjson, 'events.ndjson'), options);
    const unconverted = await analyze(fromString(logAnalyticsCsv(), 'la-export.csv'), options);
    expect(unconverted.summary.eventsAnalyzed).toBe(ROWS.length);
    expect(unconverted.alerts.map((a) => a.firstSeen)).not.toEqual(fromNdjson.alerts.map((a) => a.firstSeen));
    expect(unconverted.diagnostics[0]).toMatchObject({
      level: 'warning',
      code: 'local-time-unconverted',
      source: 'la-export.csv',
    });
    expect(unconverted.diagnostics[0]?.message).toMatch(
      /^\d+ rows hold times in local time \("TimeGenerated \[Local Time\]"/,
    );
  });
});
