/**
 * The family serving every loaded rule: one `matchAll` per event instead of one `match` per rule. The
 * candidate index (`index/candidates.ts`) finds, per table and ActionType, the few rules whose literal
 * witness the event's values hold; only those are evaluated, in member order, with one memo of field
 * values per event shared by all of them.
 */
import type { AnyDetector, DetectorFamily, TableName } from '@tripline/core';
import { type DetectorOptions, groupKey, groupViews, matchOf } from './detector.js';
import { createEvalContext, type SigmaEvalContext } from './eval.js';
import { CandidateIndex } from './index/candidates.js';
import type { CompiledRule, FieldView } from './ir.js';

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
  const keyViews: readonly (readonly FieldView[])[] = rules.map((rule) =>
    options ? groupViews(rule, options.mapping, options.groupBy) : [],
  );
  const tableSet = new Set<TableName>();
  const actionTypes = new Set<string>();
  let allActions = false;
  for (const rule of rules) {
    tableSet.add(rule.route.table);
    const acts = rule.route.actionTypes;
    if (!acts?.length) allActions = true;
    else for (const a of acts) actionTypes.add(a);
  }
  // Rules test the event's platform with their mapping's `eventPlatform` (memoised per event): the
  // index reads it alike, so a row meets only the rules of its platform.
  const mapping = options?.mapping;
  const index = new CandidateIndex(
    rules,
    mapping?.eventPlatform ? (_event, ctx) => (ctx as SigmaEvalContext).platform(mapping) : undefined,
  );
  return {
    kind: 'detector-family',
    id: 'sigma',
    members,
    tables: [...tableSet].sort(),
    ...(!allActions && actionTypes.size ? { actionTypes: [...actionTypes].sort() } : {}),
    matchAll(event, emit) {
      const ctx = createEvalContext(event);
      index.candidates(event, ctx, (i) => {
        const explanations = rules[i]!.test(ctx);
        if (explanations) emit(i, matchOf(explanations, groupKey(event, keyViews[i]!)));
      });
    },
  };
}
