import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/**
 * `npm run bench` must run on a fresh clone. This runs it on a tiny tier (figures at this size mean
 * nothing; the real ones are in docs/benchmarks.md) and checks that every stage read the same rows
 * and that the results file holds what the docs quote.
 */
describe('npm run bench (smoke, 3,000 rows)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tripline-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every stage, prints the table and the targets, and writes the results', () => {
    const out = join(dir, 'results.json');
    const run = spawnSync(process.execPath, ['scripts/bench.mjs', '--rows', '3000', '--devices', '12', '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^floor\s/m);
    expect(run.stdout).toMatch(/^analyze\s/m);
    expect(run.stdout).toMatch(/targets:/);
    const results = JSON.parse(readFileSync(out, 'utf8')) as {
      tiers: { rows: number; stages: Record<string, { rows: number; alerts?: number; noopMatchCalls?: number }> }[];
      targets: { target: string; met: boolean | undefined }[];
    };
    const tier = results.tiers[0]!;
    expect(Object.keys(tier.stages)).toEqual([
      'floor',
      'floor-text',
      'ingest',
      'analyze',
      'analyze-noop',
      'analyze-subscribed',
      'report',
    ]);
    for (const [stage, r] of Object.entries(tier.stages)) expect(r.rows, stage).toBe(3000);
    expect(tier.stages.analyze!.alerts).toBeGreaterThan(0);
    expect(tier.stages['analyze-noop']!.noopMatchCalls).toBe(0);
    expect(tier.stages['analyze-subscribed']!.noopMatchCalls).toBeGreaterThan(0);
    expect(results.targets.map((t) => t.target)).toContainEqual(expect.stringMatching(/50 % of floor/));
  }, 300_000);
});
