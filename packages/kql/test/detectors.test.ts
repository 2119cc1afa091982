/**
 * The Defender pack's declared queries (`meta.kql`): each passes the language service with 0 diagnostics
 * and returns the identity columns, stays in KQL_SUBSET, and, run by the interpreter over each fixture
 * of its detector, returns rows for every fixture whose detector alerts and none for a fixture that must
 * not alert (the detectors whose query says otherwise in its notes are listed below).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnyDetector, MdeEvent } from '@tripline/core';
import { eventFromRecord, loadFixtures } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { defenderDetectors } from '../../detectors-defender/src/index.js';
import { checkKql, runKql, subsetViolations } from '../src/index.js';

const detectorsDir = fileURLToPath(new URL('../../detectors-defender/src/detectors', import.meta.url));
const IDENTITY = ['Timestamp', 'DeviceId', 'DeviceName', 'ReportId'];

const declared = (defenderDetectors as readonly AnyDetector[]).flatMap((d) => {
  const kql = d.meta.kql;
  return kql && 'query' in kql ? [{ id: d.meta.id, query: kql.query, notes: kql.notes }] : [];
});

function fixtureEvents(id: string) {
  const dir = join(detectorsDir, id.replace(/^defender\//, ''), 'fixtures');
  const { fires, ignores } = loadFixtures(dir);
  const events = (f: (typeof fires)[number]): MdeEvent[] =>
    f.records.map((r, i) => eventFromRecord(r, `${f.name}#${i + 1}`));
  return {
    fires: fires.map((f) => ({ name: f.name, events: events(f) })),
    ignores: ignores.map((f) => ({ name: f.name, events: events(f) })),
  };
}

/** `now()` just after a fixture's last event, so that a lookback in the query keeps its rows. */
function nowAfter(events: readonly MdeEvent[]): string {
  const last = Math.max(...events.map((e) => e.time));
  return new Date(last + 60_000).toISOString();
}

describe('Defender detectors with a declared query', () => {
  it('the pack declares queries', () => {
    expect(declared.length).toBeGreaterThanOrEqual(5);
  });

  it.each(declared.map((d) => [d.id, d] as const))('%s: 0 diagnostics, identity columns, in the subset', (_, d) => {
    expect(checkKql(d.query, { require: IDENTITY })).toEqual([]);
    expect(subsetViolations(d.query)).toEqual([]);
  });

  it.each(declared.map((d) => [d.id, d] as const))('%s: rows for each fires fixture, none for ignores', (_, d) => {
    const { fires, ignores } = fixtureEvents(d.id);
    expect(fires.length).toBeGreaterThan(0);
    expect(ignores.length).toBeGreaterThan(0);
    const silent = fires
      .filter((f) => runKql(d.query, f.events, { now: nowAfter(f.events) }).rows.length === 0)
      .map((f) => f.name);
    const noisy = ignores
      .filter((f) => runKql(d.query, f.events, { now: nowAfter(f.events) }).rows.length > 0)
      .map((f) => f.name);
    expect({ silent, noisy }).toEqual({ silent: [], noisy: [] });
  });
});
