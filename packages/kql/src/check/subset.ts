/**
 * The subset check: every tabular operator, scalar operator, function and aggregation of a query,
 * read from the language service's syntax tree, must be in `KQL_SUBSET` (the KQL the emitter may
 * write and the interpreter runs).
 */
import { KQL_SUBSET } from '../ir.js';
import { analyzeKql, child, type KElement, kindName, walk } from './service.js';
import { functionName, operatorOf } from './syntax.js';

/** One construct outside the subset, with its place in the query text. */
export interface SubsetViolation {
  readonly kind: 'tabular' | 'operator' | 'function' | 'aggregation' | 'syntax';
  /** The construct as written (`join`, `has_any`, `ipv4_is_in_any_range`) or the syntax kind. */
  readonly name: string;
  readonly start: number;
  readonly length: number;
}

/** Tabular operators of the subset by syntax kind (`order by` and `limit` are the same operators). */
export const TABULAR_KINDS: Readonly<Record<string, string>> = {
  FilterOperator: 'where',
  ExtendOperator: 'extend',
  ProjectOperator: 'project',
  ProjectRenameOperator: 'project-rename',
  SummarizeOperator: 'summarize',
  SortOperator: 'sort',
  TakeOperator: 'take',
  UnionOperator: 'union',
};

/** Syntax that only carries the subset's constructs (names, literals, lists, parentheses). */
const STRUCTURAL = new Set([
  'QueryBlock',
  'List',
  'SeparatedElement',
  'ExpressionStatement',
  'PipeExpression',
  'NameReference',
  'TokenName',
  'BracketedName',
  'NameDeclaration',
  'ParenthesizedExpression',
  'PathExpression',
  'ElementExpression',
  'BracketedExpression',
  'SimpleNamedExpression',
  'FunctionCallExpression',
  'ExpressionList',
  'OrderedExpression',
  'OrderingClause',
  'NullsClause',
  'SummarizeByClause',
  'StringLiteralExpression',
  'CompoundStringLiteralExpression',
  'LongLiteralExpression',
  'IntLiteralExpression',
  'RealLiteralExpression',
  'BooleanLiteralExpression',
  'DateTimeLiteralExpression',
  'TimespanLiteralExpression',
  'DynamicExpression',
  'JsonArrayExpression',
  'JsonObjectExpression',
  'JsonPair',
  'StarExpression',
  'BetweenExpression',
  'ExpressionCouple',
  'UnaryMinusExpression',
]);

const OPERATORS: ReadonlySet<string> = new Set(KQL_SUBSET.operators);
const FUNCTIONS: ReadonlySet<string> = new Set([...KQL_SUBSET.functions, 'not']);
const AGGREGATIONS: ReadonlySet<string> = new Set(KQL_SUBSET.aggregations);

function isAggregate(call: KElement): boolean {
  // An aggregation sits in a summarize's `Aggregates` list, directly or under `Name = …`.
  let e: KElement | null = call.Parent;
  while (e) {
    const k = kindName(e);
    if (k === 'SeparatedElement' || k === 'SimpleNamedExpression' || k === 'List') {
      if (e.NameInParent === 'Aggregates') return true;
      e = e.Parent;
      continue;
    }
    return false;
  }
  return false;
}

const NUMERIC_LITERALS = new Set(['LongLiteralExpression', 'IntLiteralExpression', 'RealLiteralExpression']);

/** Every construct of `text` outside `KQL_SUBSET`, in text order (empty when the query is in the subset). */
export function subsetViolations(text: string): SubsetViolation[] {
  const code = analyzeKql(text);
  const out: SubsetViolation[] = [];
  const at = (e: KElement) => ({ start: e.TextStart, length: e.Width });
  // Inside an operator outside the subset, only the expressions are read again (not its own clauses).
  let inside: KElement | undefined;
  for (const e of walk(code.Syntax)) {
    if (e.IsToken) continue;
    if (inside && e.TextStart >= inside.TextStart + inside.Width) inside = undefined;
    const kind = kindName(e);
    if (kind in TABULAR_KINDS || kind === 'PipeExpression') continue;
    if (kind.endsWith('Operator')) {
      const keyword = e.GetChild(0);
      const name = keyword?.IsToken && keyword.Text ? keyword.Text : kind;
      out.push({ kind: 'tabular', name, ...at(e) });
      inside ??= e;
      continue;
    }
    if (kind === 'FunctionCallExpression') {
      const name = functionName(e);
      if (isAggregate(e)) {
        if (!AGGREGATIONS.has(name)) out.push({ kind: 'aggregation', name, ...at(e) });
      } else if (!FUNCTIONS.has(name)) out.push({ kind: 'function', name, ...at(e) });
      continue;
    }
    if (kind === 'UnaryMinusExpression') {
      const operand = child(e, 'Expression');
      if (!operand || !NUMERIC_LITERALS.has(kindName(operand))) out.push({ kind: 'operator', name: '-', ...at(e) });
      continue;
    }
    const op = child(e, 'Operator');
    if (op && kind.endsWith('Expression')) {
      const name = operatorOf(e) ?? kind;
      if (!OPERATORS.has(name)) out.push({ kind: 'operator', name, ...at(e) });
      continue;
    }
    if (!STRUCTURAL.has(kind) && !inside) out.push({ kind: 'syntax', name: kind, ...at(e) });
  }
  return out;
}
