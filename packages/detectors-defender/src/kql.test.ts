import { describe, expect, it } from 'vitest';
import { defenderDetectors } from './index.js';

/** The names of a query's final `project` (the pack's queries all end with one). */
function projected(query: string): string[] {
  const last = query.split('\n').at(-1) ?? '';
  const list = /^\| project (.*)$/.exec(last)?.[1] ?? '';
  return list.split(',').map((c) => c.trim().split(/\s*=\s*/)[0] ?? '');
}

describe('meta.kql of the Defender pack', () => {
  it('is declared by every detector: a query, or why none can mean what the detector means', () => {
    for (const d of defenderDetectors) {
      const kql = d.meta.kql;
      expect(kql, d.meta.id).toBeDefined();
      if (kql && 'unsupported' in kql) expect(kql.unsupported.length, d.meta.id).toBeGreaterThan(80);
    }
  });

  it('has queries over the detector’s own tables that return Timestamp, DeviceId, DeviceName and ReportId', () => {
    const withQuery = defenderDetectors.filter((d) => d.meta.kql !== undefined && 'query' in d.meta.kql);
    expect(withQuery.map((d) => d.meta.id)).toEqual([
      'defender/logon-brute-force',
      'defender/public-remote-logon',
      'defender/root-cron-logon',
      'defender/unassigned-machine-group',
      'defender/unknown-signature',
    ]);
    for (const d of withQuery) {
      const kql = d.meta.kql as { query: string; windowMs?: number; notes?: string };
      expect(projected(kql.query).slice(0, 4), d.meta.id).toEqual(['Timestamp', 'DeviceId', 'DeviceName', 'ReportId']);
      const first = kql.query.split('\n')[0] ?? '';
      for (const table of d.meta.tables) expect(first, d.meta.id).toContain(table);
      // A query that aggregates says over which window and how its buckets differ.
      if (/\| summarize /.test(kql.query)) {
        expect(kql.windowMs, d.meta.id).toBeGreaterThan(0);
        expect(kql.notes, d.meta.id).toMatch(/fixed/);
      }
    }
  });
});
