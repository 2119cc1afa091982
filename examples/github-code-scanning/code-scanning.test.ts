import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
// The built command line, exactly what `npx tripline` runs (npm run build first): found through the
// `tripline` package's own manifest, as npm finds its `bin`, not by a path into the repository.
const cliManifest = createRequire(import.meta.url).resolve('tripline/package.json');
const CLI = join(
  dirname(cliManifest),
  (createRequire(import.meta.url)('tripline/package.json') as { bin: { tripline: string } }).bin.tripline,
);
const WAZUH1 = fileURLToPath(new URL('../wazuh1/events.ndjson', import.meta.url));
const WORKFLOW = fileURLToPath(new URL('./workflow.yml', import.meta.url));

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}

describe('examples/github-code-scanning', () => {
  let dir: string;
  let sarif: {
    $schema: string;
    version: string;
    runs: {
      tool: { driver: { name: string; rules: { id: string }[] } };
      results: {
        ruleId: string;
        level: string;
        message: { text: string };
        locations: { physicalLocation: { artifactLocation: { uri: string }; region: unknown } }[];
      }[];
    }[];
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tripline-code-scanning-'));
    const out = join(dir, 'tripline.sarif');
    const { stdout } = await run(
      process.execPath,
      [CLI, 'analyze', WAZUH1, '--format', 'sarif', '--output', out, '--quiet', '--no-progress'],
      { timeout: 60_000, env: { ...process.env, SOURCE_DATE_EPOCH: '1762500000' } },
    );
    expect(stdout).toBe(''); // the report went to --output
    sarif = JSON.parse(await readFile(out, 'utf8'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('tripline analyze --format sarif writes SARIF 2.1.0 with rules and results', () => {
    expect(sarif.$schema).toMatch(/sarif.*2\.1\.0.*\.json$/);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs).toHaveLength(1);
    const [runLog] = sarif.runs;
    expect(runLog!.tool.driver.name).toBe('tripline');
    const ruleIds = runLog!.tool.driver.rules.map((r) => r.id);
    expect(ruleIds).toContain('defender/exec-process-replacement');
    expect(runLog!.results.length).toBeGreaterThanOrEqual(13);
    for (const result of runLog!.results) {
      expect(ruleIds).toContain(result.ruleId); // every result resolves to a rule
      expect(['error', 'warning', 'note']).toContain(result.level);
      // GitHub needs a relative artifact URI and a region on the first location.
      const loc = result.locations[0]!.physicalLocation;
      expect(loc.artifactLocation.uri).not.toMatch(/^[a-z][a-z0-9+.-]*:/i);
      expect(loc.region).toBeDefined();
    }
    expect(runLog!.results.filter((r) => r.level === 'error')).toHaveLength(1); // the one high alert
  });

  it('the workflow parses and runs export → tripline (SARIF) → upload-sarif with a category', async () => {
    const wf = parse(await readFile(WORKFLOW, 'utf8')) as {
      on: Record<string, unknown>;
      permissions: Record<string, string>;
      jobs: Record<string, { permissions: Record<string, string>; steps: Step[] }>;
    };
    expect(Object.keys(wf.on)).toEqual(expect.arrayContaining(['schedule', 'workflow_dispatch']));
    expect(wf.permissions).toEqual({ contents: 'read' });
    const job = wf.jobs.analyze!;
    expect(job.permissions['security-events']).toBe('write');
    expect(job.permissions['id-token']).toBe('write');

    const steps = job.steps;
    const uses = steps.map((s) => s.uses?.replace(/@.*/, '')).filter(Boolean);
    expect(uses).toEqual([
      'actions/checkout',
      'actions/setup-node',
      'azure/login',
      'github/codeql-action/upload-sarif',
    ]);

    const at = (pred: (s: Step) => boolean) => steps.findIndex(pred);
    const exportStep = at((s) => s.run?.includes('runHuntingQuery') === true);
    const analyzeStep = at(
      (s) => /tripline(@[\d.]+)? analyze/.test(s.run ?? '') && (s.run ?? '').includes('--format sarif'),
    );
    const upload = at((s) => s.uses === 'github/codeql-action/upload-sarif@v3');
    expect(exportStep).toBeGreaterThan(-1);
    expect(analyzeStep).toBeGreaterThan(exportStep);
    expect(upload).toBeGreaterThan(analyzeStep);
    expect(steps[analyzeStep]!.run).toMatch(/^npx --yes tripline@\d+\.\d+\.\d+ analyze /);
    expect(steps[analyzeStep]!.run).toContain('--output tripline.sarif');
    expect(steps[upload]!.with).toEqual({ sarif_file: 'tripline.sarif', category: 'tripline-defender' });
  });

  it('is an example to copy, not a workflow of this repository', async () => {
    const { existsSync } = await import('node:fs');
    const here = fileURLToPath(new URL('../../.github/workflows/defender-hunting.yml', import.meta.url));
    expect(existsSync(here)).toBe(false);
  });
});
