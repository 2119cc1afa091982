/**
 * The `re` modifier: RE2 semantics through re2js (linear time, whatever the text), flags `i`/`m`/`s`,
 * a leading inline `(?i)`/`(?s)`/`(?m)` group lifted to the flags, and the literal pieces every match
 * must contain (the candidate index's needles).
 */
import { RE2JS } from 're2js';
import type { CompiledRegex } from './ir.js';

export interface RegexFlags {
  readonly i: boolean;
  readonly m: boolean;
  readonly s: boolean;
}

/** A compiled regex, or why RE2 refuses it. */
export type RegexResult =
  | { readonly ok: true; readonly regex: CompiledRegex }
  | { readonly ok: false; readonly message: string };

/** Lift a leading flag group (`(?i)`, `(?is)`…) into the flags; other inline flags stay in the pattern. */
export function liftInlineFlags(source: string, flags: RegexFlags): { source: string; flags: RegexFlags } {
  if (!source.startsWith('(?')) return { source, flags };
  const close = source.indexOf(')');
  if (close < 0) return { source, flags };
  const letters = source.slice(2, close);
  if (letters.length === 0 || ![...letters].every((c) => c === 'i' || c === 'm' || c === 's')) return { source, flags };
  return {
    source: source.slice(close + 1),
    flags: {
      i: flags.i || letters.includes('i'),
      m: flags.m || letters.includes('m'),
      s: flags.s || letters.includes('s'),
    },
  };
}

/** Compile with re2js. */
export function compileRegex(written: string, given: RegexFlags): RegexResult {
  const { source, flags } = liftInlineFlags(written, given);
  let re: RE2JS;
  try {
    re = RE2JS.compile(
      source,
      (flags.i ? RE2JS.CASE_INSENSITIVE : 0) | (flags.m ? RE2JS.MULTILINE : 0) | (flags.s ? RE2JS.DOTALL : 0),
    );
  } catch (error) {
    const e = error as { error?: unknown; input?: unknown; message?: unknown };
    const what = typeof e.error === 'string' ? e.error : String(e.message ?? error);
    return { ok: false, message: `${what}${typeof e.input === 'string' && e.input ? ` \`${e.input}\`` : ''}` };
  }
  const literals = regexLiterals(source);
  return {
    ok: true,
    regex: {
      source: written,
      flags,
      literals,
      test: (text: string) => re.matcher(text).find(),
    },
  };
}

const META = new Set(['.', '^', '$', '|', '(', ')', '[', ']', '{', '}', '*', '+', '?', '\\']);
/** Escapes that stand for one literal character. */
const LITERAL_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v' };

/**
 * Literal runs every match of the pattern contains, lower-cased, longest first (at most 3). A
 * conservative scan: none at all when the pattern has a top-level alternation; groups, classes and
 * class escapes end a run; a quantifier that allows zero repetitions drops the character before it.
 */
export function regexLiterals(source: string): string[] {
  const runs: string[] = [];
  let run: string[] = [];
  const end = (): void => {
    if (run.length) runs.push(run.join(''));
    run = [];
  };
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (depth > 0) {
      if (c === '\\') i++;
      else if (c === '[') i = skipClass(source, i);
      else if (c === '(') depth++;
      else if (c === ')') depth--;
      if (depth === 0) {
        // A group may repeat or be optional: nothing about it is certain, and it ends the run.
        end();
        i = skipQuantifier(source, i + 1) - 1;
      }
      continue;
    }
    if (c === '|') return [];
    if (c === '(') {
      end();
      depth = 1;
      continue;
    }
    if (c === '[') {
      end();
      i = skipClass(source, i);
      continue;
    }
    let lit: string | undefined;
    if (c === '\\') {
      const n = source[i + 1];
      i++;
      if (n === undefined) break;
      if (LITERAL_ESCAPES[n] !== undefined) lit = LITERAL_ESCAPES[n];
      else if (META.has(n) || (!isAlnum(n) && n.charCodeAt(0) < 128)) lit = n;
      else if (n === 'x' || n === 'p' || n === 'P') {
        // \x41, \x{263a}, \pL, \p{Greek}: one character we do not decode; skip its operand.
        if (source[i + 1] === '{') {
          const close = source.indexOf('}', i + 1);
          if (close < 0) return [];
          i = close;
        } else i += n === 'x' ? 2 : 1;
        lit = undefined;
      } else if (n === 'Q' || (n >= '0' && n <= '9')) return [];
      else lit = undefined;
    } else if (c === '.' || c === '^' || c === '$') lit = undefined;
    else if (c === '*' || c === '+' || c === '?' || c === '{') {
      // A quantifier of something that is no literal (a class, `.`, `\d`): skip all of it, `{1,3}` included.
      end();
      i = skipQuantifier(source, i) - 1;
      continue;
    } else lit = c;
    if (lit === undefined) {
      end();
      continue;
    }
    const q = source[i + 1];
    if (q === '*' || q === '?' || (q === '{' && source[i + 2] === '0')) {
      end();
      i = skipQuantifier(source, i + 1) - 1;
      continue;
    }
    if (q === '+' || q === '{') {
      run.push(lit);
      end();
      i = skipQuantifier(source, i + 1) - 1;
      continue;
    }
    run.push(lit);
  }
  if (depth !== 0) return [];
  end();
  return runs
    .map((t) => t.toLowerCase())
    .map((t, i) => ({ t, i }))
    .sort((a, b) => b.t.length - a.t.length || a.i - b.i)
    .slice(0, 3)
    .map((x) => x.t);
}

function isAlnum(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/** Index of the `]` closing the class opened at `i`. */
function skipClass(s: string, i: number): number {
  let j = i + 1;
  if (s[j] === '^') j++;
  if (s[j] === ']') j++;
  for (; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === '[' && s[j + 1] === ':') {
      const close = s.indexOf(':]', j + 2);
      if (close >= 0) j = close + 1;
    } else if (s[j] === ']') return j;
  }
  return s.length;
}

/** Index just after a quantifier starting at `i` (`*`, `+`, `?`, `{n,m}`, each optionally lazy `?`). */
function skipQuantifier(s: string, i: number): number {
  let j = i;
  const c = s[j];
  if (c === '*' || c === '+' || c === '?') j++;
  else if (c === '{') {
    const close = s.indexOf('}', j);
    if (close < 0) return j;
    j = close + 1;
  } else return j;
  if (s[j] === '?') j++;
  return j;
}
