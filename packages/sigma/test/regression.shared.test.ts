/**
 * SigmaHQ's own regression samples, rebuilt as the rows Defender writes (test/support/regression.ts),
 * must be matched by their own rule through the MDE mapping: every sample of every copied rule that
 * names one (181 rules: 185 events that must match and 8 groups of which some must), registry included.
 * Samples of rules that were not copied, and of providers MDE does not have, are listed with the reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MdeEvent } from '@tripline/core';
import { makeEvent } from '@tripline/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { SigmaSet } from '../src/ir.js';
import { compileSigma } from '../src/load.js';
import { mdeMapping } from '../src/mapping/index.js';
import { type RegressionSample, readEvents, readRegressionSamples, sysmonToMde } from './support/regression.js';

const sigmaDir = fileURLToPath(new URL('../../../../shared/data/sigma', import.meta.url));

function files(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(path, ext));
    else if (entry.name.endsWith(ext)) out.push(path);
  }
  return out.sort();
}

interface Row {
  readonly sample: RegressionSample;
  readonly index: number;
  readonly event: MdeEvent;
  /** Detector ids of every rule that matched the row. */
  readonly hits: readonly string[];
}

let set: SigmaSet;
let samples: RegressionSample[];
let rows: Row[];

beforeAll(() => {
  const sources = files(join(sigmaDir, 'rules'), '.yml').map((path) => ({
    text: readFileSync(path, 'utf8'),
    name: path.slice(sigmaDir.length + 1),
  }));
  set = compileSigma(sources, { mapping: mdeMapping() });
  samples = readRegressionSamples(sigmaDir);
  rows = [];
  for (const sample of samples) {
    sample.events.forEach((e, index) => {
      const converted = sysmonToMde(e);
      if (!converted.ok) throw new Error(`${sample.jsonFile}: ${converted.reason}`);
      const event = makeEvent(converted.table, converted.row, sample.jsonFile);
      const hits: string[] = [];
      set.family.matchAll(event, (member) => hits.push(set.family.members[member]!.meta.id));
      rows.push({ sample, index, event, hits });
    });
  }
}, 60_000);

const own = (s: RegressionSample): string => `sigma/${s.ruleId.toLowerCase()}`;

describe('SigmaHQ regression samples rebuilt as MDE rows', () => {
  it('has a sample for each of the 181 copied rules that names one: 211 Sysmon events', () => {
    expect(samples.length).toBe(181);
    expect(rows.length).toBe(211);
    expect(new Set(samples.map((s) => s.provider))).toEqual(new Set(['Microsoft-Windows-Sysmon']));
    const byTable: Record<string, number> = {};
    for (const r of rows) byTable[r.event.table] = (byTable[r.event.table] ?? 0) + 1;
    expect(byTable).toEqual({ DeviceProcessEvents: 139, DeviceFileEvents: 34, DeviceRegistryEvents: 38 });
  });

  it('every rule of those samples loads', () => {
    const loaded = new Set(set.rules.map((r) => r.detectorId));
    const missing = samples.filter((s) => !loaded.has(own(s))).map((s) => s.ruleFile);
    expect(missing).toEqual([]);
  });

  it('matches 185/185 events whose test expects every event to match, by their own rule', () => {
    const must = rows.filter((r) => r.sample.matchCount === r.sample.events.length);
    const missed = must.filter((r) => !r.hits.includes(own(r.sample))).map((r) => `${r.sample.ruleFile}#${r.index}`);
    expect(missed).toEqual([]);
    expect(must.length).toBe(185);
    const byTable: Record<string, number> = {};
    for (const r of must) byTable[r.event.table] = (byTable[r.event.table] ?? 0) + 1;
    expect(byTable).toEqual({ DeviceProcessEvents: 129, DeviceFileEvents: 23, DeviceRegistryEvents: 33 });
  });

  it('matches 8/8 groups whose test expects some of several events to match, at least match_count of them', () => {
    const groups = samples.filter((s) => s.matchCount < s.events.length);
    expect(groups.length).toBe(8);
    const counts = groups.map((s) => {
      const matched = rows.filter((r) => r.sample === s && r.hits.includes(own(s))).length;
      return { rule: s.ruleFile, expected: s.matchCount, of: s.events.length, matched };
    });
    for (const c of counts) expect(c.matched, c.rule).toBeGreaterThanOrEqual(c.expected);
    expect(counts).toMatchSnapshot();
  });

  it('co-firing: other SigmaHQ rules matching the same malicious samples (what alert grouping folds)', () => {
    const other = rows.map((r) => r.hits.filter((id) => id !== own(r.sample)));
    const pairs = other.reduce((n, h) => n + h.length, 0);
    const withOthers = other.filter((h) => h.length > 0).length;
    const byRule = new Map<string, number>();
    for (const h of other) for (const id of h) byRule.set(id, (byRule.get(id) ?? 0) + 1);
    const title = new Map(set.rules.map((r) => [r.detectorId, r.rule.title]));
    const top = [...byRule]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 10)
      .map(([id, n]) => `${n} ${title.get(id)}`);
    console.log(
      `co-firing: ${pairs} (row, other rule) hits on ${withOthers} of ${rows.length} rows; most frequent:\n  ${top.join('\n  ')}`,
    );
    expect({ pairs, withOthers }).toMatchSnapshot();
  });
});

describe('regression samples out of scope', () => {
  it('names the entries of rules that were not copied, with what MDE would make of their events', () => {
    const copied = new Set(samples.map((s) => s.ruleId.toLowerCase()));
    const out: string[] = [];
    for (const info of files(join(sigmaDir, 'regression_data'), 'info.yml')) {
      const doc = parse(readFileSync(info, 'utf8')) as { rule_metadata?: { id: string }[] };
      const id = doc.rule_metadata?.[0]?.id.toLowerCase() ?? '';
      if (copied.has(id)) continue;
      const dir = info.slice(0, -'/info.yml'.length);
      const folder = dir.slice(sigmaDir.length + 1 + 'regression_data/'.length);
      const dumps = readdirSync(dir).filter((f) => f.endsWith('.json'));
      if (dumps.length === 0) {
        out.push(
          `${folder}: ${readdirSync(dir)
            .filter((f) => f !== 'info.yml')
            .join(', ')} (not an event log dump)`,
        );
        continue;
      }
      for (const dump of dumps.sort()) {
        const what = readEvents(readFileSync(join(dir, dump), 'utf8')).map((e) => {
          const c = sysmonToMde(e);
          return c.ok ? `Sysmon ${e.eventId} → ${c.table}` : c.reason;
        });
        out.push(`${folder}: ${[...new Set(what)].join('; ')}`);
      }
    }
    // 22 entries whose rules are not in the copied corpus (emerging threats, threat hunting, image_load,
    // process_access, pipes, Windows event log channels, Cisco). Four hold events of providers MDE does
    // not ship at all — Security-Auditing (4648, 4701), TaskScheduler, WMI-Activity, the Defender event
    // log: Windows event log channels, where MDE has its own tables instead of their records.
    expect(out.length).toBe(22);
    expect(out).toMatchSnapshot();
  });
});
