import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../testing.js';
import { defineDetector } from '../detector/define.js';
import type { AnyDetector, Detector } from '../detector/types.js';
import { createAnalyzer } from '../engine/analyze.js';
import { isTriplineError } from '../errors.js';
import type { MdeEvent } from '../model/event.js';
import { stringifyReport } from '../report/json.js';
import { memoryStateStore } from './memory-store.js';
import { deliver } from './outbox.js';
import type { OutboxEntry, StateStore, StateWrite } from './types.js';

// Notify once: the analyzer's commit() and deliver() over a store, with failures injected at every
// point a bot can die, against a receiver that does not drop duplicates.

const DEVICE = '875524232b2377b606ca585f2a6692b5be921b94';
const NAME = 'web-01.contoso.internal';
let reportId = 5000;

function proc(ts: string, fileName: string): MdeEvent {
  return makeEvent('DeviceProcessEvents', {
    Timestamp: ts,
    DeviceId: DEVICE,
    DeviceName: NAME,
    ActionType: 'ProcessCreated',
    FileName: fileName,
    FolderPath: `/usr/bin/${fileName}`,
    ProcessCommandLine: `${fileName} -la`,
    ProcessId: 415044,
    InitiatingProcessId: 415000,
    InitiatingProcessFileName: 'bash',
    ReportId: reportId++,
  });
}

const detector: AnyDetector = defineDetector({
  meta: {
    id: 'test/process-by-name',
    title: 'Processes by name',
    summary: 'Groups process creations by image name.',
    rationale: 'Exercises the lifecycle in tests.',
    severity: 'low',
    category: 'Testing',
    mitre: ['T1059.004'],
    tables: ['DeviceProcessEvents'],
    actionTypes: ['ProcessCreated'],
    messages: { default: { title: 'Process {name}', description: 'Saw {name}', riskAssessment: 'Low risk.' } },
    columns: ['FileName'],
    values: ['name'],
  },
  match: (e: MdeEvent) => ({ key: e.str('FileName') ?? '' }),
  render: (g: { key: string }) => ({ values: { name: g.key } }),
} as Detector);

const BATCH_1 = [proc('2026-12-01T10:00:01Z', 'lsof'), proc('2026-12-01T10:00:02Z', 'ps')];
const BATCH_2 = [proc('2026-12-01T11:00:01Z', 'lsof'), proc('2026-12-01T11:00:02Z', 'curl')];
const NOW = new Date('2026-12-01T12:00:00.000Z');

/** A store whose writes can be made to fail once: before the write (nothing changes) at a chosen write. */
class FlakyStore implements StateStore {
  readonly kind = 'flaky';
  writes: StateWrite[] = [];
  failWhen: ((w: StateWrite) => boolean) | undefined;
  constructor(readonly inner: StateStore) {}
  open() {
    return this.inner.open();
  }
  read(ns: Parameters<StateStore['read']>[0]) {
    return this.inner.read(ns);
  }
  get(ns: Parameters<StateStore['get']>[0], key: string) {
    return this.inner.get(ns, key);
  }
  async write(w: StateWrite) {
    if (this.failWhen?.(w)) {
      this.failWhen = undefined;
      throw new Error('injected: the process died here');
    }
    this.writes.push(w);
    return this.inner.write(w);
  }
  outbox() {
    return this.inner.outbox();
  }
  close() {
    return this.inner.close();
  }
}

type Crash = 'none' | 'before-commit' | 'in-commit' | 'after-commit' | 'mid-delivery' | 'after-send' | 'after-delivery';

class Died extends Error {}

/** A receiver that keeps every post (no dedupe), by idempotency key. */
function receiver() {
  const keys: string[] = [];
  return {
    keys,
    send: (e: OutboxEntry) => {
      keys.push(e.key);
    },
  };
}

/**
 * One bot run over a batch: deliver what an earlier run left in the outbox, analyse, commit, deliver
 * — dying at `crash`.
 */
async function botRun(store: FlakyStore, batch: MdeEvent[], send: (e: OutboxEntry) => void, crash: Crash = 'none') {
  await deliver(store, send);
  const analyzer = createAnalyzer({ detectors: [detector], state: { store, now: () => NOW }, generatedAt: 'x' });
  await analyzer.ready();
  for (const e of batch) analyzer.pushEvent(e);
  const result = analyzer.finish();
  if (crash === 'before-commit') throw new Died();
  if (crash === 'in-commit') store.failWhen = () => true;
  await analyzer.commit();
  if (crash === 'after-commit') throw new Died();
  let sent = 0;
  await deliver(store, (e) => {
    if (crash === 'mid-delivery' && sent === 1) throw new Died();
    send(e);
    sent++;
    // The post went out; the process dies before the entry is marked delivered.
    if (crash === 'after-send') store.failWhen = (w) => w.delivered !== undefined;
  });
  if (crash === 'after-delivery') throw new Died();
  return result;
}

/** Batch 1 with a crash, the bot restarted on batch 1, then batch 2: what the receiver got. */
async function scenario(crash: Crash): Promise<string[]> {
  const store = new FlakyStore(memoryStateStore());
  await store.open();
  const r = receiver();
  await botRun(store, BATCH_1, r.send, crash).catch((error: unknown) => {
    if (!(error instanceof Died) && !(error instanceof Error && error.message.startsWith('injected'))) throw error;
  });
  await botRun(store, BATCH_1, r.send);
  await botRun(store, BATCH_2, r.send);
  expect(await store.outbox()).toEqual([]);
  return r.keys;
}

describe('notify once', () => {
  it('without a crash: each notifying change once, in order, with its idempotency key', async () => {
    const keys = await scenario('none');
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
  });

  for (const crash of ['before-commit', 'in-commit', 'after-commit', 'mid-delivery', 'after-delivery'] as const) {
    it(`a crash ${crash.replace('-', ' ')}: 0 lost, 0 duplicates`, async () => {
      const reference = await scenario('none');
      const keys = await scenario(crash);
      expect([...keys].sort()).toEqual([...reference].sort());
    });
  }

  it('a crash between a send and its mark: delivered again with the same key (at least once), nothing lost', async () => {
    const reference = await scenario('none');
    const keys = await scenario('after-send');
    expect(keys).toHaveLength(reference.length + 1);
    expect([...new Set(keys)].sort()).toEqual([...reference].sort());
    const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
    expect(twice).toEqual([keys[0]]);
  });

  it('a later batch continues the stream: counts carry over, an update below a threshold does not notify', async () => {
    const store = new FlakyStore(memoryStateStore());
    await store.open();
    const r = receiver();
    await botRun(store, BATCH_1, r.send);
    const second = await botRun(store, BATCH_2, r.send);
    const lsof = second.alerts.find((a) => a.key === 'lsof')!;
    expect(lsof.evidence.eventCount).toBe(2);
    expect(
      second.changes?.map((c) => `${c.alertId === lsof.id ? 'lsof' : 'curl'}:${c.kind}:${c.notify}`).sort(),
    ).toEqual(['curl:new:true', 'lsof:updated:false']);
    expect(second.changes?.find((c) => c.alertId === lsof.id)?.reason).toBe(
      'count 1 → 2, last seen 2026-12-01T11:00:01Z',
    );
    expect(r.keys).toHaveLength(3);
  });

  it('replaying a committed batch: 0 changes, 0 notifications', async () => {
    const store = new FlakyStore(memoryStateStore());
    await store.open();
    const r = receiver();
    const first = await botRun(store, BATCH_1, r.send);
    expect(first.changes?.map((c) => c.kind)).toEqual(['new', 'new']);
    const replay = await botRun(store, BATCH_1, r.send);
    expect(replay.changes).toEqual([]);
    expect(r.keys).toHaveLength(2);
  });
});

describe('finish() and commit() with state', () => {
  it('finish() adds changes that the JSON report does not see; commit() is one store write', async () => {
    const store = new FlakyStore(memoryStateStore());
    await store.open();
    const analyzer = createAnalyzer({ detectors: [detector], state: { store, now: () => NOW }, generatedAt: 'x' });
    await analyzer.ready();
    for (const e of BATCH_1) analyzer.pushEvent(e);
    const result = analyzer.finish();
    expect(result.changes?.map((c) => `${c.kind}:${c.idempotencyKey === `${c.alertId}:1`}:${c.notify}`)).toEqual([
      'new:true:true',
      'new:true:true',
    ]);
    expect(Object.keys(result)).not.toContain('changes');
    const plain = createAnalyzer({ detectors: [detector], generatedAt: 'x' });
    for (const e of BATCH_1) plain.pushEvent(e);
    expect(stringifyReport(result)).toBe(stringifyReport(plain.finish()));
    expect(plain.finish().changes).toBeUndefined();

    await analyzer.commit();
    await analyzer.commit(); // the same write, not a second one
    expect(store.writes).toHaveLength(1);
    const w = store.writes[0]!;
    expect(w.outbox?.map((o) => o.key)).toEqual(result.changes?.map((c) => c.idempotencyKey));
    expect(w.put?.filter((p) => p.ns === 'alerts').map((p) => JSON.parse(p.key)[0])).toEqual(['default', 'default']);
  });

  it('commit() before finish() or without state, and finish() before ready(), are refused', async () => {
    const store = memoryStateStore();
    await store.open();
    const a = createAnalyzer({ detectors: [detector], state: { store } });
    expect(() => a.finish()).toThrow('await analyzer.ready() first');
    await a.ready();
    await expect(a.commit()).rejects.toThrow('commit: call finish() first');
    const plain = createAnalyzer({ detectors: [detector] });
    plain.finish();
    const error = await plain.commit().catch((e: unknown) => e);
    expect(isTriplineError(error, 'option-invalid')).toBe(true);
  });
});
