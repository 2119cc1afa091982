/**
 * Every SigmaHQ rule vendored in `@tripline/sigmahq` (inside the repository: no shared data needed) is
 * accounted for: exported, or refused with a code and a sentence; the refusal counts are pinned.
 */
import { loadSigmaHQ } from '@tripline/sigmahq';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkKql, subsetViolations } from '../../src/check/index.js';
import { exportSigma } from '../../src/emit/index.js';
import type { ExportedRule } from '../../src/ir.js';
import { KQL_REFUSALS } from '../../src/ir.js';

let exported: ExportedRule[];
let entries: ReturnType<typeof loadSigmaHQ>['report']['entries'];

beforeAll(() => {
  const set = loadSigmaHQ();
  entries = set.report.entries.filter((e) => e.kind !== 'filter');
  exported = exportSigma(set);
}, 120_000);

describe('exporting every vendored SigmaHQ rule', () => {
  it('gives one export per rule of the load report, in report order', () => {
    expect(exported.map((e) => e.source.file)).toEqual(entries.map((e) => e.source.file));
  });

  it('exports or refuses every loaded rule with a reason, and refuses every skipped one as not-loaded', () => {
    for (const [i, e] of exported.entries()) {
      const entry = entries[i]!;
      if (entry.status === 'skipped') {
        expect(e.ok, entry.source.file).toBe(false);
        expect(!e.ok && e.refusals.map((r) => r.code), entry.source.file).toEqual(['not-loaded']);
        continue;
      }
      if (e.ok) {
        expect(e.query.text.startsWith(`${entry.table}\n`), entry.source.file).toBe(true);
        expect(e.query.columns.slice(0, 4)).toEqual(['Timestamp', 'DeviceId', 'DeviceName', 'ReportId']);
      } else {
        expect(e.refusals.length).toBeGreaterThan(0);
        for (const r of e.refusals) {
          expect(KQL_REFUSALS).toContain(r.code);
          expect(r.code).not.toBe('not-loaded');
          expect(r.message.length).toBeGreaterThan(10);
        }
      }
    }
  });

  it('pins the counts: exported, refused per code, degraded warnings', () => {
    const counts: Record<string, number> = { exported: 0, degraded: 0 };
    for (const e of exported) {
      if (e.ok) {
        counts.exported!++;
        if (e.query.warnings.some((w) => w.code === 'degraded')) counts.degraded!++;
      } else for (const code of new Set(e.refusals.map((r) => r.code))) counts[code] = (counts[code] ?? 0) + 1;
    }
    expect(counts).toMatchInlineSnapshot(`
      {
        "degraded": 42,
        "exported": 1793,
        "not-loaded": 86,
      }
    `);
  });

  it('one query of each shape (table, route, rebuilt views) passes the language service and stays in KQL_SUBSET', () => {
    // Every query is checked by the parity suite (packages/kql/test/parity.shared.test.ts); here one per
    // distinct set of operator lines other than the predicate, so that a fresh clone checks every rebuild.
    const shapes = new Map<string, string>();
    for (const e of exported) {
      if (!e.ok) continue;
      const shape = e.query.text
        .split('\n')
        .filter((l) => !l.startsWith('| where (') && !l.startsWith('| where not') && !l.startsWith('| project'))
        .join('\n');
      if (!shapes.has(shape)) shapes.set(shape, e.source.id);
    }
    expect(shapes.size).toBeGreaterThan(20);
    const byId = new Map(exported.map((e) => [e.source.id, e]));
    const problems: string[] = [];
    for (const id of shapes.values()) {
      const e = byId.get(id)!;
      if (!e.ok) continue;
      for (const d of checkKql(e.query.text, { require: ['Timestamp', 'DeviceId', 'ReportId'] })) {
        problems.push(`${id}: ${d.code} ${d.message} at ${e.query.text.slice(d.start, d.start + d.length)}`);
      }
      for (const v of subsetViolations(e.query.text)) problems.push(`${id}: outside the subset: ${JSON.stringify(v)}`);
    }
    expect(problems).toEqual([]);
  }, 300_000);

  it('is deterministic', () => {
    const again = exportSigma(loadSigmaHQ());
    expect(again).toEqual(exported);
  });
});
