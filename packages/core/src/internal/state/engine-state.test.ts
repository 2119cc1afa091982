import { describe, expect, it } from 'vitest';
import { defineDetector } from '../detector/define.js';
import type { AnyDetector } from '../detector/types.js';
import { createAnalyzer } from '../engine/analyze.js';
import type { AnalyzeOptions } from '../engine/types.js';
import { TriplineError } from '../errors.js';
import { fromIterable, fromString } from '../ingest/index.js';
import type { JsonValue, MdeEvent } from '../model/event.js';
import { normalizeRow } from '../model/normalize.js';
import type { AnalysisResult } from '../report/types.js';
import {
  ENGINE_STATE_VERSION,
  type EncodedEvent,
  engineStateWrite,
  latenessMs,
  packRows,
  unpackRows,
} from './engine-state.js';
import { memoryStateStore } from './memory-store.js';
import { STATE_NAMESPACES, type StateStore } from './types.js';
import { unpackRecord } from './zrecord.js';

/** A memory store, opened (records copied on write and read, as a file store would). */
async function opened(): Promise<StateStore> {
  const store = memoryStateStore();
  await store.open();
  return store;
}

const DEVICE = { DeviceId: '2f1c6a0e9b8d7c5f4e3a2b1c0d9e8f7a6b5c4d3e', DeviceName: 'web01.contoso.com' };

/** A failed network logon from `ip` at minute:second `at` of 2026-03-10 10:00 (DeviceLogonEvents, as Defender writes it). */
function failedLogon(
  at: string,
  reportId: number,
  ip = '203.0.113.7',
  source = 'logons.ndjson',
): Record<string, unknown> {
  return {
    Timestamp: `2026-03-10T10:${at}.1234567Z`,
    ...DEVICE,
    ActionType: 'LogonFailed',
    LogonType: 'Network',
    AccountDomain: 'web01',
    AccountName: 'admin',
    Protocol: 'NTLM',
    FailureReason: 'InvalidUserNameOrPassword',
    RemoteIP: ip,
    RemoteIPType: 'Public',
    RemotePort: 51234,
    ReportId: reportId,
    _source: source,
  };
}

function event(row: Record<string, unknown>): MdeEvent {
  const { _source, ...cols } = row;
  const e = normalizeRow(cols, 'DeviceLogonEvents', { source: String(_source ?? 'test') });
  if (!('table' in e)) throw new Error(e.reason);
  return e;
}

const messages = {
  default: { title: '{count} failures from {ip}', description: 'From {ip}.', riskAssessment: 'Test.' },
};

/** Ten failed logons from one address within five minutes. */
function bruteForce(threshold = 10): AnyDetector {
  return defineDetector({
    meta: {
      id: 'test/brute-force',
      title: 'Brute force',
      summary: 'Failed logons in a burst.',
      rationale: 'Exercises saved state.',
      severity: 'medium',
      category: 'Credential Access',
      mitre: ['T1110'],
      tables: ['DeviceLogonEvents'],
      actionTypes: ['LogonFailed'],
      evidence: { ip: { from: 'RemoteIP', combine: 'first' }, accounts: { from: 'AccountName', combine: 'distinct' } },
      messages,
    },
    window: { sizeMs: 5 * 60_000, threshold },
    match: (e) => ({ key: e.str('RemoteIP') ?? '' }),
  });
}

/** Every failed logon (no window). */
const everyFailure: AnyDetector = defineDetector({
  meta: {
    id: 'test/every-failure',
    title: 'Failure',
    summary: 'A failed logon.',
    rationale: 'Exercises saved state.',
    severity: 'low',
    category: 'Credential Access',
    mitre: ['T1110'],
    tables: ['DeviceLogonEvents'],
    actionTypes: ['LogonFailed'],
    evidence: { ip: { from: 'RemoteIP', combine: 'first' } },
    messages,
  },
  match: (e) => ({ key: e.str('RemoteIP') ?? '' }),
});

const GENERATED_AT = '2026-03-10T12:00:00.000Z';

async function batch(
  store: StateStore,
  events: readonly MdeEvent[],
  options: Partial<AnalyzeOptions> = {},
): Promise<AnalysisResult> {
  const a = createAnalyzer({ detectors: [bruteForce()], generatedAt: GENERATED_AT, state: { store }, ...options });
  await a.ready();
  for (const e of events) a.pushEvent(e);
  const r = a.finish();
  await store.write(engineStateWrite(a));
  return r;
}

const ten = Array.from({ length: 10 }, (_, i) => event(failedLogon(`0${Math.floor(i / 3)}:${10 + i}`, 5000 + i)));

describe('engine state across batches', () => {
  it('a window split 6 + 4 across two batches fires, as in one run', async () => {
    const store = await opened();
    const first = await batch(store, ten.slice(0, 6));
    expect(first.alerts).toEqual([]);
    const second = await batch(store, ten.slice(6));
    const one = createAnalyzer({ detectors: [bruteForce()], generatedAt: GENERATED_AT });
    for (const e of ten) one.pushEvent(e);
    const single = one.finish();
    expect(second.alerts).toHaveLength(1);
    expect(second.alerts[0]!.evidence.eventCount).toBe(10);
    expect(JSON.stringify(second.alerts)).toBe(JSON.stringify(single.alerts));
    expect(second.summary.eventsAnalyzed).toBe(10);
    // Without the saved state the second batch alone sees 4 failures: no alert.
    const alone = createAnalyzer({ detectors: [bruteForce()], generatedAt: GENERATED_AT });
    for (const e of ten.slice(6)) alone.pushEvent(e);
    expect(alone.finish().alerts).toEqual([]);
  });

  it('a row repeated at a batch boundary is counted once', async () => {
    const store = await opened();
    await batch(store, ten.slice(0, 6));
    const r = await batch(store, [event(failedLogon('01:15', 5005)), ...ten.slice(6)]);
    expect(r.alerts[0]!.evidence.eventCount).toBe(10);
    expect(r.summary.duplicateEvents).toBe(1);
    expect(r.diagnostics.map((d) => d.code)).toContain('duplicate-events');
  });

  it('a source read again is not counted twice; rows appended to it are read', async () => {
    const store = await opened();
    const lines = (n: number) =>
      ten
        .slice(0, n)
        .map((_, i) => {
          const { _source, ...row } = failedLogon(`0${Math.floor(i / 3)}:${10 + i}`, 5000 + i);
          return JSON.stringify(row);
        })
        .join('\n');
    const run = async (text: string) => {
      const a = createAnalyzer({
        detectors: [bruteForce()],
        generatedAt: GENERATED_AT,
        table: 'DeviceLogonEvents',
        state: { store },
        stream: 'hub/partition-0',
      });
      await a.push(fromString(text, 'PT1H.json'));
      const r = a.finish();
      await store.write(engineStateWrite(a));
      return r;
    };
    const first = await run(lines(10));
    expect(first.alerts[0]!.evidence.eventCount).toBe(10);
    const again = await run(lines(10));
    expect(again.alerts[0]!.evidence.eventCount).toBe(10);
    expect(again.summary.eventsRead).toBe(10);
    expect(again.diagnostics.find((d) => d.code === 'rows-already-read')?.message).toMatch(
      /^10 row\(s\) of PT1H\.json/,
    );
    // The blob grew (an append blob): only the new rows count.
    const more = [7101, 7102].map((id, i) => {
      const { _source, ...row } = failedLogon(`04:0${i}`, id);
      return JSON.stringify(row);
    });
    const grown = await run([lines(10), ...more].join('\n'));
    expect(grown.alerts[0]!.evidence.eventCount).toBe(12);
    expect(grown.summary.eventsRead).toBe(12);
    // Another stream of the same store has its own position and state.
    const other = createAnalyzer({
      detectors: [bruteForce()],
      generatedAt: GENERATED_AT,
      table: 'DeviceLogonEvents',
      state: { store },
      stream: 'hub/partition-1',
    });
    await other.push(fromString(lines(3), 'PT1H.json'));
    expect(other.finish().summary.eventsRead).toBe(3);
  });

  it('an input that failed part way keeps the position of the rows it analysed', async () => {
    const store = await opened();
    const rows = ten.slice(0, 5).map((_, i) => {
      const { _source, ...row } = failedLogon(`0${Math.floor(i / 3)}:${10 + i}`, 5000 + i);
      return `${JSON.stringify(row)}\n`;
    });
    const failing = fromIterable(
      (async function* () {
        yield rows.slice(0, 3).join('');
        throw new Error('connection reset');
      })(),
      'PT1H.json',
    );
    const a = createAnalyzer({ detectors: [everyFailure], table: 'DeviceLogonEvents', state: { store } });
    await expect(a.push(failing)).rejects.toMatchObject({ code: 'input-unreadable' });
    expect(a.finish().alerts[0]!.evidence.eventCount).toBe(3);
    await store.write(engineStateWrite(a));
    // The whole input again: the three rows analysed before the failure are not counted twice.
    const b = createAnalyzer({ detectors: [everyFailure], table: 'DeviceLogonEvents', state: { store } });
    await b.push(fromIterable(rows, 'PT1H.json'));
    const r = b.finish();
    expect(r.alerts[0]!.evidence.eventCount).toBe(5);
    expect(r.summary.duplicateEvents).toBe(0);
  });

  it('counts late events in a diagnostic and merges them', async () => {
    const store = await opened();
    await batch(store, ten.slice(3), { state: { store, allowedLateness: 'PT1M' } });
    // Two minutes behind the watermark (10:03:19), one allowed: late, merged all the same.
    const r = await batch(store, ten.slice(0, 3), { state: { store, allowedLateness: 'PT1M' } });
    expect(r.alerts[0]!.evidence.eventCount).toBe(10);
    const late = r.diagnostics.find((d) => d.code === 'late-events');
    expect(late?.level).toBe('warning');
    expect(late?.message).toMatch(
      /^3 event\(s\) were older than the watermark of stream "default" minus the allowed lateness \(60000 ms\)/,
    );
    // The default lateness is the longest window (5 minutes): the same events are not late then.
    const store2 = await opened();
    await batch(store2, ten.slice(3));
    const r2 = await batch(store2, ten.slice(0, 3));
    expect(r2.diagnostics.map((d) => d.code)).not.toContain('late-events');
  });

  it('drops the groups of a removed or changed detector, with a diagnostic; new detectors start empty', async () => {
    const store = await opened();
    await batch(store, ten.slice(0, 6), { detectors: [bruteForce(), everyFailure] });
    // everyFailure removed: its groups go.
    const removed = createAnalyzer({ detectors: [bruteForce()], generatedAt: GENERATED_AT, state: { store } });
    await removed.ready();
    removed.finish();
    const w = engineStateWrite(removed);
    const d = removed.finish().diagnostics.filter((x) => x.code === 'state-detectors-changed');
    expect(d.map((x) => x.message)).toEqual([
      '1 detector(s) of stream "default" are no longer in the set: their saved alert subjects are dropped (test/every-failure)',
    ]);
    expect(w.delete?.filter((x) => x.ns === 'groups')).toHaveLength(1);
    await store.write(w);
    // The brute-force detector with another threshold is another detector: it starts again.
    const changed = await batch(store, ten.slice(6), { detectors: [bruteForce(4)] });
    expect(changed.alerts[0]!.evidence.eventCount).toBe(4);
    expect(changed.diagnostics.find((x) => x.code === 'state-detectors-changed')?.detectorId).toBe('test/brute-force');
    // Back to the first set: everyFailure is new again and counts only this batch's (new) rows.
    const fresh = [event(failedLogon('04:01', 7001)), event(failedLogon('04:02', 7002))];
    const back = await batch(store, fresh, { detectors: [bruteForce(4), everyFailure] });
    expect(back.alerts.find((a) => a.detectorId === 'test/every-failure')?.evidence.eventCount).toBe(2);
  });

  it('refuses state saved by a newer tripline', async () => {
    const store = await opened();
    await batch(store, ten.slice(0, 2));
    const meta = [...(await store.read('meta'))][0]!;
    await store.write({
      put: [{ ns: 'meta', key: meta[0], value: { ...(meta[1] as object), v: ENGINE_STATE_VERSION + 1 } }],
    });
    const a = createAnalyzer({ detectors: [bruteForce()], state: { store } });
    const error = await a.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TriplineError);
    expect((error as TriplineError).code).toBe('state-schema-newer');
  });

  it('needs the state loaded before events are pushed; stream needs state', async () => {
    const a = createAnalyzer({ detectors: [bruteForce()], state: { store: await opened() } });
    expect(() => a.pushEvent(ten[0]!)).toThrow(/not loaded yet; await analyzer.ready\(\) first/);
    expect(() => a.finish()).toThrow(/not loaded yet/);
    expect(() => engineStateWrite(a)).toThrow(/not loaded yet/);
    expect(() => createAnalyzer({ detectors: [bruteForce()], stream: 'x' })).toThrow(/give both/);
    expect(() => engineStateWrite(createAnalyzer({ detectors: [bruteForce()] }))).toThrow(/has no state/);
  });

  it('writes deterministic JSON records: the same batches give the same bytes, ReportIds exact', async () => {
    const big = event({ ...failedLogon('00:09', 0), ReportId: '639199803770463703' });
    const snapshot = async () => {
      const store = await opened();
      await batch(store, [big, ...ten.slice(0, 4)]);
      await batch(store, ten.slice(4));
      const all = [];
      // Group, device and dedupe records are compressed ({ z }): their JSON is read back to look in it.
      for (const ns of STATE_NAMESPACES)
        all.push([ns, [...(await store.read(ns))].map(([k, v]) => [k, v, unpackRecord<JsonValue>(v)])]);
      return JSON.stringify(all);
    };
    const a = await snapshot();
    expect(await snapshot()).toBe(a);
    expect(a).toContain('639199803770463703');
    expect(a).not.toContain('639199803770463700');
  });

  it('reads allowedLateness as milliseconds or an ISO 8601 duration', () => {
    expect(latenessMs(1500)).toBe(1500);
    expect(latenessMs('PT15M')).toBe(900_000);
    expect(latenessMs('P1DT1H')).toBe(90_000_000);
    expect(latenessMs('PT0.5S')).toBe(500);
    for (const bad of ['P', 'PT', '15m', -1, 'P1Y'] as const) expect(() => latenessMs(bad)).toThrow(/allowedLateness/);
  });
});

describe('packed sample rows', () => {
  it('keeps the first row whole and the next as changes, and unpacks them exactly', () => {
    const a: EncodedEvent = [
      0,
      'DeviceLogonEvents',
      { Timestamp: 't1', DeviceId: 'd', RemoteIP: '203.0.113.7' },
      's',
      1,
    ];
    const b: EncodedEvent = [
      1,
      'DeviceLogonEvents',
      { Timestamp: 't2', DeviceId: 'd', RemoteIP: '203.0.113.7' },
      's',
      2,
    ];
    const c: EncodedEvent = [2, 'DeviceLogonEvents', { DeviceId: 'd', Timestamp: 't3' }, 's', 3];
    const packed = packRows([a, b, c]);
    expect(packed).toEqual([a, [1, 'DeviceLogonEvents', ['~', 0, 't2'], 's', 2], c]);
    expect(JSON.stringify(unpackRows(JSON.parse(JSON.stringify(packed))))).toBe(JSON.stringify([a, b, c]));
    // A row with a value JSON drops stays whole, and so does the row after it.
    const u: EncodedEvent = [3, 'DeviceLogonEvents', { Timestamp: 't4', DeviceId: undefined as never }, 's'];
    expect(packRows([a, u, a])).toEqual([a, u, a]);
  });
});
