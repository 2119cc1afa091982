/** Small readings of the language service's syntax tree shared by the subset check and the interpreter. */
import { child, type KElement, kindName, walk } from './service.js';

/** The text of a node's tokens joined with one space (`matches regex`, `!in~`, `project-rename`). */
export function tokenText(element: KElement): string {
  const parts: string[] = [];
  for (const e of walk(element)) if (e.IsToken && e.Text) parts.push(e.Text);
  return parts.join(' ');
}

/** A binary expression's operator as written (`=~`, `has_cs`, `matches regex`, `!in~`). */
export function operatorOf(element: KElement): string | undefined {
  const op = child(element, 'Operator');
  return op ? tokenText(op).toLowerCase() : undefined;
}

/** The function a call names (`strcat`, `count`, `not`). */
export function functionName(call: KElement): string {
  const name = child(call, 'Name');
  return name ? tokenText(name) : '';
}

/** The arguments of a function call (`ExpressionList` → `List` of separated elements). */
export function callArguments(call: KElement): KElement[] {
  const list = child(call, 'ArgumentList');
  const exprs = list ? child(list, 'Expressions') : undefined;
  const out: KElement[] = [];
  if (!exprs) return out;
  for (let i = 0; i < exprs.ChildCount; i++) {
    const sep = exprs.GetChild(i);
    const e = sep?.GetChild(0);
    if (e) out.push(e);
  }
  return out;
}

/** The expressions of an `ExpressionList` node (`in (…)`, `between (a .. b)` aside). */
export function expressionList(list: KElement | undefined): KElement[] {
  const exprs = list ? child(list, 'Expressions') : undefined;
  const out: KElement[] = [];
  if (!exprs) return out;
  for (let i = 0; i < exprs.ChildCount; i++) {
    const e = exprs.GetChild(i)?.GetChild(0);
    if (e) out.push(e);
  }
  return out;
}

/** True when the node is a string literal (plain, verbatim or compound). */
export function isStringLiteral(element: KElement): boolean {
  const k = kindName(element);
  return k === 'StringLiteralExpression' || k === 'CompoundStringLiteralExpression';
}

/** A string literal's value (escapes decoded by the language service). */
export function stringLiteral(element: KElement): string | undefined {
  if (!isStringLiteral(element)) return undefined;
  const v = element.LiteralValue;
  return typeof v === 'string' ? v : undefined;
}
