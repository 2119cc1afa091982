import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../testing.js';
import { defineDetector } from '../detector/define.js';
import type { AnyDetector, Detector, TimelinePoint, WindowSpec } from '../detector/types.js';
import { isTriplineError } from '../errors.js';
import type { MdeEvent } from '../model/event.js';
import { analyzeEvents } from './entry.js';
import { readWindow } from './guards.js';
import { nearestRank, windowReached } from './window.js';

const T0 = Date.UTC(2026, 10, 3, 9, 0, 0);

/** A timeline point `s` seconds after T0 (plus `ticks` of 100 ns). */
function pt(s: number, tag?: string, value?: string | number, ticks = 0): TimelinePoint {
  const base = { time: T0 + s * 1000, ticks, tag };
  return value === undefined ? base : { ...base, value };
}

const sorted = (points: TimelinePoint[]) => [...points].sort((a, b) => a.time - b.time || a.ticks - b.ticks);

describe('windowReached: count', () => {
  it('counts matches within sizeMs; the boundary instant is inside, 100 ns later is outside', () => {
    const spec: WindowSpec = { sizeMs: 60_000, threshold: 2 };
    expect(windowReached([pt(0), pt(60)], spec)).toBe(true);
    expect(windowReached([pt(0), pt(60, undefined, undefined, 1)], spec)).toBe(false);
    expect(windowReached([pt(0), pt(61)], spec)).toBe(false);
  });

  it('filters by tag', () => {
    const spec: WindowSpec = { sizeMs: 60_000, threshold: 2, tag: 'failed' };
    expect(windowReached([pt(0, 'failed'), pt(1, 'success'), pt(2, 'failed')], spec)).toBe(true);
    expect(windowReached([pt(0, 'failed'), pt(1, 'success'), pt(2, 'success')], spec)).toBe(false);
  });

  it('compares with gt, lt, lte, eq, neq and a range', () => {
    const burst = [pt(0), pt(1), pt(2)];
    const at = (s: Partial<WindowSpec>) => windowReached(burst, { sizeMs: 10_000, threshold: 3, ...s });
    expect(at({ compare: 'gt' })).toBe(false);
    expect(at({ compare: 'gt', threshold: 2 })).toBe(true);
    expect(at({ compare: 'eq' })).toBe(true);
    expect(at({ compare: 'eq', threshold: 4 })).toBe(false);
    // The window closing at the first match holds one match: fewer than 3.
    expect(at({ compare: 'lt' })).toBe(true);
    expect(at({ compare: 'lt', threshold: 1 })).toBe(false);
    expect(at({ compare: 'lte', threshold: 1 })).toBe(true);
    expect(at({ compare: 'neq', threshold: 1 })).toBe(true);
    // Matches at one instant are in every window that holds one of them: never a window of 1 here.
    const tie = [pt(0), pt(0), pt(0)];
    expect(windowReached(tie, { sizeMs: 0, threshold: 3, compare: 'lt' })).toBe(false);
    expect(windowReached(tie, { sizeMs: 0, threshold: 3, compare: 'neq' })).toBe(false);
    expect(windowReached(tie, { sizeMs: 0, threshold: 3, compare: 'eq' })).toBe(true);
    // Range: more than 1 and at most 2 — windows hold 1, 2, 3 matches.
    expect(at({ compare: 'gt', threshold: 1, and: { compare: 'lte', threshold: 2 } })).toBe(true);
    expect(at({ compare: 'gt', threshold: 3, and: { compare: 'lte', threshold: 5 } })).toBe(false);
  });

  it('a window slides: old matches leave', () => {
    const points = [pt(0), pt(50), pt(100), pt(150)];
    expect(windowReached(points, { sizeMs: 60_000, threshold: 2, compare: 'eq' })).toBe(true);
    expect(windowReached(points, { sizeMs: 60_000, threshold: 3 })).toBe(false);
    expect(windowReached(points, { sizeMs: 100_000, threshold: 3 })).toBe(true);
  });
});

describe('windowReached: distinct, sum, avg, percentile', () => {
  it('distinct counts distinct values; matches without one do not count; 1 and "1" differ', () => {
    const spec: WindowSpec = { sizeMs: 60_000, threshold: 3, measure: 'distinct' };
    expect(windowReached([pt(0, undefined, 'a'), pt(1, undefined, 'b'), pt(2, undefined, 'a')], spec)).toBe(false);
    expect(windowReached([pt(0, undefined, 'a'), pt(1, undefined, 'b'), pt(2, undefined, 'c')], spec)).toBe(true);
    expect(windowReached([pt(0, undefined, 'a'), pt(1, undefined, 'b'), pt(2), pt(3)], spec)).toBe(false);
    expect(windowReached([pt(0, undefined, 1), pt(1, undefined, '1'), pt(2, undefined, 'x')], spec)).toBe(true);
    // Values leave with their matches.
    expect(windowReached([pt(0, undefined, 'a'), pt(100, undefined, 'b'), pt(200, undefined, 'c')], spec)).toBe(false);
  });

  it('sum and avg of numeric values; strings take no part', () => {
    const points = [pt(0, undefined, 400), pt(10, undefined, 700), pt(20, undefined, 'n/a'), pt(200, undefined, 50)];
    expect(windowReached(points, { sizeMs: 60_000, threshold: 1000, compare: 'gt', measure: 'sum' })).toBe(true);
    expect(windowReached(points, { sizeMs: 5_000, threshold: 1000, compare: 'gt', measure: 'sum' })).toBe(false);
    expect(windowReached(points, { sizeMs: 60_000, threshold: 550, measure: 'avg' })).toBe(true);
    expect(windowReached(points, { sizeMs: 60_000, threshold: 551, measure: 'avg' })).toBe(false);
    // avg below: the window closing at 200 s holds only 50.
    expect(windowReached(points, { sizeMs: 60_000, threshold: 100, compare: 'lt', measure: 'avg' })).toBe(true);
  });

  it('percentile: nearest rank over the window', () => {
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(nearestRank([5, 7], 0)).toBe(5);
    expect(nearestRank([5, 7], 50)).toBe(5);
    expect(nearestRank([5, 7], 100)).toBe(7);
    const values = [10, 20, 30, 40, 5000].map((v, i) => pt(i, undefined, v));
    const p = (percentile: number, threshold: number) =>
      windowReached(values, { sizeMs: 60_000, threshold, measure: 'percentile', percentile });
    expect(p(80, 40)).toBe(true);
    expect(p(80, 41)).toBe(false);
    expect(p(100, 5000)).toBe(true);
    // Out-of-window values leave the sorted multiset.
    const spread = [pt(0, undefined, 900), pt(100, undefined, 1), pt(101, undefined, 2)];
    expect(windowReached(spread, { sizeMs: 10_000, threshold: 900, measure: 'percentile', percentile: 100 })).toBe(
      true,
    );
    expect(
      windowReached(spread, { sizeMs: 10_000, threshold: 2, compare: 'eq', measure: 'percentile', percentile: 100 }),
    ).toBe(true);
  });
});

describe('windowReached: tags (temporal) and ordered tags', () => {
  const tags = ['a', 'b', 'c'];
  it('all tags within the window, in any order', () => {
    const spec: WindowSpec = { sizeMs: 300_000, threshold: 3, measure: 'tags', tags };
    expect(windowReached([pt(0, 'c'), pt(10, 'a'), pt(20, 'b')], spec)).toBe(true);
    expect(windowReached([pt(0, 'c'), pt(10, 'a'), pt(20, 'a')], spec)).toBe(false);
    expect(windowReached([pt(0, 'c'), pt(10, 'a'), pt(301, 'b')], spec)).toBe(false);
    expect(windowReached([pt(0, 'c'), pt(10, 'a'), pt(300, 'b')], spec)).toBe(true);
    // Other tags are ignored; "2 of the 3" is a threshold.
    expect(windowReached([pt(0, 'x'), pt(10, 'a'), pt(20, 'b')], { ...spec, threshold: 2 })).toBe(true);
  });

  it('ordered: the tags in the given order within the window; an instant counts as in order', () => {
    const spec: WindowSpec = { sizeMs: 300_000, threshold: 3, measure: 'tags', tags, ordered: true };
    expect(windowReached([pt(0, 'a'), pt(10, 'b'), pt(20, 'c')], spec)).toBe(true);
    expect(windowReached([pt(0, 'c'), pt(10, 'a'), pt(20, 'b')], spec)).toBe(false);
    expect(windowReached([pt(0, 'b'), pt(10, 'a'), pt(20, 'c')], spec)).toBe(false);
    // A late start makes the chain short enough: a at 0 is too early, a at 200 is not.
    expect(windowReached([pt(0, 'a'), pt(200, 'a'), pt(250, 'b'), pt(400, 'c')], spec)).toBe(true);
    expect(windowReached([pt(0, 'a'), pt(250, 'b'), pt(400, 'c')], spec)).toBe(false);
    // Boundary: exactly sizeMs from first to last is inside.
    expect(windowReached([pt(0, 'a'), pt(100, 'b'), pt(300, 'c')], spec)).toBe(true);
    expect(windowReached([pt(0, 'a'), pt(100, 'b'), pt(300, 'c', undefined, 1)], spec)).toBe(false);
    // Ties: b and c at one instant, in either arrival order.
    expect(windowReached(sorted([pt(0, 'a'), pt(10, 'c'), pt(10, 'b')]), spec)).toBe(true);
    expect(windowReached(sorted([pt(10, 'b'), pt(10, 'a'), pt(10, 'c')]), spec)).toBe(true);
  });
});

describe('readWindow', () => {
  const detector = (window: unknown) => ({ window }) as unknown as AnyDetector;
  const bad = (window: unknown) => {
    try {
      readWindow(detector(window), 'test/x', undefined);
      return undefined;
    } catch (error) {
      return isTriplineError(error) ? error.message : String(error);
    }
  };

  it('copies a valid window and rejects nonsense with the reason', () => {
    expect(readWindow(detector({ sizeMs: 1, threshold: 2 }), 'test/x', undefined)).toEqual({
      sizeMs: 1,
      threshold: 2,
    });
    expect(
      readWindow(
        detector({ sizeMs: 1, threshold: 2, measure: 'tags', tags: ['a', 'b'], ordered: true }),
        'test/x',
        undefined,
      ),
    ).toEqual({ sizeMs: 1, threshold: 2, measure: 'tags', tags: ['a', 'b'], ordered: true });
    expect(bad({ sizeMs: 1, threshold: 2, compare: 'ge' })).toMatch(/compare must be one of/);
    expect(bad({ sizeMs: 1, threshold: 2, measure: 'median' })).toMatch(/measure must be one of/);
    expect(bad({ sizeMs: 1, threshold: 2, measure: 'percentile' })).toMatch(/needs percentile/);
    expect(bad({ sizeMs: 1, threshold: 2, measure: 'percentile', percentile: 101 })).toMatch(/needs percentile/);
    expect(bad({ sizeMs: 1, threshold: 2, measure: 'tags' })).toMatch(/needs tags/);
    expect(bad({ sizeMs: 1, threshold: 2, measure: 'tags', tags: ['a', 'a'] })).toMatch(/distinct/);
    expect(bad({ sizeMs: 1, threshold: 1, measure: 'tags', tags: ['a', 'b'], ordered: true })).toMatch(/every tag/);
    expect(bad({ sizeMs: 1, threshold: 1, ordered: true })).toMatch(/only for measure: tags/);
    expect(bad({ sizeMs: 1, threshold: 1, and: { compare: 'lt' } })).toMatch(/and.threshold/);
    expect(bad({ sizeMs: -1, threshold: 1 })).toMatch(/negative/);
    expect(bad({ sizeMs: 1, threshold: 1, tags: ['a'] })).toMatch(/only for measure: tags/);
  });
});

const DEVICE = '875524232b2377b606ca585f2a6692b5be921b94';
let report = 5000;

function logon(ts: string, account: string, bytes?: number): MdeEvent {
  return makeEvent('DeviceLogonEvents', {
    Timestamp: ts,
    DeviceId: DEVICE,
    DeviceName: 'ws-finance-07.contoso.local',
    ActionType: 'LogonFailed',
    AccountName: account,
    AccountDomain: 'contoso',
    LogonType: 'Network',
    RemoteIP: '203.0.113.45',
    ReportId: report++,
    ...(bytes === undefined ? {} : { AdditionalFields: JSON.stringify({ bytes }) }),
  });
}

function spraying(window: WindowSpec): AnyDetector {
  return defineDetector({
    meta: {
      id: 'test/spray',
      title: 'Password spray',
      summary: 'Failed logons for many accounts from one address.',
      rationale: 'Exercises distinct windows.',
      severity: 'medium',
      category: 'Testing',
      mitre: ['T1110.003'],
      tables: ['DeviceLogonEvents'],
      actionTypes: ['LogonFailed'],
      messages: { default: { title: 'Spray', description: '{count} failures', riskAssessment: 'Medium.' } },
      evidence: {},
      columns: ['AccountName', 'RemoteIP'],
    },
    match: (e: MdeEvent) => ({ key: e.str('RemoteIP') ?? '', value: e.str('AccountName') ?? '' }),
    window,
  } as Detector);
}

describe('windows in a run', () => {
  it('match.value reaches the window; the answer does not depend on arrival order', async () => {
    const rows = () => [
      logon('2026-11-03T09:00:00Z', 'alice'),
      logon('2026-11-03T09:04:00Z', 'carol'),
      logon('2026-11-03T09:02:00Z', 'bob'),
      logon('2026-11-03T09:03:00Z', 'alice'),
    ];
    const d = spraying({ sizeMs: 240_000, threshold: 3, measure: 'distinct' });
    const inOrder = await analyzeEvents(rows(), { detectors: [d] });
    const reversed = await analyzeEvents(rows().reverse(), { detectors: [d] });
    expect(inOrder.alerts).toHaveLength(1);
    expect(reversed.alerts.map((a) => a.id)).toEqual(inOrder.alerts.map((a) => a.id));
    const narrow = spraying({ sizeMs: 119_999, threshold: 3, measure: 'distinct' });
    expect((await analyzeEvents(rows(), { detectors: [narrow] })).alerts).toHaveLength(0);
  });

  it('a match.value that is neither a string nor a finite number is a diagnostic, not a crash', async () => {
    const d = defineDetector({
      ...spraying({ sizeMs: 1000, threshold: 1, measure: 'distinct' }),
      match: () => ({ value: Number.NaN }),
    } as Detector);
    const result = await analyzeEvents([logon('2026-11-03T09:00:00Z', 'alice')], { detectors: [d] });
    expect(result.alerts).toHaveLength(0);
    expect(result.diagnostics.map((x) => x.message).join('\n')).toMatch(/match.value NaN is not a string/);
  });
});

describe('a capped timeline', () => {
  it('a window that could not see every match says so in a warning', async () => {
    // 10,000 logons an hour apart for one address, then a spray of 3 accounts in one minute: the
    // timeline keeps the first 10,000 matches read, so the window never sees the spray.
    const many = Array.from({ length: 10_000 }, (_, i) =>
      logon(new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString(), 'alice'),
    );
    const spray = ['bob', 'carol', 'dave'].map((a, i) => logon(`2026-11-03T09:00:0${i}Z`, a));
    const d = spraying({ sizeMs: 60_000, threshold: 3, measure: 'distinct' });
    const capped = await analyzeEvents([...many, ...spray], { detectors: [d] });
    expect(capped.alerts).toHaveLength(0);
    const warning = capped.diagnostics.find((x) => x.code === 'window-timeline-capped');
    expect(warning).toMatchObject({ level: 'warning', detectorId: 'test/spray' });
    expect(warning!.message).toContain('not the other 3');
    // Read first, the spray is seen; no warning when nothing was dropped.
    const first = await analyzeEvents([...spray, ...many.slice(0, 100)], { detectors: [d] });
    expect(first.alerts).toHaveLength(1);
    expect(first.diagnostics.filter((x) => x.code === 'window-timeline-capped')).toEqual([]);
  });
});
