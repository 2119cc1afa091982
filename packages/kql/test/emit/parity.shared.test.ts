/**
 * Semantic parity without a tenant: every exported SigmaHQ query, run by the subset interpreter
 * (`runKql`) over SigmaHQ's regression samples rebuilt as MDE rows, matches exactly the rows the local
 * engine matches (route table and ActionTypes, then the compiled rule); and every registry rule with a
 * regression sample is exported and keeps its meaning.
 */
import { fileURLToPath } from 'node:url';
import type { MdeEvent, TableName } from '@tripline/core';
import { makeEvent } from '@tripline/core/testing';
import { type CompiledRule, createEvalContext } from '@tripline/sigma';
import { loadSigmaHQ } from '@tripline/sigmahq';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRegressionSamples, sysmonToMde } from '../../../sigma/test/support/regression.js';
import { runKql } from '../../src/check/index.js';
import { exportSigmaRule } from '../../src/emit/index.js';

const sigmaDir = fileURLToPath(new URL('../../../../../shared/data/sigma', import.meta.url));

interface Sample {
  readonly ruleId: string;
  readonly event: MdeEvent;
}

let rules: CompiledRule[];
let samples: Sample[];
const byTable = new Map<TableName, MdeEvent[]>();

beforeAll(() => {
  rules = [...loadSigmaHQ().rules];
  samples = [];
  for (const s of readRegressionSamples(sigmaDir)) {
    for (const e of s.events) {
      const converted = sysmonToMde(e);
      if (!converted.ok) throw new Error(`${s.jsonFile}: ${converted.reason}`);
      const event = makeEvent(converted.table, converted.row, s.jsonFile);
      samples.push({ ruleId: `sigma/${s.ruleId.toLowerCase()}`, event });
      byTable.set(event.table, [...(byTable.get(event.table) ?? []), event]);
    }
  }
}, 120_000);

/** The local engine's answer: routed to the rule (table, ActionType), then the compiled rule. */
function localMatch(rule: CompiledRule, event: MdeEvent): boolean {
  if (event.table !== rule.route.table) return false;
  const types = rule.route.actionTypes;
  if (types && types.length > 0 && (event.actionType === undefined || !types.includes(event.actionType))) return false;
  return rule.test(createEvalContext(event)) !== undefined;
}

describe('exported SigmaHQ queries agree with the local engine on the regression samples', () => {
  it('every exported query matches exactly the rows the rule matches locally', () => {
    const disagreements: string[] = [];
    let compared = 0;
    let matched = 0;
    for (const rule of rules) {
      const exported = exportSigmaRule(rule);
      if (!exported.ok) continue;
      const rows = byTable.get(rule.route.table) ?? [];
      if (rows.length === 0) continue;
      const result = runKql(exported.query.text, { [rule.route.table]: rows });
      const kql = new Set(result.rows.flatMap((r) => r.events));
      for (const event of rows) {
        compared++;
        const local = localMatch(rule, event);
        if (local) matched++;
        if (local !== kql.has(event)) {
          disagreements.push(`${rule.detectorId} ${event.source.source}: local ${local}, KQL ${kql.has(event)}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(compared).toBeGreaterThan(100_000);
    expect(matched).toBeGreaterThan(200);
  }, 600_000);

  it('every registry rule with a regression sample is exported and matches its own rows', () => {
    const registry = samples.filter((s) => s.event.table === 'DeviceRegistryEvents');
    expect(registry.length).toBeGreaterThanOrEqual(33);
    const byId = new Map(rules.map((r) => [r.detectorId, r]));
    let own = 0;
    for (const s of registry) {
      const rule = byId.get(s.ruleId);
      expect(rule, s.ruleId).toBeDefined();
      const exported = exportSigmaRule(rule!);
      expect(exported.ok, s.ruleId).toBe(true);
      if (!exported.ok || !localMatch(rule!, s.event)) continue;
      const result = runKql(exported.query.text, { DeviceRegistryEvents: [s.event] });
      expect(result.rows.length, s.ruleId).toBe(1);
      own++;
    }
    expect(own).toBeGreaterThanOrEqual(33);
  }, 120_000);
});
