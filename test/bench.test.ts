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
    const run = spawnSync(
      process.execPath,
      ['scripts/bench.mjs', '--rows', '3000', '--devices', '12', '--dense-devices', '20', '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 280_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^floor\s/m);
    expect(run.stdout).toMatch(/^analyze\s/m);
    expect(run.stdout).toMatch(/targets:/);
    const results = JSON.parse(readFileSync(out, 'utf8')) as {
      tiers: {
        fleet: string;
        rows: number;
        stages: Record<string, { rows: number; alerts?: number; noopMatchCalls?: number }>;
      }[];
      targets: { target: string; met: boolean | undefined }[];
    };
    const tier = results.tiers[0]!;
    expect(Object.keys(tier.stages)).toEqual([
      'floor',
      'floor-text',
      'ingest',
      'analyze',
      'analyze-w2',
      'analyze-noop',
      'analyze-subscribed',
      'report',
      'lib-json',
      'lib-json-w2',
      'lib-markdown',
      'lib-sarif',
      'cli-json',
      'cli-markdown',
      'cli-sarif',
      'cli-json-w2',
      'cli-markdown-w2',
      'cli-sarif-w2',
    ]);
    expect(results.tiers.map((t) => t.fleet)).toEqual(['sparse', 'dense']);
    for (const t of results.tiers)
      for (const [stage, r] of Object.entries(t.stages)) expect(r.rows, `${t.fleet} ${stage}`).toBe(3000);
    // Every way of running the analysis finds the same alerts.
    for (const t of results.tiers)
      for (const stage of [
        'analyze-w2',
        'lib-json',
        'lib-json-w2',
        'lib-sarif',
        'cli-json',
        'cli-markdown',
        'cli-json-w2',
        'cli-markdown-w2',
      ])
        expect(t.stages[stage]!.alerts, `${t.fleet} ${stage}`).toBe(t.stages.analyze!.alerts);
    const dense = results.tiers[1]!;
    // The dense fleet is dense: every device raises the reference VM's benign alerts.
    expect(dense.stages.analyze!.alerts).toBeGreaterThan(15 * 20);
    expect(tier.stages.analyze!.alerts).toBeGreaterThan(0);
    expect(tier.stages['analyze-noop']!.noopMatchCalls).toBe(0);
    expect(tier.stages['analyze-subscribed']!.noopMatchCalls).toBeGreaterThan(0);
    expect(results.targets.map((t) => t.target)).toContainEqual(
      expect.stringMatching(/analyze ≥ 50 % of floor.*sparse/),
    );
    expect(results.targets.map((t) => t.target)).toContainEqual(
      expect.stringMatching(/lib-json ≥ 25 % of floor.*dense/),
    );
    // The same targets with both cores, each on its own line.
    expect(results.targets.map((t) => t.target)).toContainEqual(
      expect.stringMatching(/analyze-w2 ≥ 50 % of floor.*sparse.*two threads/),
    );
    expect(results.targets.map((t) => t.target)).toContainEqual(
      expect.stringMatching(/lib-json-w2 ≥ 25 % of floor.*dense.*two threads/),
    );
  }, 320_000);

  const bench = (out: string, nodeFlags: string) =>
    spawnSync(
      process.execPath,
      [
        'scripts/bench.mjs',
        '--rows',
        '3000',
        '--devices',
        '12',
        '--stages',
        'floor',
        '--node-flags',
        nodeFlags,
        '--out',
        out,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );

  it('passes --node-flags to every stage and records them', () => {
    const out = join(dir, 'flags.json');
    const run = bench(out, '--max-semi-space-size=4  --heap-growing-percent=40');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('node flags for every stage: --max-semi-space-size=4 --heap-growing-percent=40');
    const results = JSON.parse(readFileSync(out, 'utf8')) as { options: { nodeFlags: string[] } };
    expect(results.options.nodeFlags).toEqual(['--max-semi-space-size=4', '--heap-growing-percent=40']);
  }, 150_000);

  it('fails the run when a stage cannot start with the given flags', () => {
    const run = bench(join(dir, 'bad.json'), '--no-such-node-flag');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('--no-such-node-flag');
    expect(run.stderr).toContain('stage floor failed');
  }, 150_000);
});

describe('bench/dense.mjs', () => {
  it('is deterministic, and every record is a streaming-API row with a ReportId beyond 2^53', async () => {
    const { denseLines } = await import('../bench/dense.mjs');
    const a = [...denseLines({ rows: 2000, devices: 25 })];
    const b = [...denseLines({ rows: 2000, devices: 25 })];
    expect(a).toEqual(b);
    expect(a).toHaveLength(2000);
    const devices = new Set<string>();
    for (const line of a) {
      const m = /"ReportId":(\d+)/.exec(line);
      expect(m && BigInt(m[1]!) > 2n ** 53n, line.slice(0, 120)).toBe(true);
      const r = JSON.parse(line) as { category: string; properties: Record<string, unknown> };
      expect(r.category).toMatch(/^AdvancedHunting-Device/);
      devices.add(r.properties.DeviceId as string);
    }
    expect(devices.size).toBe(25);
  });

  it("--snapshot runs the CLI stages from the copies (with the packages' own dependencies)", () => {
    const scratch = mkdtempSync(join(tmpdir(), 'tripline-bench-'));
    const out = join(scratch, 'snapshot.json');
    const run = spawnSync(
      process.execPath,
      [
        'scripts/bench.mjs',
        '--rows',
        '3000',
        '--devices',
        '12',
        '--fleet',
        'sparse',
        '--stages',
        'cli-json',
        '--snapshot',
        '--out',
        out,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 280_000 },
    );
    const snapshot = /testing a snapshot of the built packages: (\S+)\/packages/.exec(run.stdout)?.[1];
    if (snapshot) rmSync(join(ROOT, snapshot), { recursive: true, force: true });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8')) as { tiers: { stages: Record<string, { rows: number }> }[] };
    rmSync(scratch, { recursive: true, force: true });
    expect(results.tiers[0]!.stages['cli-json']!.rows).toBe(3000);
  }, 300_000);
});
