/**
 * The family serving every loaded rule: one `matchAll` per event instead of one `match` per rule. This
 * version routes by table and ActionType and evaluates every rule of the route, with one memo of field
 * values per event shared by all of them.
 */
import type { AnyDetector, DetectorFamily, TableName } from '@tripline/core';
import { type DetectorOptions, groupKey, groupViews, matchOf } from './detector.js';
import { createEvalContext } from './eval.js';
import type { CompiledRule, FieldView } from './ir.js';

interface Routed {
  readonly index: number;
  readonly rule: CompiledRule;
  readonly keyViews: readonly FieldView[];
}

/**
 * A family over `rules` and their detectors (`members[i]` is the detector of `rules[i]`). `options` are
 * the load options the members were built with (group-by).
 */
export function buildFamily(
  rules: readonly CompiledRule[],
  members: readonly AnyDetector[],
  options?: DetectorOptions,
): DetectorFamily {
  if (rules.length !== members.length) throw new Error('buildFamily: one member per rule');
  // table → ActionType ('' = any) → rules, in member order.
  const byTable = new Map<string, { any: Routed[]; byAction: Map<string, Routed[]> }>();
  const actionTypes = new Set<string>();
  let allActions = false;
  rules.forEach((rule, index) => {
    const routed: Routed = { index, rule, keyViews: options ? groupViews(rule, options.mapping, options.groupBy) : [] };
    let t = byTable.get(rule.route.table);
    if (!t) {
      t = { any: [], byAction: new Map() };
      byTable.set(rule.route.table, t);
    }
    const acts = rule.route.actionTypes;
    if (!acts?.length) {
      t.any.push(routed);
      allActions = true;
    } else
      for (const a of acts) {
        actionTypes.add(a);
        const list = t.byAction.get(a) ?? [];
        list.push(routed);
        t.byAction.set(a, list);
      }
  });
  const tables = [...byTable.keys()].sort() as TableName[];
  return {
    kind: 'detector-family',
    id: 'sigma',
    members,
    tables,
    ...(!allActions && actionTypes.size ? { actionTypes: [...actionTypes].sort() } : {}),
    matchAll(event, emit) {
      const t = byTable.get(event.table);
      if (!t) return;
      const action = event.get('ActionType');
      const specific = typeof action === 'string' ? t.byAction.get(action) : undefined;
      const candidates = specific ? mergeByIndex(t.any, specific) : t.any;
      if (candidates.length === 0) return;
      const ctx = createEvalContext(event);
      for (const c of candidates) {
        const explanations = c.rule.test(ctx);
        if (explanations) emit(c.index, matchOf(explanations, groupKey(event, c.keyViews)));
      }
    },
  };
}

/** Two index-sorted lists merged in member order. */
function mergeByIndex(a: readonly Routed[], b: readonly Routed[]): Routed[] {
  if (a.length === 0) return b as Routed[];
  const out: Routed[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.index < b[j]!.index)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}
