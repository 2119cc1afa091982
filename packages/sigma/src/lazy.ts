/**
 * Compiled rules that let go of their expression (and, when their source text is small, of their
 * parsed document) once the set is built, and make them again when they are asked for.
 *
 * A loaded set needs, per rule, only its witness (in the candidate index), its detector (metadata) and
 * its test. A run tests few of the rules it loads: the candidate index keeps every other rule away from
 * the rows, and the family remembers outcomes (the benchmark's fleet of 1M rows tests 66 of the 1,793
 * SigmaHQ rules). Every parsed document and compiled expression of that corpus kept alive held about
 * 13 MB of heap, against about 3 MB for the source texts they are made from. So a rule keeps its source
 * text when the text is small ({@link KEPT_TEXT_MAX}; SigmaHQ's files are a few kilobytes), and its
 * parsed document otherwise (a text with a 16 MB comment is not kept for one rule); its expression is
 * compiled again on first use, then kept.
 */
import type { CompiledRule, EvalContext, Expr, MatchExplanation, SigmaRule } from './ir.js';

/** The longest source text (UTF-16 code units) a rule keeps to be parsed again; a longer one keeps the document. */
export const KEPT_TEXT_MAX = 64 * 1024;

/** A rule's document and its compile, made again; the same as the first time (both are functions of the source). */
export interface Rebuild {
  /** The parsed document (with any Sigma filters applied), made again from the source text. */
  readonly document: () => SigmaRule;
  /** The compile of a document. */
  readonly compile: (rule: SigmaRule) => CompiledRule;
}

/** A compiled rule that can let go of what it can make again, and whether it holds it now. */
export interface LazyRule {
  readonly rule: CompiledRule;
  /** Let go of the expression, and of the document when the source text is kept. */
  release(): void;
  /** Whether the compiled expression is held now. */
  held(): boolean;
}

/** What a lazy rule holds: its full compile (until released), its document, and how to make them again. */
interface State {
  full: CompiledRule | undefined;
  document: SigmaRule | undefined;
  readonly keepDocument: boolean;
  readonly rebuild: Rebuild;
  readonly detectorId: string;
}

const STATE: unique symbol = Symbol('lazy rule');

type Lazy = CompiledRule & { readonly [STATE]: State };

function compiled(s: State): CompiledRule {
  if (s.full !== undefined) return s.full;
  s.document ??= s.rebuild.document();
  const again = s.rebuild.compile(s.document);
  if (again.detectorId !== s.detectorId)
    throw new Error(`rule ${s.detectorId} compiled again as ${again.detectorId}: its source changed`);
  s.full = again;
  if (!s.keepDocument) s.document = undefined;
  return again;
}

// Shared by every lazy rule (one accessor pair each, no closure per rule).
const ACCESSORS: PropertyDescriptorMap = {
  rule: {
    enumerable: true,
    get(this: Lazy): SigmaRule {
      const s = this[STATE];
      return s.full?.rule ?? s.document ?? compiled(s).rule;
    },
  },
  expr: {
    enumerable: true,
    get(this: Lazy): Expr {
      return compiled(this[STATE]).expr;
    },
  },
};

/**
 * `first` as a rule whose `rule`, `expr` and `test` are own enumerable properties (a copy made with
 * `{ ...rule }` works as the rule does), read from `first` until {@link LazyRule.release}, made again by
 * `rebuild` after it. Every other field is `first`'s. `keepDocument`: hold the parsed document after
 * the release (the source text is too large to keep).
 */
export function lazyRule(first: CompiledRule, rebuild: Rebuild, keepDocument: boolean): LazyRule {
  const state: State = {
    full: first,
    document: keepDocument ? first.rule : undefined,
    keepDocument,
    rebuild,
    detectorId: first.detectorId,
  };
  const rule = {
    detectorId: first.detectorId,
    route: first.route,
    status: first.status,
    reasons: first.reasons,
    severity: first.severity,
    techniques: first.techniques,
    // The one closure of a rule: a copy of the rule tests as the rule does.
    test: (ctx: EvalContext): readonly MatchExplanation[] | undefined => (state.full ?? compiled(state)).test(ctx),
    [STATE]: state,
  };
  Object.defineProperties(rule, ACCESSORS);
  return {
    rule: rule as unknown as CompiledRule,
    release: () => {
      state.full = undefined;
      if (!keepDocument) state.document = undefined;
    },
    held: () => state.full !== undefined,
  };
}
