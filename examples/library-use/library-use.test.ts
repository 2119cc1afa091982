import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// main.mjs is the runnable example (plain ESM, typed by main.d.mts); the test runs its main().
import { main, severityLine } from './main.mjs';

type Outcome = Awaited<ReturnType<typeof main>>;

describe('examples/library-use', () => {
  let dir: string;
  let out: Outcome;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tripline-library-use-'));
    out = await main({ outDir: dir, generatedAt: '2025-11-07T07:00:00.000Z' });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('analyses every row of the wazuh1 export and reports its alerts', () => {
    const s = out.result.summary;
    expect(s.eventsRead).toBe(53);
    expect(s.eventsAnalyzed).toBe(53);
    expect(s.eventsRejected).toBe(0);
    expect(s.devices).toBe(1);
    // The exact number belongs to the detector pack's own tests; here: consistent and non-trivial.
    expect(s.alertCount).toBe(out.result.alerts.length);
    expect(s.alertCount).toBeGreaterThanOrEqual(13);
    expect(Object.values(s.bySeverity).reduce((a, b) => a + b, 0)).toBe(s.alertCount);
    expect(s.bySeverity.high).toBe(1);
    expect(severityLine(s)).toMatch(/^1 high, \d+ medium, \d+ low$/);
    // Highest severity first: the correlation of exposure, unassigned group and other findings.
    expect(out.result.alerts[0]?.detectorId).toBe('defender/exposed-unmanaged-device');
    expect(out.result.alerts.map((a) => a.detectorId)).toContain('defender/exec-process-replacement');
  });

  it('writes the Markdown report', async () => {
    const md = await readFile(out.files.markdown, 'utf8');
    expect(md.startsWith('# Security Analysis Report')).toBe(true);
    expect(md).toContain('wazuh1');
  });

  it('writes the canonical JSON report, with exact ReportIds', async () => {
    const text = await readFile(out.files.json, 'utf8');
    const report = JSON.parse(text);
    expect(report.schemaVersion).toBe('1.3');
    expect(report.generatedAt).toBe('2025-11-07T07:00:00.000Z');
    expect(report.summary).toMatchObject({ eventsRead: 53, alertCount: out.result.summary.alertCount });
    expect(report.alerts).toHaveLength(out.result.summary.alertCount);
    expect(report.rejected).toEqual([]);
    // The DeviceInfo ReportId is above 2^53: it is written as a string, digit for digit.
    expect(text).toContain('"reportId": "639199803770463703"');
  });

  it('writes SARIF 2.1.0 with one result per alert', async () => {
    const sarif = JSON.parse(await readFile(out.files.sarif, 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs).toHaveLength(1);
    expect(sarif.runs[0].results).toHaveLength(out.result.summary.alertCount);
    expect(sarif.runs[0].automationDetails.id).toBe('defender/');
  });

  it('gives byte-identical reports on a second run with the same generatedAt', async () => {
    const again = await mkdtemp(join(tmpdir(), 'tripline-library-use-'));
    try {
      const second = await main({ outDir: again, generatedAt: '2025-11-07T07:00:00.000Z' });
      for (const k of ['markdown', 'json', 'sarif'] as const) {
        expect(await readFile(second.files[k], 'utf8')).toBe(await readFile(out.files[k], 'utf8'));
      }
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });
});

describe('examples/library-use run as its README says', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const outDir = fileURLToPath(new URL('./out', import.meta.url));
  const sh = promisify(execFile);

  it('`node examples/library-use/main.mjs` writes into out/, which git and the linter ignore', async () => {
    const existed = existsSync(outDir);
    try {
      const { stdout } = await sh(process.execPath, ['examples/library-use/main.mjs'], { cwd: root, timeout: 60_000 });
      expect(stdout).toContain('53 events read: 53 analysed, 0 rejected');
      expect(existsSync(join(outDir, 'report.json'))).toBe(true);
      // `npm run lint` (biome check .) must stay clean with the reports there…
      const lint = await sh(join(root, 'node_modules/.bin/biome'), ['check', 'examples/library-use'], {
        cwd: root,
        timeout: 60_000,
      }).then(
        () => 'clean',
        (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
      );
      expect(lint).toBe('clean');
      // …and `git status` too: generated reports are never committed by accident.
      const { stdout: status } = await sh('git', ['status', '--porcelain', '--untracked-files=all', '--', outDir], {
        cwd: root,
      });
      expect(status).toBe('');
    } finally {
      if (!existed) await rm(outDir, { recursive: true, force: true });
    }
  });
});
