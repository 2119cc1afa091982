/**
 * Memory per input form, measured. The same rows are written in every form tripline reads (about
 * 10–25 MB each, by scripts/gen-ingest-memory.mjs); each is read by the built `ingest` in a child
 * `node` whose heap is capped at 32 MB, so any form that holds its rows runs out of memory instead of
 * passing: the old reader of a 10 MB Log Analytics answer with `rows` before `columns` did, and the cap
 * leaves room for Node 24's larger baseline (16 MB was too tight there). Peak RSS is
 * printed for the record. A second child reads rows with 1 MiB unknown categories three times and
 * checks that nothing of them is retained (rejection reasons are clipped, the category cache is
 * bounded).
 *
 * Needs the built packages (npm run build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/rows.js';

const CORE = join(REPO_ROOT, 'packages/core/dist/index.js');
const CORE_UNSTABLE = join(REPO_ROOT, 'packages/core/dist/unstable.js');
const HEAP_MB = 32;

const CHILD = `
const [core, unstable, file, mode] = process.argv.slice(2);
const { fromFile } = await import(core);
const { ingest } = await import(unstable);
const kept = [];
let events = 0;
const once = () => ingest(fromFile(file), {
  event: () => { events++; },
  rejected: (r) => { if (kept.length < 10000) kept.push(r); },
});
if (mode === 'retain') {
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  let stats;
  for (let i = 0; i < 3; i++) { kept.length = 0; stats = await once(); }
  globalThis.gc();
  const retained = process.memoryUsage().heapUsed - before;
  console.log(JSON.stringify({ retainedMB: retained / 1e6, rows: stats.rowsRead,
    longestReason: Math.max(...kept.map((r) => r.reason.length)) }));
} else {
  const stats = await once();
  console.log(JSON.stringify({ peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), rows: stats.rowsRead, events }));
}
`;

let dir: string;
let rows: number;
let longCats: number;
const child = (): string => join(dir, 'child.mjs');

function runChild(flags: string[], file: string, mode = 'read'): Record<string, number> {
  const r = spawnSync(
    process.execPath,
    [...flags, child(), pathToFileURL(CORE).href, pathToFileURL(CORE_UNSTABLE).href, join(dir, file), mode],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  expect(r.status, `${file}: exit ${r.status}\n${r.stderr.slice(-2000)}`).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, number>;
}

describe('memory per input form', () => {
  beforeAll(() => {
    if (!existsSync(CORE) || !existsSync(CORE_UNSTABLE))
      throw new Error(`${CORE_UNSTABLE} does not exist: build first (npm run build at the repository root)`);
    dir = mkdtempSync(join(tmpdir(), 'tripline-mem-'));
    writeFileSync(child(), CHILD);
    const gen = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/gen-ingest-memory.mjs'), dir, '16'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(gen.status, gen.stderr).toBe(0);
    rows = Number(/^(\d+) rows per form/.exec(gen.stdout)?.[1]);
    longCats = 16;
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const forms = [
    'ndjson.ndjson',
    'ndjson.ndjson.gz',
    'eventhub.json',
    'ah-api.json',
    'ah-api-pretty.json',
    'sentinel.json',
    'rest-rowslast.json',
    'rest-rowsfirst.json',
    'portal.csv',
  ];

  it(`every form is read with a ${HEAP_MB} MB heap, whatever the order of its parts`, () => {
    const peaks: Record<string, number> = {};
    for (const form of forms) {
      const out = runChild([`--max-old-space-size=${HEAP_MB}`], form);
      expect(out.rows, form).toBe(rows);
      expect(out.events, form).toBe(rows);
      peaks[form] = out.peakRssMB as number;
    }
    console.log(`peak RSS (MB) reading ${rows} rows per form with a ${HEAP_MB} MB heap:`, peaks);
  }, 300_000);

  it('rows with 1 MiB unknown categories leave nothing behind, and their reasons are clipped', () => {
    const out = runChild(['--expose-gc'], 'longcat.ndjson', 'retain');
    expect(out.rows).toBe(longCats);
    expect(out.longestReason).toBeLessThan(600);
    expect(out.retainedMB).toBeLessThan(4);
  }, 120_000);
});
