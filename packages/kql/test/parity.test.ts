/**
 * Parity of the KQL export on a fresh clone (no shared data folder): the vendored SigmaHQ rules, each run by the
 * interpreter over rows generated from the string literals of its own query (each literal as the whole
 * value, inside a longer value, and at the end of a path, in every string column of the rule's table),
 * plus an empty row, must return exactly the rows the local engine matches. The rules compared are every
 * registry rule and every third other rule in id order (the full set runs in parity.shared.test.ts).
 */
import { type MdeEvent, TABLE_COLUMNS, type TableName } from '@tripline/core';
import { makeEvent } from '@tripline/core/testing';
import type { CompiledRule } from '@tripline/sigma';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSigmaHQ } from '../../sigmahq/src/index.js';
import { analyzeKql, type KElement, kindName, walk } from '../src/check/service.js';
import { expressionList, operatorOf, stringLiteral } from '../src/check/syntax.js';
import { type ExportedRule, exportSigma } from '../src/index.js';
import { type Disagreement, parity } from './parity/support.js';

/** Columns every generated row sets itself. */
const IDENTITY = new Set(['Timestamp', 'DeviceId', 'DeviceName', 'ActionType', 'ReportId', 'MachineGroup']);

/** The string literals a query compares columns with (regexes aside), and the ActionTypes it filters on. */
function literals(text: string): { values: string[]; actionTypes: string[] } {
  const values = new Set<string>();
  const actionTypes: string[] = [];
  for (const e of walk(analyzeKql(text).Syntax)) {
    if (e.IsToken) continue;
    const op = operatorOf(e);
    if (!op || op === 'matches regex' || !kindName(e).endsWith('Expression')) continue;
    const right = e.GetChild(2);
    if (!right) continue;
    const items: KElement[] = kindName(right) === 'ExpressionList' ? expressionList(right) : [right];
    const left = e.GetChild(0);
    const isActionType =
      left !== null && kindName(left) === 'NameReference' && left.ReferencedSymbol?.Name === 'ActionType';
    for (const item of items) {
      const v = stringLiteral(item);
      if (v === undefined || v === '') continue;
      if (isActionType) actionTypes.push(v);
      else values.add(v);
    }
  }
  return { values: [...values].slice(0, 8), actionTypes };
}

function rowsFor(rule: CompiledRule, text: string, labels: Map<MdeEvent, string>): MdeEvent[] {
  const table: TableName = rule.route.table;
  const { values, actionTypes } = literals(text);
  const columns = Object.entries(TABLE_COLUMNS[table])
    .filter(([name, type]) => type === 'string' && !IDENTITY.has(name))
    .map(([name]) => name);
  const actionType = actionTypes[0] ?? rule.route.actionTypes?.[0] ?? 'ProcessCreated';
  const out: MdeEvent[] = [];
  const variants = (v: string) => [v, `x ${v} x`, `C:\\Windows\\System32\\${v}`];
  const all = [...values.flatMap(variants), ''];
  all.forEach((value, i) => {
    const row: Record<string, unknown> = {
      Timestamp: '2025-06-01T08:00:00Z',
      DeviceId: '5c8e0f7a9b1d2c3e4f5061728394a5b6c7d8e9f0',
      DeviceName: 'ws-parity-01.contoso.local',
      ReportId: 1000 + i,
    };
    if (table !== 'DeviceInfo' && table !== 'DeviceNetworkInfo') row.ActionType = actionType;
    if (value !== '') for (const c of columns) row[c] = value;
    const event = makeEvent(table, row, `${rule.detectorId}#${i}`);
    labels.set(event, `${rule.detectorId}#${i} ${JSON.stringify(value)}`);
    out.push(event);
  });
  return out;
}

let exported: ExportedRule[];
let compared = 0;
let agreed = 0;
let positives = 0;
const disagreements: Disagreement[] = [];
const invalid: { id: string; problems: readonly string[] }[] = [];

beforeAll(() => {
  const set = loadSigmaHQ();
  exported = exportSigma(set);
  const byId = new Map(set.rules.map((r) => [r.detectorId, r]));
  const labels = new Map<MdeEvent, string>();
  const candidates = exported
    .filter((r) => r.ok && r.source.kind === 'sigma')
    .sort((a, b) => a.source.id.localeCompare(b.source.id));
  candidates.forEach((rule, index) => {
    if (!rule.ok) return;
    const compiled = byId.get(rule.source.id);
    if (!compiled) return;
    if (compiled.route.table !== 'DeviceRegistryEvents' && index % 3 !== 0) return;
    const rows = rowsFor(compiled, rule.query.text, labels);
    const report = parity(set, [rule], rows, (e) => labels.get(e) ?? '?');
    compared += report.compared;
    agreed += report.agree;
    positives += report.local.get(rule.source.id)?.size ?? 0;
    disagreements.push(...report.disagreements);
    invalid.push(...report.invalid);
  });
}, 600_000);

describe('KQL export parity on the vendored SigmaHQ rules (generated rows)', () => {
  it('every compared rule returns exactly the rows the local engine matches', () => {
    console.log(
      `parity (generated rows): ${compared} rules compared, ${agreed} agree, ${positives} rows matched locally`,
    );
    for (const d of disagreements.slice(0, 20)) {
      console.log(
        `  ${d.id}: ${d.error ?? `only KQL ${JSON.stringify(d.onlyKql.slice(0, 3))}, only local ${JSON.stringify(d.onlyLocal.slice(0, 3))}`}`,
      );
    }
    expect(disagreements.map((d) => d.id)).toEqual([]);
    expect(compared).toBeGreaterThan(700);
    expect(agreed).toBe(compared);
    // The generated rows match: the comparison is not only over rows nobody matches.
    expect(positives).toBeGreaterThan(800);
  });

  it('every compared query has 0 diagnostics and stays in KQL_SUBSET', () => {
    expect(invalid).toEqual([]);
  });
});
