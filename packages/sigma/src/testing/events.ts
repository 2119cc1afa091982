import type { MdeEvent } from '@tripline/core';
import { makeEvent } from '@tripline/core/testing';

/** A `DeviceProcessEvents` row of one Windows device (tests): the identity columns, then `row`'s. */
export function processEvent(row: Record<string, unknown>): MdeEvent {
  return makeEvent('DeviceProcessEvents', {
    Timestamp: '2026-05-01T10:00:00Z',
    DeviceId: '7f3e9a1c5b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f',
    DeviceName: 'ws1.contoso.local',
    ActionType: 'ProcessCreated',
    ReportId: 1,
    ...row,
  });
}
