/** Realistic Defender rows for the checker's and interpreter's tests. */
import type { MdeEvent } from '@tripline/core';
import { makeEvent } from '@tripline/core/testing';

const DEVICE = { DeviceId: 'c0f3a1e2b4d5968778695a4b3c2d1e0f12345678', DeviceName: 'ws-fin-014.contoso.local' };

export function proc(row: Record<string, unknown>): MdeEvent {
  return makeEvent('DeviceProcessEvents', {
    Timestamp: '2025-03-04T10:15:30.1234567Z',
    ...DEVICE,
    ActionType: 'ProcessCreated',
    ReportId: 12345,
    ...row,
  });
}

export function net(row: Record<string, unknown>): MdeEvent {
  return makeEvent('DeviceNetworkEvents', {
    Timestamp: '2025-03-04T10:15:30Z',
    ...DEVICE,
    ActionType: 'ConnectionSuccess',
    ReportId: 777,
    ...row,
  });
}

export function logon(row: Record<string, unknown>): MdeEvent {
  return makeEvent('DeviceLogonEvents', {
    Timestamp: '2025-03-04T10:15:30Z',
    ...DEVICE,
    ActionType: 'LogonFailed',
    ReportId: 900,
    ...row,
  });
}
