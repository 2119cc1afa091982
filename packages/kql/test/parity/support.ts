/**
 * Parity between an exported query and the local engine: the rows the query returns (run by the
 * interpreter) against the rows the local engine matches for the same rule (the Sigma family's
 * `matchAll`, behind the engine's routing by table and ActionType, as `analyze` runs it).
 */
import type { MdeEvent, TableName } from '@tripline/core';
import type { SigmaSet } from '@tripline/sigma';
import type { ExportedRule } from '../../src/index.js';
import { checkKql, runKql, subsetViolations } from '../../src/index.js';

export interface Disagreement {
  readonly id: string;
  readonly query: string;
  /** Rows the query returns that the local engine does not match. */
  readonly onlyKql: readonly string[];
  /** Rows the local engine matches that the query does not return. */
  readonly onlyLocal: readonly string[];
  /** The interpreter could not run the query (the construct it names). */
  readonly error?: string;
}

export interface ParityReport {
  /** Exported single-event rules compared row by row. */
  readonly compared: number;
  readonly agree: number;
  readonly disagreements: readonly Disagreement[];
  /** Rules whose local matches include at least one row of the corpus (the comparisons with positives). */
  readonly withPositives: number;
  /** Rows matched locally and returned by the query, over all rules. */
  readonly positivesAgreed: number;
  /** Queries with diagnostics (`checkKql`) or constructs outside the subset, by rule id. */
  readonly invalid: readonly { readonly id: string; readonly problems: readonly string[] }[];
  /** Exported correlations (compared elsewhere: their rows are groups, not events). */
  readonly correlations: number;
  readonly refused: number;
  /** The rows each compared rule's query returned, by rule id. */
  readonly returned: ReadonlyMap<string, ReadonlySet<MdeEvent>>;
  /** The rows the local engine matched, by rule id. */
  readonly local: ReadonlyMap<string, ReadonlySet<MdeEvent>>;
}

/** Detector ids of the rules the local engine matches, per event (engine routing applied). */
export function localHits(set: SigmaSet, events: readonly MdeEvent[]): Map<string, Set<MdeEvent>> {
  const hits = new Map<string, Set<MdeEvent>>();
  const family = set.family;
  const tables = new Set<string>(family.tables);
  const actionTypes = family.actionTypes ? new Set(family.actionTypes) : undefined;
  for (const event of events) {
    if (!tables.has(event.table)) continue;
    if (actionTypes && !actionTypes.has(event.actionType ?? '')) continue;
    family.matchAll(event, (member) => {
      const m = family.members[member];
      if (!m) return;
      if (!m.meta.tables.includes(event.table)) return;
      if (m.meta.actionTypes && !m.meta.actionTypes.includes(event.actionType ?? '')) return;
      let set = hits.get(m.meta.id);
      if (!set) {
        set = new Set();
        hits.set(m.meta.id, set);
      }
      set.add(event);
    });
  }
  return hits;
}

export function byTable(events: readonly MdeEvent[]): Partial<Record<TableName, MdeEvent[]>> {
  const out: Partial<Record<TableName, MdeEvent[]>> = {};
  for (const e of events) {
    const list = out[e.table] ?? [];
    list.push(e);
    out[e.table] = list;
  }
  return out;
}

/** Compare every exported Sigma rule with the local engine over `events`. */
export function parity(
  set: SigmaSet,
  exported: readonly ExportedRule[],
  events: readonly MdeEvent[],
  label: (e: MdeEvent) => string,
): ParityReport {
  const hits = localHits(set, events);
  const tables = byTable(events);
  const disagreements: Disagreement[] = [];
  const invalid: { id: string; problems: string[] }[] = [];
  let compared = 0;
  let agree = 0;
  let withPositives = 0;
  let positivesAgreed = 0;
  let correlations = 0;
  let refused = 0;
  const returnedBy = new Map<string, Set<MdeEvent>>();
  for (const rule of exported) {
    if (!rule.ok) {
      refused++;
      continue;
    }
    const text = rule.query.text;
    const problems = [
      ...checkKql(text).map((d) => `${d.code} ${d.message} at ${d.start}`),
      ...subsetViolations(text).map((v) => `not in the subset: ${v.kind} ${v.name}`),
    ];
    if (problems.length > 0) invalid.push({ id: rule.source.id, problems });
    if (rule.source.kind !== 'sigma') {
      correlations++;
      continue;
    }
    compared++;
    const local = hits.get(rule.source.id) ?? new Set<MdeEvent>();
    if (local.size > 0) withPositives++;
    let returned: Set<MdeEvent>;
    try {
      returned = new Set(runKql(text, tables).rows.flatMap((r) => r.events));
    } catch (error) {
      disagreements.push({
        id: rule.source.id,
        query: text,
        onlyKql: [],
        onlyLocal: [...local].map(label),
        error: (error as Error).message,
      });
      continue;
    }
    returnedBy.set(rule.source.id, returned);
    const onlyKql = [...returned].filter((e) => !local.has(e)).map(label);
    const onlyLocal = [...local].filter((e) => !returned.has(e)).map(label);
    positivesAgreed += [...local].filter((e) => returned.has(e)).length;
    if (onlyKql.length === 0 && onlyLocal.length === 0) agree++;
    else disagreements.push({ id: rule.source.id, query: text, onlyKql, onlyLocal });
  }
  return {
    compared,
    agree,
    disagreements,
    withPositives,
    positivesAgreed,
    invalid,
    correlations,
    refused,
    returned: returnedBy,
    local: hits,
  };
}
