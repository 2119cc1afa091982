import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, fromFile, fromString, type InputSource, stringifyReport, type WorkersOptions } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { denseLines } from '../bench/dense.mjs';
// @ts-expect-error: a plain ES module of the test, without types.
import { detectors as hostDetectors } from './workers/host-detectors.mjs';

// Worker threads import the built packages (dist/) and the machine may be busy.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const ROOT = join(import.meta.dirname, '..');
const AT = '2025-01-01T00:00:00Z';
const HOST = new URL('./workers/host-detectors.mjs', import.meta.url);
let dense = '';
let tmp = '';

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tripline-workers-'));
  const lines: string[] = [];
  for (const line of denseLines({ rows: 6_000, devices: 40 })) lines.push(line);
  dense = `${lines.join('\n')}\n`;
});
afterAll(() => {
  delete process.env.TRIPLINE_TEST_WORKER_LOG;
  rmSync(tmp, { recursive: true, force: true });
});

/** The JSON report of one analysis, with and without workers; the two must be the same bytes. */
async function same(
  inputs: () => InputSource[],
  detectors: Parameters<typeof analyze>[1]['detectors'],
  workers: WorkersOptions,
): Promise<string> {
  const one = stringifyReport(await analyze(inputs(), { detectors, generatedAt: AT }));
  const many = stringifyReport(await analyze(inputs(), { detectors, generatedAt: AT, workers }));
  expect(many === one, `workers ${workers.count} from ${String(workers.detectors)}`).toBe(true);
  return one;
}

describe('analyze(inputs, { workers }): the result of one thread', () => {
  it('on every example, with the Defender pack named by its package', async () => {
    const dir = join(ROOT, 'examples/wazuh1');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ndjson'));
    expect(files.length).toBeGreaterThan(0);
    const report = await same(() => files.map((f) => fromFile(join(dir, f))), defenderDetectors, {
      count: 2,
      detectors: '@tripline/detectors-defender',
    });
    expect(JSON.parse(report).alerts.length).toBeGreaterThan(10);
  });

  it('on a generated fleet of 40 devices, with a host module of its own detectors (2 and 3 workers)', async () => {
    for (const count of [2, 3]) {
      // Worker threads did run, count - 1 of them (the calling thread serves shard 0): each imported
      // the host's module once.
      const log = join(tmp, `threads-${count}`);
      process.env.TRIPLINE_TEST_WORKER_LOG = log;
      const report = await same(() => [fromString(dense, 'dense.ndjson')], hostDetectors, {
        count,
        detectors: HOST,
      });
      const alerts = JSON.parse(report).alerts as { detectorId: string; device: { id: string } }[];
      // The host's detector fired, on devices of every worker.
      const own = alerts.filter((a) => a.detectorId === 'host/logon-by-process');
      expect(new Set(own.map((a) => a.device.id)).size).toBe(40);
      const threads = readFileSync(log, 'utf8').trim().split('\n');
      expect(threads).toHaveLength(count - 1);
      expect(new Set(threads).size).toBe(count - 1);
    }
  });

  it('with the SigmaHQ rules named by their package', async () => {
    const { detectors } = await import('@tripline/sigmahq');
    const lines = dense.split('\n').slice(0, 1500).join('\n');
    await same(() => [fromString(lines, 'fleet.ndjson')], detectors, { count: 2, detectors: '@tripline/sigmahq' });
  });
});

describe('analyze(inputs, { workers }): errors', () => {
  const input = () => fromString(dense.split('\n').slice(0, 50).join('\n'), 'few.ndjson');

  it('a module that cannot be imported is workers-module-unusable', async () => {
    const missing = new URL('./workers/no-such-module.mjs', import.meta.url);
    await expect(
      analyze(input(), { detectors: defenderDetectors, workers: { count: 2, detectors: missing } }),
    ).rejects.toMatchObject({ code: 'workers-module-unusable' });
    await expect(
      analyze(input(), {
        detectors: defenderDetectors,
        workers: { count: 2, detectors: HOST, exportName: 'logonsByProcessNot' },
      }),
    ).rejects.toMatchObject({ code: 'workers-module-unusable' });
  });

  it('a module whose detectors are not the calling thread’s is workers-detectors-differ', async () => {
    const other = new URL('./workers/other-detectors.mjs', import.meta.url);
    await expect(
      analyze(input(), { detectors: defenderDetectors, workers: { count: 2, detectors: other } }),
    ).rejects.toMatchObject({ code: 'workers-detectors-differ' });
    // The host's module holds one detector more than the Defender pack.
    await expect(
      analyze(input(), { detectors: defenderDetectors, workers: { count: 2, detectors: HOST } }),
    ).rejects.toMatchObject({ code: 'workers-detectors-differ' });
  });

  it('a bad count, a relative module name, or workers with state are option-invalid', async () => {
    for (const workers of [
      { count: 0, detectors: HOST },
      { count: 17, detectors: HOST },
      { count: 1.5, detectors: HOST },
      { count: 2, detectors: './workers/host-detectors.mjs' },
    ])
      await expect(analyze(input(), { detectors: hostDetectors, workers })).rejects.toMatchObject({
        code: 'option-invalid',
      });
  });
});
