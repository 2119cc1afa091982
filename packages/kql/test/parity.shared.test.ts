/**
 * Semantic parity of the KQL export (100 % target): every exported SigmaHQ rule, run by the interpreter
 * over SigmaHQ's regression samples rebuilt as Defender rows (as the Sigma engine's own regression test
 * does) and over the rows of the Defender pack's fixtures, returns exactly the rows the local engine
 * matches for that rule; every query passes the language service with 0 diagnostics and stays inside
 * KQL_SUBSET.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MdeEvent } from '@tripline/core';
import { eventFromRecord, loadFixtures, makeEvent } from '@tripline/core/testing';
import { compileSigma, mdeMapping, type SigmaSet } from '@tripline/sigma';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRegressionSamples, sysmonToMde } from '../../sigma/test/support/regression.js';
import { type ExportedRule, exportSigma } from '../src/index.js';
import { localHits, type ParityReport, parity } from './parity/support.js';

const sigmaDir = fileURLToPath(new URL('../../../../shared/data/sigma', import.meta.url));
const detectorsDir = fileURLToPath(new URL('../../detectors-defender/src/detectors', import.meta.url));

function files(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(path, ext));
    else if (entry.name.endsWith(ext)) out.push(path);
  }
  return out.sort();
}

let set: SigmaSet;
let exported: ExportedRule[];
let regression: MdeEvent[];
/** Each regression row's own rule (the sample it comes from). */
const ownRule = new Map<MdeEvent, string>();
let fixtures: MdeEvent[];
const labels = new Map<MdeEvent, string>();
let report: ParityReport;

beforeAll(() => {
  const sources = files(join(sigmaDir, 'rules'), '.yml').map((path) => ({
    text: readFileSync(path, 'utf8'),
    name: path.slice(sigmaDir.length + 1),
  }));
  set = compileSigma(sources, { mapping: mdeMapping() });
  exported = exportSigma(set);
  regression = [];
  for (const sample of readRegressionSamples(sigmaDir)) {
    sample.events.forEach((e, index) => {
      const converted = sysmonToMde(e);
      if (!converted.ok) throw new Error(`${sample.jsonFile}: ${converted.reason}`);
      const event = makeEvent(converted.table, converted.row, sample.jsonFile);
      labels.set(event, `${sample.ruleFile}#${index}`);
      ownRule.set(event, `sigma/${sample.ruleId.toLowerCase()}`);
      regression.push(event);
    });
  }
  fixtures = [];
  for (const detector of readdirSync(detectorsDir).sort()) {
    const { fires, ignores } = loadFixtures(join(detectorsDir, detector, 'fixtures'));
    for (const fixture of [...fires, ...ignores]) {
      fixture.records.forEach((record, i) => {
        const event = eventFromRecord(record, `${fixture.name}#${i + 1}`);
        labels.set(event, `${detector}/${fixture.name}#${i + 1}`);
        fixtures.push(event);
      });
    }
  }
  report = parity(set, exported, [...regression, ...fixtures], (e) => labels.get(e) ?? '?');
}, 600_000);

describe('KQL export parity with the local engine (SigmaHQ regression samples and Defender fixtures)', () => {
  it('the corpus: 211 regression rows and the Defender fixtures rows', () => {
    expect(regression.length).toBe(211);
    expect(fixtures.length).toBeGreaterThan(100);
  });

  it('every exported query passes the language service with 0 diagnostics and stays in KQL_SUBSET', () => {
    console.log(`invalid queries: ${report.invalid.length}`);
    for (const x of report.invalid.slice(0, 20)) console.log(`  ${x.id}: ${x.problems.join('; ')}`);
    expect(report.invalid).toEqual([]);
  });

  it('every exported rule returns exactly the rows the local engine matches', () => {
    const hits = localHits(set, regression);
    const positiveRules = [...hits.keys()].length;
    console.log(
      `parity: ${report.compared} rules compared, ${report.agree} agree, ${report.disagreements.length} disagree; ` +
        `${report.withPositives} rules with local matches (${positiveRules} on the regression rows), ` +
        `${report.positivesAgreed} matched rows returned; ${report.correlations} correlations, ${report.refused} refused`,
    );
    for (const d of report.disagreements.slice(0, 30)) {
      console.log(
        `  ${d.id}: ${d.error ? `error: ${d.error}` : `only KQL ${JSON.stringify(d.onlyKql.slice(0, 3))}, only local ${JSON.stringify(d.onlyLocal.slice(0, 3))}`}`,
      );
    }
    expect(report.disagreements.map((d) => d.id)).toEqual([]);
    expect(report.agree).toBe(report.compared);
    // The comparison has positives to agree on: most regression rows are matched by some rule.
    expect(report.withPositives).toBeGreaterThanOrEqual(200);
    expect(report.positivesAgreed).toBeGreaterThanOrEqual(300);
  });

  it('registry rules keep their meaning: 33/33 registry regression rows their own rule matches locally', () => {
    const registry = regression.filter((e) => e.table === 'DeviceRegistryEvents');
    const own = registry.filter((e) => report.local.get(ownRule.get(e) ?? '')?.has(e));
    const returned = own.filter((e) => report.returned.get(ownRule.get(e) ?? '')?.has(e));
    console.log(
      `registry: ${returned.length}/${own.length} rows matched locally by their own rule are returned by its query`,
    );
    expect(own.length).toBeGreaterThanOrEqual(33);
    expect(returned.length).toBe(own.length);
  });
});
