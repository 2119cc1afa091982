/**
 * The Sigma condition grammar, parsed by hand (recursive descent, no RegExp on the author's text):
 *
 *   or   := and ('or' and)*
 *   and  := not ('and' not)*
 *   not  := 'not' not | atom
 *   atom := '(' or ')' | ('1' | N | 'all' | 'any') 'of' (identifier-pattern | 'them') | identifier
 *
 * Precedence: `not` > `and` > `or`. Keywords are case-insensitive. Errors name the 1-based column.
 */
import type { SigmaCondition } from './ir.js';

export class ConditionError extends Error {
  /** 1-based column in the condition text. */
  readonly column: number;
  constructor(message: string, column: number) {
    super(`${message} (column ${column})`);
    this.name = 'ConditionError';
    this.column = column;
  }
}

interface Token {
  readonly kind: 'word' | '(' | ')' | '|';
  readonly text: string;
  /** 0-based start. */
  readonly at: number;
}

function isWordChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 95 /* _ */ ||
    c === 42 /* * */ ||
    c === 45 /* - */ ||
    c === 46 /* . */ ||
    c > 127
  );
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
    } else if (c === 124) {
      // An aggregation (`| count() > 5`): the parser refuses it; what follows is not tokenised.
      out.push({ kind: '|', text: '|', at: i });
      break;
    } else if (c === 40 || c === 41) {
      out.push({ kind: text[i] as '(' | ')', text: text[i]!, at: i });
      i++;
    } else if (isWordChar(c)) {
      const start = i;
      while (i < text.length && isWordChar(text.charCodeAt(i))) i++;
      out.push({ kind: 'word', text: text.slice(start, i), at: start });
    } else {
      throw new ConditionError(`unexpected character "${text[i]}"`, i + 1);
    }
  }
  return out;
}

/** Deepest nesting of parentheses and `not` a condition may have (the parser recurses). */
export const MAX_DEPTH = 256;

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'all', 'any']);

/** Parse one condition string. Throws {@link ConditionError}. */
export function parseCondition(text: string): SigmaCondition {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const column = (): number => (tokens[pos]?.at ?? text.length) + 1;
  const isKw = (t: Token | undefined, kw: string): boolean => t?.kind === 'word' && t.text.toLowerCase() === kw;

  const parseOr = (): SigmaCondition => {
    const args = [parseAnd()];
    while (isKw(peek(), 'or')) {
      pos++;
      args.push(parseAnd());
    }
    return args.length === 1 ? args[0]! : { type: 'or', args };
  };
  const parseAnd = (): SigmaCondition => {
    const args = [parseNot()];
    while (isKw(peek(), 'and')) {
      pos++;
      args.push(parseNot());
    }
    return args.length === 1 ? args[0]! : { type: 'and', args };
  };
  let depth = 0;
  const parseNot = (): SigmaCondition => {
    if (++depth > MAX_DEPTH) throw new ConditionError(`nested deeper than ${MAX_DEPTH} levels`, column());
    try {
      if (isKw(peek(), 'not')) {
        pos++;
        return { type: 'not', arg: parseNot() };
      }
      return parseAtom();
    } finally {
      depth--;
    }
  };
  const parseAtom = (): SigmaCondition => {
    const t = peek();
    if (t === undefined) throw new ConditionError('the condition ends where an identifier was expected', column());
    if (t.kind === '|')
      throw new ConditionError(
        'aggregations ("| count() …") are not Sigma 2 conditions: use a correlation rule',
        column(),
      );
    if (t.kind === '(') {
      pos++;
      const inner = parseOr();
      if (peek()?.kind !== ')') throw new ConditionError('")" expected', column());
      pos++;
      return inner;
    }
    if (t.kind === ')') throw new ConditionError('unexpected ")"', column());
    const lower = t.text.toLowerCase();
    const next = tokens[pos + 1];
    if (isKw(next, 'of')) {
      let quantifier: 'all' | number;
      if (lower === 'all') quantifier = 'all';
      else if (lower === 'any') quantifier = 1;
      else if (/^[0-9]{1,6}$/.test(t.text) && Number(t.text) >= 1) quantifier = Number(t.text);
      else throw new ConditionError(`"${t.text} of": expected 1, a number, "any" or "all" before "of"`, t.at + 1);
      pos += 2;
      const target = peek();
      if (target?.kind !== 'word')
        throw new ConditionError('an identifier pattern or "them" expected after "of"', column());
      const tl = target.text.toLowerCase();
      if (KEYWORDS.has(tl) && tl !== 'them')
        throw new ConditionError(`"${target.text}" is a keyword, not an identifier`, target.at + 1);
      pos++;
      return { type: 'of', quantifier, target: tl === 'them' ? 'them' : target.text };
    }
    if (KEYWORDS.has(lower)) throw new ConditionError(`"${t.text}" where an identifier was expected`, t.at + 1);
    if (t.text.includes('*'))
      throw new ConditionError(`"${t.text}": a wildcard identifier needs "1 of" or "all of"`, t.at + 1);
    pos++;
    return { type: 'id', name: t.text };
  };

  const result = parseOr();
  if (pos < tokens.length) {
    const t = tokens[pos]!;
    if (t.kind === '|')
      throw new ConditionError(
        'aggregations ("| count() …") are not Sigma 2 conditions: use a correlation rule',
        t.at + 1,
      );
    throw new ConditionError(`unexpected "${t.text}"`, t.at + 1);
  }
  return result;
}

/** Identifier names a pattern (`selection_*`, or `them`) names, in the detection's order. */
export function expandTarget(target: string, names: readonly string[]): string[] {
  if (target === 'them') return names.filter((n) => !n.startsWith('_'));
  return names.filter((n) => wildcardNameMatch(target, n));
}

/** `*` in an identifier pattern: any run of characters (two-pointer matcher). */
export function wildcardNameMatch(pattern: string, name: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < name.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === name[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
