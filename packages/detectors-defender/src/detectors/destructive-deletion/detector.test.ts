import { loadFixtures, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { dataRoot, detector } from './detector.js';

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
