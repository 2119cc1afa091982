/**
 * The shared vocabulary of `@tripline/sigma`: parsed Sigma documents (mapping-independent), the MDE
 * mapping interface, the compiled intermediate representation the evaluator, the candidate index and
 * the KQL exporter read, and the load report.
 */
import type { AnyDetector, DetectorFamily, MdeEvent, Severity, TableName } from '@tripline/core';

// ───────────────────────────── positions and reasons ─────────────────────────────

/** Where something was written: file (or source name), 1-based line and column. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Why a rule did not load as written. Every skipped or degraded rule carries at least one. */
export const SIGMA_REASONS = [
  /** The YAML does not parse. */
  'yaml-invalid',
  /** The document is not a Sigma rule, correlation or filter (schema). */
  'schema-invalid',
  /** The condition does not parse or names a selection that does not exist. */
  'condition-invalid',
  /** A modifier this engine does not implement (or an invalid chain). */
  'modifier-unsupported',
  /** `expand` with a placeholder the configuration does not define. */
  'placeholder-unexpanded',
  /** A `re` value RE2 cannot compile (back-references, look-around). */
  'regex-unsupported',
  /** The logsource has no MDE table (auditd, syslog, …). */
  'logsource-unroutable',
  /** A field of a positive selection has no MDE column or rebuild. */
  'field-unmapped',
  /** A field without an MDE column inside a filter (`not …`): the filter can never exclude (degraded). */
  'field-unmapped-in-filter',
  /** An item can never match on MDE (an IMPHASH-only `Hashes` value); the rule may still match otherwise. */
  'selection-never-matches',
  /** The rule loads with a weaker meaning (parent image from a base name, lower-cased column with a case-sensitive regex…). */
  'semantic-degraded',
  /** An ATT&CK tag the technique table core ships does not know (newer ATT&CK). Kept, reported; never fails a rule. */
  'attack-unknown',
  /** Two documents share an id: the second is skipped. */
  'duplicate-id',
  /** A correlation this engine cannot run as written. */
  'correlation-unsupported',
  /** A correlation names a rule that is not loaded. */
  'correlation-rule-missing',
  /** The load's `select` option (status, level) left the rule out. */
  'not-selected',
] as const;
export type SigmaReason = (typeof SIGMA_REASONS)[number];

/** One reason, with a sentence for people and where it applies. */
export interface LoadReason {
  readonly code: SigmaReason;
  readonly message: string;
  /** Selection / field / value path the reason is about (`selection_img.Image|endswith`). */
  readonly at?: string;
  readonly position?: SourcePosition;
}

// ───────────────────────────── parsed Sigma (no mapping) ─────────────────────────────

export type SigmaValue = string | number | boolean | null;

export const SIGMA_MODIFIERS = [
  'contains',
  'startswith',
  'endswith',
  'all',
  'windash',
  're',
  'i',
  'm',
  's',
  'cidr',
  'base64',
  'base64offset',
  'fieldref',
  'exists',
  'cased',
  'expand',
  'gt',
  'gte',
  'lt',
  'lte',
  'neq',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
] as const;
export type SigmaModifier = (typeof SIGMA_MODIFIERS)[number];

/** One `Field|mod|mod: value(s)` item, or a keyword item (`field` undefined). */
export interface SigmaItem {
  readonly field: string | undefined;
  readonly modifiers: readonly SigmaModifier[];
  /** The values as written (a scalar becomes a one-element list). OR of values unless `all`. */
  readonly values: readonly SigmaValue[];
  readonly position: SourcePosition;
}

/** A named detection identifier: OR over `alternatives` (a list of maps), each an AND of items. */
export interface SigmaSelection {
  readonly name: string;
  readonly alternatives: readonly (readonly SigmaItem[])[];
  /** A keyword list (values without field names). */
  readonly keyword: boolean;
  readonly position: SourcePosition;
}

export type SigmaCondition =
  | { readonly type: 'and' | 'or'; readonly args: readonly SigmaCondition[] }
  | { readonly type: 'not'; readonly arg: SigmaCondition }
  | { readonly type: 'id'; readonly name: string }
  /** `1 of selection_*`, `all of them`, `2 of x*`: `target` is `them` or a pattern (`*` wildcard). */
  | { readonly type: 'of'; readonly quantifier: 'all' | number; readonly target: string };

export interface SigmaLogsource {
  readonly product?: string;
  readonly category?: string;
  readonly service?: string;
  readonly definition?: string;
}

export type SigmaLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';

/** Metadata every Sigma document may carry. */
export interface SigmaDocumentMeta {
  readonly id: string | undefined;
  /** `name`, by which correlations refer to rules. */
  readonly name: string | undefined;
  readonly title: string;
  readonly status: string | undefined;
  readonly level: SigmaLevel | undefined;
  readonly description: string | undefined;
  readonly author: string | undefined;
  /** Dates stay the strings the author wrote. */
  readonly date: string | undefined;
  readonly modified: string | undefined;
  readonly tags: readonly string[];
  readonly references: readonly string[];
  readonly falsepositives: readonly string[];
  readonly source: SourcePosition;
}

export interface SigmaRule extends SigmaDocumentMeta {
  readonly type: 'rule';
  readonly logsource: SigmaLogsource;
  readonly selections: ReadonlyMap<string, SigmaSelection>;
  /** A list condition is the OR of its entries. */
  readonly condition: SigmaCondition;
  readonly conditionText: string;
}

export type SigmaCorrelationType =
  | 'event_count'
  | 'value_count'
  | 'temporal'
  | 'temporal_ordered'
  | 'value_sum'
  | 'value_avg'
  | 'value_percentile';

export interface SigmaCorrelationCondition {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly eq?: number;
  readonly neq?: number;
  /** The field counted/summed (value_*). */
  readonly field?: string;
  /** value_percentile: which percentile. */
  readonly percentile?: number;
}

export interface SigmaCorrelation extends SigmaDocumentMeta {
  readonly type: 'correlation';
  readonly correlation: {
    readonly type: SigmaCorrelationType;
    /** Names or ids of the rules (or correlations) correlated. */
    readonly rules: readonly string[];
    readonly groupBy: readonly string[];
    readonly timespanMs: number;
    readonly timespanText: string;
    readonly condition: SigmaCorrelationCondition | undefined;
    /** alias → (rule name → field). */
    readonly aliases: Readonly<Record<string, Readonly<Record<string, string>>>>;
    readonly generate: boolean;
  };
}

export type SigmaDocument = SigmaRule | SigmaCorrelation;

// ───────────────────────────── the MDE mapping ─────────────────────────────

/** Where a logsource's events are in MDE. */
export interface SigmaRoute {
  readonly table: TableName;
  /** Only these ActionTypes (all when omitted). */
  readonly actionTypes?: readonly string[];
  readonly platform: 'windows' | 'linux' | 'macos' | undefined;
}

export type RouteResult =
  | { readonly ok: true; readonly route: SigmaRoute }
  | { readonly ok: false; readonly reason: LoadReason };

export type SigmaFieldValue = string | number | boolean | null | undefined;

/**
 * A Sigma field as MDE holds it: the value the rule author meant (Sysmon's spelling), rebuilt from
 * the event's columns. `get` is pure and cheap; the evaluator caches its answer per event.
 */
export interface FieldView {
  /** The Sigma field name (`TargetObject`). */
  readonly field: string;
  /** Identity of the view within a mapping (`DeviceRegistryEvents.TargetObject`): the cache key. */
  readonly key: string;
  /** MDE columns the view reads (evidence keeps them). */
  readonly columns: readonly string[];
  /** The value, or undefined when the event has none (null/empty columns). */
  get(event: MdeEvent): SigmaFieldValue;
  /** MDE writes this value lower-cased: case-sensitive comparisons on it are degraded. */
  readonly lowercased?: boolean;
  /** A degradation every rule using this view carries (`semantic-degraded`), as a sentence. */
  readonly degraded?: string;
  /** For a value this view can never equal on MDE (an `IMPHASH=` hash), the reason; else undefined. */
  neverMatches?(value: string): string | undefined;
}

export type FieldResult =
  | { readonly ok: true; readonly view: FieldView }
  | { readonly ok: false; readonly reason: LoadReason };

/** The Defender mapping, as data: which table a logsource is, which columns a field is. */
export interface SigmaMapping {
  readonly name: string;
  /** Changes whenever a route or a field's meaning changes. */
  readonly version: string;
  route(logsource: SigmaLogsource): RouteResult;
  field(route: SigmaRoute, field: string): FieldResult;
  /** The string fields a keyword (field-less) value is searched in, for a route. */
  keywordViews(route: SigmaRoute): readonly FieldView[];
  /**
   * The kind of device an event comes from, as far as its columns tell: `windows`, `posix` (Linux or
   * macOS), or undefined when they do not. A rule whose route names a platform must not be offered
   * events of the other kind (`platformAccepts` of the mapping module): a Windows rule's `not` filters would all
   * hold on a macOS row. Optional: a mapping without it offers every routed event.
   */
  eventPlatform?(event: MdeEvent): EventPlatform;
}

/** What {@link SigmaMapping.eventPlatform} tells of an event. */
export type EventPlatform = 'windows' | 'posix' | undefined;

// ───────────────────────────── compiled IR ─────────────────────────────

/**
 * One compiled string value. `text` is folded (lower-cased once, at load) unless the predicate is
 * `cased`; `windash` values have every dash character normalised to `-`. Globs (`*`, `?` not escaped)
 * use a linear matcher, never a RegExp.
 */
export interface StringPattern {
  readonly anchor: 'exact' | 'prefix' | 'suffix' | 'contains' | 'glob';
  readonly text: string;
  /**
   * Literal substrings every matching value contains (folded like `text`): the prefilter's needles.
   * Empty when none is known (a glob of only wildcards).
   */
  readonly literals: readonly string[];
}

/** A compiled regular expression: linear time (RE2 semantics). */
export interface CompiledRegex {
  readonly source: string;
  readonly flags: { readonly i: boolean; readonly m: boolean; readonly s: boolean };
  test(text: string): boolean;
  /** Literal substrings every match contains (lower-cased; empty when none is known). */
  readonly literals: readonly string[];
}

export type Pred =
  | {
      readonly kind: 'string';
      readonly view: FieldView;
      readonly patterns: readonly StringPattern[];
      /** AND over patterns (`all`) instead of OR. */
      readonly all: boolean;
      readonly cased: boolean;
      readonly windash: boolean;
    }
  | {
      readonly kind: 'regex';
      readonly view: FieldView;
      readonly regexes: readonly CompiledRegex[];
      readonly all: boolean;
    }
  | { readonly kind: 'cidr'; readonly view: FieldView; readonly ranges: readonly string[]; test(ip: string): boolean }
  | {
      readonly kind: 'number';
      readonly view: FieldView;
      readonly op: 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte';
      readonly values: readonly number[];
    }
  /** `Field: null`: the field is absent or empty. */
  | { readonly kind: 'null'; readonly view: FieldView }
  | { readonly kind: 'exists'; readonly view: FieldView; readonly exists: boolean }
  | {
      readonly kind: 'fieldref';
      readonly view: FieldView;
      readonly other: FieldView;
      readonly anchor: 'exact' | 'prefix' | 'suffix' | 'contains';
      readonly cased: boolean;
    }
  /** Field-less values: any of `views` matches. */
  | {
      readonly kind: 'keyword';
      readonly views: readonly FieldView[];
      readonly patterns: readonly StringPattern[];
      readonly all: boolean;
    }
  /** An item that can never match on MDE (reason in the load report). */
  | { readonly kind: 'never'; readonly reason: string };

/** Where a predicate came from, for "why it matched". */
export interface PredOrigin {
  readonly selection: string;
  /** `Image|endswith`, or `keywords` for a keyword item. */
  readonly item: string;
  readonly position: SourcePosition;
}

export type Expr =
  | { readonly kind: 'and' | 'or'; readonly args: readonly Expr[] }
  | { readonly kind: 'not'; readonly arg: Expr }
  | { readonly kind: 'pred'; readonly pred: Pred; readonly origin: PredOrigin }
  | { readonly kind: 'const'; readonly value: boolean };

/** Per-event memo of field views (value, folded, dash-normalised), shared by every rule on the event. */
export interface EvalContext {
  readonly event: MdeEvent;
  value(view: FieldView): SigmaFieldValue;
  /** The value as a string (numbers and booleans in Sysmon's spelling), lower-cased; undefined when absent. */
  folded(view: FieldView): string | undefined;
  /** The value as a string, not folded. */
  text(view: FieldView): string | undefined;
}

/** What made a rule match: one entry per positive predicate that held (first few). */
export interface MatchExplanation {
  readonly selection: string;
  readonly item: string;
  readonly field: string;
  /** The pattern or regex that matched, as the author wrote it. */
  readonly pattern: string;
  /** The event's value (clipped). */
  readonly value: string;
}

/**
 * A rule after mapping and compilation. In a set from `compileSigma`/`loadSigma`, `rule` and `expr` are
 * made again from the rule's source text on first use once the set is built (the set does not hold
 * every rule's document and expression: a run tests few of them), then kept; they are equal to those
 * of the first compile.
 */
export interface CompiledRule {
  readonly rule: SigmaRule;
  /** `sigma/<rule id>`. */
  readonly detectorId: string;
  readonly route: SigmaRoute;
  /** Identifiers inlined, constants folded. */
  readonly expr: Expr;
  readonly status: 'loaded' | 'degraded';
  readonly reasons: readonly LoadReason[];
  readonly severity: Severity;
  /** ATT&CK technique ids of the tags (all of them, known or not). */
  readonly techniques: readonly string[];
  /** Evaluate on one event. */
  test(ctx: EvalContext): readonly MatchExplanation[] | undefined;
}

// ───────────────────────────── load report ─────────────────────────────

export type LoadStatus = 'loaded' | 'degraded' | 'skipped';

export interface LoadEntry {
  readonly id: string | undefined;
  readonly title: string | undefined;
  readonly kind: 'rule' | 'correlation' | 'filter' | 'unknown';
  readonly source: SourcePosition;
  readonly status: LoadStatus;
  readonly reasons: readonly LoadReason[];
  readonly table?: TableName;
  readonly actionTypes?: readonly string[];
  readonly detectorId?: string;
  /** A filter document: how many loaded rules it applies to. */
  readonly appliedTo?: number;
  /**
   * A rule only correlations use (Sigma 2.1: no correlation naming it has `generate: true`): it raises no
   * alerts of its own; its correlations evaluate it.
   */
  readonly correlationOnly?: boolean;
}

export interface LoadReport {
  readonly mapping: { readonly name: string; readonly version: string };
  readonly documents: number;
  readonly rules: { readonly loaded: number; readonly degraded: number; readonly skipped: number };
  readonly correlations: { readonly loaded: number; readonly degraded: number; readonly skipped: number };
  /** How many entries carry each reason. */
  readonly byReason: Readonly<Partial<Record<SigmaReason, number>>>;
  /** Every document, in source order. */
  readonly entries: readonly LoadEntry[];
}

/** What `loadSigma` returns. */
export interface SigmaSet {
  /** One family serving every loaded rule (index over all of them). */
  readonly family: DetectorFamily;
  /** Correlation detectors (not in the family: they run on the engine's windows). */
  readonly correlations: readonly AnyDetector[];
  /** `[family, ...correlations]`: what to give `analyze({ detectors })`. */
  readonly detectors: readonly (AnyDetector | DetectorFamily)[];
  readonly rules: readonly CompiledRule[];
  readonly report: LoadReport;
  /**
   * The correlation documents of the load, in source order (those with a duplicate id left out): what
   * the KQL exporter reads to export them. Optional for sets built by hand.
   */
  readonly correlationDocuments?: readonly SigmaCorrelation[];
}
