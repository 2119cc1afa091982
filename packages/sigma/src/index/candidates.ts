/**
 * The candidate index: which compiled rules can match an event, found without evaluating them.
 *
 * Rules are grouped by route (table, then ActionType). Each rule is indexed by its witness clauses
 * (`witness.ts`): atoms "this view's folded value equals X" (an exact map per view) or "contains
 * needle N" (one Aho-Corasick automaton per view over all needles of the route); a rule without a
 * sound witness is evaluated on every event of its route. An event then meets only the rules whose
 * clauses it satisfies.
 */
import type { MdeEvent, TableName } from '@tripline/core';
import type { ReusableEvalContext, ViewHandle } from '../eval.js';
import type { EvalContext, EventPlatform, FieldView } from '../ir.js';
import { platformAccepts } from '../mapping/platform.js';
import { AhoCorasick } from './aho-corasick.js';
import { guardOpen, type ViewGuard, viewGuards } from './guards.js';
import { type MemoLimits, PlaceMemo } from './memo.js';
import { type Clauses, clausesOf, foldLowered, type IndexedRule, MAX_CLAUSES } from './witness.js';

export type { MemoLimits } from './memo.js';
export type { IndexedRule } from './witness.js';

/**
 * The default bounds of the memo each view keeps (see {@link CandidateIndex}): 1,024 values of up to
 * 512 code units, 64 Ki code units in all (≈ 128 KB of keys; the command-line view of a process route
 * is the one that fills it).
 */
export const DEFAULT_MEMO: MemoLimits = { entries: 1024, chars: 64 * 1024, maxLength: 512 };

/**
 * Where the index leaves, for the row being matched, the id of each value it found in or stored into a
 * view's memo: the family keys its memo of outcomes by ids of the values a rule reads (family.ts), and
 * takes them from here instead of looking the same strings up a second time. A view's memo gives each
 * value it stores a fresh id; ids are never given twice while they run, so an id names one value of
 * one view, whichever route's memo gave it.
 */
export interface IndexIds {
  /** The number the family gives a view (by its key), or -1 when it keys no outcome by that view. */
  numberOf(viewKey: string): number;
  /** A fresh id, or -1 when the ids are spent (the family then starts them again and calls {@link CandidateIndex.forgetIds}). */
  fresh(): number;
  /** By view number: `ids[n]` is the id of view n's value on the row when `stamps[n] === row`. */
  readonly stamps: Uint32Array;
  readonly ids: Float64Array;
  /** The stamp of the row being matched. */
  row: number;
}

/** Whether `ctx` is a context the family reuses (it hands out its memo's entries). */
function isReusable(ctx: EvalContext): ctx is ReusableEvalContext {
  return typeof (ctx as Partial<ReusableEvalContext>).handle === 'function';
}

/** One view of a route: its exact map and its automaton, each answering local rule indices. */
interface ViewIndex {
  readonly view: FieldView;
  /** Exact value → its slots as `slots[from[k] .. from[k + 1])` of entry k (k: the map's value). */
  readonly exact: ReadonlyMap<string, number>;
  /** Lengths of the exact values: a value of another length skips the map (no hashing of long values). */
  readonly exactLengths: ReadonlySet<number>;
  readonly automaton: AhoCorasick | undefined;
  /** Slots of every needle, then of every exact value: entry k's are `slots[from[k] .. from[k + 1])`. */
  readonly slots: Int32Array;
  readonly from: Int32Array;
  /** Marks the rules of a needle found (made once per view: no closure per event). */
  readonly onNeedle: (id: number) => void;
  /**
   * The values seen before, by the value as the event holds it (before folding), each to its place in
   * the memo (0, 1, … in the order stored; the memo is only ever emptied whole): fleets repeat their
   * values, and a lookup costs less than a fold and a scan.
   */
  readonly memo: PlaceMemo | undefined;
  /** By place in the memo: the value's entries (needles found, exact value; see `lastFound`), and its id. */
  readonly memoFound: (number | Int32Array)[];
  readonly memoIds: number[];
  /** The family's number of this view (see {@link IndexIds}), -1: none. */
  readonly idNo: number;
  /** When the view is read at all (`guards.ts`; undefined: on every row). */
  readonly guard: ViewGuard | undefined;
  /**
   * The last value scanned or found in the memo, and its entries (as the memo holds them): a row whose
   * value equals the previous row's on this view skips the memo's lookup (kept only with a memo, and
   * only a value the memo would keep).
   */
  last: string | undefined;
  lastFound: number | Int32Array;
  /** The id of `last` (-1: none). */
  lastId: number;
  /** The view's entry in the memo of `handleOf`, the reusable context this view was last read with. */
  handleOf: ReusableEvalContext | undefined;
  handle: ViewHandle | undefined;
}

/**
 * Per route: the rules (global indices, ascending), which are always evaluated, and the views. An
 * atom marks a *slot* (rule × clause: `local * MAX_CLAUSES + clause`); a rule is a candidate once
 * one slot of each of its clauses is marked.
 */
class RouteIndex {
  readonly rules: Int32Array;
  /** Local indices of the rules without clauses, ascending. */
  readonly always: Int32Array;
  readonly views: readonly ViewIndex[];
  /** Number of clauses of each local rule. */
  private readonly clauseCount: Uint8Array;
  /** Scan number that last marked each slot, and each rule; clauses of a rule held in this scan. */
  private readonly slotStamp: Uint32Array;
  private readonly ruleStamp: Uint32Array;
  private readonly held: Uint8Array;
  /** Local indices that became candidates in this scan (the first `hitCount`), in the order found. */
  private readonly hits: Int32Array;
  private hitCount = 0;
  private gen = 0;
  /** Entries found for the value being scanned (the memo's next value), the first `foundCount`. */
  private found: Int32Array = new Int32Array(16);
  private foundCount = 0;

  constructor(
    rules: readonly number[],
    clauses: readonly Clauses[],
    memoLimits: MemoLimits | undefined,
    private readonly ids: IndexIds | undefined,
  ) {
    this.rules = Int32Array.from(rules);
    this.clauseCount = new Uint8Array(rules.length);
    this.slotStamp = new Uint32Array(rules.length * MAX_CLAUSES);
    this.ruleStamp = new Uint32Array(rules.length);
    this.held = new Uint8Array(rules.length);
    this.hits = new Int32Array(rules.length);
    const always: number[] = [];
    const byView = new Map<
      string,
      { view: FieldView; exact: Map<string, Set<number>>; needles: Map<string, Set<number>> }
    >();
    rules.forEach((global, local) => {
      const cs = clauses[global]!;
      if (cs === null) {
        always.push(local);
        return;
      }
      // A clause without atoms never holds: the rule is never a candidate (no slot is ever marked).
      this.clauseCount[local] = cs.some((c) => c.length === 0) ? 255 : cs.length;
      cs.forEach((clause, k) => {
        for (const a of clause) {
          let v = byView.get(a.view.key);
          if (!v) {
            v = { view: a.view, exact: new Map(), needles: new Map() };
            byView.set(a.view.key, v);
          }
          const target = a.kind === 'exact' ? v.exact : v.needles;
          let set = target.get(a.text);
          if (!set) {
            set = new Set();
            target.set(a.text, set);
          }
          set.add(local * MAX_CLAUSES + k);
        }
      });
    });
    this.always = Int32Array.from(always);
    const views: ViewIndex[] = [];
    const guards = viewGuards(rules, clauses, [...byView.keys()]);
    for (const key of [...byView.keys()].sort()) {
      const v = byView.get(key)!;
      const needles = [...v.needles.keys()].sort();
      const lists = needles.map((n) => v.needles.get(n)!);
      const exact = new Map<string, number>();
      for (const [text, set] of v.exact) {
        exact.set(text, lists.length);
        lists.push(set);
      }
      const from = new Int32Array(lists.length + 1);
      let total = 0;
      lists.forEach((set, k) => {
        from[k] = total;
        total += set.size;
      });
      from[lists.length] = total;
      const slots = new Int32Array(total);
      lists.forEach((set, k) => {
        slots.set([...set], from[k]!);
      });
      views.push({
        view: v.view,
        exact,
        exactLengths: new Set([...exact.keys()].map((k) => k.length)),
        // Non-ASCII units share one class: a superset of the needles found, and a table of bounded width.
        automaton: needles.length ? AhoCorasick.build(needles, true) : undefined,
        slots,
        from,
        onNeedle: this.marker(slots, from),
        memo: memoLimits ? new PlaceMemo(memoLimits) : undefined,
        memoFound: [],
        memoIds: [],
        idNo: ids ? ids.numberOf(key) : -1,
        guard: guards.get(key),
        last: undefined,
        lastFound: -1,
        lastId: -1,
        handleOf: undefined,
        handle: undefined,
      });
    }
    // The guarded views after the others: their guards read what those marked.
    this.views = [...views.filter((v) => !v.guard), ...views.filter((v) => v.guard)];
  }

  /**
   * The `onNeedle` of a view. Made here, not in the constructor's loop: a closure there would share the
   * loop's scope and keep its build maps (each needle's set of slots) alive as long as the index.
   */
  private marker(slots: Int32Array, from: Int32Array): (id: number) => void {
    return (id: number) => {
      this.note(id);
      this.markAll(slots, from[id]!, from[id + 1]!);
    };
  }

  /** Mark slots (rule × clause); a rule whose every clause is now held becomes a candidate. */
  private markAll(slots: Int32Array, start: number, end: number): void {
    const gen = this.gen;
    for (let k = start; k < end; k++) {
      const slot = slots[k]!;
      if (this.slotStamp[slot] === gen) continue;
      this.slotStamp[slot] = gen;
      const r = (slot / MAX_CLAUSES) | 0;
      if (this.ruleStamp[r] !== gen) {
        this.ruleStamp[r] = gen;
        this.held[r] = 0;
      }
      if (++this.held[r]! === this.clauseCount[r]) this.hits[this.hitCount++] = r;
    }
  }

  /**
   * Leave `id` as the id of view `v`'s value on this row for the family — only when the row holds that
   * value as this very string (not a number or a boolean the view's text spells): an id names a string.
   */
  private giveId(v: ViewIndex, reusable: ReusableEvalContext | undefined, text: string, id: number): void {
    const ids = this.ids!;
    if (reusable === undefined || reusable.valueAt(v.handle!) !== text) return;
    ids.stamps[v.idNo] = ids.row;
    ids.ids[v.idNo] = id;
  }

  /** Record an entry found for the value being scanned. */
  private note(entry: number): void {
    if (this.foundCount === this.found.length) {
      const grown = new Int32Array(this.found.length * 2);
      grown.set(this.found);
      this.found = grown;
    }
    this.found[this.foundCount++] = entry;
  }

  /**
   * Fold and scan a value; remember its entries as the view's last value, and in `memo` (`-1`: none, a
   * number: one, else an array) with a fresh id. Returns that id (-1: none).
   */
  private scanValue(v: ViewIndex, text: string, lower: string, memo: PlaceMemo | undefined): number {
    this.foundCount = 0;
    const folded = foldLowered(lower);
    if (v.exactLengths.has(folded.length)) {
      const k = v.exact.get(folded);
      if (k !== undefined) {
        this.note(k);
        this.markAll(v.slots, v.from[k]!, v.from[k + 1]!);
      }
    }
    v.automaton?.scan(folded, v.onNeedle);
    const n = this.foundCount;
    const found = n === 0 ? -1 : n === 1 ? this.found[0]! : this.found.slice(0, n);
    // Like the memo, the last value is one it would keep (a longer value is folded each time).
    if (v.memo === undefined || text.length > v.memo.limits.maxLength) return -1;
    let id = -1;
    const place = memo !== undefined ? memo.add(text) : -1;
    if (place >= 0) {
      v.memoFound[place] = found;
      id = this.ids !== undefined ? this.ids.fresh() : -1;
      v.memoIds[place] = id;
    }
    v.last = text;
    v.lastFound = found;
    v.lastId = id;
    return id;
  }

  /** Forget every id the views' memos gave (the family starts its ids again): the memos are emptied. */
  forgetIds(): void {
    for (const v of this.views) {
      v.memo?.clear();
      v.last = undefined;
      v.lastId = -1;
    }
  }

  /** Call `visit` with the global index of every rule that can match (ascending). */
  candidates(ctx: EvalContext, visit: (rule: number) => void): void {
    this.gen = (this.gen + 1) >>> 0;
    if (this.gen === 0) {
      this.slotStamp.fill(0);
      this.ruleStamp.fill(0);
      this.gen = 1;
    }
    this.hitCount = 0;
    // A context the family reuses: each view is read through its entry in the context's memo, found
    // once (not looked up by the view's key on every row).
    const reusable = isReusable(ctx) ? ctx : undefined;
    for (const v of this.views) {
      if (v.guard !== undefined && !guardOpen(v.guard, this.slotStamp, this.gen)) continue;
      let text: string | undefined;
      if (reusable !== undefined) {
        if (v.handleOf !== reusable) {
          v.handleOf = reusable;
          v.handle = reusable.handle(v.view);
        }
        text = reusable.textAt(v.handle!);
      } else text = ctx.text(v.view);
      if (text === undefined) continue;
      // The previous row's value again (a string comparison, no hashing), else the memo. A value longer
      // than the memo keeps is never in it: not hashed for nothing.
      let known: number | Int32Array | undefined;
      let id = -1;
      let memo: PlaceMemo | undefined;
      if (text === v.last && v.memo !== undefined) {
        known = v.lastFound;
        id = v.lastId;
      } else {
        memo = v.memo !== undefined && text.length <= v.memo.limits.maxLength && v.memo.ready() ? v.memo : undefined;
        const place = memo?.get(text);
        if (place !== undefined) {
          known = v.memoFound[place]!;
          id = v.memoIds[place]!;
          v.last = text;
          v.lastFound = known;
          v.lastId = id;
        }
      }
      if (known !== undefined) {
        if (id >= 0 && v.idNo >= 0) this.giveId(v, reusable, text, id);
        const from = v.from;
        if (typeof known === 'number') {
          if (known >= 0) this.markAll(v.slots, from[known]!, from[known + 1]!);
        } else
          for (let i = 0; i < known.length; i++) {
            const k = known[i]!;
            this.markAll(v.slots, from[k]!, from[k + 1]!);
          }
        continue;
      }
      // The evaluator's memo lower-cases each value once; the index folds that further.
      const folded = reusable !== undefined ? reusable.foldedAt(v.handle!) : ctx.folded(v.view);
      const fresh = this.scanValue(v, text, folded!, memo);
      if (fresh >= 0 && v.idNo >= 0) this.giveId(v, reusable, text, fresh);
    }
    // The hits in ascending order: usually a few, sorted in place (no typed-array view per event).
    const hits = this.hits;
    const n = this.hitCount;
    if (n > 32) hits.subarray(0, n).sort();
    else
      for (let a = 1; a < n; a++) {
        const h = hits[a]!;
        let b = a - 1;
        while (b >= 0 && hits[b]! > h) {
          hits[b + 1] = hits[b]!;
          b--;
        }
        hits[b + 1] = h;
      }
    const always = this.always;
    const rules = this.rules;
    // Merge the hits and the always-evaluated rules, both ascending, into rule order.
    let i = 0;
    let j = 0;
    while (i < n || j < always.length) {
      if (j >= always.length || (i < n && hits[i]! < always[j]!)) visit(rules[hits[i++]!]!);
      else visit(rules[always[j++]!]!);
    }
  }
}

/** Counts that describe an index (for the benchmark and the load report's readers). */
export interface IndexStats {
  readonly rules: number;
  /** Rules without a witness: evaluated on every event of their route. */
  readonly alwaysEvaluated: number;
  /** Rules that can never match (an empty witness): never evaluated. */
  readonly neverMatch: number;
  /** Rules indexed by two or three clauses (a row must hold an atom of each). */
  readonly twoClauses: number;
  readonly routes: number;
  readonly needles: number;
  readonly exactValues: number;
}

/** An event's platform as the rules' mapping reads it (see `platformAccepts`). */
export type PlatformOf = (event: MdeEvent, ctx: EvalContext) => EventPlatform;

/** The index's partitions of a route by the event's platform: Windows, POSIX, unknown. */
const PARTITIONS: readonly EventPlatform[] = ['windows', 'posix', undefined];

function partitionOf(platform: EventPlatform): number {
  return platform === 'windows' ? 0 : platform === 'posix' ? 1 : 2;
}

/**
 * The candidate index over `rules` (rule indices are positions in that list). With `platformOf`, each
 * route is partitioned by the event's platform: a Windows row scans only the views and automata of the
 * rules that can run on Windows rows (those routed to Windows or to no platform), a POSIX row those of
 * Linux, macOS and platform-less rules, a row of unknown kind all of them. This drops only rules whose
 * own test refuses the row (`platformAccepts`), so `platformOf` must read the platform as their test does.
 *
 * Each view of a route remembers, for the values it has seen (bounded by `memo`, default
 * {@link DEFAULT_MEMO}; `false`: no memo), which of its needles and exact values they hold: the
 * candidates are the same with or without it, only found faster when values repeat.
 */
export class CandidateIndex {
  private readonly clauses: readonly Clauses[];
  private readonly byTable = new Map<string, { any: number[]; byAction: Map<string, number[]> }>();
  /** Per partition (see {@link PARTITIONS}): table → ActionType → route index. */
  private readonly routes = PARTITIONS.map(() => new Map<string, Map<string, RouteIndex | undefined>>());
  /**
   * Route indexes by their rules: ActionTypes of one table (a network table's connection kinds) and
   * partitions whose rules are the same share one index (its automata and tables), built once.
   */
  private readonly byRules = new Map<string, RouteIndex>();
  private readonly memo: MemoLimits | undefined;
  private readonly ids: IndexIds | undefined;

  constructor(
    private readonly rules: readonly IndexedRule[],
    private readonly platformOf?: PlatformOf,
    options?: { readonly memo?: MemoLimits | false | undefined; readonly ids?: IndexIds | undefined },
  ) {
    this.memo = options?.memo === false ? undefined : (options?.memo ?? DEFAULT_MEMO);
    this.ids = options?.ids;
    this.clauses = rules.map((r) => clausesOf(r.expr));
    rules.forEach((rule, i) => {
      let t = this.byTable.get(rule.route.table);
      if (!t) {
        t = { any: [], byAction: new Map() };
        this.byTable.set(rule.route.table, t);
      }
      const acts = rule.route.actionTypes;
      if (!acts?.length) t.any.push(i);
      else
        for (const a of new Set(acts)) {
          const list = t.byAction.get(a) ?? [];
          list.push(i);
          t.byAction.set(a, list);
        }
    });
  }

  /** The clauses chosen for rule `i` (null: always evaluated). */
  clausesOf(i: number): Clauses {
    return this.clauses[i]!;
  }

  /** Call `visit(i)` for each rule `i` that can match `event` (ascending); `ctx` is the event's memo. */
  candidates(event: MdeEvent, ctx: EvalContext, visit: (rule: number) => void): void {
    const partition = this.platformOf ? partitionOf(this.platformOf(event, ctx)) : 2;
    this.route(event.table, event.actionType ?? '', partition)?.candidates(ctx, visit);
  }

  /** The route index of a table, ActionType and platform partition, built on first use. */
  private route(table: TableName, action: string, partition: number): RouteIndex | undefined {
    const routes = this.routes[partition]!;
    let byAction = routes.get(table);
    if (!byAction) {
      byAction = new Map();
      routes.set(table, byAction);
    }
    // One lookup on the usual path (a route without rules is stored as undefined).
    const known = byAction.get(action);
    if (known !== undefined || byAction.has(action)) return known;
    const index = this.build(table, action, partition);
    byAction.set(action, index);
    return index;
  }

  /**
   * The route index of a route not met before. Kept out of {@link route}, which runs on every row: the
   * closures here would make V8 allocate their scope on each call of the function that holds them.
   */
  private build(table: TableName, action: string, partition: number): RouteIndex | undefined {
    const t = this.byTable.get(table);
    if (!t) return undefined;
    const specific = t.byAction.get(action) ?? [];
    const platform = PARTITIONS[partition];
    const ids = [...new Set([...t.any, ...specific])]
      .filter((i) => platformAccepts(this.rules[i]!.route, platform))
      .sort((a, b) => a - b);
    if (!ids.length) return undefined;
    const key = ids.join(',');
    let index = this.byRules.get(key);
    if (index === undefined) {
      index = new RouteIndex(ids, this.clauses, this.memo, this.ids);
      this.byRules.set(key, index);
    }
    return index;
  }

  /**
   * Build, ahead of the first event, the route index of every table, ActionType and platform
   * partition the rules name (a row of another ActionType meets the table's rules without one, whose
   * index is built here too): the automata and tables are then made when the rules are loaded, not on
   * the first rows of a run. With `partitions`, only those (`'windows'`, `'posix'`, undefined: a row
   * of unknown kind).
   */
  prepare(partitions: readonly EventPlatform[] = PARTITIONS): void {
    const parts = this.platformOf ? partitions.map(partitionOf) : [partitionOf(undefined)];
    for (const [table, t] of [...this.byTable].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))
      for (const p of parts) {
        this.route(table as TableName, '', p);
        for (const action of [...t.byAction.keys()].sort()) this.route(table as TableName, action, p);
      }
  }

  /** Forget the ids given by every route's view memos (see {@link IndexIds}). */
  forgetIds(): void {
    for (const index of this.byRules.values()) index.forgetIds();
  }

  /** Number of route indexes built so far (each distinct set of rules once). */
  builtRouteIndexes(): number {
    return this.byRules.size;
  }

  stats(): IndexStats {
    let always = 0;
    let never = 0;
    const needles = new Set<string>();
    const exact = new Set<string>();
    let twoClauses = 0;
    for (const cs of this.clauses) {
      if (cs === null) always++;
      else if (cs.some((c) => c.length === 0)) never++;
      else {
        if (cs.length > 1) twoClauses++;
        for (const c of cs)
          for (const a of c) (a.kind === 'exact' ? exact : needles).add(`${a.view.key}\u0000${a.text}`);
      }
    }
    return {
      rules: this.rules.length,
      alwaysEvaluated: always,
      neverMatch: never,
      twoClauses,
      routes: this.byTable.size,
      needles: needles.size,
      exactValues: exact.size,
    };
  }
}
