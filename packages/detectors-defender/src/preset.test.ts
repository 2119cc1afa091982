import { existsSync, readdirSync } from 'node:fs';
import { ATTACK_VERSION, isKnownTechnique, SEVERITIES } from '@tripline/core';
import { loadFixtures, validateDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { DEFENDER_DETECTOR_IDS, defenderDetectors } from './index.js';

/** The 13 ids of DETECTORS.md: stable forever. The Linux-threats detectors may add more. */
const CATALOG_IDS = [
  'defender/sysstat-collection',
  'defender/edr-inventory-script',
  'defender/edr-log4j-scan',
  'defender/search-index-segment-deletion',
  'defender/edr-agent-recon',
  'defender/exec-process-replacement',
  'defender/unknown-signature',
  'defender/root-cron-logon',
  'defender/anomalous-logged-on-user',
  'defender/unassigned-machine-group',
  'defender/exposed-unmanaged-device',
  'defender/device-type-mismatch',
  'defender/duplicate-adapter-address',
];

/** Mappings DETECTORS.md calls wrong (the reference report's mistakes): never again. */
const WRONG_MAPPINGS: Readonly<Record<string, readonly string[]>> = {
  'defender/sysstat-collection': ['T1070.003'],
  'defender/edr-inventory-script': ['T1518.001'],
  'defender/exec-process-replacement': ['T1055', 'T1036.003'],
  'defender/duplicate-adapter-address': ['T1016'],
};

const detectorsDir = new URL('./detectors/', import.meta.url);
// A detector folder is one with a detector.ts (a folder still being set up holds only fixtures/).
const folders = readdirSync(detectorsDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(new URL(`./${d.name}/detector.ts`, detectorsDir)))
  .map((d) => d.name)
  .sort();

describe('the Defender preset', () => {
  it('holds every catalog detector, ids unique and sorted', () => {
    const ids = defenderDetectors.map((d) => d.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of CATALOG_IDS) expect(ids).toContain(id);
    expect(ids).toEqual([...ids].sort());
    expect(DEFENDER_DETECTOR_IDS).toEqual(ids);
    expect(Object.isFrozen(defenderDetectors)).toBe(true);
  });

  it.each(defenderDetectors.map((d) => [d.meta.id, d] as const))('%s has valid, complete metadata', (id, detector) => {
    expect(() => validateDetector(detector)).not.toThrow();
    const m = detector.meta;
    expect(id.startsWith('defender/')).toBe(true);
    expect(SEVERITIES).toContain(m.severity);
    expect(m.summary.length).toBeGreaterThan(40);
    expect(m.rationale.length).toBeGreaterThan(40);
    expect(m.severityNotes?.length ?? 0).toBeGreaterThan(0);
    expect(m.mitreNotes?.length ?? 0).toBeGreaterThan(0);
    expect(m.references?.length ?? 0).toBeGreaterThan(0);
    expect(m.falsePositives?.length ?? 0).toBeGreaterThan(0);
    for (const url of m.references ?? []) expect(url).toMatch(/^https:\/\//);
  });

  it.each(defenderDetectors.map((d) => [d.meta.id, d] as const))(
    '%s maps only active ATT&CK techniques',
    (id, detector) => {
      for (const t of detector.meta.mitre) {
        // Core's table, generated from MITRE's data by scripts/gen-attack.mjs, holds the active techniques only.
        expect(
          isKnownTechnique(t),
          `${id}: ${t} is not an active technique of ATT&CK v${ATTACK_VERSION} (unknown, deprecated or revoked)`,
        ).toBe(true);
      }
      for (const wrong of WRONG_MAPPINGS[id] ?? [])
        expect(detector.meta.mitre, `${id} must not map ${wrong}`).not.toContain(wrong);
    },
  );

  it('every detector has a folder, and every detector folder has fires and ignores fixtures', () => {
    for (const d of defenderDetectors) expect(folders).toContain(d.meta.id.slice('defender/'.length));
    for (const folder of folders) {
      const { fires, ignores } = loadFixtures(new URL(`./${folder}/fixtures`, detectorsDir));
      expect(fires.length, `${folder}: fires fixtures`).toBeGreaterThan(0);
      expect(ignores.length, `${folder}: ignores fixtures`).toBeGreaterThan(0);
    }
  });
});
