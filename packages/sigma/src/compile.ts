/**
 * A parsed Sigma rule + the MDE mapping → a compiled rule: identifiers inlined into one expression over
 * typed predicates, values folded once, constants folded, and every degradation or refusal as a reason.
 */
import { isKnownTechnique, type Severity } from '@tripline/core';
import { inRange, parseCidr, parseIP } from './cidr.js';
import { expandTarget } from './condition.js';
import { base64, base64offset, type Encoded, utf16 } from './encode.js';
import { evalExpr, type SigmaEvalContext } from './eval.js';
import type {
  CompiledRegex,
  CompiledRule,
  Expr,
  FieldView,
  LoadReason,
  MatchExplanation,
  Pred,
  PredOrigin,
  SigmaCondition,
  SigmaItem,
  SigmaMapping,
  SigmaModifier,
  SigmaReason,
  SigmaRoute,
  SigmaRule,
  SigmaSelection,
  SigmaValue,
} from './ir.js';
import { platformAccepts } from './mapping/platform.js';
import { compileRegex } from './regex.js';
import {
  type Anchor,
  type CompiledPattern,
  compilePattern,
  type GlobPart,
  normaliseDashes,
  parseSigmaString,
} from './strings.js';

/** Values for `expand` placeholders (`%Admins%` → one or several strings). */
export type Placeholders = Readonly<Record<string, string | readonly string[]>>;

export interface CompileOptions {
  readonly mapping: SigmaMapping;
  readonly placeholders?: Placeholders;
}

/**
 * Per load, the patterns compiled so far by their content: rules compiled with the same options
 * object share each equal pattern (1,793 SigmaHQ rules hold 22,078 patterns, 14,417 of them
 * distinct), so the set keeps one copy of each for the life of the process. The table itself lives
 * only while the load compiles (its keys are as long as the patterns).
 */
const sharedPatterns = new WeakMap<CompileOptions, Map<string, CompiledPattern>>();

/** Make the rules compiled with `options` from now on share their equal patterns. */
export function sharePatterns(options: CompileOptions): void {
  if (!sharedPatterns.has(options)) sharedPatterns.set(options, new Map());
}

/** End {@link sharePatterns}: the patterns stay shared, the table of their keys is let go. */
export function stopSharingPatterns(options: CompileOptions): void {
  sharedPatterns.delete(options);
}

/** `p`, or the equal pattern a rule compiled with the same options already holds. */
function shared(p: CompiledPattern, options: CompileOptions): CompiledPattern {
  const table = sharedPatterns.get(options);
  if (table === undefined) return p;
  // Every field a pattern has, in one unambiguous key (the matcher is a function of anchor and text).
  const key = JSON.stringify([p.anchor, p.text, p.written, p.literals]);
  const known = table.get(key);
  if (known !== undefined) return known;
  table.set(key, p);
  return p;
}

/** Reasons that keep a rule from loading. */
export const SKIP_REASONS: ReadonlySet<SigmaReason> = new Set<SigmaReason>([
  'yaml-invalid',
  'schema-invalid',
  'condition-invalid',
  'modifier-unsupported',
  'placeholder-unexpanded',
  'regex-unsupported',
  'logsource-unroutable',
  'field-unmapped',
  'duplicate-id',
  'correlation-unsupported',
  'correlation-rule-missing',
]);

/** Reasons that load a rule with a weaker meaning. */
export const DEGRADE_REASONS: ReadonlySet<SigmaReason> = new Set<SigmaReason>([
  'field-unmapped-in-filter',
  'selection-never-matches',
  'semantic-degraded',
]);

export type CompileResult =
  | { readonly ok: true; readonly compiled: CompiledRule }
  | { readonly ok: false; readonly route: SigmaRoute | undefined; readonly reasons: readonly LoadReason[] };

const LEVEL_SEVERITY: Readonly<Record<string, Severity>> = {
  informational: 'informational',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

/** ATT&CK technique ids of the tags (`attack.t1059.001` → `T1059.001`), in tag order, distinct. */
export function techniquesOf(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const tag of tags) {
    const lower = tag.toLowerCase();
    if (!lower.startsWith('attack.t')) continue;
    const id = tag.slice('attack.'.length).toUpperCase();
    let ok = id.length >= 5 && id[0] === 'T';
    for (let i = 1; ok && i < id.length; i++) {
      const c = id[i]!;
      ok = (c >= '0' && c <= '9') || (c === '.' && i === 5);
    }
    if (ok && !out.includes(id)) out.push(id);
  }
  return out.slice();
}

class Skip extends Error {
  constructor(readonly reason: LoadReason) {
    super(reason.message);
  }
}

interface Ctx {
  readonly rule: SigmaRule;
  readonly route: SigmaRoute;
  readonly options: CompileOptions;
  readonly reasons: LoadReason[];
  /** The selection being compiled is used with positive polarity somewhere in the condition. */
  positive: boolean;
}

function reason(
  code: SigmaReason,
  message: string,
  at: string | undefined,
  position: SigmaItem['position'] | undefined,
): LoadReason {
  return { code, message, ...(at !== undefined ? { at } : {}), ...(position ? { position } : {}) };
}

/** Compile one rule. */
export function compileRule(rule: SigmaRule, options: CompileOptions): CompileResult {
  const routed = options.mapping.route(rule.logsource);
  if (!routed.ok)
    return {
      ok: false,
      route: undefined,
      reasons: [{ ...routed.reason, position: routed.reason.position ?? rule.source }],
    };
  const route = routed.route;
  if (rule.id === undefined)
    return {
      ok: false,
      route,
      reasons: [reason('schema-invalid', 'the rule has no id: its detector id is sigma/<rule id>', 'id', rule.source)],
    };
  const reasons: LoadReason[] = [];
  const ctx: Ctx = { rule, route, options, reasons, positive: true };
  const polarity = selectionPolarity(rule);
  const compiled = new Map<string, Expr>();
  try {
    for (const [name, sel] of rule.selections) {
      const pol = polarity.get(name);
      if (pol === undefined) continue; // never referenced by the condition: nothing to compile
      ctx.positive = pol.positive;
      compiled.set(name, compileSelection(sel, ctx));
    }
    let expr = fold(conditionExpr(rule.condition, compiled, [...rule.selections.keys()]));
    if (expr.kind === 'const' && expr.value === false) {
      const never = reasons.find((r) => r.code === 'selection-never-matches');
      throw new Skip(
        reason(
          'selection-never-matches',
          `the rule can never match on MDE${never ? `: ${never.message}` : ''}`,
          never?.at,
          never?.position ?? rule.source,
        ),
      );
    }
    if (expr.kind === 'const') expr = { kind: 'and', args: [expr] };
    for (const t of techniquesOf(rule.tags))
      if (!isKnownTechnique(t))
        reasons.push(
          reason(
            'attack-unknown',
            `ATT&CK ${t} is not in the technique table this version of tripline ships: kept, not linked`,
            'tags',
            rule.source,
          ),
        );
    const status = reasons.some((r) => DEGRADE_REASONS.has(r.code)) ? 'degraded' : 'loaded';
    const finalExpr = expr;
    const mapping = options.mapping;
    const compiledRule: CompiledRule = {
      rule,
      detectorId: `sigma/${rule.id.toLowerCase()}`,
      route,
      expr: finalExpr,
      status,
      reasons: dedupeReasons(reasons),
      severity: LEVEL_SEVERITY[rule.level ?? 'medium'] ?? 'medium',
      techniques: techniquesOf(rule.tags),
      test(ectx) {
        // A rule routed to one platform never sees the other's rows (a Windows rule's filters would all hold on a macOS row).
        if (
          route.platform !== undefined &&
          mapping.eventPlatform &&
          !platformAccepts(route, (ectx as SigmaEvalContext).platform(mapping))
        )
          return undefined;
        const out: MatchExplanation[] = [];
        return evalExpr(finalExpr, ectx as SigmaEvalContext, out) ? out : undefined;
      },
    };
    return { ok: true, compiled: compiledRule };
  } catch (error) {
    if (error instanceof Skip)
      return {
        ok: false,
        route,
        reasons: dedupeReasons([error.reason, ...reasons.filter((r) => r.code !== error.reason.code)]),
      };
    throw error;
  }
}

function dedupeReasons(reasons: readonly LoadReason[]): LoadReason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const k = `${r.code}\u0000${r.at ?? ''}\u0000${r.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** For each selection the condition references: whether some use is positive (not under an odd number of `not`). */
function selectionPolarity(rule: SigmaRule): Map<string, { positive: boolean }> {
  const names = [...rule.selections.keys()];
  const out = new Map<string, { positive: boolean }>();
  const mark = (name: string, positive: boolean): void => {
    const cur = out.get(name);
    out.set(name, { positive: (cur?.positive ?? false) || positive });
  };
  const walk = (c: SigmaCondition, positive: boolean): void => {
    switch (c.type) {
      case 'and':
      case 'or':
        for (const a of c.args) walk(a, positive);
        return;
      case 'not':
        walk(c.arg, !positive);
        return;
      case 'id':
        mark(c.name, positive);
        return;
      case 'of':
        for (const n of expandTarget(c.target, names)) mark(n, positive);
    }
  };
  walk(rule.condition, true);
  return out;
}

function conditionExpr(c: SigmaCondition, sels: ReadonlyMap<string, Expr>, names: readonly string[]): Expr {
  switch (c.type) {
    case 'and':
    case 'or':
      return { kind: c.type, args: c.args.map((a) => conditionExpr(a, sels, names)) };
    case 'not':
      return { kind: 'not', arg: conditionExpr(c.arg, sels, names) };
    case 'id':
      return sels.get(c.name)!;
    case 'of': {
      const targets = expandTarget(c.target, names).map((n) => sels.get(n)!);
      if (c.quantifier === 'all') return { kind: 'and', args: targets };
      if (c.quantifier <= 1) return { kind: 'or', args: targets };
      if (c.quantifier > targets.length) return { kind: 'const', value: false };
      return { kind: 'or', args: combinations(targets, c.quantifier).map((args) => ({ kind: 'and', args })) };
    }
  }
}

/** Every `k`-subset, in order (`N of` with N > 1). Refuses sizes that would not be small. */
function combinations<T>(items: readonly T[], k: number): T[][] {
  let count = 1;
  for (let i = 0; i < k; i++) count = (count * (items.length - i)) / (i + 1);
  if (count > 5000)
    throw new Skip(
      reason(
        'condition-invalid',
        `"${k} of" over ${items.length} identifiers is too many combinations`,
        'condition',
        undefined,
      ),
    );
  const out: T[][] = [];
  const pick = (start: number, acc: T[]): void => {
    if (acc.length === k) {
      out.push([...acc]);
      return;
    }
    for (let i = start; i < items.length; i++) pick(i + 1, [...acc, items[i]!]);
  };
  pick(0, []);
  return out;
}

/** Constant folding and flattening. */
export function fold(e: Expr): Expr {
  switch (e.kind) {
    case 'pred':
      return e.pred.kind === 'never' ? { kind: 'const', value: false } : e;
    case 'const':
      return e;
    case 'not': {
      const a = fold(e.arg);
      if (a.kind === 'const') return { kind: 'const', value: !a.value };
      if (a.kind === 'not') return a.arg;
      return { kind: 'not', arg: a };
    }
    case 'and':
    case 'or': {
      const absorbing = e.kind === 'or';
      const args: Expr[] = [];
      for (const raw of e.args) {
        const a = fold(raw);
        if (a.kind === 'const') {
          if (a.value === absorbing) return { kind: 'const', value: absorbing };
          continue;
        }
        if (a.kind === e.kind) args.push(...a.args);
        else args.push(a);
      }
      if (args.length === 0) return { kind: 'const', value: !absorbing };
      if (args.length === 1) return args[0]!;
      // A copy at its exact size: the expression lives as long as the rule set.
      return { kind: e.kind, args: args.slice() };
    }
  }
}

function compileSelection(sel: SigmaSelection, ctx: Ctx): Expr {
  const alternatives: Expr[] = sel.alternatives.map((items) => ({
    kind: 'and',
    args: items.map((item) => compileItem(sel.name, item, ctx)),
  }));
  return { kind: 'or', args: alternatives };
}

function itemName(item: SigmaItem): string {
  return [item.field ?? '', ...item.modifiers].join('|') || 'keywords';
}

function valueText(v: SigmaValue): string {
  return typeof v === 'string' ? v : String(v);
}

const ANCHORS: Readonly<Partial<Record<SigmaModifier, Anchor>>> = {
  contains: 'contains',
  startswith: 'prefix',
  endswith: 'suffix',
};
const NUMERIC = new Set<SigmaModifier>(['gt', 'gte', 'lt', 'lte']);
const ENCODINGS = new Set<SigmaModifier>(['base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide']);

function compileItem(selection: string, item: SigmaItem, ctx: Ctx): Expr {
  const at = `${selection}.${itemName(item)}`;
  const origin: PredOrigin = { selection, item: itemName(item), position: item.position };
  const mods = item.modifiers;
  const has = (m: SigmaModifier): boolean => mods.includes(m);
  const unsupported = (message: string): never => {
    throw new Skip(reason('modifier-unsupported', `${itemName(item)}: ${message}`, at, item.position));
  };
  const pred = (p: Pred): Expr => ({ kind: 'pred', pred: p, origin });
  const seen = new Set<SigmaModifier>();
  for (const m of mods) {
    if (seen.has(m)) unsupported(`the modifier "${m}" appears twice`);
    seen.add(m);
  }
  const anchors = mods.filter((m) => ANCHORS[m] !== undefined);
  if (anchors.length > 1) unsupported(`${anchors.join(' and ')} cannot be combined`);

  // Keyword items: the values are searched in the route's keyword fields.
  if (item.field === undefined) {
    const allowed = new Set<SigmaModifier>(['all', 'contains']);
    for (const m of mods) if (!allowed.has(m)) unsupported(`"${m}" on a keyword list`);
    const views = ctx.options.mapping.keywordViews(ctx.route);
    if (views.length === 0) {
      return unmapped(ctx, at, item, `keywords: the route ${ctx.route.table} has no field to search keywords in`);
    }
    const patterns = item.values.map((v) => {
      const parts = parseSigmaString(valueText(v));
      return shared(
        compilePattern(parts, 'contains', (s) => s.toLowerCase(), valueText(v)),
        ctx.options,
      );
    });
    return pred({ kind: 'keyword', views, patterns, all: has('all') });
  }

  const fieldResult = ctx.options.mapping.field(ctx.route, item.field);
  if (!fieldResult.ok) return unmapped(ctx, at, item, fieldResult.reason.message);
  const view = fieldResult.view;
  if (view.degraded)
    ctx.reasons.push(reason('semantic-degraded', `${item.field}: ${view.degraded}`, at, item.position));

  // exists
  if (has('exists')) {
    if (mods.length !== 1) unsupported('"exists" takes no other modifier');
    const v = item.values[0];
    const b = v === true || v === 'true' ? true : v === false || v === 'false' ? false : undefined;
    if (b === undefined || item.values.length !== 1) unsupported('"exists" takes true or false');
    return pred({ kind: 'exists', view, exists: b! });
  }
  // fieldref
  if (has('fieldref')) {
    for (const m of mods)
      if (m !== 'fieldref' && m !== 'cased' && ANCHORS[m] === undefined) unsupported(`"${m}" with "fieldref"`);
    const anchor = (anchors[0] ? ANCHORS[anchors[0]] : 'exact') as 'exact' | 'prefix' | 'suffix' | 'contains';
    const args: Expr[] = [];
    for (const v of item.values) {
      const other = ctx.options.mapping.field(ctx.route, valueText(v));
      if (!other.ok) return unmapped(ctx, at, item, other.reason.message);
      args.push(pred({ kind: 'fieldref', view, other: other.view, anchor, cased: has('cased') }));
    }
    return { kind: has('all') ? 'and' : 'or', args };
  }
  // regex
  if (has('re')) {
    for (const m of mods)
      if (!['re', 'i', 'm', 's', 'all'].includes(m)) unsupported(`"${m}" cannot be combined with "re"`);
    let flags = { i: has('i'), m: has('m'), s: has('s') };
    if (view.lowercased && !flags.i) {
      flags = { ...flags, i: true };
      ctx.reasons.push(
        reason(
          'semantic-degraded',
          `${item.field}: MDE stores this value lower-cased, so the case-sensitive regex runs case-insensitively`,
          at,
          item.position,
        ),
      );
    }
    const regexes: CompiledRegex[] = [];
    for (const v of item.values) {
      if (typeof v !== 'string') unsupported('a regex value is a string');
      const r = compileRegex(v as string, flags);
      if (!r.ok)
        throw new Skip(
          reason(
            'regex-unsupported',
            `${itemName(item)}: RE2 refuses ${JSON.stringify(v)}: ${r.message}`,
            at,
            item.position,
          ),
        );
      regexes.push(r.regex);
    }
    return pred({ kind: 'regex', view, regexes: regexes.slice(), all: has('all') });
  }
  for (const m of ['i', 'm', 's'] as const) if (has(m)) unsupported(`"${m}" is a flag of "re"`);
  // cidr
  if (has('cidr')) {
    if (mods.length !== 1) unsupported('"cidr" takes no other modifier');
    const ranges = item.values.map((v) => {
      const r = parseCidr(valueText(v));
      if (!r) unsupported(`${JSON.stringify(v)} is not an IPv4 or IPv6 CIDR range`);
      return r!;
    });
    return pred({
      kind: 'cidr',
      view,
      ranges: ranges.map((r) => r.text),
      test: (ip) => {
        const bytes = parseIP(ip);
        return bytes !== undefined && ranges.some((r) => inRange(r, bytes));
      },
    });
  }
  // numeric comparisons
  const numeric = mods.filter((m) => NUMERIC.has(m));
  if (numeric.length) {
    if (mods.length !== 1) unsupported(`"${numeric[0]}" takes no other modifier`);
    const values = item.values.map((v) =>
      typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN,
    );
    if (values.some((n) => Number.isNaN(n))) unsupported(`"${numeric[0]}" compares numbers`);
    return pred({ kind: 'number', view, op: numeric[0] as 'gt' | 'gte' | 'lt' | 'lte', values });
  }
  // neq: the field has a value, and it is none of the values
  if (has('neq')) {
    const rest: SigmaItem = { ...item, modifiers: mods.filter((m) => m !== 'neq' && m !== 'all') };
    if (rest.modifiers.length === 0 && item.values.every((v) => typeof v === 'number'))
      return pred({ kind: 'number', view, op: 'neq', values: item.values as number[] });
    const inner = compileStringItem(rest, view, ctx, origin, at, unsupported);
    return {
      kind: 'and',
      args: [
        { kind: 'not', arg: pred({ kind: 'null', view }) },
        { kind: 'not', arg: inner },
      ],
    };
  }
  return compileStringItem(item, view, ctx, origin, at, unsupported);
}

function unmapped(ctx: Ctx, at: string, item: SigmaItem, message: string): Expr {
  if (ctx.positive) throw new Skip(reason('field-unmapped', message, at, item.position));
  ctx.reasons.push(
    reason(
      'field-unmapped-in-filter',
      `${message}; it is only used to exclude, so this exclusion can never apply`,
      at,
      item.position,
    ),
  );
  return { kind: 'const', value: false };
}

function compileStringItem(
  item: SigmaItem,
  view: FieldView,
  ctx: Ctx,
  origin: PredOrigin,
  at: string,
  unsupported: (message: string) => never,
): Expr {
  const mods = item.modifiers;
  const has = (m: SigmaModifier): boolean => mods.includes(m);
  const anchorMod = mods.find((m) => ANCHORS[m] !== undefined);
  const anchor: Anchor = anchorMod ? ANCHORS[anchorMod]! : 'exact';
  const encodings = mods.filter((m) => ENCODINGS.has(m));
  if (has('base64offset') && anchor !== 'contains') unsupported('"base64offset" needs "contains"');
  if (has('base64') && has('base64offset')) unsupported('"base64" and "base64offset" cannot be combined');
  if (has('windash') && encodings.length) unsupported('"windash" cannot be combined with an encoding');
  // utf16 encodings must come before base64: the base64 of the UTF-16 bytes.
  const b64 = mods.findIndex((m) => m === 'base64' || m === 'base64offset');
  const u16 = mods.findIndex((m) => m === 'utf16le' || m === 'utf16be' || m === 'utf16' || m === 'wide');
  if (u16 >= 0 && b64 < 0) unsupported('a UTF-16 encoding needs "base64" or "base64offset" after it');
  if (u16 >= 0 && b64 >= 0 && u16 > b64) unsupported('the UTF-16 encoding goes before "base64"');
  if (mods.filter((m) => m === 'utf16le' || m === 'utf16be' || m === 'utf16' || m === 'wide').length > 1)
    unsupported('one UTF-16 encoding at most');
  const lowercased = view.lowercased === true;
  // Base64 text is case-sensitive: encoded values compare cased.
  let cased = has('cased') || b64 >= 0;
  if (cased && lowercased) {
    cased = false;
    ctx.reasons.push(
      reason(
        'semantic-degraded',
        `${item.field}: MDE stores this value lower-cased, so the case-sensitive comparison runs case-insensitively`,
        at,
        item.position,
      ),
    );
  }
  const windash = has('windash');
  const fold = (s: string): string => {
    const f = cased ? s : s.toLowerCase();
    return windash ? normaliseDashes(f) : f;
  };
  // Values: expand placeholders, split null/empty from strings, drop values the view can never hold.
  const strings: { parts: GlobPart[]; written: string }[] = [];
  let nullValue = false;
  const never: string[] = [];
  for (const raw of item.values) {
    if (raw === null) {
      nullValue = true;
      continue;
    }
    const written = valueText(raw);
    const expanded = has('expand') ? expand(written, ctx, item, at) : [written];
    for (const value of expanded) {
      if (value === '' && anchor === 'exact' && encodings.length === 0) {
        nullValue = true;
        continue;
      }
      const neverWhy = view.neverMatches?.(value);
      if (neverWhy !== undefined) {
        never.push(neverWhy);
        continue;
      }
      if (encodings.length) {
        const parts = parseSigmaString(value);
        if (parts.some((p) => p.kind !== 'text')) unsupported('a wildcard cannot be encoded');
        let enc: Encoded = {
          kind: 'text',
          text: value.length ? ((parts[0] as { text: string } | undefined)?.text ?? '') : '',
        };
        for (const m of mods) {
          if (m === 'utf16le' || m === 'wide') enc = utf16(enc, 'le', false);
          else if (m === 'utf16be') enc = utf16(enc, 'be', false);
          else if (m === 'utf16') enc = utf16(enc, 'le', true);
        }
        const texts = has('base64offset') ? base64offset(enc) : [base64(enc)];
        for (const t of texts) strings.push({ parts: [{ kind: 'text', text: t }], written });
        continue;
      }
      strings.push({ parts: parseSigmaString(value), written });
    }
  }
  if (never.length && strings.length === 0 && !nullValue) {
    ctx.reasons.push(reason('selection-never-matches', `${item.field}: ${never[0]}`, at, item.position));
    return { kind: 'pred', pred: { kind: 'never', reason: never[0]! }, origin };
  }
  if (never.length)
    ctx.reasons.push(
      reason(
        'selection-never-matches',
        `${item.field}: ${never.length} value(s) can never match: ${never[0]}`,
        at,
        item.position,
      ),
    );
  const args: Expr[] = [];
  if (strings.length) {
    const patterns: CompiledPattern[] = strings.map((s) =>
      shared(compilePattern(s.parts, anchor, fold, s.written), ctx.options),
    );
    args.push({ kind: 'pred', pred: { kind: 'string', view, patterns, all: has('all'), cased, windash }, origin });
  }
  if (nullValue) args.push({ kind: 'pred', pred: { kind: 'null', view }, origin });
  return args.length === 1 ? args[0]! : { kind: has('all') ? 'and' : 'or', args };
}

/** `expand`: `%name%` placeholders from the options (`\%` is a plain percent). Every combination. */
function expand(value: string, ctx: Ctx, item: SigmaItem, at: string): string[] {
  let results = [''];
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c === '\\' && value[i + 1] === '%') {
      results = results.map((r) => `${r}%`);
      i += 2;
      continue;
    }
    if (c === '%') {
      const close = value.indexOf('%', i + 1);
      if (close > i + 1) {
        const name = value.slice(i + 1, close);
        const given =
          ctx.options.placeholders && Object.hasOwn(ctx.options.placeholders, name)
            ? ctx.options.placeholders[name]
            : undefined;
        if (given === undefined)
          throw new Skip(
            reason(
              'placeholder-unexpanded',
              `%${name}% has no value: give it in the placeholders option`,
              at,
              item.position,
            ),
          );
        const list = typeof given === 'string' ? [given] : [...given];
        results = results.flatMap((r) => list.map((v) => r + v));
        if (results.length > 1000)
          throw new Skip(reason('placeholder-unexpanded', `%${name}% expands to too many values`, at, item.position));
        i = close + 1;
        continue;
      }
    }
    results = results.map((r) => r + c);
    i++;
  }
  return results;
}
