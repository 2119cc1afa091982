/**
 * The family serving every loaded rule: one `matchAll` per event instead of one `match` per rule. The
 * candidate index (`index/candidates.ts`) finds, per table and ActionType, the few rules whose literal
 * witness the event's values hold; only those are evaluated, in member order, with one memo of field
 * values per event shared by all of them.
 */
import type { AnyDetector, DetectorFamily, MdeEvent, TableName } from '@tripline/core';
import { type DetectorOptions, exprViews, groupKey, groupViews, matchOf } from './detector.js';
import { createEvalContext, type ReusableEvalContext, type SigmaEvalContext } from './eval.js';
import { CandidateIndex } from './index/candidates.js';
import { BoundedMemo, type MemoLimits } from './index/memo.js';
import type { CompiledRule, EventPlatform, FieldView, SigmaFieldValue } from './ir.js';

/** Bounds of the family's memo of misses (see {@link buildFamily} and `BoundedMemo`). */
export const DEFAULT_MISS_MEMO: MemoLimits = { entries: 4096, chars: 512 * 1024, maxLength: 1024 };

/** Rules that read more views than this are not memoised (their keys would be long and rarely repeat). */
const MEMO_MAX_VIEWS = 4;

/**
 * Small ids for the values of one view, so that a key of the memo of misses names a long value (a
 * command line) by a few digits instead of holding it. Ids are never reused (the counter is the
 * family's): when the map is emptied to keep its bounds, keys made with the old ids can no longer be
 * made again, so no key ever stands for two values.
 */
class ValueIds {
  private readonly map = new Map<string, number>();
  private chars = 0;

  constructor(
    private readonly limits: MemoLimits,
    private readonly counter: { next: number },
  ) {}

  /** The id of `s`, or undefined when it is longer than the memo keeps. */
  of(s: string): number | undefined {
    const known = this.map.get(s);
    if (known !== undefined) return known;
    const limits = this.limits;
    if (s.length > limits.maxLength) return undefined;
    if (this.map.size >= limits.entries || this.chars + s.length > limits.chars) {
      this.map.clear();
      this.chars = 0;
    }
    const id = this.counter.next++;
    this.map.set(s, id);
    this.chars += s.length;
    return id;
  }
}

/** A self-delimiting spelling of a value (strings by their id): distinct values give distinct strings. */
function valueKey(v: SigmaFieldValue, ids: ValueIds): string | undefined {
  if (typeof v === 'string') {
    const id = ids.of(v);
    return id === undefined ? undefined : `s${id};`;
  }
  if (typeof v === 'number') return `n${v};`;
  if (v === undefined) return 'u';
  if (v === null) return 'z';
  return v ? 't' : 'f';
}

function platformKey(p: EventPlatform): string {
  return p === 'windows' ? 'w' : p === 'posix' ? 'p' : '?';
}

/** Options of {@link buildFamily} beyond the members' own. */
export interface FamilyTuning {
  /** The candidate index's memo of values per view (`false`: none). */
  readonly indexMemo?: MemoLimits | false;
  /** The memo of rules that did not match given values (`false`: none). */
  readonly missMemo?: MemoLimits | false;
}

/**
 * A family over `rules` and their detectors (`members[i]` is the detector of `rules[i]`). `options` are
 * the load options the members were built with (group-by).
 *
 * A rule's result is a function of the values of the few views it reads (and, for a rule routed to one
 * platform, of the row's platform): the family remembers, for rules reading at most four views, the
 * values on which a rule did not match, and does not evaluate it again on the same values. Fleets repeat
 * the same images and command lines on every device; a rule without a sound literal witness (only
 * `not` filters) or with a common one is then evaluated once per distinct value, not once per row.
 * Only misses are kept (a match is evaluated each time for its explanations), within bounds, and the
 * memo rests when the values do not repeat (`BoundedMemo`).
 */
export function buildFamily(
  rules: readonly CompiledRule[],
  members: readonly AnyDetector[],
  options?: DetectorOptions,
  tuning?: FamilyTuning,
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
    { memo: tuning?.indexMemo },
  );
  const missLimits = tuning?.missMemo === false ? undefined : (tuning?.missMemo ?? DEFAULT_MISS_MEMO);
  // Per rule: the views its result depends on (distinct), or undefined when it is not memoised.
  const memoViews = rules.map((rule): readonly FieldView[] | undefined => {
    if (missLimits === undefined) return undefined;
    const byKey = new Map<string, FieldView>();
    for (const v of exprViews(rule.expr)) byKey.set(v.key, v);
    return byKey.size <= MEMO_MAX_VIEWS ? [...byKey.keys()].sort().map((k) => byKey.get(k)!) : undefined;
  });
  // A rule whose test reads the row's platform: the platform is part of its key.
  const readsPlatform = rules.map((rule) => rule.route.platform !== undefined && !!mapping?.eventPlatform);
  const misses = missLimits ? new BoundedMemo<true>(missLimits) : undefined;
  // The ids of each memoised view's values, by view key (one map per view, shared by the rules).
  const counter = { next: 0 };
  const idsByView = new Map<string, ValueIds>();
  const memoIds = memoViews.map((views) =>
    views?.map((v) => {
      let ids = idsByView.get(v.key);
      if (ids === undefined) {
        ids = new ValueIds(missLimits!, counter);
        idsByView.set(v.key, ids);
      }
      return ids;
    }),
  );

  // The event being matched (matchAll is synchronous and does not re-enter): one visitor for all events.
  let event: MdeEvent;
  // One context for every event, reset per event (the explanations keep strings, never the context).
  let ctx: ReusableEvalContext | undefined;
  let emit: Parameters<DetectorFamily['matchAll']>[1];
  const visit = (i: number): void => {
    const c = ctx!;
    const views = memoViews[i];
    let key: string | undefined;
    if (views !== undefined && misses!.ready()) {
      const ids = memoIds[i]!;
      key = `${i}${readsPlatform[i] ? platformKey(c.platform(mapping!)) : '.'}`;
      for (let k = 0; k < views.length; k++) {
        const part = valueKey(c.value(views[k]!), ids[k]!);
        if (part === undefined) {
          key = undefined;
          break;
        }
        key += part;
      }
      if (key !== undefined && misses!.get(key)) return;
    }
    const explanations = rules[i]!.test(c);
    if (explanations) emit(i, matchOf(explanations, groupKey(event, keyViews[i]!)));
    else if (key !== undefined) misses!.set(key, true);
  };
  return {
    kind: 'detector-family',
    id: 'sigma',
    members,
    tables: [...tableSet].sort(),
    ...(!allActions && actionTypes.size ? { actionTypes: [...actionTypes].sort() } : {}),
    matchAll(e, emitMatch) {
      event = e;
      emit = emitMatch;
      if (ctx === undefined) ctx = createEvalContext(e);
      else ctx.reset(e);
      index.candidates(e, ctx, visit);
    },
  };
}
