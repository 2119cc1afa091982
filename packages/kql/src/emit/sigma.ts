/**
 * Sigma rules → KQL, from the compiled form the local engine evaluates (`CompiledRule.expr`): the route's
 * table and ActionTypes, the mapping's platform filter, an `extend` for every rebuilt view the rule
 * reads, the expression with each predicate given the meaning `@tripline/sigma`'s evaluator gives it,
 * and a `project` of the identity columns and the columns read.
 *
 * Where Kusto and the local engine may still differ (none of it seen on the parity corpus): the local
 * engine folds case with JavaScript's `toLowerCase`, Kusto's `=~`/`contains`/`(?i)` with its own Unicode
 * rules (ASCII is the same); a glob's `?` is one UTF-16 code unit locally and one code point in RE2 (they
 * differ on characters outside the Basic Multilingual Plane); numbers are compared only on numeric
 * views (a text value's numeric reading is refused); the view-specific caveats are in `views.ts`.
 */
import type { CompiledRule, Expr, FieldView, LoadEntry, Pred, StringPattern } from '@tripline/sigma';
import type { ExportedRule, ExportSource, KqlRefusal, KqlWarning } from '../ir.js';
import { cidrCondition } from './cidr.js';
import { kqlNumber, kqlString, kqlStringList, regexEscape } from './literal.js';
import { hasColumn, platformFilter, stringValue, type ViewKql, viewForm } from './views.js';

/** The columns every exported query starts its `project` with (custom detections need them). */
export const IDENTITY_COLUMNS = ['Timestamp', 'DeviceId', 'DeviceName', 'ReportId'] as const;

/** A compiled pattern's matcher (`@tripline/sigma` compiles every `StringPattern` with one). */
interface Matchable extends StringPattern {
  match?(value: string): boolean;
}

/** RE2 constructs a regex may hold that Kusto's RE2 could read differently (or not at all). */
const UNTRANSLATABLE: readonly { test: (source: string) => boolean; why: string }[] = [
  {
    test: (s) => /\(\?<(?![=!])/.test(s),
    why: 'a named group written `(?<name>…)`: older RE2 builds accept only `(?P<name>…)`',
  },
  {
    test: (s) => /(^|[^\\])(\\\\)*\\C/.test(s),
    why: '`\\C` matches one byte in Kusto (UTF-8) but one code unit locally',
  },
];

/** The state of one rule's emission. */
class Emitter {
  readonly views = new Map<string, { view: FieldView; kql: ViewKql }>();
  readonly refusals: KqlRefusal[] = [];

  constructor(readonly rule: CompiledRule) {}

  refuse(code: KqlRefusal['code'], message: string, at?: string): string {
    this.refusals.push({ code, message, ...(at !== undefined ? { at } : {}) });
    return 'false';
  }

  /** The KQL form of a view, remembered for `extend` and `project`. */
  view(view: FieldView, at: string): ViewKql | undefined {
    const seen = this.views.get(view.key);
    if (seen) return seen.kql;
    const form = viewForm(view.key);
    if (!form.ok) {
      this.refuse('field-no-kql', `${view.field}: ${form.reason}`, at);
      return undefined;
    }
    this.views.set(view.key, { view, kql: form.kql });
    return form.kql;
  }

  expr(e: Expr): string {
    switch (e.kind) {
      case 'const':
        return e.value ? 'true' : 'false';
      case 'not':
        return `not(${this.expr(e.arg)})`;
      case 'and':
      case 'or': {
        if (e.args.length === 0) return e.kind === 'and' ? 'true' : 'false';
        if (e.args.length === 1) return this.expr(e.args[0]!);
        return join(
          e.args.map((a) => this.expr(a)),
          e.kind,
        );
      }
      case 'pred':
        return this.pred(e.pred, `${e.origin.selection}.${e.origin.item}`);
    }
  }

  pred(p: Pred, at: string): string {
    switch (p.kind) {
      case 'never':
        return 'false';
      case 'string': {
        const v = this.view(p.view, at);
        if (!v) return 'false';
        const x = p.windash ? windash(stringValue(v)) : stringValue(v);
        return patternsCondition(x, p.patterns, p.all, p.cased);
      }
      case 'keyword': {
        const xs: string[] = [];
        for (const view of p.views) {
          const v = this.view(view, at);
          if (v) xs.push(stringValue(v));
        }
        if (xs.length === 0) return 'false';
        const one = (pattern: StringPattern): string => or(xs.map((x) => patternCondition(x, pattern, false)));
        return p.all ? and(p.patterns.map(one)) : or(p.patterns.map(one));
      }
      case 'regex': {
        const v = this.view(p.view, at);
        if (!v) return 'false';
        const x = stringValue(v);
        const parts: string[] = [];
        for (const r of p.regexes) {
          const bad = UNTRANSLATABLE.find((u) => u.test(r.source));
          if (bad) return this.refuse('regex-untranslatable', `${JSON.stringify(r.source)}: ${bad.why}`, at);
          const flags = `${r.flags.i ? 'i' : ''}${r.flags.m ? 'm' : ''}${r.flags.s ? 's' : ''}`;
          const cond = `${x} matches regex ${kqlString(`${flags ? `(?${flags})` : ''}${r.source}`)}`;
          parts.push(r.test('') ? `(isnotempty(${x}) and ${cond})` : cond);
        }
        return p.all ? and(parts) : or(parts);
      }
      case 'cidr': {
        const v = this.view(p.view, at);
        if (!v) return 'false';
        const x = stringValue(v);
        return or(p.ranges.map((r) => cidrCondition(x, r)));
      }
      case 'number': {
        const v = this.view(p.view, at);
        if (!v) return 'false';
        if (v.type !== 'long') {
          return this.refuse(
            'construct-unsupported',
            `${p.view.field}: a numeric comparison on a text value (the local engine reads numbers in JavaScript's spelling, which Kusto's toreal does not)`,
            at,
          );
        }
        const lits: string[] = [];
        for (const n of p.values) {
          const lit = kqlNumber(n);
          if (lit === undefined) return this.refuse('construct-unsupported', `${n} has no exact Kusto spelling`, at);
          lits.push(lit);
        }
        const x = v.value;
        const OPS = { eq: '==', neq: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;
        const cmp = lits.map((l) => `${x} ${OPS[p.op]} ${l}`);
        return `iff(isnull(${x}), false, ${p.op === 'neq' ? and(cmp) : or(cmp)})`;
      }
      case 'null': {
        const v = this.view(p.view, at);
        if (!v) return 'false';
        return v.type === 'long' ? `isnull(${v.value})` : `isempty(${v.value})`;
      }
      case 'exists': {
        const v = this.view(p.view, at);
        if (!v) return 'false';
        const present = v.type === 'long' ? `isnotnull(${v.value})` : `isnotempty(${v.value})`;
        const absent = v.type === 'long' ? `isnull(${v.value})` : `isempty(${v.value})`;
        return p.exists ? present : absent;
      }
      case 'fieldref': {
        const a = this.view(p.view, at);
        const b = this.view(p.other, at);
        if (!a || !b) return 'false';
        const x = stringValue(a);
        const y = stringValue(b);
        const fx = p.cased ? x : `tolower(${x})`;
        const fy = p.cased ? y : `tolower(${y})`;
        const op = { exact: '==', prefix: 'startswith_cs', suffix: 'endswith_cs', contains: 'contains_cs' }[p.anchor];
        return `(isnotempty(${x}) and isnotempty(${y}) and ${fx} ${op} ${fy})`;
      }
    }
  }
}

/** The value with every `windash` dash character as `-`, as the local engine normalises it. */
function windash(x: string): string {
  return `replace_regex(${x}, ${kqlString('[/\\x{2013}\\x{2014}\\x{2015}]')}, "-")`;
}

/** Longest run of operands joined at one level: the language service refuses deeper syntax trees. */
const CHUNK = 32;

/** `(a op b op …)`, long lists as nested groups of {@link CHUNK} so the syntax tree stays shallow. */
function join(parts: readonly string[], op: 'and' | 'or'): string {
  if (parts.length === 1) return parts[0]!;
  if (parts.length <= CHUNK) return `(${parts.join(` ${op} `)})`;
  const groups: string[] = [];
  for (let i = 0; i < parts.length; i += CHUNK) groups.push(join(parts.slice(i, i + CHUNK), op));
  return join(groups, op);
}

function and(parts: readonly string[]): string {
  return join(parts, 'and');
}

function or(parts: readonly string[]): string {
  return join(parts, 'or');
}

/** True when the pattern matches the empty string (the engine never offers one: the value is absent). */
function matchesEmpty(p: Matchable): boolean {
  if (p.match) return p.match('');
  return p.anchor === 'glob' ? false : p.text === '' && p.anchor !== 'exact';
}

/** A glob as an anchored RE2 regex: `*` any run, `?` one character, everything else literal. */
export function globRegex(glob: string, cased: boolean): string {
  let out = '';
  let text = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length && '\\*?'.includes(glob[i + 1]!)) {
      text += glob[i + 1];
      i++;
    } else if (c === '*' || c === '?') {
      out += regexEscape(text);
      text = '';
      out += c === '*' ? '.*' : '.';
    } else text += c;
  }
  out += regexEscape(text);
  return `(?${cased ? '' : 'i'}s)\\A${out}\\z`;
}

/** One pattern on one string value. */
function patternCondition(x: string, p: Matchable, cased: boolean): string {
  const cs = cased ? '_cs' : '';
  let cond: string;
  switch (p.anchor) {
    case 'exact':
      cond = `${x} ${cased ? '==' : '=~'} ${kqlString(p.text)}`;
      break;
    case 'prefix':
      cond = `${x} startswith${cs} ${kqlString(p.text)}`;
      break;
    case 'suffix':
      cond = `${x} endswith${cs} ${kqlString(p.text)}`;
      break;
    case 'contains':
      cond = `${x} contains${cs} ${kqlString(p.text)}`;
      break;
    case 'glob':
      cond = `${x} matches regex ${kqlString(globRegex(p.text, cased))}`;
      break;
  }
  return matchesEmpty(p) ? `(isnotempty(${x}) and ${cond})` : cond;
}

/** The patterns of one string predicate: exact values of an OR-list as one `in~` (`in` when cased). */
function patternsCondition(x: string, patterns: readonly StringPattern[], all: boolean, cased: boolean): string {
  if (all) return and(patterns.map((p) => patternCondition(x, p, cased)));
  const exact = patterns.filter((p) => p.anchor === 'exact');
  const parts: string[] = [];
  if (exact.length > 1) parts.push(`${x} ${cased ? 'in' : 'in~'} ${kqlStringList(exact.map((p) => p.text))}`);
  for (const p of patterns) if (p.anchor !== 'exact' || exact.length === 1) parts.push(patternCondition(x, p, cased));
  return or(parts);
}

/** The value of an expression when it is the same on every row (a `never` is false), else undefined. */
function constant(e: Expr): boolean | undefined {
  switch (e.kind) {
    case 'const':
      return e.value;
    case 'pred':
      return e.pred.kind === 'never' ? false : undefined;
    case 'not': {
      const a = constant(e.arg);
      return a === undefined ? undefined : !a;
    }
    case 'and':
    case 'or': {
      const absorbing = e.kind === 'or';
      let unknown = false;
      for (const a of e.args) {
        const v = constant(a);
        if (v === absorbing) return absorbing;
        if (v === undefined) unknown = true;
      }
      return unknown ? undefined : !absorbing;
    }
  }
}

/** What an exported Sigma rule is, from the rule's metadata. */
export function sigmaSource(rule: CompiledRule): ExportSource {
  const r = rule.rule;
  return {
    id: rule.detectorId,
    kind: 'sigma',
    title: r.title,
    description: r.description ?? '',
    severity: rule.severity,
    techniques: rule.techniques,
    ...(r.author !== undefined ? { author: r.author } : {}),
    references: r.references,
    falsePositives: r.falsepositives,
    file: r.source.file,
  };
}

/** The parts of a Sigma rule's query, for the correlations that build on it. */
export interface RuleQueryParts {
  /** The operator lines after the table (`| where …`, `| extend …`), without the final `project`. */
  readonly lines: readonly string[];
  /** Columns to project: identity columns, the MDE columns read, the rebuilt views. */
  readonly columns: readonly string[];
  readonly refusals: readonly KqlRefusal[];
  readonly warnings: readonly KqlWarning[];
}

/** Build the query of one compiled rule, without its `project`. */
export function ruleQueryParts(rule: CompiledRule): RuleQueryParts {
  const em = new Emitter(rule);
  if (constant(rule.expr) === false) {
    em.refuse('never-matches', 'the rule can never match on MDE: every selection it needs can never hold');
  }
  const where = em.expr(rule.expr);
  const route = rule.route;
  const lines: string[] = [];
  if (route.actionTypes !== undefined && route.actionTypes.length > 0) {
    lines.push(`| where ActionType in ${kqlStringList(route.actionTypes)}`);
  }
  const platform = platformFilter(route);
  if (platform) {
    lines.push(`| extend ${platform.extend[0]} = ${platform.extend[1]}`);
    lines.push(`| where ${platform.where}`);
  }
  const extended = new Map<string, string>();
  for (const { kql } of em.views.values()) {
    for (const [name, value] of kql.extend) {
      const seen = extended.get(name);
      if (seen === undefined) {
        extended.set(name, value);
        lines.push(`| extend ${name} = ${value}`);
      } else if (seen !== value) {
        em.refuse('field-no-kql', `two views extend ${name} differently`);
      }
    }
  }
  lines.push(`| where ${where}`);
  const columns: string[] = [...IDENTITY_COLUMNS];
  const add = (c: string): void => {
    if (!columns.includes(c)) columns.push(c);
  };
  for (const { view } of em.views.values()) for (const c of view.columns) if (hasColumn(route.table, c)) add(c);
  for (const { kql } of em.views.values()) if (extended.has(kql.value)) add(kql.value);
  const warnings: KqlWarning[] = [];
  if (rule.status === 'degraded') {
    const why = rule.reasons
      .filter(
        (r) =>
          r.code === 'semantic-degraded' ||
          r.code === 'field-unmapped-in-filter' ||
          r.code === 'selection-never-matches',
      )
      .map((r) => r.message);
    warnings.push({
      code: 'degraded',
      message: `the rule is degraded locally and carries the same degradation in KQL: ${[...new Set(why)].join('; ')}`,
    });
  }
  return { lines, columns, refusals: em.refusals, warnings };
}

/** One compiled Sigma rule as a KQL query, or the refusals that keep it from being one. */
export function exportSigmaRule(rule: CompiledRule): ExportedRule {
  const source = sigmaSource(rule);
  const parts = ruleQueryParts(rule);
  if (parts.refusals.length > 0) return { ok: false, source, refusals: parts.refusals };
  const text = [rule.route.table, ...parts.lines, `| project ${parts.columns.join(', ')}`].join('\n');
  return {
    ok: true,
    source,
    query: { text, tables: [rule.route.table], columns: parts.columns, warnings: parts.warnings },
  };
}

/** The source of a load-report entry refused before any query is emitted (skipped, correlation-only). */
export function entrySource(entry: LoadEntry): ExportSource {
  return {
    id: entry.detectorId ?? (entry.id !== undefined ? `sigma/${entry.id.toLowerCase()}` : `sigma/${entry.source.file}`),
    kind: entry.kind === 'correlation' ? 'sigma-correlation' : 'sigma',
    title: entry.title ?? entry.source.file,
    description: '',
    severity: 'medium',
    techniques: [],
    references: [],
    falsePositives: [],
    file: entry.source.file,
  };
}

/** A refusal for a document the local engine did not load, with its load reasons. */
export function notLoaded(entry: LoadEntry): ExportedRule {
  const why = entry.reasons.map((r) => `${r.code}: ${r.message}`).join('; ');
  return {
    ok: false,
    source: entrySource(entry),
    refusals: [{ code: 'not-loaded', message: `the rule did not load locally${why ? ` (${why})` : ''}` }],
  };
}
