/**
 * The family serving every loaded rule: one `matchAll` per event instead of one `match` per rule. The
 * candidate index (`index/candidates.ts`) finds, per table and ActionType, the few rules whose literal
 * witness the event's values hold; only those are evaluated, in member order, with one memo of field
 * values per event shared by all of them.
 */
import type { AnyDetector, DetectorFamily, MdeEvent, TableName } from '@tripline/core';
import { type DetectorOptions, exprViews, groupKey, groupViews, matchLines, matchOfLines } from './detector.js';
import { createEvalContext, type ReusableEvalContext, type SigmaEvalContext, type ViewHandle } from './eval.js';
import { CandidateIndex, type IndexIds } from './index/candidates.js';
import { type MemoLimits, NumberKeyedMemo } from './index/memo.js';
import { OutcomeKeys, stringKey } from './index/outcome-key.js';
import type { CompiledRule, EventPlatform, FieldView, SigmaFieldValue } from './ir.js';

/** The emit a family holds between calls: none (a call after matchAll returned cannot happen). */
const RELEASED: Parameters<DetectorFamily['matchAll']>[1] = () => undefined;
/** Bounds of the family's memo of outcomes (see {@link buildFamily} and `NumberKeyedMemo`). */
export const DEFAULT_MISS_MEMO: MemoLimits = { entries: 4096, chars: 512 * 1024, maxLength: 1024 };

/** Rules that read more views than this are not memoised (their keys would be long and rarely repeat). */
const MEMO_MAX_VIEWS = 4;

/** What `missKey` made: no key (a value too long to keep), a number key, a string key. */
const KEY_NONE = 0;
const KEY_NUMBER = 1;
const KEY_STRING = 2;

/** Ids of the values that are not strings or numbers; the ids of strings and numbers start after them. */
const FIXED_IDS = 4;

/** Ids are numbers below this (then every map of ids is emptied and the counter starts again). */
const MAX_ID = 2 ** 32;

/**
 * Small ids for the values of one view, so that a key of the memo of outcomes names a long value (a
 * command line) by a number instead of holding it. Ids are never reused while the family's counter
 * runs: when a map is emptied to keep its bounds, keys made with the old ids can no longer be made
 * again, so no key ever stands for two values. (When the counter itself is spent, the memo of
 * outcomes is emptied with every map of ids.)
 */
class ValueIds {
  private readonly strings = new Map<string, number>();
  private readonly numbers = new Map<number, number>();
  private chars = 0;

  constructor(
    private readonly limits: MemoLimits,
    private readonly counter: { next: number },
  ) {}

  /** The id of `v`, or undefined when it is a string longer than the memo keeps. */
  of(v: SigmaFieldValue): number | undefined {
    if (typeof v === 'string') {
      const known = this.strings.get(v);
      if (known !== undefined) return known;
      if (v.length > this.limits.maxLength) return undefined;
      const id = this.fresh(v.length);
      this.strings.set(v, id);
      return id;
    }
    if (typeof v === 'number') {
      const known = this.numbers.get(v);
      if (known !== undefined) return known;
      const id = this.fresh(8);
      this.numbers.set(v, id);
      return id;
    }
    if (v === undefined) return 0;
    if (v === null) return 1;
    return v ? 2 : 3;
  }

  clear(): void {
    this.strings.clear();
    this.numbers.clear();
    this.chars = 0;
  }

  private fresh(length: number): number {
    const limits = this.limits;
    if (this.strings.size + this.numbers.size >= limits.entries || this.chars + length > limits.chars) this.clear();
    this.chars += length;
    return this.counter.next++;
  }
}

/** 0 for a rule that does not read the platform; else 1, 2, 3 by the row's platform. */
function platformCode(p: EventPlatform): number {
  return p === 'windows' ? 1 : p === 'posix' ? 2 : 3;
}

/** Options of {@link buildFamily} beyond the members' own. */
export interface FamilyTuning {
  /** The candidate index's memo of values per view (`false`: none). */
  readonly indexMemo?: MemoLimits | false;
  /**
   * The memo of outcomes: rules that did not match given values, and the "why it matched" lines of
   * those that did (`false`: none).
   */
  readonly missMemo?: MemoLimits | false;
  /**
   * Ids given to values before the memo of outcomes starts again, emptied (default 2^32; at most 2^32:
   * a smaller figure makes tests reach the restart).
   */
  readonly valueIds?: number;
}

/**
 * A family over `rules` and their detectors (`members[i]` is the detector of `rules[i]`). `options` are
 * the load options the members were built with (group-by).
 *
 * A rule's result is a function of the values of the few views it reads (and, for a rule routed to one
 * platform, of the row's platform): the family remembers, for rules reading at most four views, the
 * outcome of a rule on given values — no match, or the "why it matched" lines of its match, which are
 * a function of the same values — and does not evaluate it again on them. Fleets repeat the same
 * images and command lines on every device; a rule without a sound literal witness (only `not`
 * filters) or with a common one is then evaluated once per distinct value, not once per row, and so is
 * a rule that matches a common benign value. A remembered match is emitted with the row's own group
 * key. Outcomes are kept within bounds, and the memo rests when the values do not repeat
 * (`NumberKeyedMemo`).
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
  const mapping = options?.mapping;
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
  // Keys: the rule, the platform and the ids of the values it reads, as one number while the ids are
  // small enough, else as a string of the same parts (`OutcomeKeys`).
  // Outcomes: `true` for no match, else the match's lines (frozen: every emit of them shares them).
  const outcomes = missLimits ? new NumberKeyedMemo<true | readonly string[]>(missLimits) : undefined;
  // The ids of each memoised view's values, by view key (one map per view, shared by the rules).
  const counter = { next: FIXED_IDS };
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
  const ruleCount = rules.length;
  const maxId = Math.min(MAX_ID, tuning?.valueIds ?? MAX_ID);
  const keys = new OutcomeKeys(ruleCount, MEMO_MAX_VIEWS);
  // The id of each memoised view's value is looked up once per row, whichever rules read the view:
  // views are numbered, and `idOf[n]` holds view n's id while `idStamp[n]` is the row's stamp (-1:
  // a value longer than the memo keeps).
  const viewNos = new Map<string, number>();
  const memoNos = memoViews.map((views) =>
    views === undefined
      ? undefined
      : Int32Array.from(views, (v) => {
          let n = viewNos.get(v.key);
          if (n === undefined) {
            n = viewNos.size;
            viewNos.set(v.key, n);
          }
          return n;
        }),
  );
  // Each numbered view's entry in the family's context (one context for the family's life: found on
  // its first row, then kept).
  const handles: (ViewHandle | undefined)[] = new Array<ViewHandle | undefined>(viewNos.size).fill(undefined);
  const idStamp = new Uint32Array(viewNos.size);
  const idOf = new Float64Array(viewNos.size);
  let rowStamp = 0;
  // The candidate index gives the ids of the values its view memos hold (one lookup of a value per
  // row, not one by the index and another here): they come from the same counter as the ids of
  // `ValueIds`, so that no id ever names two values, and land in `idOf` for the row.
  const indexIds: IndexIds = {
    numberOf: (key) => viewNos.get(key) ?? -1,
    fresh: () => (counter.next < maxId ? counter.next++ : -1),
    stamps: idStamp,
    ids: idOf,
    row: 0,
  };
  /** A new stamp: every id remembered for the row is forgotten (a new row, or ids started again). */
  const nextStamp = (): void => {
    rowStamp = (rowStamp + 1) >>> 0;
    if (rowStamp === 0) {
      idStamp.fill(0);
      rowStamp = 1;
    }
    indexIds.row = rowStamp;
  };
  // Rules test the event's platform with their mapping's `eventPlatform` (memoised per event): the
  // index reads it alike, so a row meets only the rules of its platform.
  const index = new CandidateIndex(
    rules,
    mapping?.eventPlatform ? (_event, ctx) => (ctx as SigmaEvalContext).platform(mapping) : undefined,
    { memo: tuning?.indexMemo, ids: missLimits !== undefined && viewNos.size > 0 ? indexIds : undefined },
  );
  // The route indexes are built with the family (when the rules are loaded), not on a run's first rows.
  index.prepare(['windows', 'posix']);
  // The ids of the rule being keyed (no array per visit), and its key when a number (kept in a typed
  // array: a number key is never boxed on its way to the memo).
  const scratch = new Float64Array(MEMO_MAX_VIEWS);
  const numberKey = new Float64Array(1);
  let stringKeyMade = '';
  /**
   * The key of rule `i` on the event's values: `KEY_NUMBER` (the key in `numberKey[0]`), `KEY_STRING`
   * (the key in `stringKeyMade`), or `KEY_NONE` when one of the values is too long to keep.
   */
  const missKey = (i: number, c: ReusableEvalContext, views: readonly FieldView[]): number => {
    if (counter.next >= maxId) {
      for (const ids of idsByView.values()) ids.clear();
      index.forgetIds();
      outcomes!.clear();
      counter.next = FIXED_IDS;
      // Ids given before the restart may be given again to other values: none is reused from the row.
      nextStamp();
    }
    const ids = memoIds[i]!;
    const nos = memoNos[i]!;
    const p = readsPlatform[i] ? platformCode(c.platform(mapping!)) : 0;
    for (let k = 0; k < views.length; k++) {
      const n = nos[k]!;
      let id: number;
      if (idStamp[n] === rowStamp) id = idOf[n]!;
      else {
        let h = handles[n];
        if (h === undefined) h = handles[n] = c.handle(views[k]!);
        id = ids[k]!.of(c.valueAt(h)) ?? -1;
        idStamp[n] = rowStamp;
        idOf[n] = id;
      }
      if (id < 0) return KEY_NONE;
      scratch[k] = id;
    }
    const n = keys.numberKey(i, p, scratch, views.length);
    if (n >= 0) {
      numberKey[0] = n;
      return KEY_NUMBER;
    }
    stringKeyMade = stringKey(i, p, scratch, views.length);
    return KEY_STRING;
  };

  // The event being matched (matchAll is synchronous and does not re-enter): one visitor for all events.
  let event: MdeEvent;
  // One context for every event, reset per event (the explanations keep strings, never the context).
  let ctx: ReusableEvalContext | undefined;
  let emit: Parameters<DetectorFamily['matchAll']>[1] = RELEASED;
  const visit = (i: number): void => {
    const c = ctx!;
    const views = memoViews[i];
    let keyed = KEY_NONE;
    let key = 0;
    let text = '';
    if (views !== undefined && views.length > 0 && outcomes!.ready()) {
      keyed = missKey(i, c, views);
      key = numberKey[0]!;
      text = stringKeyMade;
      if (keyed !== KEY_NONE) {
        const known = keyed === KEY_NUMBER ? outcomes!.getNumber(key) : outcomes!.getString(text);
        if (known === true) return;
        if (known !== undefined) {
          emit(i, matchOfLines(known, groupKey(event, keyViews[i]!)));
          return;
        }
      }
    }
    const explanations = rules[i]!.test(c);
    const outcome: true | readonly string[] = explanations ? Object.freeze(matchLines(explanations)) : true;
    if (keyed === KEY_NUMBER) outcomes!.setNumber(key, outcome);
    else if (keyed === KEY_STRING) outcomes!.setString(text, outcome);
    if (outcome !== true) emit(i, matchOfLines(outcome, groupKey(event, keyViews[i]!)));
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
      nextStamp();
      if (ctx === undefined) ctx = createEvalContext(e);
      else ctx.reset(e);
      try {
        index.candidates(e, ctx, visit);
      } finally {
        // The engine's emit (and through it the analyzer's groups) must not outlive the call: a
        // family kept for another run would otherwise hold the last analyzer alive after finish().
        emit = RELEASED;
      }
    },
  };
}
