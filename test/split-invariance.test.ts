import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnalysisResult, DetectorOrFamily, MdeEvent, StateStore } from '@tripline/core';
import { createAnalyzer, memoryStateStore } from '@tripline/core';
import { isRowProblem, normalizeRow } from '@tripline/core/unstable';
import { defenderDetectors } from '@tripline/detectors-defender';
import { compileSigma } from '@tripline/sigma';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateLines } from '../bench/generate.mjs';
import { engineStateWrite } from '../packages/core/src/internal/state/engine-state.js';

/**
 * Split invariance: a stream read in batches — each batch through a fresh analyzer that loads the
 * stream's state from one store and saves it after the batch — gives the alerts of one run over the
 * whole stream, byte for byte (ids, counts, first and last seen, severity, evidence, messages). For
 * every detector of the Defender pack (windows, `onDevice` and `correlate` included) and a Sigma rule
 * set with a correlation.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GENERATED_AT = '2026-01-01T00:00:00.000Z';

/** Storage-account records (`{ category, properties }`) as events, each with its own source and line. */
function eventsOf(records: readonly unknown[], source: string): MdeEvent[] {
  const out: MdeEvent[] = [];
  records.forEach((r, i) => {
    const rec = r as { category: string; properties: Record<string, unknown> };
    const table = rec.category.replace(/^AdvancedHunting-/, '') as MdeEvent['table'];
    const ref = { source, line: i + 1 };
    const e = normalizeRow(rec.properties, table, ref);
    if (isRowProblem(e)) throw new Error(`${source}:${i + 1}: ${e.reason}`);
    ROWS.set(e, { row: rec.properties, table, ref });
    out.push(e);
  });
  return out;
}

/** The row each pool event was read from. */
const ROWS = new WeakMap<
  MdeEvent,
  { row: Record<string, unknown>; table: MdeEvent['table']; ref: { source: string; line: number } }
>();

/**
 * The event of one occurrence of a pool row, as reading it gives: its own object (a row repeated in a
 * stream is read twice, into two events).
 */
function occurrence(e: MdeEvent): MdeEvent {
  const { row, table, ref } = ROWS.get(e)!;
  return normalizeRow(row, table, ref) as MdeEvent;
}

function ndjson(path: string): unknown[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

/** Every fixture of the Defender pack (`fires.*` and `ignores.*`), one event list per fixture. */
function defenderFixtures(): MdeEvent[][] {
  const dir = join(ROOT, 'packages/detectors-defender/src/detectors');
  const out: MdeEvent[][] = [];
  for (const d of readdirSync(dir).sort()) {
    const fx = join(dir, d, 'fixtures');
    for (const f of readdirSync(fx).sort()) {
      if (!f.endsWith('.json')) continue;
      const doc = JSON.parse(readFileSync(join(fx, f), 'utf8')) as { records: unknown[] };
      out.push(eventsOf(doc.records, `${d}/${f}`));
    }
  }
  return out;
}

/** The pool streams are drawn from: realistic rows in runs that belong together (a fixture, an attack). */
function pool(): MdeEvent[][] {
  const runs = defenderFixtures();
  const attack = eventsOf(ndjson(join(ROOT, 'examples/attack-webserver/events.ndjson')), 'attack-webserver');
  // The attack in slices of 40 rows: a stream draws a few, so windows (brute force) fill across batches.
  for (let i = 0; i < attack.length; i += 40) runs.push(attack.slice(i, i + 40));
  runs.push(eventsOf(ndjson(join(ROOT, 'examples/wazuh1/events.ndjson')), 'wazuh1'));
  const generated = [...generateLines({ rows: 120, seed: 7, devices: 6 })].map((l) => JSON.parse(l));
  for (let i = 0; i < generated.length; i += 30) runs.push(eventsOf(generated.slice(i, i + 30), `generated-${i}`));
  runs.push(eventsOf(ndjson(join(ROOT, 'examples/sigma/events.ndjson')), 'sigma'));
  return runs;
}

/** What must not change with the split: the alerts (and the summary, devices and findings built from them). */
function outcome(r: AnalysisResult): string {
  return JSON.stringify({ alerts: r.alerts, findings: r.findings, summary: r.summary, devices: r.devices });
}

async function once(detectors: readonly DetectorOrFamily[], events: readonly MdeEvent[]): Promise<AnalysisResult> {
  const a = createAnalyzer({ detectors, generatedAt: GENERATED_AT });
  for (const e of events) a.pushEvent(e);
  return a.finish();
}

async function inBatches(
  detectors: readonly DetectorOrFamily[],
  batches: readonly (readonly MdeEvent[])[],
  store: StateStore,
): Promise<AnalysisResult> {
  let last: AnalysisResult | undefined;
  for (const batch of batches) {
    const a = createAnalyzer({ detectors, generatedAt: GENERATED_AT, state: { store } });
    await a.ready();
    for (const e of batch) a.pushEvent(e);
    last = a.finish();
    await store.write(engineStateWrite(a));
  }
  return last!;
}

/** Cut `events` at the given fractions (1–8 batches; empty batches allowed). */
function cut<T>(events: readonly T[], fractions: readonly number[]): T[][] {
  const points = fractions.map((f) => Math.floor(f * (events.length + 1))).sort((a, b) => a - b);
  const out: T[][] = [];
  let from = 0;
  for (const p of points) {
    out.push(events.slice(from, p));
    from = p;
  }
  out.push(events.slice(from));
  return out;
}

/** A stream: a few runs of the pool, some rows repeated (the repeat right after, or a little later), cut points and overlaps. */
function streamArb(runs: readonly MdeEvent[][]) {
  return fc
    .record({
      picks: fc.array(fc.nat(runs.length - 1), { minLength: 1, maxLength: 6 }),
      repeats: fc.array(fc.tuple(fc.nat(), fc.nat(3)), { maxLength: 4 }),
      fractions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 7 }),
      overlaps: fc.array(fc.nat(3), { minLength: 7, maxLength: 7 }),
    })
    .map(({ picks, repeats, fractions, overlaps }) => {
      const events = picks.flatMap((i) => runs[i]!);
      for (const [at, gap] of repeats) {
        if (events.length === 0) break;
        const i = at % events.length;
        events.splice(Math.min(events.length, i + 1 + gap), 0, events[i]!);
      }
      return { events, fractions, overlaps };
    });
}

/** True when some row of the stream is repeated in a later batch than its first occurrence. */
function repeatCrossesBoundary(batches: readonly (readonly MdeEvent[])[]): boolean {
  const first = new Map<MdeEvent, number>();
  for (let b = 0; b < batches.length; b++) {
    for (const e of batches[b]!) {
      const seen = first.get(e);
      if (seen === undefined) first.set(e, b);
      else if (seen < b) return true;
    }
  }
  return false;
}

async function checkSplits(detectors: readonly DetectorOrFamily[], runs: readonly MdeEvent[][], numRuns: number) {
  const fired = new Set<string>();
  let crossing = 0;
  let multi = 0;
  await fc.assert(
    fc.asyncProperty(streamArb(runs), async ({ events, fractions, overlaps }) => {
      // Exports that overlap: a batch may begin with the last rows of the one before.
      const batches = cut(events, fractions).map((batch, b, all) =>
        b === 0 ? batch : [...all[b - 1]!.slice(all[b - 1]!.length - (overlaps[b - 1] ?? 0)), ...batch],
      );
      const single = await once(detectors, batches.flat().map(occurrence));
      const store = memoryStateStore();
      await store.open();
      const split = await inBatches(
        detectors,
        batches.map((b) => b.map(occurrence)),
        store,
      );
      for (const a of single.alerts) fired.add(a.detectorId);
      if (batches.length > 1) multi++;
      if (repeatCrossesBoundary(batches)) crossing++;
      expect(outcome(split)).toBe(outcome(single));
    }),
    { numRuns, seed: 20261206 },
  );
  return { fired, crossing, multi };
}

const runs = pool();

describe('split invariance', () => {
  it('the Defender pack: any split into 1–8 batches gives the alerts of one run', async () => {
    const { fired, crossing, multi } = await checkSplits(defenderDetectors, runs, 1000);
    // Most cases cut the stream, and dozens repeat a row in a later batch than its first (53 with this seed).
    expect(multi).toBeGreaterThan(800);
    expect(crossing).toBeGreaterThan(40);
    // Every detector of the pack raised alerts in some case: each was checked, not just loaded.
    expect([...fired].sort()).toEqual(defenderDetectors.map((d) => d.meta.id).sort());
  }, 600_000);
});

/** A Sigma rule for Linux shells, a correlation counting them, and the Sigma example's two Windows rules. */
function sigmaDetectors(): readonly DetectorOrFamily[] {
  const shells = `title: Linux Shell Started
id: 6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f
status: experimental
description: A shell process starts on a Linux host.
author: tripline tests
date: 2026-12-06
tags:
  - attack.execution
  - attack.t1059.004
logsource:
  product: linux
  category: process_creation
detection:
  selection:
    Image|endswith:
      - '/bash'
      - '/sh'
      - '/dash'
  condition: selection
level: low
`;
  const burst = `title: Burst of Linux Shells
id: 7d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a
status: experimental
correlation:
  type: event_count
  rules:
    - 6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f
  group-by:
    - DeviceName
  timespan: 10m
  condition:
    gte: 4
level: medium
`;
  const dir = join(ROOT, 'examples/sigma/rules');
  const sources = [
    { text: shells, name: 'shells.yml' },
    { text: burst, name: 'burst.yml' },
    ...readdirSync(dir)
      .sort()
      .map((f) => ({ text: readFileSync(join(dir, f), 'utf8'), name: f })),
  ];
  const set = compileSigma(sources);
  expect(set.report.rules.skipped).toBe(0);
  expect(set.report.correlations.loaded).toBe(1);
  return set.detectors;
}

describe('split invariance of Sigma rules', () => {
  it('rules and a correlation: any split gives the alerts of one run', async () => {
    const detectors = sigmaDetectors();
    const { fired, crossing } = await checkSplits(detectors, runs, 1000);
    expect(crossing).toBeGreaterThan(40);
    // The shell rule is used only by the correlation, so it raises no alerts of its own.
    expect([...fired].sort()).toEqual([
      'sigma/0d7a3c91-6e2f-4b85-a1c4-93f0e5d2b7a8',
      'sigma/5b0c2f7e-8a41-4d3b-9f6e-1c2d3e4f5a6b',
      'sigma/7d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a',
    ]);
  }, 600_000);
});
