import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, fromFile, loadRuleFile } from '@tripline/core';
import { describe, expect, it } from 'vitest';

// Shared-data suite: the datasets under ../shared/datasets beside the repository.
const DATASETS = fileURLToPath(new URL('../../../shared/datasets/', import.meta.url));
const OTRF = join(DATASETS, 'mde/otrf-goldensaml-m365d/Microsoft365DefenderEvents.jsonl');
const rule = loadRuleFile(fileURLToPath(new URL('./adfs-dkm-key-read.yaml', import.meta.url)));

/** Every data file of every dataset (SOURCE.md files aside). */
function datasetFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) return datasetFiles(full);
      return name.endsWith('.md') ? [] : [full];
    });
}

async function alertsOf(file: string) {
  const result = await analyze([fromFile(file)], { detectors: [rule.detector], generatedAt: '2000-01-01T00:00:00Z' });
  return result.alerts.filter((a) => a.detectorId === rule.rule.id);
}

describe('example/adfs-dkm-key-read on the shared datasets', () => {
  it('fires on the Golden SAML attack of the OTRF dataset: the two DKM key reads, one alert', async () => {
    const alerts = await alertsOf(OTRF);
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alert.severity).toBe('critical'); // powershell.exe read the key
    expect(alert.evidence.eventCount).toBe(2);
    expect(alert.evidence.keyComponents).toMatchObject({
      InitiatingProcessAccountUpn: ['wardog@simulandlabs.com'],
      InitiatingProcessFileName: ['powershell.exe'],
    });
    expect(alert.mitre.map((m) => m.id)).toEqual(['T1552.004', 'T1606.002']);
  });

  it('fires on nothing in any other shared dataset', async () => {
    const others = datasetFiles(DATASETS).filter((f) => f !== OTRF);
    expect(others.length).toBeGreaterThan(0);
    for (const file of others) expect(await alertsOf(file), file).toEqual([]);
  });
});
