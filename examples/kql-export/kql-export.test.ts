import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
const HERE = fileURLToPath(new URL('.', import.meta.url));
// The built command line, as `npx tripline` finds it (npm run build first).
const require = createRequire(import.meta.url);
const CLI = join(
  dirname(require.resolve('tripline/package.json')),
  (require('tripline/package.json') as { bin: { tripline: string } }).bin.tripline,
);
const SCRIPTS = (JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;

const SIGMA = ['sigma-0d7a3c91-6e2f-4b85-a1c4-93f0e5d2b7a8', 'sigma-5b0c2f7e-8a41-4d3b-9f6e-1c2d3e4f5a6b'];
const DEFENDER = [
  'defender-logon-brute-force',
  'defender-public-remote-logon',
  'defender-root-cron-logon',
  'defender-unassigned-machine-group',
  'defender-unknown-signature',
];

describe('examples/kql-export', () => {
  let out: string;
  const stdout: Record<string, string> = {};
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'tripline-kql-export-'));
    // Each npm script of the example, run from the example's folder with the output redirected.
    for (const name of ['export:hunting', 'export:custom-detection', 'export:sentinel']) {
      const args = (SCRIPTS[name] ?? '').split(' ').slice(1);
      expect(args.slice(0, 2)).toEqual(['export', 'kql']);
      args[args.indexOf('--output') + 1] = out;
      stdout[name] = (await run(process.execPath, [CLI, ...args], { cwd: HERE })).stdout;
    }
  }, 180_000);
  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  it('exports the two Sigma rules and the five Defender detectors that declare a query, for each target', () => {
    for (const [folder, ext] of [
      ['advanced-hunting', 'kql'],
      ['custom-detection', 'json'],
      ['sentinel', 'yaml'],
    ] as const)
      expect(readdirSync(join(out, folder)).sort()).toEqual([...DEFENDER, ...SIGMA].map((n) => `${n}.${ext}`).sort());
    expect(stdout['export:sentinel']?.trimEnd().split('\n').at(-1)).toMatch(
      /^7 of 20 rules and detectors exported to .*sentinel; 13 refused \(detector-no-query 13\)$/,
    );
  });

  it('writes what each product reads', () => {
    const hunting = readFileSync(join(out, 'advanced-hunting', `${SIGMA[0]}.kql`), 'utf8');
    expect(hunting).toMatch(/^\/\/ Office Application Starts a Command Shell\n/);
    expect(hunting).toContain('// licence: Sigma rule by tripline examples, Detection Rule License 1.1\n');
    const body = JSON.parse(readFileSync(join(out, 'custom-detection', `${SIGMA[1]}.json`), 'utf8'));
    expect(Object.keys(body)).toEqual(['displayName', 'isEnabled', 'queryCondition', 'schedule', 'detectionAction']);
    expect(body.detectionAction.alertTemplate.impactedAssets[0].identifier).toBe('deviceId');
    const rule = parse(readFileSync(join(out, 'sentinel', `${SIGMA[0]}.yaml`), 'utf8'));
    expect([rule.kind, rule.severity, rule.tactics, rule.relevantTechniques]).toEqual([
      'Scheduled',
      'High',
      ['Execution'],
      ['T1204.002'],
    ]);
    expect(rule.requiredDataConnectors).toEqual([
      { connectorId: 'MicrosoftThreatProtection', dataTypes: ['DeviceProcessEvents'] },
    ]);
  });
});
