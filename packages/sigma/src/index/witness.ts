/**
 * Witnesses of the candidate index (`candidates.ts`): for a rule, a set of atoms — "this view's value
 * equals X" or "this view's value contains needle N" — at least one of which holds whenever the rule
 * matches; for an AND the cheapest child's witness serves, for an OR the union of its children's. An
 * AND is indexed by its three cheapest clauses. Soundness rests on one folding, {@link indexFold},
 * applied alike to needles (at load) and to the event's values.
 */
import type { CompiledRegex, Expr, FieldView, Pred, SigmaRoute, StringPattern } from '../ir.js';

/**
 * The index's folding: lower-case, then per code unit: every `windash` dash (`/`, en dash, em dash,
 * horizontal bar) to `-`, long s (U+017F, which RE2's case folding equates with `s`) to `s`, final
 * sigma to sigma (the only context-dependent lower-casing). A homomorphism on strings: needles and
 * values folded alike keep every containment and equality of the originals.
 */
export function indexFold(s: string): string {
  return foldLowered(s.toLowerCase());
}

/** {@link indexFold} of a string already lower-cased (the evaluator's memo holds it): the per-unit map. */
export function foldLowered(lower: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    let r: string | undefined;
    if (c === 0x2f || c === 0x2013 || c === 0x2014 || c === 0x2015) r = '-';
    else if (c === 0x17f) r = 's';
    else if (c === 0x3c2) r = '\u03c3';
    if (r !== undefined) {
      out += lower.slice(last, i) + r;
      last = i + 1;
    }
  }
  return last === 0 ? lower : out + lower.slice(last);
}

/** One condition a rule's match implies: the view's folded value equals, or contains, `text` (folded). */
export interface Atom {
  readonly kind: 'exact' | 'needle';
  readonly view: FieldView;
  readonly text: string;
}

/** Atoms of which one holds whenever the rule matches; `null`: none known (always evaluate). `[]`: never matches. */
export type Witness = readonly Atom[] | null;

/**
 * A rough chance that an atom holds on a random value: shorter needles occur more often, and a short
 * exact value is a category (`true`, `high`, `system`) many rows share, a long one an identity.
 */
function atomCost(a: Atom): number {
  // An exact value up to 12 units is often an enumeration's member (`setvalue`, `system`) shared by
  // many rows; a needle of 8 units or more is rarer than that.
  if (a.kind === 'exact') return a.text.length <= 6 ? 0.5 : a.text.length <= 12 ? 0.05 : 0.01;
  const n = a.text.length;
  return n >= 8 ? 0.02 : [1, 1, 0.6, 0.3, 0.15, 0.08, 0.05, 0.03][n]!;
}

function cost(w: readonly Atom[]): number {
  let c = 0;
  for (const a of w) c += atomCost(a);
  return c;
}

/** The cheapest of several witnesses each of which suffices (AND of conditions); null when none is known. */
function cheapest(ws: readonly Witness[]): Witness {
  let best: Witness = null;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const w of ws) {
    if (w === null) continue;
    const c = cost(w);
    if (c < bestCost) {
      best = w;
      bestCost = c;
    }
  }
  return best;
}

/** The union of witnesses all of which are needed (OR of conditions); null when one of them is unknown. */
function union(ws: readonly Witness[]): Witness {
  const out: Atom[] = [];
  for (const w of ws) {
    if (w === null) return null;
    out.push(...w);
  }
  return out;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The longest non-empty literal of a list (folded), or undefined. */
function longest(literals: readonly string[], asciiOnly: boolean): string | undefined {
  let best: string | undefined;
  for (const l of literals) {
    const f = indexFold(l);
    if (f.length === 0) continue;
    // RE2's case-insensitive matching equates letters lower-casing does not (ϐ and β): only ASCII
    // needles (whose case variants indexFold maps together) are sound for a case-insensitive regex.
    if (asciiOnly && !isAscii(f)) continue;
    if (best === undefined || f.length > best.length) best = f;
  }
  return best;
}

function patternAtoms(p: StringPattern, views: readonly FieldView[]): Witness {
  if (p.anchor === 'exact') return views.map((view) => ({ kind: 'exact', view, text: indexFold(p.text) }));
  const needle = longest(p.literals, false);
  return needle === undefined ? null : views.map((view) => ({ kind: 'needle', view, text: needle }));
}

function regexAtoms(r: CompiledRegex, view: FieldView): Witness {
  // Case-insensitive by flag, or perhaps by an inline group (`(?i)` after the start): ASCII needles only.
  const needle = longest(r.literals, r.flags.i || r.source.includes('(?'));
  return needle === undefined ? null : [{ kind: 'needle', view, text: needle }];
}

/** The witness of one predicate. */
export function predWitness(pred: Pred): Witness {
  switch (pred.kind) {
    case 'string': {
      const ws = pred.patterns.map((p) => patternAtoms(p, [pred.view]));
      return pred.all ? cheapest(ws) : union(ws);
    }
    case 'keyword': {
      if (pred.views.length === 0) return [];
      const ws = pred.patterns.map((p) => patternAtoms(p, pred.views));
      return pred.all ? cheapest(ws) : union(ws);
    }
    case 'regex': {
      const ws = pred.regexes.map((r) => regexAtoms(r, pred.view));
      return pred.all ? cheapest(ws) : union(ws);
    }
    case 'never':
      return [];
    default:
      return null;
  }
}

/** The witness of a rule's expression (see the module comment). */
export function witnessOf(expr: Expr): Witness {
  switch (expr.kind) {
    case 'pred':
      return predWitness(expr.pred);
    case 'and':
      return cheapest(expr.args.map(witnessOf));
    case 'or':
      return union(expr.args.map(witnessOf));
    case 'not':
      return null;
    case 'const':
      return expr.value ? null : [];
  }
}

/** Clauses a rule's match implies (each: one of its atoms holds); null: none known (always evaluated). */
export type Clauses = readonly (readonly Atom[])[] | null;

/** How many clauses of an AND a rule is indexed by: a row must hold one atom of each. */
export const MAX_CLAUSES = 3;

/**
 * The clauses of a rule: for an AND, the {@link MAX_CLAUSES} cheapest clauses of its children (every
 * one of them holds when the AND does), so that a rule whose image and command line both have
 * needles is a candidate only when both occur; otherwise the single clause of {@link witnessOf}. A
 * clause without atoms can never hold: the rule can never match.
 */
export function clausesOf(expr: Expr): Clauses {
  if (expr.kind !== 'and') {
    const w = witnessOf(expr);
    return w === null ? null : [w];
  }
  const all = expr.args.flatMap((a) => clausesOf(a) ?? []);
  if (all.length === 0) return null;
  return all
    .map((c, i) => ({ c, i, cost: cost(c) }))
    .sort((a, b) => a.cost - b.cost || a.i - b.i)
    .slice(0, MAX_CLAUSES)
    .map((x) => x.c);
}

/** What the index needs of a rule. */
export interface IndexedRule {
  readonly expr: Expr;
  readonly route: SigmaRoute;
}
