import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../testing.js';
import { validateDetector } from '../detector/define.js';
import type { AnyDetector, Detector } from '../detector/types.js';
import type { MdeEvent } from '../model/event.js';
import { validateRunConfig } from './config.js';
import { validateDetectors } from './detectors.js';
import { analyzeEvents } from './entry.js';
import { loadRuntimes } from './runtime.js';

/**
 * A rule set declares the same evidence, tables and columns for many detectors: their validated
 * metadata and compiled forms are shared objects, and they run exactly as when each had its own.
 */

/** Metadata of detector `n`, with evidence records and lists made fresh for each call (as a loader makes them). */
function meta(n: number, extra: Record<string, unknown> = {}) {
  return {
    id: `test/shared-${n}`,
    title: `Shared ${n}`,
    summary: 'A detector of a set whose members declare the same evidence.',
    rationale: 'Exercises the sharing of equal metadata parts.',
    severity: 'low',
    category: 'Testing',
    mitre: ['T1059'],
    tables: ['DeviceProcessEvents'],
    actionTypes: ['ProcessCreated'],
    columns: ['ProcessCommandLine'],
    values: ['rule'],
    evidence: {
      image: { from: 'FileName', combine: 'distinct' },
      parent: { from: 'InitiatingProcessFileName', combine: 'first', label: 'Parent' },
      hits: { from: 'ReportId', combine: 'count', label: 'Hits', hidden: false },
    },
    messages: {
      default: {
        title: `Rule ${n} on {device}: {image}`,
        description: '{count} process(es) from {parent} ({rule}).',
        riskAssessment: `Review rule ${n}.`,
      },
    },
    ...extra,
  };
}

function detector(n: number, extra: Record<string, unknown> = {}): AnyDetector {
  return {
    meta: meta(n, extra),
    match: (e: MdeEvent) => (e.str('FileName') === 'whoami.exe' ? { key: '' } : undefined),
    render: () => ({ values: { rule: `r${n}` } }),
  } as unknown as Detector;
}

function runtimes(list: readonly AnyDetector[]) {
  return loadRuntimes(validateDetectors(list), validateRunConfig({}, list), false);
}

describe('equal metadata parts, shared', () => {
  it('gives detectors that declare equal evidence and lists one frozen copy of each', () => {
    const a = validateDetector(detector(1));
    const b = validateDetector(detector(2));
    expect(a.evidence).toBe(b.evidence);
    expect(a.tables).toBe(b.tables);
    expect(a.actionTypes).toBe(b.actionTypes);
    expect(a.columns).toBe(b.columns);
    expect(a.values).toBe(b.values);
    // Still copies: never the plugin's own objects, and immutable.
    const given = detector(3);
    const c = validateDetector(given);
    expect(c.evidence).not.toBe(given.meta.evidence);
    expect(c.tables).not.toBe(given.meta.tables);
    expect(c.evidence).toEqual(given.meta.evidence);
    expect(Object.isFrozen(c.evidence)).toBe(true);
    expect(Object.isFrozen(c.evidence!.image)).toBe(true);
    expect(Object.isFrozen(c.tables)).toBe(true);
    expect(() => (c.tables as string[]).push('DeviceFileEvents')).toThrow(TypeError);
  });

  it('tells apart records that differ in one key, its presence included', () => {
    const base = validateDetector(detector(1)).evidence;
    const capped = validateDetector(
      detector(2, { evidence: { ...meta(0).evidence, image: { from: 'FileName', combine: 'distinct', cap: 5 } } }),
    ).evidence;
    const hiddenAbsent = validateDetector(
      detector(3, { evidence: { ...meta(0).evidence, hits: { from: 'ReportId', combine: 'count', label: 'Hits' } } }),
    ).evidence;
    expect(capped).not.toBe(base);
    expect(capped!.image).toEqual({ from: 'FileName', combine: 'distinct', cap: 5 });
    expect(hiddenAbsent).not.toBe(base);
    expect(Object.hasOwn(hiddenAbsent!.hits!, 'hidden')).toBe(false);
    expect(Object.hasOwn(base!.hits!, 'hidden')).toBe(true);
  });

  it('keeps an evidence record with a function its own (the author’s code is not compared)', () => {
    const from = (e: MdeEvent) => e.str('FileName');
    const withFn = () => ({ ...meta(0).evidence, image: { from, combine: 'distinct', label: 'Image' } });
    const a = validateDetector(detector(1, { evidence: withFn() })).evidence;
    const b = validateDetector(detector(2, { evidence: withFn() })).evidence;
    expect(a).not.toBe(b);
    expect(a!.image!.from).toBe(from);
  });

  it('compiles one evidence plan, one column set and one placeholder list for equal declarations', () => {
    const [r1, r2, r3] = runtimes([detector(1), detector(2), detector(3, { columns: ['ProcessId'] })]);
    expect(r1!.plan).toBe(r2!.plan);
    expect(r1!.keepColumns).toBe(r2!.keepColumns);
    expect(r1!.placeholders).toBe(r2!.placeholders);
    // Another column list: the same plan, another column set.
    expect(r3!.plan).toBe(r1!.plan);
    expect(r3!.keepColumns).not.toBe(r1!.keepColumns);
    expect([...r3!.keepColumns!]).toContain('ProcessId');
    expect([...r1!.keepColumns!]).toEqual([
      'Timestamp',
      'DeviceId',
      'DeviceName',
      'ActionType',
      'ReportId',
      'FileName',
      'InitiatingProcessFileName',
      'ProcessCommandLine',
    ]);
    expect(Object.isFrozen(r1!.plan.names)).toBe(true);
  });

  it('runs detectors with shared parts as it runs each alone', async () => {
    const rows = ['whoami.exe', 'cmd.exe', 'whoami.exe'].map((file, i) =>
      makeEvent('DeviceProcessEvents', {
        Timestamp: `2025-11-07T10:0${i}:00Z`,
        DeviceId: 'd1',
        DeviceName: 'host-1',
        ActionType: 'ProcessCreated',
        FileName: file,
        InitiatingProcessFileName: 'explorer.exe',
        ProcessCommandLine: `${file} /all`,
        ReportId: 10 + i,
      }),
    );
    const together = await analyzeEvents(rows, { detectors: [detector(1), detector(2)], generatedAt: 'x' });
    const alone = [];
    for (const d of [detector(1), detector(2)])
      alone.push((await analyzeEvents(rows, { detectors: [d], generatedAt: 'x' })).alerts[0]);
    const byId = [...together.alerts].sort((a, b) => (a.detectorId < b.detectorId ? -1 : 1));
    expect(byId).toEqual(alone);
    expect(byId.map((a) => [a.title, a.evidence.events.length])).toEqual([
      ['Rule 1 on host-1: whoami.exe', 2],
      ['Rule 2 on host-1: whoami.exe', 2],
    ]);
  });
});
