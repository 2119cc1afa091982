/**
 * The 64 KB adversarial command line of `npm run bench -- --sigma` (every literal of every loaded
 * SigmaHQ rule, then `echo clip&&` repetitions) through every rule of the corpus: no rule throws, and
 * the family (candidate index, then the candidates) finds exactly the rules a full evaluation finds.
 * Not timed: the benchmark prints the time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MdeEvent, TableName } from '@tripline/core';
import { makeEvent } from '@tripline/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEvalContext } from '../eval.js';
import type { Expr, SigmaSet } from '../ir.js';
import { compileSigma } from '../load.js';

const RULES = fileURLToPath(new URL('../../../../../shared/data/sigma/rules/', import.meta.url));
const LENGTH = 64 * 1024;

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p));
    else if (e.name.endsWith('.yml') || e.name.endsWith('.yaml')) out.push(p);
  }
  return out;
}

function literalsOf(e: Expr, out: string[]): string[] {
  if (e.kind === 'and' || e.kind === 'or') for (const a of e.args) literalsOf(a, out);
  else if (e.kind === 'not') literalsOf(e.arg, out);
  else if (e.kind === 'pred') {
    const p = e.pred;
    if (p.kind === 'string' || p.kind === 'keyword') for (const x of p.patterns) out.push(...x.literals, x.text);
    if (p.kind === 'regex') for (const r of p.regexes) out.push(...r.literals);
  }
  return out;
}

let set: SigmaSet;
let line: string;

beforeAll(() => {
  set = compileSigma(yamlFiles(RULES).map((f) => ({ text: readFileSync(f, 'utf8'), name: f.slice(RULES.length) })));
  const pieces = [...new Set(set.rules.flatMap((r) => literalsOf(r.expr, [])).filter((p) => p))].sort();
  line = pieces.join(' echo clip&& ');
  const filler = ['echo clip&&', ' "" ', '^^', '    ', "''", '%%', ' -', ' /'];
  for (let i = 0; line.length < LENGTH; i++) line += filler[i % filler.length];
  line = line.slice(0, LENGTH);
});

const identity = (table: TableName, action: string) => ({
  Timestamp: '2025-11-07T06:46:38.299848Z',
  DeviceId: '3ff9c103501f006f3bc9e85a331590b08bb8e81f',
  DeviceName: 'desktop-008.contoso.local',
  ActionType: action,
  ReportId: 7311,
  InitiatingProcessFileName: 'cmd.exe',
  InitiatingProcessFolderPath: 'C:\\Windows\\System32\\cmd.exe',
  InitiatingProcessCommandLine: line,
  InitiatingProcessAccountDomain: 'contoso',
  InitiatingProcessAccountName: 'j.doe',
  ...(table === 'DeviceProcessEvents'
    ? { FileName: 'powershell.exe', FolderPath: 'C:\\Windows\\System32\\powershell.exe', ProcessCommandLine: line }
    : {}),
  ...(table === 'DeviceFileEvents' ? { FileName: 'x.ps1', FolderPath: `C:\\Users\\Public\\${line}` } : {}),
  ...(table === 'DeviceNetworkEvents' ? { RemoteIP: '203.0.113.7', RemotePort: 443, RemoteUrl: line } : {}),
  ...(table === 'DeviceRegistryEvents'
    ? { RegistryKey: `HKEY_LOCAL_MACHINE\\SOFTWARE\\${line}`, RegistryValueName: 'Run', RegistryValueData: line }
    : {}),
});

describe('a 64 KB adversarial command line through every SigmaHQ rule', () => {
  it('is evaluated by every rule without error, and the family finds exactly what a full evaluation finds', () => {
    expect(line).toHaveLength(LENGTH);
    expect(set.rules.length).toBeGreaterThan(1700);
    const events = new Map<string, MdeEvent>();
    const eventOf = (table: TableName, action: string): MdeEvent => {
      const key = `${table} ${action}`;
      let e = events.get(key);
      if (!e) {
        e = makeEvent(table, identity(table, action));
        events.set(key, e);
      }
      return e;
    };
    let evaluated = 0;
    const full = new Map<MdeEvent, number[]>();
    set.rules.forEach((rule, i) => {
      for (const action of rule.route.actionTypes ?? ['']) {
        const e = eventOf(rule.route.table, action);
        const hit = rule.test(createEvalContext(e));
        evaluated++;
        if (hit) full.set(e, [...(full.get(e) ?? []), i]);
      }
    });
    expect(evaluated).toBeGreaterThanOrEqual(set.rules.length);
    let matched = 0;
    for (const e of events.values()) {
      const emitted: number[] = [];
      set.family.matchAll(e, (i) => emitted.push(i));
      expect(emitted).toEqual([...new Set(full.get(e) ?? [])]);
      matched += emitted.length;
    }
    // The line holds every needle: a good share of the corpus matches it.
    expect(matched).toBeGreaterThan(100);
  });
});
