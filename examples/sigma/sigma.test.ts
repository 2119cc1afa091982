import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
// make-events.mjs is plain ESM (no type declarations): build() gives the rows the file holds.
import { build } from './make-events.mjs';

const run = promisify(execFile);
const HERE = fileURLToPath(new URL('.', import.meta.url));
// The built command line, as `npx tripline` finds it (npm run build first).
const require = createRequire(import.meta.url);
const CLI = join(
  dirname(require.resolve('tripline/package.json')),
  (require('tripline/package.json') as { bin: { tripline: string } }).bin.tripline,
);

interface Alert {
  detectorId: string;
  title: string;
  severity: string;
  description: string;
  evidence: { events: { reportId: string }[] };
}

/** Every alert the example raises: detector id → severity and title. */
const EXPECTED: Record<string, [severity: string, title: string]> = {
  // The two rules of rules/ (written for this example).
  'sigma/0d7a3c91-6e2f-4b85-a1c4-93f0e5d2b7a8': ['high', 'Office Application Starts a Command Shell'],
  'sigma/5b0c2f7e-8a41-4d3b-9f6e-1c2d3e4f5a6b': ['high', 'Run Key Value Pointing Into a User Temp Folder'],
  // SigmaHQ's.
  'sigma/438025f9-5856-4663-83f7-52f878a70a50': ['high', 'Suspicious Microsoft Office Child Process'],
  'sigma/13e6fe51-d478-4c7e-b0f2-6da9b400a829': ['high', 'Suspicious File Downloaded From Direct IP Via Certutil.EXE'],
  'sigma/02ee49e2-e294-4d0f-9278-f5b3212fc588': ['high', 'New RUN Key Pointing to Suspicious Folder'],
  'sigma/c947b146-0abc-4c87-9c64-b17e9d7274a2': ['high', 'Shadow Copies Deletion Using Operating Systems Utilities'],
  'sigma/8e0bb260-d4b2-4fff-bb8d-3f82118e6892': ['medium', 'Potentially Suspicious CMD Shell Output Redirect'],
  'sigma/c30fb093-1109-4dc8-88a8-b30d11c95a5d': ['medium', 'Whoami.EXE Execution With Output Option'],
  'sigma/c248c896-e412-4279-8c15-1c558067b6fa': ['medium', 'Enumerate All Information With Whoami.EXE'],
  'sigma/19b08b1c-861d-4e75-a1ef-ea0c1baf202b': ['medium', 'Suspicious Download Via Certutil.EXE'],
  'sigma/d4ca7c59-e9e4-42d8-bf57-91a776efcb87': ['medium', 'LOLBIN Execution From Abnormal Drive'],
  'sigma/20f0ee37-5942-4e45-b7d5-c5b5db9df5cd': ['medium', 'CurrentVersion Autorun Keys Modification'],
  'sigma/502b42de-4306-40b4-9596-6f590c81f073': ['low', 'Local Accounts Discovery'],
};

describe('examples/sigma', () => {
  let alerts: Alert[];
  let stderr: string;
  beforeAll(async () => {
    // From the example's folder, as a user runs it: @tripline/sigmahq is resolved from here.
    const r = await run(
      process.execPath,
      [
        CLI,
        'analyze',
        '--no-builtin',
        '--rules',
        'rules',
        '--detectors',
        '@tripline/sigmahq',
        '--format',
        'json',
        '--no-progress',
        'events.ndjson',
      ],
      { cwd: HERE, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
    );
    alerts = (JSON.parse(r.stdout) as { alerts: Alert[] }).alerts;
    stderr = r.stderr;
  }, 150_000);

  it('events.ndjson is what make-events.mjs writes', () => {
    expect(readFileSync(join(HERE, 'events.ndjson'), 'utf8')).toBe((build() as { text: string }).text);
  });

  it('raises exactly the expected alerts, each once, with its severity', () => {
    const got = Object.fromEntries(alerts.map((a) => [a.detectorId, [a.severity, a.title]]));
    expect(got).toEqual(EXPECTED);
    expect(alerts).toHaveLength(Object.keys(EXPECTED).length);
    expect(stderr).not.toContain('warning');
  });

  it('every alert is on a step of the intrusion, never on the background rows', () => {
    const rows = (build() as { rows: { properties: { ReportId: number; FileName?: string } }[] }).rows;
    // Edge, Teams, the Defender signature update and its registry write.
    const background = new Set(rows.slice(0, 4).map((r) => String(r.properties.ReportId)));
    const hit = new Set(alerts.flatMap((a) => a.evidence.events.map((e) => e.reportId)));
    expect([...hit].filter((id) => background.has(id))).toEqual([]);
    // cmd, whoami, certutil, the payload's Run key and vssadmin are each in some alert (Word opening a
    // document and the payload starting are not alerts on their own).
    const steps = rows.slice(4).filter((r) => !['WINWORD.EXE', 'p.exe'].includes(r.properties.FileName ?? ''));
    expect(steps).toHaveLength(5);
    for (const r of steps) expect(hit.has(String(r.properties.ReportId)), JSON.stringify(r.properties)).toBe(true);
  });

  it('each alert names its rule author, as the Detection Rule License asks', () => {
    const own = alerts.find((a) => a.detectorId === 'sigma/5b0c2f7e-8a41-4d3b-9f6e-1c2d3e4f5a6b')!;
    expect(JSON.stringify(own)).toContain('tripline examples');
    const whoami = alerts.find((a) => a.detectorId === 'sigma/c248c896-e412-4279-8c15-1c558067b6fa')!;
    expect(JSON.stringify(whoami)).toContain('Florian Roth (Nextron Systems)');
  });
});
