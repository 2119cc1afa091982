import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../testing.js';
import { analyzeEvents } from './entry.js';

const DEVICE = '875524232b2377b606ca585f2a6692b5be921b94';
const NAME = 'wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net';

function logon(timestamp: string, reportId: number) {
  return makeEvent('DeviceLogonEvents', {
    Timestamp: timestamp,
    DeviceId: DEVICE,
    DeviceName: NAME,
    ActionType: 'LogonSuccess',
    AccountName: 'root',
    LogonType: 'Network',
    ReportId: reportId,
  });
}

describe("the run's time range", () => {
  it('follows the same tie rule as the device spans: on one instant, the earlier row is first, the later row last', async () => {
    // Three spellings of the same two instants; the text shown is that of the row the rule picks.
    const result = await analyzeEvents(
      [
        logon('2025-11-07T06:46:30Z', 1),
        logon('2025-11-07T06:47:00Z', 2),
        logon('2025-11-07T06:46:30.000Z', 3),
        logon('2025-11-07T06:47:00.0000000Z', 4),
      ],
      { detectors: [], generatedAt: '2026-01-01T00:00:00Z' },
    );
    expect(result.summary.timeRange).toEqual({ start: '2025-11-07T06:46:30Z', end: '2025-11-07T06:47:00.0000000Z' });
    const [device] = result.devices;
    expect(result.summary.timeRange).toEqual({ start: device?.firstSeen, end: device?.lastSeen });
  });
});
