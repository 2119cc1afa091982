/**
 * The Defender pack's declared queries (`meta.kql.query`) mean what the detectors mean: run by the
 * subset interpreter over each detector's fixtures, a row-by-row query returns exactly the events
 * `match` matches, and a windowed query returns a row for exactly the (device, subject) pairs the
 * detector alerts on — every query passes the language service and stays in the exported subset.
 */
import { fileURLToPath } from 'node:url';
import type { AnyDetector, MdeEvent } from '@tripline/core';
import { eventFromRecord, loadFixtures, runFixture } from '@tripline/core/testing';
import { defenderDetectors } from '@tripline/detectors-defender';
import { describe, expect, it } from 'vitest';
import { exportDetector } from '../../src/artefacts/detector.js';
import { checkKql, runKql, subsetViolations } from '../../src/index.js';

const FIXTURES = (id: string) =>
  fileURLToPath(
    new URL(`../../../detectors-defender/src/detectors/${id.replace('defender/', '')}/fixtures/`, import.meta.url),
  );

const withQuery = defenderDetectors.filter((d) => d.meta.kql !== undefined && 'query' in d.meta.kql);

/** The events `match` matches, routed as the engine routes them (tables, ActionTypes). */
function matched(detector: AnyDetector, events: readonly MdeEvent[]): MdeEvent[] {
  const { tables, actionTypes } = detector.meta;
  return events.filter(
    (e) =>
      tables.includes(e.table) &&
      (actionTypes === undefined || actionTypes.includes(e.actionType ?? '')) &&
      detector.match?.(e, {} as never) !== undefined,
  );
}

const key = (e: MdeEvent) => `${e.deviceId} ${e.reportId} ${e.timestamp}`;

describe('the Defender pack’s KQL', () => {
  it.each(withQuery.map((d) => [d.meta.id, d] as const))('%s passes the checker', (_id, detector) => {
    const rule = exportDetector(detector);
    expect(rule.ok).toBe(true);
    if (!rule.ok) return;
    expect(checkKql(rule.query.text, { require: ['Timestamp', 'DeviceId', 'ReportId'] })).toEqual([]);
    expect(subsetViolations(rule.query.text)).toEqual([]);
  });

  it.each(withQuery.map((d) => [d.meta.id, d] as const))(
    '%s finds on its fixtures what the detector finds',
    async (id, detector) => {
      const rule = exportDetector(detector);
      if (!rule.ok) throw new Error('not exported');
      const { fires, ignores } = loadFixtures(FIXTURES(id));
      expect(fires.length).toBeGreaterThan(0);
      for (const fixture of [...fires, ...ignores]) {
        const events = fixture.records.map((r, i) => eventFromRecord(r, `${fixture.name}#${i + 1}`));
        const result = runKql(rule.query.text, events);
        if (rule.query.windowMs === undefined) {
          const local = matched(detector, events).map(key).sort();
          if (fixture.name.startsWith('fires.')) expect(local.length, fixture.name).toBeGreaterThan(0);
          const kql = result.rows.flatMap((row) => row.events.map(key)).sort();
          expect(kql, fixture.name).toEqual(local);
        } else {
          // Windows: the query alerts on the devices the detector alerts on.
          const alerts = (await runFixture(detector, fixture)).alerts;
          const devices = [...new Set(alerts.map((a) => a.device.id))].sort();
          if (fixture.name.startsWith('fires.')) expect(devices.length, fixture.name).toBeGreaterThan(0);
          const rows = [...new Set(result.rows.map((r) => String(r.values.DeviceId)))].sort();
          expect(rows, fixture.name).toEqual(devices);
        }
      }
    },
  );
});
