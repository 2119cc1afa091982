import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeEvent } from '../../testing.js';
import { defineDetector } from '../detector/define.js';
import { MdeEvent } from '../model/event.js';
import { analyzeEvents } from './entry.js';

const detector = defineDetector({
  meta: {
    id: 'test/logon',
    title: 'Logon',
    summary: 'A logon on a device.',
    rationale: 'Logons are evidence of access.',
    severity: 'low',
    category: 'Credential Access',
    mitre: ['T1078'],
    tables: ['DeviceLogonEvents'],
    messages: { default: { title: 'Logon as {account}', description: '{count} logons', riskAssessment: 'r' } },
    evidence: { account: { from: 'AccountName', combine: 'first' } },
  },
  match: (e) => ({ key: e.str('AccountName') ?? '' }),
});

/**
 * A correlator that keeps AdditionalFields: the engine's projection of each row then holds that column
 * for every group, also for the logon detector, which does not keep it.
 */
const correlator = defineDetector({
  meta: {
    id: 'test/correlator',
    title: 'Correlator',
    summary: 'Keeps AdditionalFields of the rows it may correlate.',
    rationale: 'Only here to make the kept projection wider.',
    severity: 'low',
    category: 'Credential Access',
    mitre: [],
    tables: [],
    columns: ['AdditionalFields'],
    messages: { default: { title: 'never', description: 'never', riskAssessment: 'never' } },
  },
  correlate: () => [],
});

const events = [1, 2, 3].map((i) =>
  makeEvent('DeviceLogonEvents', {
    Timestamp: `2025-11-07T06:40:0${i}Z`,
    DeviceId: 'd1',
    DeviceName: 'web01',
    ActionType: 'LogonSuccess',
    AccountName: 'root',
    LogonType: 'Network',
    AdditionalFields: '{"IsLocalLogon":false,"big":123456789012345678901}',
    ReportId: i,
  }),
);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('evidence events of an alert', () => {
  it('hold the kept columns of the row in its column order, and never parse a JSON column they do not keep', async () => {
    const json = vi.spyOn(MdeEvent.prototype, 'json');
    const result = await analyzeEvents(events, {
      detectors: [detector, correlator],
      generatedAt: '2025-11-07T12:00:00.000Z',
    });
    expect(json.mock.calls.filter(([column]) => column === 'AdditionalFields')).toEqual([]);
    const kept = result.alerts[0]!.evidence.events;
    expect(kept).toHaveLength(3);
    for (const [i, e] of kept.entries()) {
      const whole = events[i]!.toRecord();
      expect(Object.keys(e.fields)).not.toContain('AdditionalFields');
      expect(Object.keys(e.fields)).toContain('AccountName');
      // The whole row's record cut to the kept columns: the same keys in the same order, the same values.
      const cut = Object.fromEntries(
        Object.keys(whole)
          .filter((k) => Object.hasOwn(e.fields, k))
          .map((k) => [k, whole[k]]),
      );
      expect(Object.keys(e.fields)).toEqual(Object.keys(cut));
      expect(e.fields).toEqual(cut);
    }
  });

  it('hold the JSON column parsed when the run keeps whole rows', async () => {
    const result = await analyzeEvents(events, {
      detectors: [detector],
      generatedAt: '2025-11-07T12:00:00.000Z',
      evidence: { rows: 'full' },
    });
    const fields = result.alerts[0]!.evidence.events[0]!.fields;
    expect(fields.AdditionalFields).toEqual({ IsLocalLogon: false, big: '123456789012345678901' });
    expect(Object.keys(fields)).toEqual(Object.keys(events[0]!.toRecord()));
  });
});
