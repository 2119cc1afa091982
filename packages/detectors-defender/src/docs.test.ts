import { existsSync, readFileSync } from 'node:fs';
import { loadFixtures } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detectorDocFileName, renderDetectorIndex, renderDetectorPage } from './docs.js';
import { defenderDetectors, rootCronLogon } from './index.js';

const docsDir = new URL('../../../docs/detectors/', import.meta.url);
const detectorsDir = new URL('./detectors/', import.meta.url);
const STALE = 'docs/detectors is stale: run node scripts/gen-detector-docs.mjs';

function fixturesOf(id: string) {
  const dir = new URL(`./${id.slice(id.indexOf('/') + 1)}/fixtures/`, detectorsDir);
  return existsSync(dir) ? loadFixtures(dir) : { fires: [], ignores: [] };
}

function committed(file: string): string | undefined {
  const url = new URL(file, docsDir);
  return existsSync(url) ? readFileSync(url, 'utf8') : undefined;
}

describe('generated detector docs', () => {
  it.each(defenderDetectors.map((d) => [d.meta.id, d] as const))('the page of %s is up to date', (id, detector) => {
    const page = renderDetectorPage(detector, fixturesOf(id));
    expect(committed(detectorDocFileName(id)), STALE).toBe(page);
  });

  it('the index is up to date', () => {
    expect(committed('README.md'), STALE).toBe(renderDetectorIndex(defenderDetectors));
  });

  it('renders deterministically, with every section a reader needs', () => {
    const fixtures = fixturesOf(rootCronLogon.meta.id);
    const page = renderDetectorPage(rootCronLogon, fixtures);
    expect(renderDetectorPage(rootCronLogon, fixtures)).toBe(page);
    for (const heading of [
      '## What it detects',
      '## Why it matters',
      '## Severity',
      '## MITRE ATT&CK',
      '## Input',
      '## Options',
      '## False positives',
      '## References',
      '## Examples',
    ]) {
      expect(page).toContain(heading);
    }
    expect(page).toContain('### Fires: `fires.cron-every-5-minutes`');
    expect(page).toContain('### Does not fire: `ignores.sshd-root-logon`');
    expect(page).toContain('InitiatingProcessCommandLine `/usr/sbin/cron -f -P`');
  });

  it('lists the declared evidence and the columns evidence rows keep', () => {
    const page = renderDetectorPage(rootCronLogon, fixturesOf(rootCronLogon.meta.id));
    expect(page).toContain('## Evidence');
    expect(page).toContain(
      '| `commandLines` | InitiatingProcessCommandLine | column `InitiatingProcessCommandLine` | distinct (up to 200) |',
    );
    expect(page).toContain('| `uid` | PosixUserId | supplied by the match | first |');
    expect(page).toContain('| `terminals` | Terminal | computed from the row | distinct (up to 200) |');
    expect(page).toMatch(/Evidence rows keep `Timestamp`, `DeviceId`, .*`InitiatingProcessFolderPath`/);
  });

  it('links techniques with their names and documents options', () => {
    const identity = defenderDetectors.find((d) => d.meta.id === 'defender/anomalous-logged-on-user')!;
    const page = renderDetectorPage(identity, { fires: [], ignores: [] });
    expect(page).toContain('| [T1078](https://attack.mitre.org/techniques/T1078/) | Valid Accounts |');
    expect(page).toContain('| `extraGenericNames` | string[] | `[]` |');
    expect(page).toContain('No fixtures.');
  });

  it('keeps hostile fixture text inside code spans', () => {
    const page = renderDetectorPage(rootCronLogon, {
      fires: [
        {
          name: 'fires.x.json',
          description: 'x',
          records: [
            {
              category: 'AdvancedHunting-DeviceLogonEvents',
              properties: { AccountName: 'a`b\n# heading', Timestamp: 't' },
            },
          ],
        },
      ],
      ignores: [],
    });
    expect(page).toContain('AccountName ``a`b↵# heading``'); // the Markdown reporter's visible line break
    expect(page).not.toMatch(/^# heading/m);
  });
});
