import type { z } from 'zod';
import type { MdeEvent } from '../model/event.js';
import type { TableName } from '../model/tables.js';
import type { Severity } from '../severity.js';

/** Text templates of an alert. `{name}` placeholders are filled from the evidence, the built-in values and the `render` hook's values. */
export interface MessageTemplates {
  readonly title: string;
  readonly description: string;
  readonly riskAssessment: string;
}

/** A value a piece of evidence can hold. Booleans are real booleans, never `'yes'`/`'no'`. */
export type EvidenceValue = string | number | boolean;

/** How the values of one piece of evidence combine across the matches of one alert. */
export type Combine =
  /** Distinct values in first-seen order, capped (`cap`, default 200); a cut is recorded in `truncated`. */
  | 'distinct'
  /** The value of the earliest match (event time; input order breaks ties). */
  | 'first'
  /** The value of the latest match (event time; on a tie the later row wins). */
  | 'last'
  /** Number of matches that supplied a value. */
  | 'count'
  /** Sum of the numeric values. */
  | 'sum'
  /** Smallest value (numbers numerically; ISO times as instants; other strings by code unit). */
  | 'min'
  /** Largest value (same order as `min`). */
  | 'max';

/** One piece of declared evidence: where its value comes from, how values combine, how it is shown. */
export interface EvidenceField<V extends EvidenceValue = EvidenceValue> {
  /**
   * Where the value comes from: a column of the event (read by the engine with `event.get(column)`;
   * strings, numbers and booleans kept, JSON values as canonical JSON text), a function of the event
   * (`undefined` for none, an array for several), or omitted: then `match` supplies it in `Match.evidence`.
   * A value `match` supplies for this name wins over `from`.
   */
  readonly from?: string | ((event: MdeEvent) => V | readonly V[] | undefined);
  readonly combine: Combine;
  /** Distinct values kept for `'distinct'` (default 200, at most 10,000). */
  readonly cap?: number;
  /**
   * Label of the key component. Default: the column named by `from` (Microsoft's spelling).
   * Required when `from` is not a column.
   */
  readonly label?: string;
  /** Not shown as a key component (used only in templates, the key or the severity). Default false. */
  readonly hidden?: boolean;
}

/** A detector's evidence declaration: name → field. Names are also template placeholders. */
export type EvidenceDecl = Readonly<Record<string, EvidenceField>>;

/** The value type of a field: what its `from` function returns, else any evidence value. */
export type EvidenceValueOf<F> = F extends { readonly from: (event: MdeEvent) => infer R }
  ? Exclude<R extends readonly (infer U)[] ? U : R, undefined> extends infer X extends EvidenceValue
    ? X
    : EvidenceValue
  : EvidenceValue;

/** The combined value of one field, as `group.evidence.<name>` types it. */
export type Combined<F> = F extends { readonly combine: 'distinct' }
  ? readonly EvidenceValueOf<F>[]
  : F extends { readonly combine: 'count' | 'sum' }
    ? number
    : EvidenceValueOf<F> | undefined;

/** The combined evidence of an alert. */
export type CombinedEvidence<E extends EvidenceDecl> = { readonly [K in keyof E]: Combined<E[K]> };

/** Metadata of a detector: validated when the detector is loaded, and the source of its doc page. */
export interface DetectorMeta<O = unknown, E extends EvidenceDecl = EvidenceDecl> {
  /** Stable forever: `<pack>/<name>`, lower-case letters, digits and dashes (`defender/root-cron-logon`). */
  readonly id: string;
  /** Short name of the alert class. */
  readonly title: string;
  /** One or two sentences: what the detector finds. */
  readonly summary: string;
  /** Why it matters, and why the default severity is what it is. */
  readonly rationale: string;
  /** Default severity. */
  readonly severity: Severity;
  /** How and when the severity of an alert differs from the default. */
  readonly severityNotes?: string;
  /** Category shown in reports (`System Monitoring`, `Identity and Access Management`, …). */
  readonly category: string;
  /** ATT&CK technique ids (`T1059.004`); checked against the technique table core ships. May be empty. */
  readonly mitre: readonly string[];
  /** Why these techniques (and not others) — shown on the doc page. */
  readonly mitreNotes?: string;
  /** Links to documentation. */
  readonly references?: readonly string[];
  /** Known benign causes. */
  readonly falsePositives?: readonly string[];
  /** Tables whose events are routed to `match`. Empty for detectors that only use `onDevice`/`correlate`. */
  readonly tables: readonly TableName[];
  /** Only events with one of these ActionTypes are routed to `match` (all when omitted). */
  readonly actionTypes?: readonly string[];
  /** Per-run options, validated (and defaulted) by this schema. */
  readonly options?: z.ZodType<O>;
  /** Message templates per variant; `default` is required. */
  readonly messages: Readonly<Record<string, MessageTemplates>> & { readonly default: MessageTemplates };
  /**
   * Names of the values only the `render` hook fills (`{name}` placeholders that are neither evidence
   * nor a built-in). With `meta.evidence` or `meta.values`, every placeholder of every template must be
   * evidence, a built-in (`count`, `device`, `firstSeen`, `lastSeen`) or one of these, checked when the
   * detector is defined or loaded. Either way, a placeholder an alert leaves without a value is an
   * `error` diagnostic at run time (so `testDetector` fails) and never reaches a report as `{name}`.
   */
  readonly values?: readonly string[];
  /**
   * Declared evidence (see {@link EvidenceField}). The engine combines it per alert, derives key
   * components (every non-hidden field with a value, in declaration order) and template values
   * (every name, plus `count`, `device`, `firstSeen`, `lastSeen`) from it; `render` becomes optional.
   */
  readonly evidence?: E;
  /**
   * The other columns `match` reads (besides identity columns and `evidence[*].from` columns). Evidence
   * events keep only identity and declared columns (unless the run asks for `evidence.rows: 'full'`);
   * `testDetector` fails when `match` reads a column declared nowhere.
   */
  readonly columns?: readonly string[];
  /**
   * The detection as a Kusto query, for `tripline export kql` (`@tripline/kql`, `docs/kql.md`): a query over
   * `tables` whose rows are what `match` matches (or the alerts, for windows and per-device state), or the
   * reason KQL cannot express it. Detectors without it are listed by the export with `detector-no-query`.
   */
  readonly kql?: KqlDeclaration;
}

/** See {@link DetectorMeta.kql}. */
export type KqlDeclaration =
  | {
      /** A tabular expression; its result has at least Timestamp, DeviceId, DeviceName and ReportId. */
      readonly query: string;
      /** Where the query's meaning differs from the detector's (fixed buckets for a sliding window, …). */
      readonly notes?: string;
      /** The window (ms) a query that aggregates looks back over; the schedule's lookback covers it. */
      readonly windowMs?: number;
    }
  | {
      /** Why no query can mean what the detector means. */
      readonly unsupported: string;
    };

/** What `match` says about one event. All fields optional: `{}` means "this event belongs to the default subject". */
export interface Match<E extends EvidenceDecl = EvidenceDecl> {
  /** Subject of the alert within a device (a script path, an index root, …). Same key → same alert. Default `''`. */
  readonly key?: string;
  /** Raises the alert's severity (the highest across its matches wins). */
  readonly severity?: Severity;
  /** A label on the alert's timeline, for windows and sequences (`failed`, `success`). */
  readonly tag?: string;
  /**
   * The value a window measures for this match (a user name for `measure: 'distinct'`, a byte count
   * for `'sum'`, `'avg'` and `'percentile'`). Kept on the timeline point; ignored without a window.
   */
  readonly value?: string | number;
  /** Message variant this match asks for; the group takes the variant of its most severe match. */
  readonly variant?: string;
  /** Values of declared evidence (names of `meta.evidence`); win over the field's `from`. */
  readonly evidence?: { readonly [K in keyof E]?: EvidenceValue | readonly EvidenceValue[] };
}

/** A match produced outside the per-event path (device state, correlation): it names its evidence. */
export interface StateMatch<E extends EvidenceDecl = EvidenceDecl> extends Match<E> {
  /** Events that are the evidence of this match. */
  readonly events: readonly MdeEvent[];
}

/** A match produced by correlation: evidence events and the alerts it builds on. */
export interface CorrelationMatch<E extends EvidenceDecl = EvidenceDecl> extends StateMatch<E> {
  /** Device the alert is about. */
  readonly deviceId: string;
  /** Ids of the alerts this one correlates. */
  readonly relatedAlerts?: readonly string[];
}

/** What the engine knows about one device at the end of a run. */
export interface DeviceState {
  readonly id: string;
  readonly name: string;
  /** Latest DeviceInfo snapshot (rows are periodic full snapshots). */
  readonly info: MdeEvent | undefined;
  /** Latest DeviceNetworkInfo row per `NetworkAdapterName`, sorted by adapter name. */
  readonly adapters: readonly MdeEvent[];
  /** Events analysed for the device, all tables. */
  readonly eventCount: number;
  /** Events per table. */
  readonly byTable: Readonly<Partial<Record<TableName, number>>>;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Distinct process image names seen on the device (capped), for context such as "server software seen". */
  readonly processNames: ReadonlySet<string>;
}

/** One point on an alert's timeline. */
export interface TimelinePoint {
  readonly time: number;
  readonly ticks: number;
  readonly tag: string | undefined;
  /** The match's {@link Match.value}, when it gave one. */
  readonly value?: string | number;
}

/** Everything the engine gathered for one alert subject; given to `render`. */
export interface AlertGroup<E extends EvidenceDecl = EvidenceDecl> {
  readonly detectorId: string;
  readonly key: string;
  readonly device: DeviceState;
  /** Every matching event, counted. */
  readonly count: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Highest severity asked by a match, or the detector's (configured) severity. */
  readonly severity: Severity;
  /** A capped sample of the evidence, earliest first. */
  readonly events: readonly MdeEvent[];
  /**
   * Match times, sorted, with their tags (capped at 10,000 points; `count` stays exact). Kept only
   * for detectors that declare a `window` or `timeline: true`; empty otherwise, so high-volume
   * detectors pay no memory per match.
   */
  readonly timeline: readonly TimelinePoint[];
  /** Alert ids this group builds on (correlation). */
  readonly relatedAlerts: readonly string[];
  /** Combined declared evidence, per name. */
  readonly evidence: CombinedEvidence<E>;
  /** Names of `distinct` evidence whose cap cut values. */
  readonly truncated: ReadonlySet<keyof E>;
  /** The variant of the most severe match (earliest on ties), else `default`. */
  readonly variant: string;
}

/**
 * What the optional `render` hook of a detector with declared evidence returns: every field is optional
 * and merges over what the engine derived (values and key components by name). `undefined` keeps the
 * derived alert as it is; `null` emits no alert for this group.
 */
export interface RenderHook {
  readonly variant?: string;
  readonly values?: Readonly<Record<string, string | number>>;
  readonly keyComponents?: Readonly<Record<string, string | readonly string[]>>;
  readonly severity?: Severity;
  readonly mitre?: readonly string[];
}

/** How a window's measure is compared with its threshold (`measure >= threshold` for `gte`). */
export type WindowComparison = 'gte' | 'gt' | 'lte' | 'lt' | 'eq' | 'neq';

/**
 * What a window measures over the matches inside it:
 * - `count`: the matches (with `tag`, when given);
 * - `distinct`: the distinct {@link Match.value}s (matches without a value do not count);
 * - `sum`, `avg`: the sum / mean of the numeric values (matches without a number do not take part);
 * - `percentile`: the `percentile`-th percentile of the numeric values (nearest rank: the smallest value
 *   at or below which `percentile` % of the values lie);
 * - `tags`: how many of `tags` occur in the window (with `ordered`: all of them, in that order).
 */
export type WindowMeasure = 'count' | 'distinct' | 'sum' | 'avg' | 'percentile' | 'tags';

/**
 * An engine-run time window. The alert of a group is produced only when some window of the group
 * satisfies the condition `measure compare threshold` (and the `and` bound, for a range).
 *
 * The windows are sliding and closed: for every match, the window ending at it holds every match whose
 * time is at most `sizeMs` before it — a match exactly `sizeMs` after another is inside (times compared to
 * 100 ns), and matches at the same instant are in every window that holds one of them. Windows are
 * evaluated at the end of the input over the group's timeline sorted by time, so the order in which
 * events arrive (several inputs, out-of-order rows) never changes the answer. Every window holds at least
 * one match: `lt`/`lte`/`eq`/`neq` hold when some match has, in the `sizeMs` up to and including it, a
 * measure below / equal to / other than the threshold (the first match of a group always closes a window
 * holding only the matches of its instant). The timeline keeps the first 10,000 matches of a group.
 */
export interface WindowSpec {
  readonly sizeMs: number;
  /** The threshold of the comparison (for `tags`: how many of the tags; for `ordered`: `tags.length`). */
  readonly threshold: number;
  /** Default `gte`. */
  readonly compare?: WindowComparison;
  /** A second bound, and-ed with the first: a range (`gt 100` and `lte 200`). */
  readonly and?: { readonly compare: WindowComparison; readonly threshold: number };
  /** Default `count`. */
  readonly measure?: WindowMeasure;
  /** Only matches with this tag are measured (not with `measure: 'tags'`). */
  readonly tag?: string;
  /** `measure: 'percentile'`: which percentile, 0–100. */
  readonly percentile?: number;
  /** `measure: 'tags'`: the distinct tags looked for. */
  readonly tags?: readonly string[];
  /**
   * With `tags`: every tag must occur in the window in the order given (each one's match no earlier than
   * the previous one's; matches at the same instant count as in order). Needs `threshold: tags.length`
   * and `compare` `gte`.
   */
  readonly ordered?: boolean;
}

/** Given to detector functions: validated options and the run's context. */
export interface DetectorContext<O> {
  readonly options: O;
  /** The severity configured for this detector (default or override). */
  readonly severity: Severity;
}

/** An alert of the first phase, as correlation detectors see it. */
export interface AlertSummary {
  readonly id: string;
  readonly detectorId: string;
  /** The alert's rendered title. */
  readonly title: string;
  readonly severity: Severity;
  readonly deviceId: string;
  readonly key: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly events: readonly MdeEvent[];
}

/** Input of `correlate`: every alert of the run so far and every device's state. */
export interface CorrelationInput {
  readonly alerts: readonly AlertSummary[];
  readonly devices: ReadonlyMap<string, DeviceState>;
}

/** A detector: metadata plus pure functions; the engine runs grouping, windows and correlation. */
export interface Detector<O = unknown, E extends EvidenceDecl = EvidenceDecl> {
  readonly meta: DetectorMeta<O, E>;
  /** Per-event logic. Pure: no state, no I/O, no mutation of the event. */
  readonly match?: (
    event: MdeEvent,
    ctx: DetectorContext<O>,
  ) => Match<E> | readonly Match<E>[] | undefined | null | false;
  /** Runs once per device at the end of the input, over the device's state (snapshots, adapters). */
  readonly onDevice?: (device: DeviceState, ctx: DetectorContext<O>) => readonly StateMatch<E>[] | undefined;
  /** Runs after every other detector has produced its alerts. */
  readonly correlate?: (input: CorrelationInput, ctx: DetectorContext<O>) => readonly CorrelationMatch<E>[] | undefined;
  /**
   * Engine-run window: an alert is only produced when some window of `sizeMs` satisfies the window's
   * condition — by default at least `threshold` matches (with `tag`, when given) within `sizeMs` of each
   * other ({@link WindowSpec}: distinct values, sums, averages, percentiles, sets and sequences of tags).
   */
  readonly window?: WindowSpec | ((options: O) => WindowSpec | undefined);
  /** Keep each match's time and tag for `render` (`group.timeline`). Implied by `window`. Default false. */
  readonly timeline?: boolean;
  /**
   * Optional hook for computed variants and values ({@link RenderHook}), merged over what the engine
   * derives from the evidence. `undefined` keeps the derived alert; `null` emits no alert.
   */
  readonly render?: (group: AlertGroup<E>, ctx: DetectorContext<O>) => RenderHook | undefined | null;
}

/** Any detector, whatever its options type. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds detectors of every options type.
export type AnyDetector = Detector<any, any>;
