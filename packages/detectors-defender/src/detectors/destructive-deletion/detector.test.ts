import { loadFixtures, runFixture, testDetector } from '@tripline/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_ROOTS, dataRoot, detector } from './detector.js';

describe('defender/destructive-deletion', () => {
  const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));
  const byName = (n: string) => [...fixtures.fires, ...fixtures.ignores].find((f) => f.name === n)!;

  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('groups by the longest data root', () => {
    expect(dataRoot('/var/lib/wazuh-indexer/nodes/0/indices/x/0/index/_a.doc')).toBe('/var/lib/wazuh-indexer');
    expect(dataRoot('/var/lib/docker/volumes/db/_data/base/1')).toBe('/var/lib/docker/volumes');
    expect(dataRoot('/var/lib/mysqlfoo/x')).toBeUndefined();
    expect(dataRoot('/opt/app/data/x', ['/opt/app/data'])).toBe('/opt/app/data');
  });

  it('finds the root the plain definition finds (longest `${root}/` prefix, first of equals), for any path and extra roots', () => {
    const plain = (path: string, extra: readonly string[]): string | undefined => {
      let best: string | undefined;
      for (const root of [...DEFAULT_DATA_ROOTS, ...extra]) {
        const r = root.endsWith('/') ? root.slice(0, -1) : root;
        if (path.startsWith(`${r}/`) && (best === undefined || r.length > best.length)) best = r;
      }
      return best;
    };
    const part = fc.constantFrom(
      ...DEFAULT_DATA_ROOTS,
      '/',
      '/srv',
      '/srv/',
      '/opt/a',
      '/opt/a/b',
      '',
      'x',
      '/x/',
      'é',
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 4 }), fc.array(part, { maxLength: 3 }), (pieces, extra) => {
        const path = pieces.join('');
        expect(dataRoot(path, extra)).toBe(plain(path, extra));
        expect(dataRoot(path)).toBe(plain(path, []));
      }),
      { numRuns: 2000, seed: 20261206 },
    );
  });

  it('honours a lower threshold and extra roots from options', async () => {
    const few = byName('ignores.few-deletions.json');
    const result = await runFixture(detector, few, {
      detectors: { 'defender/destructive-deletion': { options: { threshold: 3 } } },
    });
    expect(result.alerts.map((a) => [a.key, a.severity])).toEqual([['/srv', 'high']]);
  });

  it('shows a capped sample of paths with the full count', async () => {
    const result = await runFixture(detector, byName('fires.rm-rf-indexer.json'));
    const kc = result.alerts[0]!.evidence.keyComponents;
    expect(kc['Sample Paths']).toHaveLength(10);
    expect(kc['Command Lines']).toEqual(['rm -rf /var/lib/wazuh-indexer/nodes/0/indices']);
    expect(result.alerts[0]!.mitre.map((m) => m.id)).toEqual(['T1485']);
  });
});
