import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, tempDir, tripline } from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const DEVICE = '875524232b2377b606ca585f2a6692b5be921b94';
/** A Log Analytics portal export in local time (Europe/Berlin in winter: UTC+1). */
const LA_LOCAL =
  'TimeGenerated [Local Time],Timestamp [Local Time],DeviceId,DeviceName,ActionType,FileName,FolderPath,ProcessId,InitiatingProcessFileName,ReportId,Type\r\n' +
  `"11/7/2025, 7:41:12.118 AM","11/7/2025, 7:40:09.381 AM",${DEVICE},wazuh1,ProcessCreated,lsof,/usr/bin/lsof,415044,dash,71907,DeviceProcessEvents\r\n`;

let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(() => {
  assertBuilt();
  dir = tempDir({
    'la-local.csv': LA_LOCAL,
    'berlin.yaml': 'timezone: Europe/Berlin\n',
    'tokyo.json': JSON.stringify({ timezone: 'Asia/Tokyo' }),
    'atlantis.yaml': 'timezone: Europe/Atlantis\n',
  });
});

const timeRange = (stdout: string) => (JSON.parse(stdout) as { summary: { timeRange: unknown } }).summary.timeRange;

describe.concurrent('tripline analyze --timezone', () => {
  it('without a zone, reads local times as UTC and says so on stderr and in the report', async () => {
    const r = await tripline(['analyze', '--format', 'json', file('la-local.csv')]);
    expect(r.code).toBe(0);
    expect(timeRange(r.stdout)).toEqual({ start: '2025-11-07T07:40:09.381Z', end: '2025-11-07T07:40:09.381Z' });
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^tripline: warning: 1 row holds times in local time \("TimeGenerated \[Local Time\]", "Timestamp \[Local Time\]"\) and no time zone was given: they were read as UTC, unconverted, .*--timezone.* \(.*la-local\.csv\)$/,
    );
    expect(lines.at(-1)).toMatch(/^tripline: 1 event read \(1 analysed, 0 rejected\)/);
    expect(JSON.parse(r.stdout).diagnostics[0]).toMatchObject({ level: 'warning', code: 'local-time-unconverted' });
  });

  it('converts them with --timezone or timezone in the config file; the flag wins', async () => {
    const flag = await tripline([
      'analyze',
      '-q',
      '--format',
      'json',
      '--timezone',
      'europe/berlin',
      file('la-local.csv'),
    ]);
    expect(flag.code).toBe(0);
    expect(timeRange(flag.stdout)).toEqual({ start: '2025-11-07T06:40:09.381Z', end: '2025-11-07T06:40:09.381Z' });
    const config = await tripline([
      'analyze',
      '-q',
      '--format',
      'json',
      '-c',
      file('berlin.yaml'),
      file('la-local.csv'),
    ]);
    expect(timeRange(config.stdout)).toEqual(timeRange(flag.stdout));
    const both = await tripline([
      'analyze',
      '-q',
      '--format',
      'json',
      '-c',
      file('tokyo.json'),
      '--timezone',
      'Europe/Berlin',
      file('la-local.csv'),
    ]);
    expect(timeRange(both.stdout)).toEqual(timeRange(flag.stdout));
    const converted = await tripline([
      'analyze',
      '--format',
      'json',
      '--timezone',
      'Europe/Berlin',
      file('la-local.csv'),
    ]);
    expect(converted.stderr).not.toMatch(/warning/);
  });

  it('refuses an unknown zone before reading, from the flag or the config file', async () => {
    const flag = await tripline(['analyze', '--timezone', 'Mars/Olympus_Mons', file('missing.csv')]);
    expect(flag.code).toBe(2);
    expect(flag.stdout).toBe('');
    expect(flag.stderr).toMatch(
      /^tripline: option '--timezone <zone>' argument 'Mars\/Olympus_Mons' is invalid\. Unknown time zone/,
    );
    const config = await tripline(['analyze', '-c', file('atlantis.yaml'), file('la-local.csv')]);
    expect(config.code).toBe(2);
    expect(config.stdout).toBe('');
    expect(config.stderr).toMatch(/^tripline: invalid configuration: timezone: unknown time zone/);
  });
});
