import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type AnalysisResult, analyze, fromFile, fromString } from '@tripline/core';
import { loadFixtures, validateDetector } from '@tripline/core/testing';
import { defenderDetectors } from '@tripline/detectors-defender';
import { beforeAll, describe, expect, it } from 'vitest';
import { acmeDetectors } from './index.js';

const WAZUH1 = fileURLToPath(new URL('../../wazuh1/events.ndjson', import.meta.url));
const byDetector = (r: AnalysisResult, prefix: string) => r.alerts.filter((a) => a.detectorId.startsWith(prefix));

/** The records of every `fires.*` fixture of the pack, as one NDJSON export (what a storage blob holds). */
function attackExport(): string {
  const lines: string[] = [];
  for (const name of ['download-to-dev-shm', 'ssh-key-by-service-account']) {
    const { fires } = loadFixtures(new URL(`./detectors/${name}/fixtures`, import.meta.url));
    for (const f of fires) for (const r of f.records) lines.push(JSON.stringify(r));
  }
  return `${lines.join('\r\n')}\r\n`;
}

describe('@acme/tripline-detectors with the Defender preset', () => {
  it('is a valid pack: metadata checked, ids under acme/, sorted and unique', () => {
    for (const d of acmeDetectors) validateDetector(d);
    const ids = acmeDetectors.map((d) => d.meta.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids.every((id) => id.startsWith('acme/'))).toBe(true);
    const defenderIds = new Set(defenderDetectors.map((d) => d.meta.id));
    expect(ids.filter((id) => defenderIds.has(id))).toEqual([]);
  });

  let preset: AnalysisResult;
  let both: AnalysisResult;
  beforeAll(async () => {
    preset = await analyze(fromFile(WAZUH1), { detectors: defenderDetectors, generatedAt: '2025-11-14T12:00:00.000Z' });
    both = await analyze([fromFile(WAZUH1), fromString(attackExport(), 'app02-PT1H.json')], {
      detectors: [...defenderDetectors, ...acmeDetectors],
      generatedAt: '2025-11-14T12:00:00.000Z',
    });
  });

  it('adds no alert on the benign wazuh1 host and changes none of the preset', async () => {
    const withAcme = await analyze(fromFile(WAZUH1), {
      detectors: [...defenderDetectors, ...acmeDetectors],
      generatedAt: '2025-11-14T12:00:00.000Z',
    });
    expect(byDetector(withAcme, 'acme/')).toEqual([]);
    expect(withAcme.alerts).toEqual(preset.alerts);
    expect(withAcme.detectors.map((d) => d.id)).toEqual(
      [...preset.detectors.map((d) => d.id), 'acme/download-to-dev-shm', 'acme/ssh-key-by-service-account'].sort(),
    );
  });

  it('runs next to the preset over two inputs: the acme alerts come out with the Defender ones', () => {
    expect(both.summary.eventsRejected).toBe(0);
    expect(both.summary.devices).toBe(2);
    const acme = byDetector(both, 'acme/').map((a) => [a.detectorId, a.severity, a.key]);
    expect(acme).toEqual([
      ['acme/download-to-dev-shm', 'high', '/dev/shm/.k'],
      ['acme/ssh-key-by-service-account', 'high', '/var/www/.ssh/authorized_keys'],
      ['acme/download-to-dev-shm', 'medium', '/dev/shm/xmr.tar.gz'],
    ]);
    // Every preset alert of the benign host is still there, unchanged.
    for (const alert of preset.alerts) expect(both.alerts).toContainEqual(alert);
    // The rest are the preset's own findings on the attacked host (app02).
    const others = both.alerts.filter(
      (a) => !a.detectorId.startsWith('acme/') && !preset.alerts.some((p) => p.id === a.id),
    );
    expect(others.every((a) => a.device.name === 'app02.fabrikam-hosting.net')).toBe(true);
    expect(both.alerts).toHaveLength(preset.alerts.length + 3 + others.length);
    // Severity order holds across packs.
    const ranks = both.alerts.map((a) => ['informational', 'low', 'medium', 'high', 'critical'].indexOf(a.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
  });

  it('fixture files are streaming-API records exactly as an export holds them', () => {
    const text = readFileSync(
      new URL('./detectors/download-to-dev-shm/fixtures/fires.wget-dropper-run.json', import.meta.url),
      'utf8',
    );
    const record = JSON.parse(text).records[0];
    expect(Object.keys(record)).toEqual(['time', 'tenantId', 'operationName', 'category', 'properties', 'Tenant']);
    expect(record.category).toBe('AdvancedHunting-DeviceProcessEvents');
  });
});
