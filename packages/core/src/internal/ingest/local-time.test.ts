import { describe, expect, it } from 'vitest';
import { isTriplineError } from '../errors.js';
import { runText } from './testkit.js';

const DEVICE = '875524232b2377b606ca585f2a6692b5be921b94';

/** A Log Analytics portal export (display time zone: local) of DeviceProcessEvents. */
const LA_LOCAL = [
  'TimeGenerated [Local Time],Timestamp [Local Time],DeviceId,DeviceName,ActionType,FileName,FolderPath,ProcessCommandLine,ProcessId,InitiatingProcessFileName,InitiatingProcessId,ReportId,Type',
  `"11/7/2025, 7:41:12.118 AM","11/7/2025, 7:40:09.381 AM",${DEVICE},wazuh1,ProcessCreated,lsof,/usr/bin/lsof,"lsof -a -c java -d mem -F pn",415044,dash,415043,71907,DeviceProcessEvents`,
  `"7/1/2025, 12:15:00.000 AM","7/1/2025, 12:14:59.500 AM",${DEVICE},wazuh1,ProcessCreated,id,/usr/bin/id,id,415045,dash,415043,71908,DeviceProcessEvents`,
  '',
].join('\r\n');

describe('Log Analytics CSV in local time', () => {
  it('reads " [Local Time]" columns; without a zone the times are read as UTC and counted', async () => {
    const r = await runText(LA_LOCAL);
    expect(r.stats).toMatchObject({ format: 'csv', rowsRead: 2, events: 2, rejected: 0 });
    expect(r.events.map((e) => e.timestamp)).toEqual(['2025-11-07T07:40:09.381Z', '2025-07-01T00:14:59.500Z']);
    expect(r.events[0]?.has('Timestamp [Local Time]')).toBe(false);
    expect(r.stats.localTime).toEqual({
      rows: 2,
      columns: ['TimeGenerated [Local Time]', 'Timestamp [Local Time]'],
      labelled: true,
      ambiguousRows: 0,
    });
  });

  it('converts them from the given zone, winter and summer time', async () => {
    const r = await runText(LA_LOCAL, { timezone: 'Europe/Berlin' });
    expect(r.stats).toMatchObject({ rowsRead: 2, events: 2, rejected: 0 });
    expect(r.events.map((e) => e.timestamp)).toEqual(['2025-11-07T06:40:09.381Z', '2025-06-30T22:14:59.500Z']);
    expect(r.events[0]?.get('TimeGenerated')).toBe('2025-11-07T06:41:12.118Z');
    expect(r.stats.localTime).toMatchObject({ rows: 2, timezone: 'Europe/Berlin', ambiguousRows: 0 });
  });

  it('leaves " [UTC]" columns and times that name their zone as written', async () => {
    const csv =
      'TimeGenerated [UTC],Timestamp [Local Time],DeviceName,ActionType,RemoteIP\n' +
      '"5/1/2024, 10:00:05.123 AM",2024-05-01T10:00:00.000Z,host1,ConnectionSuccess,10.0.0.1\n';
    const r = await runText(csv, { timezone: 'America/New_York' });
    expect(r.events[0]?.timestamp).toBe('2024-05-01T10:00:00.000Z');
    expect(r.events[0]?.get('TimeGenerated')).toBe('5/1/2024, 10:00:05.123 AM');
    expect(r.stats.localTime).toBeUndefined();
  });

  it('rejects a row whose local time never occurred, reads the repeated hour as its first occurrence', async () => {
    const head = 'Timestamp [Local Time],DeviceName,ActionType,ReportId\n';
    const csv =
      head +
      '"3/30/2025, 1:59:59.000 AM",h1,ProcessCreated,1\n' +
      '"3/30/2025, 2:30:00.000 AM",h1,ProcessCreated,2\n' +
      '"3/30/2025, 3:00:00.000 AM",h1,ProcessCreated,3\n' +
      '"10/26/2025, 2:30:00.000 AM",h1,ProcessCreated,4\n' +
      '"10/26/2025, 3:30:00.000 AM",h1,ProcessCreated,5\n';
    const r = await runText(csv, { timezone: 'Europe/Berlin' });
    expect(r.stats).toMatchObject({ rowsRead: 5, events: 4, rejected: 1 });
    expect(r.events.map((e) => e.timestamp)).toEqual([
      '2025-03-30T00:59:59.000Z',
      '2025-03-30T01:00:00.000Z',
      '2025-10-26T00:30:00.000Z',
      '2025-10-26T02:30:00.000Z',
    ]);
    expect(r.rejected).toEqual([
      {
        source: 'input',
        line: 3,
        code: 'invalid-timestamp',
        reason:
          'Timestamp [Local Time] "3/30/2025, 2:30:00.000 AM" never occurred in Europe/Berlin: the clocks skipped that hour (daylight-saving change); is Europe/Berlin the time zone of this export?',
      },
    ]);
    expect(r.stats.localTime).toMatchObject({ rows: 4, ambiguousRows: 1 });
  });

  it('rejects an unknown zone before reading', async () => {
    const error = await runText(LA_LOCAL, { timezone: 'Europe/Atlantis' }).catch((e: unknown) => e);
    expect(isTriplineError(error) && error.code).toBe('option-invalid');
    expect((error as Error).message).toContain('unknown time zone "Europe/Atlantis"');
  });

  it('matches the suffixes in any letter case', async () => {
    const r = await runText('Timestamp [LOCAL TIME],DeviceName,ActionType\n2025-01-15 10:00:00,h,ProcessCreated\n', {
      timezone: 'Europe/Berlin',
    });
    expect(r.events[0]?.timestamp).toBe('2025-01-15T09:00:00Z');
  });
});

describe('Defender portal CSV display dates', () => {
  const PORTAL = [
    '\uFEFFTimestamp,DeviceId,DeviceName,ActionType,LogonType,AccountName,RemoteIP,IsLocalAdmin,InitiatingProcessCreationTime,ReportId',
    `"Oct 9, 2024 2:40:09 PM",${DEVICE},dc01,LogonFailed,Network,guest,95.193.185.41,0,Invalid date,270`,
    `"Oct 9, 2024 2:41:10 PM",${DEVICE},dc01,LogonSuccess,Network,guest,95.193.185.41,0,"Oct 9, 2024 2:41:09 PM",271`,
    `2024-10-09T12:42:00.1234567Z,${DEVICE},dc01,LogonSuccess,Network,guest,95.193.185.41,0,,272`,
    '',
  ].join('\n');

  it('are read as UTC without a zone and counted as unlabelled', async () => {
    const r = await runText(PORTAL);
    expect(r.events.map((e) => e.timestamp)).toEqual([
      '2024-10-09T14:40:09Z',
      '2024-10-09T14:41:10Z',
      '2024-10-09T12:42:00.1234567Z',
    ]);
    expect(r.stats.localTime).toEqual({
      rows: 2,
      columns: ['Timestamp', 'InitiatingProcessCreationTime'],
      labelled: false,
      ambiguousRows: 0,
    });
  });

  it('are converted from the given zone; ISO times with Z and "Invalid date" are untouched', async () => {
    const r = await runText(PORTAL, { timezone: 'Europe/Stockholm' });
    expect(r.events.map((e) => e.timestamp)).toEqual([
      '2024-10-09T12:40:09Z',
      '2024-10-09T12:41:10Z',
      '2024-10-09T12:42:00.1234567Z',
    ]);
    expect(r.events[0]?.has('InitiatingProcessCreationTime')).toBe(false);
    expect(r.events[1]?.get('InitiatingProcessCreationTime')).toBe('2024-10-09T12:41:09Z');
    expect(r.stats.localTime).toMatchObject({ rows: 2, timezone: 'Europe/Stockholm' });
  });
});
