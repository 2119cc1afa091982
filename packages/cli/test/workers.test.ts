import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { denseLines } from '../../../bench/dense.mjs';
import { assertBuilt, cronLogon, execReplacement, ROOT, record, tempDir, tripline } from './helpers.js';

// Each case runs the CLI twice or three times; the machine may be busy.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const AT = '2025-01-01T00:00:00Z';
let dir: string;

/** A device of its own: the same row shape on another DeviceId and name. */
function on(line: string, id: string, name: string): string {
  const r = JSON.parse(line);
  r.properties.DeviceId = id;
  r.properties.DeviceName = name;
  return JSON.stringify(r);
}

/**
 * Lines whose device the text does not tell, and rows that are not analysed: an Event Hub envelope of
 * three devices on one line, a bare row, a row with an escaped DeviceId and one with none (its device
 * is its name), duplicates, malformed JSON, a row of an unknown table, blank lines.
 */
function awkward(): string {
  const a = cronLogon('101', '2025-03-04T10:16:00.0000000Z');
  const b = on(cronLogon('102', '2025-03-04T10:16:01.0000000Z'), 'b0b0000000000000000000000000000000000002', 'db-02');
  const c = on(execReplacement('103'), 'c0c0000000000000000000000000000000000003', 'db-03');
  const envelope = JSON.stringify({ records: [JSON.parse(a), JSON.parse(b), JSON.parse(c)] });
  const bare = JSON.stringify({ ...JSON.parse(b).properties, Timestamp: '2025-03-04T10:17:00Z', ReportId: 104 });
  const escaped = cronLogon('105', '2025-03-04T10:18:00.0000000Z').replace(
    '"DeviceId":"6c1f',
    '"DeviceId":"\\u0036c1f',
  );
  const nameOnly = JSON.stringify({
    category: 'AdvancedHunting-DeviceLogonEvents',
    properties: { ...JSON.parse(cronLogon('106', '2025-03-04T10:19:00.0000000Z')).properties, DeviceId: undefined },
  });
  return `${[
    envelope,
    execReplacement('1'),
    execReplacement('1'),
    '{"Timestamp": "2025-03-04T10:15:00Z", "DeviceId": ',
    bare,
    '',
    escaped,
    nameOnly,
    record('DeviceFancyEvents', { Timestamp: '2025-03-04T10:15:00Z', ActionType: 'X' }),
    c,
    b,
    envelope,
  ].join('\n')}\n`;
}

beforeAll(() => {
  assertBuilt();
  dir = tempDir({ 'awkward.ndjson': awkward() });
  const dense: string[] = [];
  for (const line of denseLines({ rows: 20_000, devices: 60 })) dense.push(line);
  writeFileSync(join(dir, 'dense.ndjson'), `${dense.join('\n')}\n`);
});

async function same(args: readonly string[], workers: readonly number[] = [2]): Promise<string> {
  const one = await tripline(['analyze', '-q', '--generated-at', AT, ...args]);
  expect(one.code, one.stderr).toBeLessThan(2);
  for (const n of workers) {
    const many = await tripline(['analyze', '-q', '--generated-at', AT, '--workers', String(n), ...args]);
    expect(many.stderr, `--workers ${n}`).toBe(one.stderr);
    expect(many.code, `--workers ${n}`).toBe(one.code);
    // Byte for byte (compared as text, reported short).
    expect(many.stdout === one.stdout, `--workers ${n}: ${args.join(' ')}`).toBe(true);
  }
  return one.stdout;
}

describe('tripline analyze --workers N: the report of one thread, byte for byte', () => {
  it('on every example', async () => {
    const report = await same(['-f', 'json', join(ROOT, 'examples/wazuh1/events.ndjson')], [2, 3]);
    expect(JSON.parse(report).alerts.length).toBeGreaterThan(10);
    await same(['-f', 'json', join(ROOT, 'examples/attack-webserver/events.ndjson')], [2, 3]);
    await same([
      '-f',
      'json',
      '--rules',
      join(ROOT, 'examples/rules'),
      join(ROOT, 'examples/attack-webserver/events.ndjson'),
    ]);
  });

  it('on every file of the adversarial corpus (one run per file, and all of them in one run)', async () => {
    const files = readdirSync(join(ROOT, 'test/corpus'))
      .filter((f) => f.endsWith('.ndjson') || f.endsWith('.csv'))
      .map((f) => join(ROOT, 'test/corpus', f));
    expect(files.length).toBe(12);
    for (const f of files) await same(['-f', 'json', f]);
    await same(['-f', 'json', ...files]);
  });

  it('on lines whose device only parsing tells, rejected and duplicate rows', async () => {
    const report = JSON.parse(await same(['-f', 'json', join(dir, 'awkward.ndjson')], [2, 3, 4]));
    expect(report.summary.eventsRejected).toBeGreaterThan(0);
    expect(report.summary.duplicateEvents).toBeGreaterThan(0);
    // Three DeviceIds, and the row without one: its device is its DeviceName.
    expect(report.summary.devices).toBe(4);
  });

  it('on a dense fleet, in every format', async () => {
    const report = JSON.parse(await same(['-f', 'json', join(dir, 'dense.ndjson')]));
    expect(report.summary.devices).toBe(60);
    expect(report.alerts.length).toBeGreaterThan(500);
    await same(['-f', 'markdown', join(dir, 'dense.ndjson')]);
    await same(['-f', 'sarif', join(dir, 'dense.ndjson')]);
  });

  it('refuses a thread count out of range', async () => {
    const r = await tripline(['analyze', '--workers', '0', join(ROOT, 'examples/wazuh1/events.ndjson')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Expected a number of threads from 1 to 16.');
  });
});
