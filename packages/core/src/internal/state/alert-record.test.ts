import { describe, expect, it } from 'vitest';
import { isTriplineError } from '../errors.js';
import type { JsonValue } from '../model/event.js';
import type { Alert } from '../report/types.js';
import { type AlertRecord, alertRecordKey, decodeAlertRecord, encodeAlertRecord } from './alert-record.js';
import { computeLifecycle, lifecycleWrite, resolvePolicy } from './lifecycle.js';

const RECORD: AlertRecord = {
  id: 'tl-0004e924bd66867c5bab',
  stream: 'default',
  detector: 'defender/search-index-segment-deletion',
  device: '6ea080c6a79edc1c5b92673c545ba03886ac3c49',
  deviceName: 'srv0254.fleet.internal.cloudapp.net',
  key: '/var/lib/wazuh-indexer/nodes/0/indices',
  title: 'Routine index segment deletions by Wazuh indexer',
  severity: 'low',
  count: 34,
  firstSeen: '2025-11-07T00:00:03.346268Z',
  lastSeen: '2025-11-07T00:30:03.3489Z',
  status: 'active',
  revision: 1,
  lastEvidenceAt: '2026-12-06T14:46:11.513Z',
  lastNotifiedAt: '2026-12-06T14:46:11.513Z',
  notifiedRevision: 1,
  handledBy: null,
};
const KEY = alertRecordKey(RECORD.stream, RECORD.id);

/** The record as a store gives it back (a JSON round trip). */
const stored = (r: AlertRecord): JsonValue => JSON.parse(JSON.stringify(encodeAlertRecord(r)));

describe('the lifecycle record as stored', () => {
  it('is a compact list: version first, no id or stream (they are in the key), clock times in ms', () => {
    const value = stored(RECORD);
    expect(value).toEqual([
      2,
      RECORD.detector,
      RECORD.device,
      RECORD.deviceName,
      RECORD.key,
      RECORD.title,
      'low',
      34,
      RECORD.firstSeen,
      RECORD.lastSeen,
      'active',
      1,
      Date.parse(RECORD.lastEvidenceAt),
      Date.parse(RECORD.lastNotifiedAt as string),
      1,
    ]);
    expect(JSON.stringify(value).length).toBeLessThan(JSON.stringify(RECORD).length * 0.6);
  });

  it('reads back what was written, whatever the fields hold', () => {
    const variants: AlertRecord[] = [
      RECORD,
      { ...RECORD, status: 'resolved', revision: 7, handledBy: { action: 'acknowledge', id: 'ack-3' } },
      { ...RECORD, handledBy: { action: 'suppress', id: 'sup-1' }, lastNotifiedAt: null, notifiedRevision: null },
      // times that are not the analyzer's own ISO form stay text
      { ...RECORD, lastEvidenceAt: '2026-12-06T14:46:11Z', lastNotifiedAt: '2026-12-06T14:46:11.5130Z' },
      { ...RECORD, stream: 'eventhub/partition-3', id: 'a"\\\u0000b', key: '', title: '', count: 0 },
      { ...RECORD, lastEvidenceAt: '+275760-09-13T00:00:00.000Z', lastNotifiedAt: '1969-12-31T23:59:59.999Z' },
    ];
    for (const r of variants) expect(decodeAlertRecord(alertRecordKey(r.stream, r.id), stored(r))).toEqual(r);
  });

  it('reads a record of the first layout (named fields) as it is', () => {
    expect(decodeAlertRecord(KEY, RECORD as unknown as JsonValue)).toEqual(RECORD);
  });

  it('refuses what is not a record, naming it', () => {
    const good = stored(RECORD) as JsonValue[];
    const bad: [string, JsonValue][] = [
      [KEY, [3, ...good.slice(1)]], // a newer layout
      [KEY, good.slice(0, 14)],
      [KEY, [...good, { action: 'mute', id: 'x' }]],
      [KEY, good.map((v, i) => (i === 6 ? 'severe' : v))],
      [KEY, good.map((v, i) => (i === 7 ? -1 : v))],
      [KEY, good.map((v, i) => (i === 12 ? true : v))],
      [KEY, good.map((v, i) => (i === 10 ? 'open' : v))],
      ['tl-0004e924bd66867c5bab', good],
      [KEY, { ...RECORD, id: 'another' } as unknown as JsonValue],
      [KEY, null],
    ];
    for (const [key, value] of bad) {
      let error: unknown;
      try {
        decodeAlertRecord(key, value);
      } catch (e) {
        error = e;
      }
      expect(isTriplineError(error, 'state-unreadable'), JSON.stringify(value)).toBe(true);
      expect((error as Error).message).toContain(key === KEY ? `of alert ${RECORD.id} (${KEY})` : key);
    }
  });
});

describe('records of the first layout', () => {
  const alert = (id: string, count: number): Alert =>
    ({
      id,
      detectorId: RECORD.detector,
      device: { id: RECORD.device, name: RECORD.deviceName },
      key: RECORD.key,
      title: RECORD.title,
      severity: 'low',
      evidence: { eventCount: count },
      firstSeen: RECORD.firstSeen,
      lastSeen: RECORD.lastSeen,
    }) as unknown as Alert;

  it("are written back in the compact layout at the stream's next commit, changed or not", () => {
    const v1 = (id: string, stream = 'default') => ({ ...RECORD, id, stream }) as unknown as JsonValue;
    const records = new Map<string, JsonValue>([
      [alertRecordKey('default', 'a1'), v1('a1')],
      [alertRecordKey('default', 'a2'), v1('a2')],
      [alertRecordKey('default', 'a3'), stored({ ...RECORD, id: 'a3' })],
      [alertRecordKey('other', 'a4'), v1('a4', 'other')],
    ]);
    const outcome = computeLifecycle({
      stream: 'default',
      // a1 gets new evidence; a2 and a3 are idle; a4 belongs to another stream's analyzer
      alerts: [alert('a1', 40), alert('a2', 34), alert('a3', 34)],
      records,
      suppressions: [],
      policy: resolvePolicy(undefined),
      now: new Date('2026-12-06T15:00:00.000Z'),
    });
    expect(outcome.changes.map((c) => `${c.alertId} ${c.kind}`)).toEqual(['a1 updated']);
    expect(outcome.rewrite.map((r) => r.id)).toEqual(['a2']);
    const put = lifecycleWrite(outcome).put;
    expect(put.map((p) => p.key)).toEqual([alertRecordKey('default', 'a1'), alertRecordKey('default', 'a2')]);
    for (const p of put) expect((p.value as JsonValue[])[0]).toBe(2);
    expect(decodeAlertRecord(put[1]!.key, put[1]!.value)).toEqual({ ...RECORD, id: 'a2' });
    expect(decodeAlertRecord(put[0]!.key, put[0]!.value)).toMatchObject({ id: 'a1', count: 40, revision: 2 });
  });
});
