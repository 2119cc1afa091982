/**
 * Evaluation of compiled rules on one event: a per-event memo of field views shared by every rule, and
 * the walk of a rule's expression that collects "why it matched".
 */
import type { MdeEvent } from '@tripline/core';
import type {
  EvalContext,
  EventPlatform,
  Expr,
  FieldView,
  MatchExplanation,
  Pred,
  SigmaFieldValue,
  SigmaMapping,
} from './ir.js';
import { type CompiledPattern, normaliseDashes } from './strings.js';

/** Longest event value an explanation shows (characters). */
export const EXPLAIN_VALUE_MAX = 200;

/** Not computed yet (for the event of the entry's generation). */
const UNSET: unique symbol = Symbol('unset');
type Lazy = string | undefined | typeof UNSET;

interface Memo {
  readonly view: FieldView;
  /** The context generation (event) the entry holds values of. */
  gen: number;
  value: SigmaFieldValue;
  text: string | undefined;
  folded: Lazy;
  dashed: Lazy;
  dashedCased: Lazy;
}

/** The evaluator's context: the contract's memo plus dash-normalised forms for `windash`. */
export interface SigmaEvalContext extends EvalContext {
  /** `folded` (or `text` when `cased`) with every windash dash as `-`. */
  dashed(view: FieldView, cased: boolean): string | undefined;
  /** The kind of device of the event by the mapping's `eventPlatform` (asked once per event). */
  platform(mapping: SigmaMapping): EventPlatform;
}

/** A view's entry in a context's memo (opaque): see {@link ReusableEvalContext.handle}. */
export interface ViewHandle {
  readonly view: FieldView;
}

/** A context the family reuses from one event to the next (no objects made per event). */
export interface ReusableEvalContext extends SigmaEvalContext {
  /** Forget the previous event's values and read `event` from now on. */
  reset(event: MdeEvent): void;
  /**
   * The entry of `view` in this context's memo, for a caller that reads the view on every event: it
   * keeps the handle for the context's life and reads the view with `valueAt`, `textAt`, `foldedAt`
   * without looking the view up by its key.
   */
  handle(view: FieldView): ViewHandle;
  valueAt(handle: ViewHandle): SigmaFieldValue;
  textAt(handle: ViewHandle): string | undefined;
  foldedAt(handle: ViewHandle): string | undefined;
}

function toText(v: SigmaFieldValue): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'string' ? v : String(v);
  return s.length === 0 ? undefined : s;
}

/**
 * The per-event memo: methods on the prototype (no closures per event), a map of views read whose
 * entries carry the generation of the event they were read from: a context reset for the next event
 * reuses its entries instead of making new ones.
 */
class Context implements ReusableEvalContext {
  private readonly memo = new Map<string, Memo>();
  private gen = 0;
  private platformOf: SigmaMapping | undefined;
  private platformIs: EventPlatform;

  constructor(public event: MdeEvent) {}

  reset(event: MdeEvent): void {
    this.event = event;
    this.gen++;
    this.platformOf = undefined;
    this.platformIs = undefined;
  }

  handle(view: FieldView): ViewHandle {
    let m = this.memo.get(view.key);
    if (m === undefined) {
      m = { view, gen: -1, value: undefined, text: undefined, folded: UNSET, dashed: UNSET, dashedCased: UNSET };
      this.memo.set(view.key, m);
    }
    return m;
  }

  /** The entry, read for this event when it holds an earlier one's values. */
  private current(m: Memo): Memo {
    if (m.gen !== this.gen) {
      const value = m.view.get(this.event);
      m.gen = this.gen;
      m.value = value;
      m.text = toText(value);
      m.folded = UNSET;
      m.dashed = UNSET;
      m.dashedCased = UNSET;
    }
    return m;
  }

  private entry(view: FieldView): Memo {
    return this.current(this.handle(view) as Memo);
  }

  value(view: FieldView): SigmaFieldValue {
    return this.entry(view).value;
  }

  text(view: FieldView): string | undefined {
    return this.entry(view).text;
  }

  folded(view: FieldView): string | undefined {
    return this.foldedOf(this.entry(view));
  }

  valueAt(handle: ViewHandle): SigmaFieldValue {
    return this.current(handle as Memo).value;
  }

  textAt(handle: ViewHandle): string | undefined {
    return this.current(handle as Memo).text;
  }

  foldedAt(handle: ViewHandle): string | undefined {
    return this.foldedOf(this.current(handle as Memo));
  }

  private foldedOf(m: Memo): string | undefined {
    if (m.folded === UNSET) m.folded = m.text?.toLowerCase();
    return m.folded;
  }

  platform(mapping: SigmaMapping): EventPlatform {
    if (this.platformOf !== mapping) {
      this.platformOf = mapping;
      this.platformIs = mapping.eventPlatform?.(this.event);
    }
    return this.platformIs;
  }

  dashed(view: FieldView, cased: boolean): string | undefined {
    const m = this.entry(view);
    if (cased) {
      if (m.dashedCased === UNSET) m.dashedCased = m.text === undefined ? undefined : normaliseDashes(m.text);
      return m.dashedCased;
    }
    if (m.dashed === UNSET) {
      const folded = this.foldedOf(m);
      m.dashed = folded === undefined ? undefined : normaliseDashes(folded);
    }
    return m.dashed;
  }
}

/** A fresh context for one event (`reset` moves it to another). */
export function createEvalContext(event: MdeEvent): ReusableEvalContext {
  return new Context(event);
}

/** Where a predicate came from, and how to show what it matched. */
export interface ExplainSink {
  push(e: MatchExplanation): void;
}

/** Clip an event value for an explanation. */
export function clip(s: string): string {
  return s.length > EXPLAIN_VALUE_MAX ? `${s.slice(0, EXPLAIN_VALUE_MAX - 1)}…` : s;
}

/** The value a string predicate compares: folded or not, dash-normalised or not. */
function stringValue(ctx: SigmaEvalContext, view: FieldView, cased: boolean, windash: boolean): string | undefined {
  if (windash) return ctx.dashed(view, cased);
  return cased ? ctx.text(view) : ctx.folded(view);
}

/**
 * Test one predicate. When `out` is given and the predicate holds, the explanation (pattern as written,
 * the event's value) is pushed.
 */
export function testPred(
  pred: Pred,
  ctx: SigmaEvalContext,
  out: MatchExplanation[] | undefined,
  origin: { selection: string; item: string },
): boolean {
  switch (pred.kind) {
    case 'string': {
      const v = stringValue(ctx, pred.view, pred.cased, pred.windash);
      if (v === undefined) return false;
      const patterns = pred.patterns as readonly CompiledPattern[];
      if (pred.all) {
        for (const p of patterns) if (!p.match(v)) return false;
        if (out) explain(out, origin, pred.view, patterns.map((p) => p.written).join(' and '), ctx);
        return true;
      }
      for (const p of patterns)
        if (p.match(v)) {
          if (out) explain(out, origin, pred.view, p.written, ctx);
          return true;
        }
      return false;
    }
    case 'keyword': {
      const patterns = pred.patterns as readonly CompiledPattern[];
      for (const view of pred.views) {
        const v = ctx.folded(view);
        if (v === undefined) continue;
        if (pred.all) {
          if (patterns.every((p) => p.match(v))) {
            if (out) explain(out, origin, view, patterns.map((p) => p.written).join(' and '), ctx);
            return true;
          }
          continue;
        }
        for (const p of patterns)
          if (p.match(v)) {
            if (out) explain(out, origin, view, p.written, ctx);
            return true;
          }
      }
      // `all` over keywords may be satisfied across several fields: each pattern explained where it held.
      if (pred.all) {
        const where: FieldView[] = [];
        for (const p of patterns) {
          const view = pred.views.find((v) => {
            const text = ctx.folded(v);
            return text !== undefined && p.match(text);
          });
          if (view === undefined) return false;
          where.push(view);
        }
        if (out) for (let i = 0; i < patterns.length; i++) explain(out, origin, where[i]!, patterns[i]!.written, ctx);
        return true;
      }
      return false;
    }
    case 'regex': {
      const v = ctx.text(pred.view);
      if (v === undefined) return false;
      if (pred.all) {
        for (const r of pred.regexes) if (!r.test(v)) return false;
        if (out) explain(out, origin, pred.view, pred.regexes.map((r) => r.source).join(' and '), ctx);
        return true;
      }
      for (const r of pred.regexes)
        if (r.test(v)) {
          if (out) explain(out, origin, pred.view, r.source, ctx);
          return true;
        }
      return false;
    }
    case 'cidr': {
      const v = ctx.text(pred.view);
      if (v === undefined || !pred.test(v)) return false;
      if (out) explain(out, origin, pred.view, pred.ranges.join(', '), ctx);
      return true;
    }
    case 'number': {
      const raw = ctx.value(pred.view);
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      if (Number.isNaN(n)) return false;
      const ok =
        pred.op === 'neq'
          ? pred.values.every((x) => n !== x)
          : pred.values.some((x) =>
              pred.op === 'eq'
                ? n === x
                : pred.op === 'lt'
                  ? n < x
                  : pred.op === 'lte'
                    ? n <= x
                    : pred.op === 'gt'
                      ? n > x
                      : n >= x,
            );
      if (ok && out) explain(out, origin, pred.view, `${pred.op} ${pred.values.join(', ')}`, ctx);
      return ok;
    }
    case 'null':
      return ctx.text(pred.view) === undefined;
    case 'exists': {
      const v = ctx.value(pred.view);
      return (v !== undefined && v !== null) === pred.exists;
    }
    case 'fieldref': {
      const a = pred.cased ? ctx.text(pred.view) : ctx.folded(pred.view);
      const b = pred.cased ? ctx.text(pred.other) : ctx.folded(pred.other);
      if (a === undefined || b === undefined) return false;
      const ok =
        pred.anchor === 'exact'
          ? a === b
          : pred.anchor === 'prefix'
            ? a.startsWith(b)
            : pred.anchor === 'suffix'
              ? a.endsWith(b)
              : a.includes(b);
      if (ok && out) explain(out, origin, pred.view, `the value of ${pred.other.field}`, ctx);
      return ok;
    }
    case 'never':
      return false;
  }
}

function explain(
  out: MatchExplanation[],
  origin: { selection: string; item: string },
  view: FieldView,
  pattern: string,
  ctx: SigmaEvalContext,
): void {
  out.push({
    selection: origin.selection,
    item: origin.item,
    field: view.field,
    pattern,
    value: clip(ctx.text(view) ?? ''),
  });
}

/**
 * Evaluate an expression. Explanations are collected only on the positive path (`out` is dropped under
 * `not`, and an `or` keeps only the branch that decided it).
 */
export function evalExpr(expr: Expr, ctx: SigmaEvalContext, out: MatchExplanation[] | undefined): boolean {
  switch (expr.kind) {
    case 'const':
      return expr.value;
    case 'pred':
      return testPred(expr.pred, ctx, out, expr.origin);
    case 'not':
      return !evalExpr(expr.arg, ctx, undefined);
    case 'and': {
      const mark = out?.length ?? 0;
      for (const a of expr.args)
        if (!evalExpr(a, ctx, out)) {
          if (out) out.length = mark;
          return false;
        }
      return true;
    }
    case 'or':
      for (const a of expr.args) if (evalExpr(a, ctx, out)) return true;
      return false;
  }
}
