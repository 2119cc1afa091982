/**
 * Loading Sigma sources: parse, compile against the mapping, build one detector per rule and the family,
 * apply Sigma filters, hand correlations to the correlation compiler, and account for every document in
 * the load report.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type AnyDetector, compareSeverity } from '@tripline/core';
import { type CompileOptions, compileRule, type Placeholders, sharePatterns, stopSharingPatterns } from './compile.js';
import { compileCorrelations } from './correlation/compile.js';
import { type DetectorOptions, ruleDetector, type SigmaField } from './detector.js';
import { createEvalContext } from './eval.js';
import { buildFamily } from './family.js';
import type {
  CompiledRule,
  LoadEntry,
  LoadReason,
  LoadReport,
  SigmaCondition,
  SigmaCorrelation,
  SigmaLevel,
  SigmaMapping,
  SigmaReason,
  SigmaRule,
  SigmaSelection,
  SigmaSet,
} from './ir.js';
import { KEPT_TEXT_MAX, type LazyRule, lazyRule, type Rebuild } from './lazy.js';
import { mdeMapping } from './mapping/index.js';
import { rememberOrigin } from './origin.js';
import { type ParsedDocument, parseSigmaSource, type SigmaFilter } from './parse.js';

/** What the correlation compiler returns: its detectors and one load entry per correlation document. */
export interface CorrelationOutput {
  readonly detectors: readonly AnyDetector[];
  readonly entries: readonly LoadEntry[];
  /**
   * Detector ids of rules that only correlations use (Sigma 2.1: without `generate: true` a correlation's
   * rules are not emitted on their own). The load leaves them out of the family and marks their entries
   * `correlationOnly`; the correlations still evaluate them.
   */
  readonly quiet?: ReadonlySet<string>;
}

/** The hook by which correlation documents are compiled, with the compiled rules they refer to. */
export type CorrelationCompiler = (
  correlations: readonly SigmaCorrelation[],
  rules: readonly CompiledRule[],
  options: { readonly mapping: SigmaMapping; readonly groupBy?: readonly SigmaField[] },
) => CorrelationOutput;

/** Which rules to load, by status and level. */
export interface SigmaSelect {
  /** Statuses to load (`stable`, `test`, `experimental`…); all when omitted. */
  readonly status?: readonly string[];
  /** The lowest level loaded (rules without a level count as `medium`). */
  readonly minLevel?: SigmaLevel;
}

export interface CompileSigmaOptions {
  /** The Sigma → MDE mapping. Default: {@link mdeMapping}`()`, the Defender mapping. */
  readonly mapping?: SigmaMapping;
  /** Values of `expand` placeholders. */
  readonly placeholders?: Placeholders;
  /** `error`: throw {@link SigmaLoadError} when a rule does not load (CI for rule authors). Default `skip`. */
  readonly onUnsupported?: 'skip' | 'error';
  /** Fields whose values key the alerts of every rule (default: one alert per rule and device). */
  readonly groupBy?: readonly SigmaField[];
  readonly select?: SigmaSelect;
  /** Compiles correlation documents; default {@link compileCorrelations} on the engine's windows. */
  readonly correlate?: CorrelationCompiler;
}

export type SigmaSource = { readonly text: string; readonly name: string } | { readonly path: string };

export interface LoadSigmaOptions extends CompileSigmaOptions {
  /** Files and folders (recursively: `.yml`, `.yaml`, in sorted order), or texts with a name. */
  readonly sources: readonly SigmaSource[];
}

/** Thrown with `onUnsupported: 'error'` when some document does not load; carries the report. */
export class SigmaLoadError extends Error {
  readonly report: LoadReport;
  constructor(message: string, report: LoadReport) {
    super(message);
    this.name = 'SigmaLoadError';
    this.report = report;
  }
}

// Sigma load-report reason codes (SIGMA_REASONS), not codes of core's error catalog.
const DUPLICATE_ID: SigmaReason = 'duplicate-id';
const CORRELATION_UNSUPPORTED: SigmaReason = 'correlation-unsupported';
const NOT_SELECTED: SigmaReason = 'not-selected';

/** The default correlation compiler: {@link compileCorrelations} with the loader's evaluation context. */
const defaultCorrelate: CorrelationCompiler = (correlations, rules, { mapping }) =>
  compileCorrelations(correlations, rules, {
    mapping,
    context: createEvalContext,
    takenIds: new Set(rules.map((r) => r.detectorId)),
  });

/**
 * Compile Sigma sources (synchronous). The set keeps each source text (of up to 64 Ki code units; the
 * parsed documents of a longer one) and lets go of the rules' compiled expressions once its family and
 * correlations are built: a rule a run tests is compiled again on first use, then kept (see
 * `CompiledRule`).
 */
export function compileSigma(
  sources: readonly { readonly text: string; readonly name: string }[],
  given: CompileSigmaOptions = {},
): SigmaSet {
  const options = { ...given, mapping: given.mapping ?? mdeMapping() };
  const docs: ParsedDocument[] = [];
  // Where each document comes from (its source and its place in it): a rule is compiled again from there.
  const origins: { readonly source: { readonly text: string; readonly name: string }; readonly index: number }[] = [];
  for (const s of sources) {
    const parsed = parseSigmaSource(s.text, s.name);
    for (let index = 0; index < parsed.length; index++) {
      docs.push(parsed[index]!);
      origins.push({ source: s, index });
    }
  }
  const compileOptions: CompileOptions = {
    mapping: options.mapping,
    ...(options.placeholders ? { placeholders: options.placeholders } : {}),
  };
  sharePatterns(compileOptions);
  const filters = docs.flatMap((d) => (d.kind === 'filter' ? [d.filter] : []));
  const entries: (LoadEntry | undefined)[] = [];
  const compiled: CompiledRule[] = [];
  const lazy: LazyRule[] = [];
  const correlations: { doc: SigmaCorrelation; slot: number }[] = [];
  const seenIds = new Set<string>();
  const filterUse = new Map<SigmaFilter, number>();
  for (let docIndex = 0; docIndex < docs.length; docIndex++) {
    const d = docs[docIndex]!;
    if (d.kind === 'invalid') {
      entries.push({
        id: d.id,
        title: d.title,
        kind: d.docKind === 'filter' ? 'filter' : d.docKind,
        source: d.source,
        status: 'skipped',
        reasons: d.reasons,
      });
      continue;
    }
    if (d.kind === 'filter') {
      entries.push(undefined); // filled once rules are compiled
      continue;
    }
    const doc = d.kind === 'rule' ? d.rule : d.correlation;
    const idKey = doc.id?.toLowerCase();
    if (idKey !== undefined && seenIds.has(idKey)) {
      entries.push({
        id: doc.id,
        title: doc.title,
        kind: d.kind,
        source: doc.source,
        status: 'skipped',
        reasons: [
          {
            code: DUPLICATE_ID,
            message: `another document already has the id ${doc.id}`,
            at: 'id',
            position: doc.source,
          },
        ],
      });
      continue;
    }
    if (idKey !== undefined) seenIds.add(idKey);
    if (d.kind === 'correlation') {
      correlations.push({ doc: d.correlation, slot: entries.length });
      entries.push(undefined);
      continue;
    }
    const rule = d.rule;
    const notSelected = selectReason(rule, options.select);
    if (notSelected) {
      entries.push({
        id: rule.id,
        title: rule.title,
        kind: 'rule',
        source: rule.source,
        status: 'skipped',
        reasons: [notSelected],
      });
      continue;
    }
    const applied = filters.filter((f) => filterApplies(f, rule));
    for (const f of applied) filterUse.set(f, (filterUse.get(f) ?? 0) + 1);
    const result = compileRule(applied.length ? withFilters(rule, applied) : rule, compileOptions);
    if (!result.ok) {
      entries.push({
        id: rule.id,
        title: rule.title,
        kind: 'rule',
        source: rule.source,
        status: 'skipped',
        reasons: result.reasons,
        ...(result.route
          ? {
              table: result.route.table,
              ...(result.route.actionTypes ? { actionTypes: result.route.actionTypes } : {}),
            }
          : {}),
      });
      continue;
    }
    const c = result.compiled;
    const origin = origins[docIndex]!;
    const keepDocument = origin.source.text.length > KEPT_TEXT_MAX;
    const l = lazyRule(c, rebuildFrom(keepDocument ? undefined : origin, applied, compileOptions), keepDocument);
    lazy.push(l);
    compiled.push(l.rule);
    entries.push({
      id: rule.id,
      title: rule.title,
      kind: 'rule',
      source: rule.source,
      status: c.status,
      reasons: c.reasons,
      table: c.route.table,
      ...(c.route.actionTypes ? { actionTypes: c.route.actionTypes } : {}),
      detectorId: c.detectorId,
    });
  }
  stopSharingPatterns(compileOptions);
  // Filters: loaded, with the number of rules they apply to.
  docs.forEach((d, i) => {
    if (d.kind !== 'filter') return;
    const f = d.filter;
    entries[i] = {
      id: f.id,
      title: f.title,
      kind: 'filter',
      source: f.source,
      status: 'loaded',
      reasons: [],
      appliedTo: filterUse.get(f) ?? 0,
    };
  });
  const detectorOptions: DetectorOptions = {
    mapping: options.mapping,
    ...(options.groupBy ? { groupBy: options.groupBy } : {}),
  };
  // Correlations, before the family: the rules only they use are not members of it.
  let correlationDetectors: readonly AnyDetector[] = [];
  let quiet: ReadonlySet<string> = new Set();
  if (correlations.length) {
    const correlate = options.correlate ?? defaultCorrelate;
    const out = correlate(
      correlations.map((c) => c.doc),
      compiled,
      { mapping: options.mapping, ...(options.groupBy ? { groupBy: options.groupBy } : {}) },
    );
    correlationDetectors = out.detectors;
    quiet = out.quiet ?? quiet;
    correlations.forEach((c, i) => {
      entries[c.slot] = out.entries[i] ?? {
        id: c.doc.id,
        title: c.doc.title,
        kind: 'correlation',
        source: c.doc.source,
        status: 'skipped',
        reasons: [
          {
            code: CORRELATION_UNSUPPORTED,
            message: 'the correlation compiler gave no entry for this correlation',
            position: c.doc.source,
          },
        ],
      };
    });
    if (quiet.size)
      entries.forEach((e, i) => {
        if (e?.kind === 'rule' && e.detectorId !== undefined && quiet.has(e.detectorId))
          entries[i] = { ...e, correlationOnly: true };
      });
  }
  const emitted = compiled.filter((c) => !quiet.has(c.detectorId));
  const members = emitted.map((c) => ruleDetector(c, detectorOptions));
  const family = buildFamily(emitted, members, detectorOptions);
  // Built: the family, the members and the correlations read what they needed of each rule's document
  // and expression; the rules let go of them (a run asks again for the few it tests).
  for (const l of lazy) l.release();
  const finalEntries = entries.filter((e): e is LoadEntry => e !== undefined);
  const report = makeReport(options.mapping, finalEntries);
  if (options.onUnsupported === 'error') {
    const bad = finalEntries.filter((e) => e.status === 'skipped' && !e.reasons.some((r) => r.code === 'not-selected'));
    if (bad.length) {
      const first = bad[0]!;
      const r = first.reasons[0];
      throw new SigmaLoadError(
        `${bad.length} Sigma document(s) did not load; first: ${first.source.file}:${r?.position?.line ?? first.source.line}:${r?.position?.column ?? first.source.column} ${r?.code}: ${r?.message}`,
        report,
      );
    }
  }
  const set: SigmaSet = {
    family,
    correlations: correlationDetectors,
    detectors: [family, ...correlationDetectors],
    rules: compiled,
    report,
    correlationDocuments: correlations.map((c) => c.doc),
  };
  rememberOrigin(set, options.mapping);
  return set;
}

/**
 * How a rule compiles again: the document at the same place of the same source text, with the same
 * filters, compiled with the same options. The parse and the compile are functions of these alone.
 * Without `origin`, the rule keeps its document and the text is not held.
 */
function rebuildFrom(
  origin: { readonly source: { readonly text: string; readonly name: string }; readonly index: number } | undefined,
  filters: readonly SigmaFilter[],
  options: CompileOptions,
): Rebuild {
  // Without an origin (a source too long to keep), the rule keeps its document: only the compile is made again.
  const where = origin ? `${origin.source.name}, document ${origin.index + 1}` : 'a rule of a long source';
  return {
    document: () => {
      if (origin === undefined) throw new Error(`${where}: its document was not kept`);
      const d = parseSigmaSource(origin.source.text, origin.source.name)[origin.index];
      if (d?.kind !== 'rule') throw new Error(`${where} is no longer a rule`);
      return filters.length ? withFilters(d.rule, filters) : d.rule;
    },
    compile: (rule) => {
      const result = compileRule(rule, options);
      if (!result.ok) throw new Error(`${where} no longer compiles`);
      return result.compiled;
    },
  };
}

function makeReport(mapping: SigmaMapping, entries: readonly LoadEntry[]): LoadReport {
  const count = (kind: LoadEntry['kind']) => {
    const of = entries.filter((e) => e.kind === kind || (kind === 'rule' && e.kind === 'unknown'));
    return {
      loaded: of.filter((e) => e.status === 'loaded').length,
      degraded: of.filter((e) => e.status === 'degraded').length,
      skipped: of.filter((e) => e.status === 'skipped').length,
    };
  };
  const byReason: Partial<Record<SigmaReason, number>> = {};
  for (const e of entries)
    for (const code of new Set(e.reasons.map((r) => r.code))) byReason[code] = (byReason[code] ?? 0) + 1;
  const sorted = Object.fromEntries(Object.entries(byReason).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    mapping: { name: mapping.name, version: mapping.version },
    documents: entries.length,
    rules: count('rule'),
    correlations: count('correlation'),
    byReason: sorted,
    entries,
  };
}

function selectReason(rule: SigmaRule, select: SigmaSelect | undefined): LoadReason | undefined {
  if (!select) return undefined;
  if (select.status && !select.status.includes(rule.status ?? ''))
    return {
      code: NOT_SELECTED,
      message: `status ${rule.status ?? '(none)'} is not one of ${select.status.join(', ')}`,
      position: rule.source,
    };
  if (select.minLevel && compareSeverity(rule.level ?? 'medium', select.minLevel) < 0)
    return {
      code: NOT_SELECTED,
      message: `level ${rule.level ?? 'medium'} is below ${select.minLevel}`,
      position: rule.source,
    };
  return undefined;
}

/** A filter applies to the rules it names (by id or name) whose logsource has every key the filter's has. */
function filterApplies(f: SigmaFilter, rule: SigmaRule): boolean {
  const named = f.rules.some(
    (r) => r.toLowerCase() === rule.id?.toLowerCase() || (rule.name !== undefined && r === rule.name),
  );
  if (!named) return false;
  const ls = f.logsource;
  return (['product', 'category', 'service'] as const).every((k) => ls[k] === undefined || ls[k] === rule.logsource[k]);
}

/** The rule with each filter as `and not (<filter condition>)`, the filter's identifiers prefixed. */
function withFilters(rule: SigmaRule, filters: readonly SigmaFilter[]): SigmaRule {
  const selections = new Map<string, SigmaSelection>(rule.selections);
  const args: SigmaCondition[] = [rule.condition];
  filters.forEach((f, n) => {
    const prefix = `filter${n + 1}:`;
    for (const [name, sel] of f.selections) selections.set(prefix + name, { ...sel, name: prefix + name });
    args.push({ type: 'not', arg: prefixCondition(f.condition, prefix, [...f.selections.keys()]) });
  });
  return { ...rule, selections, condition: { type: 'and', args } };
}

function prefixCondition(c: SigmaCondition, prefix: string, names: readonly string[]): SigmaCondition {
  switch (c.type) {
    case 'and':
    case 'or':
      return { type: c.type, args: c.args.map((a) => prefixCondition(a, prefix, names)) };
    case 'not':
      return { type: 'not', arg: prefixCondition(c.arg, prefix, names) };
    case 'id':
      return { type: 'id', name: prefix + c.name };
    case 'of':
      if (c.target === 'them') {
        const ids = names
          .filter((n) => !n.startsWith('_'))
          .map((n): SigmaCondition => ({ type: 'id', name: prefix + n }));
        if (c.quantifier === 'all') return { type: 'and', args: ids };
        if (c.quantifier === 1) return { type: 'or', args: ids };
        return { type: 'of', quantifier: c.quantifier, target: `${prefix}*` };
      }
      return { ...c, target: prefix + c.target };
  }
}

/** Every `.yml`/`.yaml` file under a path (itself when a file), sorted. */
async function filesOf(path: string): Promise<string[]> {
  const s = await stat(path);
  if (s.isFile()) return [path];
  const out: string[] = [];
  const entries = await readdir(path, { withFileTypes: true });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...(await filesOf(p)));
    else if (e.isFile() && (e.name.endsWith('.yml') || e.name.endsWith('.yaml'))) out.push(p);
  }
  return out;
}

/** Load Sigma rules from files, folders and texts. */
export async function loadSigma(options: LoadSigmaOptions): Promise<SigmaSet> {
  const texts: { text: string; name: string }[] = [];
  for (const source of options.sources) {
    if ('text' in source) {
      texts.push({ text: source.text, name: source.name });
      continue;
    }
    for (const file of await filesOf(source.path)) texts.push({ text: await readFile(file, 'utf8'), name: file });
  }
  return compileSigma(texts, options);
}
