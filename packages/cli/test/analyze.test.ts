import { existsSync, lstatSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, cronLogon, EXAMPLE, execReplacement, mixedNdjson, tempDir, tripline } from './helpers.js';

// Each test starts Node processes; a loaded CI machine needs more than vitest's 5 s default.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;

let dir: string;
let mixed: string;
let cronOnly: string;

beforeAll(() => {
  assertBuilt();
  dir = tempDir({
    'mixed.ndjson': mixedNdjson(),
    'cron.ndjson': `${cronLogon('1001', '2025-03-04T11:17:01Z')}\n${cronLogon('1002', '2025-03-04T11:27:01Z')}\n`,
  });
  mixed = join(dir, 'mixed.ndjson');
  cronOnly = join(dir, 'cron.ndjson');
});

const FIXED = ['--generated-at', '2025-01-01T00:00:00Z'];

describe.concurrent('tripline analyze: formats', () => {
  it('writes Markdown to stdout by default, and the summary to stderr', async () => {
    const r = await tripline(['analyze', mixed]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^#/m);
    expect(r.stdout).toContain('web-01');
    expect(r.stderr).toMatch(
      /^tripline: 4 events read \(3 analysed, 1 rejected\) from 1 input in [\d.]+ s; \d+ alerts?/m,
    );
    expect(r.stderr).toContain('rejected rows are listed in the report');
    expect(r.stderr).not.toMatch(/\u001b/);
  });

  it('writes the canonical JSON report with the contract keys', async () => {
    const r = await tripline(['analyze', '--format', 'json', ...FIXED, mixed]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining(['schemaVersion', 'tool', 'generatedAt', 'summary', 'alerts', 'rejected']),
    );
    expect(report.tool.name).toBe('tripline');
    expect(report.generatedAt).toBe('2025-01-01T00:00:00.000Z');
    expect(report.summary).toMatchObject({ eventsRead: 4, eventsAnalyzed: 3, eventsRejected: 1 });
    expect(report.rejected).toEqual([expect.objectContaining({ source: mixed, line: 3 })]);
    const exec = report.alerts.find(
      (a: { detectorId: string }) => a.detectorId === 'defender/exec-process-replacement',
    );
    expect(exec).toMatchObject({ severity: 'medium', device: { name: 'web-01.contoso.internal' } });
    // ReportIds beyond 2^53 survive exactly.
    expect(r.stdout).toContain('"184467440737095516"');
  });

  it('writes SARIF 2.1.0', async () => {
    const r = await tripline(['analyze', '-f', 'sarif', ...FIXED, mixed]);
    expect(r.code).toBe(0);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].tool.driver.name).toBe('tripline');
    expect(sarif.runs[0].results.length).toBeGreaterThan(0);
  });

  it('gives byte-identical reports across runs (generatedAt fixed by SOURCE_DATE_EPOCH)', async () => {
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const [a, b] = await Promise.all([
      tripline(['analyze', '--format', 'json', mixed], { env }),
      tripline(['analyze', '--format', 'json', mixed], { env }),
    ]);
    expect(a.stdout).toBe(b.stdout);
    expect(JSON.parse(a.stdout).generatedAt).toBe('2023-11-14T22:13:20.000Z');
    const [m1, m2] = await Promise.all([tripline(['analyze', mixed], { env }), tripline(['analyze', mixed], { env })]);
    expect(m1.stdout).toBe(m2.stdout);
  });
});

describe.concurrent('tripline analyze: inputs', () => {
  it('reads stdin when no file is given, and with -', async () => {
    const implicit = await tripline(['analyze', '--format', 'json', ...FIXED], { stdin: mixedNdjson() });
    const dash = await tripline(['analyze', '--format', 'json', ...FIXED, '-'], { stdin: mixedNdjson() });
    expect(implicit.code).toBe(0);
    expect(dash.code).toBe(0);
    const report = JSON.parse(implicit.stdout);
    expect(report.summary).toMatchObject({ eventsRead: 4, eventsRejected: 1 });
    expect(report.rejected[0]).toMatchObject({ source: 'stdin', line: 3 });
    expect(dash.stdout).toBe(implicit.stdout);
  });

  it('reads several files at once, each in its own detected format', async () => {
    const hub = join(
      tempDir({ 'hub.json': JSON.stringify({ records: [JSON.parse(execReplacement('77', '2025-03-04T12:00:00Z'))] }) }),
      'hub.json',
    );
    const r = await tripline(['analyze', '--format', 'json', ...FIXED, mixed, cronOnly, hub]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary).toMatchObject({ eventsRead: 7, eventsAnalyzed: 6, eventsRejected: 1 });
    expect(r.stderr).toContain('from 3 inputs');
  });

  it('honours --input-format', async () => {
    const r = await tripline(['analyze', '--format', 'json', '--input-format', 'ndjson', cronOnly]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary.eventsAnalyzed).toBe(2);
  });

  it.skipIf(!existsSync(EXAMPLE))('analyses the bundled wazuh1 example', async () => {
    const r = await tripline(['analyze', '--format', 'json', ...FIXED, EXAMPLE]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary.eventsRead).toBe(report.summary.eventsAnalyzed + report.summary.eventsRejected);
    expect(report.summary.alertCount).toBeGreaterThan(0);
  });
});

describe.concurrent('tripline analyze: --fail-on and --min-severity', () => {
  let highest: (typeof SEVERITIES)[number];
  beforeAll(async () => {
    const r = await tripline(['analyze', '--format', 'json', mixed]);
    highest = JSON.parse(r.stdout).summary.highestSeverity;
    expect(SEVERITIES).toContain(highest);
  });

  it('exits 1 when the highest alert is at the threshold', async () => {
    const r = await tripline(['analyze', '--fail-on', highest, '-q', mixed]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toBe(''); // the report is still written
    const loud = await tripline(['analyze', '--fail-on', highest, mixed]);
    expect(loud.stderr).toMatch(
      new RegExp(`tripline: failing: \\d+ alerts? at or above ${highest} \\(--fail-on ${highest}\\)`),
    );
  });

  it('exits 1 when an alert is above the threshold', async () => {
    const below = SEVERITIES[SEVERITIES.indexOf(highest) - 1] ?? 'informational';
    expect((await tripline(['analyze', '--fail-on', below, mixed])).code).toBe(1);
  });

  it('exits 0 when every alert is below the threshold', async () => {
    const above = SEVERITIES[SEVERITIES.indexOf(highest) + 1];
    if (above === undefined) return;
    const r = await tripline(['analyze', '--fail-on', above, mixed]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('failing');
  });

  it('accepts severities in any case', async () => {
    expect((await tripline(['analyze', '--fail-on', 'CRITICAL', '-q', cronOnly])).code).toBe(0);
  });

  it('--min-severity drops lower alerts from every format, and --fail-on sees what is reported', async () => {
    const all = JSON.parse((await tripline(['analyze', '--format', 'json', mixed])).stdout);
    expect(all.alerts.some((a: { severity: string }) => a.severity === 'low')).toBe(true);
    const r = await tripline(['analyze', '--format', 'json', '--min-severity', 'medium', mixed]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.alerts.length).toBeGreaterThan(0);
    expect(
      report.alerts.every((a: { severity: string }) => a.severity !== 'low' && a.severity !== 'informational'),
    ).toBe(true);
    const md = await tripline(['analyze', '--min-severity', 'critical', '--fail-on', 'low', mixed]);
    expect(md.code).toBe(0);
    expect(md.stderr).toContain('0 alerts');
  });
});

describe.concurrent('tripline analyze: --output and progress', () => {
  it('--output writes the report to a file and nothing to stdout', async () => {
    const out = join(tempDir(), 'report.sarif');
    const r = await tripline(['analyze', '--format', 'sarif', '--output', out, mixed]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).version).toBe('2.1.0');
    expect(r.stderr).toContain(`report written to ${out}`);
  });

  it('--output through a symbolic link writes the target and keeps the link', async () => {
    const folder = tempDir({ 'target.md': 'old' });
    symlinkSync(join(folder, 'target.md'), join(folder, 'link.md'));
    const r = await tripline(['analyze', '-o', join(folder, 'link.md'), mixed]);
    expect(r.code).toBe(0);
    expect(lstatSync(join(folder, 'link.md')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(folder, 'target.md'), 'utf8')).toMatch(/^#/);
  });

  it('draws no progress when stderr is not a terminal', async () => {
    const r = await tripline(['analyze', mixed]);
    expect(r.stderr).not.toMatch(/[\r\u001b]/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1); // just the summary
  });

  it('--quiet prints nothing on stderr', async () => {
    const r = await tripline(['analyze', '-q', mixed]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('tripline analyze --table', () => {
  const apiAnswer = JSON.stringify({
    Schema: [
      { Name: 'Timestamp', Type: 'DateTime' },
      { Name: 'DeviceId', Type: 'String' },
      { Name: 'DeviceName', Type: 'String' },
      { Name: 'FileName', Type: 'String' },
    ],
    Results: [{ Timestamp: '2025-11-07T06:46:38.29932Z', DeviceId: 'd1', DeviceName: 'web01', FileName: 'lsof' }],
  });

  it('reads a projected single-table export as the table given', async () => {
    const folder = tempDir({ 'answer.json': apiAnswer });
    const plain = await tripline(['analyze', join(folder, 'answer.json'), '--format', 'json', ...FIXED]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/table/);
    const told = await tripline([
      'analyze',
      join(folder, 'answer.json'),
      '--table',
      'DeviceProcessEvents',
      '--format',
      'json',
      ...FIXED,
    ]);
    expect(told.code).toBe(0);
    expect(JSON.parse(told.stdout).summary).toMatchObject({
      eventsRead: 1,
      eventsAnalyzed: 1,
      byTable: { DeviceProcessEvents: 1 },
    });
  });

  it('refuses a table that does not exist', async () => {
    const r = await tripline(['analyze', EXAMPLE, '--table', 'DeviceEventz']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tripline: .*DeviceEventz/);
  });
});
