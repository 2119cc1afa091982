/**
 * Shared-data suite: the Sigma specification's eight correlation examples (and the multi-document example
 * of the correlation specification) from ../shared/data/sigma/specification, each loaded with the rules it
 * names (`fixtures/rules.yml`) and, when it can run on Defender rows, run on them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AnalysisResult, analyzeEvents, type MdeEvent } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import type { SigmaSet } from '../../src/ir.js';
import { compileSigma } from '../../src/load.js';
import { mdeMapping } from '../../src/mapping/index.js';
import { testMapping } from './kit.js';
import { logon, proc } from './rows.js';

const SPEC = fileURLToPath(new URL('../../../../../shared/data/sigma/specification/', import.meta.url));
const EXAMPLES = join(SPEC, 'tests/schema/correlation');
const RULES = readFileSync(fileURLToPath(new URL('./fixtures/rules.yml', import.meta.url)), 'utf8');

function load(name: string, text: string): SigmaSet {
  return compileSigma(
    [
      { text: RULES, name: 'rules.yml' },
      { text, name },
    ],
    { mapping: testMapping },
  );
}

const run = (set: SigmaSet, rows: readonly MdeEvent[]): Promise<AnalysisResult> =>
  analyzeEvents(rows, { detectors: [...set.correlations] });

const recon = [
  proc(0, 'whoami.exe', 'whoami /all'),
  proc(40, 'net.exe', 'net user /domain'),
  proc(90, 'nltest.exe', 'nltest /dclist:contoso.local'),
];

/** What each example does on Defender rows: its load status and first reason, and rows it fires on. */
const EXPECTED: Record<string, { status: string; reason?: string; at?: string; fires?: () => MdeEvent[] }> = {
  'event_count.yml': {
    status: 'loaded',
    fires: () => Array.from({ length: 100 }, (_, i) => logon(i * 30, 'svc_backup')),
  },
  // ECS taxonomy: `dns.question.name` is no field of the Defender mapping.
  'event_count_ecs.yml': { status: 'skipped', reason: 'field-unmapped', at: 'group-by' },
  'temporal.yml': { status: 'loaded', fires: () => recon },
  'temporal_ordered.yml': { status: 'loaded', fires: () => recon },
  // Defender rows hold no byte counts of a connection.
  'value_avg.yml': { status: 'skipped', reason: 'field-unmapped', at: 'condition.field' },
  'value_count.yml': {
    status: 'loaded',
    fires: () => Array.from({ length: 100 }, (_, i) => logon(i * 60, `user${i}`, { RemoteDeviceName: 'kiosk-03' })),
  },
  // No `percentile`: which percentile the example compares is not written.
  'value_percentile.yml': { status: 'skipped', reason: 'correlation-unsupported', at: 'condition.percentile' },
  'value_sum.yml': { status: 'skipped', reason: 'field-unmapped', at: 'condition.field' },
};

describe('the specification correlation examples', () => {
  const files = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yml'))
    .sort();

  it('are the eight this suite knows', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of Object.keys(EXPECTED)) {
    it(`${file}: loads as expected and, when it runs, fires on Defender rows`, async () => {
      const set = load(file, readFileSync(join(EXAMPLES, file), 'utf8'));
      const entry = set.report.entries.find((e) => e.kind === 'correlation')!;
      const want = EXPECTED[file]!;
      expect(entry.status, JSON.stringify(entry.reasons)).toBe(want.status);
      if (want.reason) expect(entry.reasons[0]).toMatchObject({ code: want.reason, at: want.at });
      expect(set.report.correlations[want.status as 'loaded' | 'skipped']).toBe(1);
      if (want.fires) {
        const result = await run(set, want.fires());
        expect(result.alerts.map((a) => a.detectorId)).toEqual([entry.detectorId]);
        // One row fewer (the last): no alert.
        expect((await run(set, want.fires().slice(0, -1))).alerts).toEqual([]);
      } else expect(set.correlations).toEqual([]);
    });
  }

  it('the multi-document example of the specification: rules and the inner correlation load, the chain is refused', async () => {
    const md = readFileSync(join(SPEC, 'specification/sigma-correlation-rules-specification.md'), 'utf8');
    const start = md.indexOf('title: Correlation - Multiple Failed Logins Followed by Successful Login');
    const yaml = md.slice(start, md.indexOf('```', start));
    const set = compileSigma([{ text: yaml, name: 'spec-example.yml' }], { mapping: testMapping });
    expect(set.report.entries.map((e) => [e.kind, e.status, e.reasons.map((r) => r.code)])).toEqual([
      ['correlation', 'skipped', ['correlation-unsupported']],
      ['correlation', 'degraded', ['semantic-degraded']],
      ['rule', 'loaded', []],
      ['rule', 'loaded', []],
    ]);
    expect(set.report.entries[0]!.reasons[0]!.message).toMatch(/chained correlations are not run/);
    // The inner event_count runs: 10 failed logons of one user within 10 minutes.
    const rows = Array.from({ length: 10 }, (_, i) => logon(i * 60, 'jdoe'));
    const result = await run(set, rows);
    expect(result.alerts.map((a) => [a.detectorId, a.key])).toEqual([
      ['sigma/a8418a5a-5fc4-46b5-b23b-6c73beb19d41', 'jdoe'],
    ]);
  });

  it('temporal and temporal_ordered through the Defender mapping (User is domain\\name there)', async () => {
    for (const file of ['temporal.yml', 'temporal_ordered.yml']) {
      const set = compileSigma(
        [
          { text: RULES, name: 'rules.yml' },
          { text: readFileSync(join(EXAMPLES, file), 'utf8'), name: file },
        ],
        { mapping: mdeMapping() },
      );
      const entry = set.report.entries.find((e) => e.kind === 'correlation')!;
      expect(entry.status, JSON.stringify(entry.reasons)).toBe('loaded');
      const result = await run(set, recon);
      expect(result.alerts.map((a) => [a.detectorId, a.key])).toEqual([
        [entry.detectorId, JSON.stringify([recon[0]!.deviceName, 'contoso\\jdoe'])],
      ]);
    }
  });
});
