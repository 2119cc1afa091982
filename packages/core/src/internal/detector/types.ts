import type { z } from 'zod';
import type { MdeEvent } from '../model/event.js';
import type { TableName } from '../model/tables.js';
import type { Severity } from '../severity.js';

/** Text templates of an alert. `{name}` placeholders are filled from {@link Rendered.values}. */
export interface MessageTemplates {
  readonly title: string;
  readonly description: string;
  readonly riskAssessment: string;
}

/** Metadata of a detector: validated when the detector is loaded, and the source of its doc page. */
export interface DetectorMeta<O = unknown> {
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
   * Names of the values `render` fills (`{name}` placeholders). Optional; when given, every
   * placeholder of every template must be one of them, checked when the detector is defined or
   * loaded. Whether declared or not, a placeholder a rendered alert leaves unfilled is an
   * `error` diagnostic at run time (so `testDetector` fails) and never reaches a report as `{name}`.
   */
  readonly values?: readonly string[];
}

/** What `match` says about one event. All fields optional: `{}` means "this event belongs to the default subject". */
export interface Match {
  /** Subject of the alert within a device (a script path, an index root, …). Same key → same alert. Default `''`. */
  readonly key?: string;
  /** Raises the alert's severity (the highest across its matches wins). */
  readonly severity?: Severity;
  /** Distinct values accumulated per name across the alert (capped), e.g. `{ binaries: '/usr/bin/ps' }`. */
  readonly collect?: Readonly<Record<string, string | readonly string[]>>;
  /** Facts of this match; the alert keeps those of its first and last match. */
  readonly data?: Readonly<Record<string, string | number | boolean>>;
  /** A label on the alert's timeline, for windows and sequences (`failed`, `success`). */
  readonly tag?: string;
}

/** A match produced outside the per-event path (device state, correlation): it names its evidence. */
export interface StateMatch extends Match {
  /** Events that are the evidence of this match. */
  readonly events: readonly MdeEvent[];
}

/** A match produced by correlation: evidence events and the alerts it builds on. */
export interface CorrelationMatch extends StateMatch {
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
}

/** Everything the engine gathered for one alert subject; given to `render`. */
export interface AlertGroup {
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
  /** Distinct values per `collect` name, in first-seen order, capped; `collectedTruncated` names those cut. */
  readonly collected: Readonly<Record<string, readonly string[]>>;
  readonly collectedTruncated: ReadonlySet<string>;
  /** `data` of the first and last match. */
  readonly firstData: Readonly<Record<string, string | number | boolean>>;
  readonly lastData: Readonly<Record<string, string | number | boolean>>;
  /**
   * Match times, sorted, with their tags (capped at 10,000 points; `count` stays exact). Kept only
   * for detectors that declare a `window` or `timeline: true`; empty otherwise, so high-volume
   * detectors pay no memory per match.
   */
  readonly timeline: readonly TimelinePoint[];
  /** Alert ids this group builds on (correlation). */
  readonly relatedAlerts: readonly string[];
}

/** What `render` turns a group into. Return `undefined` to emit no alert (threshold not reached, …). */
export interface Rendered {
  /** Which message templates to use. Default `default`. */
  readonly variant?: string;
  /** Values of the `{placeholders}` of the templates. Event text here is escaped by every reporter. */
  readonly values: Readonly<Record<string, string | number>>;
  /** Key components shown as evidence (label → value or values). */
  readonly keyComponents: Readonly<Record<string, string | readonly string[]>>;
  /** Final severity (defaults to the group's). */
  readonly severity?: Severity;
  /** ATT&CK ids for this alert instead of the detector's (must also be valid). */
  readonly mitre?: readonly string[];
}

/** An engine-run time window: `threshold` matches (tagged `tag`, when given) within `sizeMs`. */
export interface WindowSpec {
  readonly sizeMs: number;
  readonly threshold: number;
  readonly tag?: string;
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
export interface Detector<O = unknown> {
  readonly meta: DetectorMeta<O>;
  /** Per-event logic. Pure: no state, no I/O, no mutation of the event. */
  readonly match?: (event: MdeEvent, ctx: DetectorContext<O>) => Match | readonly Match[] | undefined | null | false;
  /** Runs once per device at the end of the input, over the device's state (snapshots, adapters). */
  readonly onDevice?: (device: DeviceState, ctx: DetectorContext<O>) => readonly StateMatch[] | undefined;
  /** Runs after every other detector has produced its alerts. */
  readonly correlate?: (input: CorrelationInput, ctx: DetectorContext<O>) => readonly CorrelationMatch[] | undefined;
  /**
   * Engine-run window: an alert is only produced when at least `threshold` matches (with `tag`, when
   * given) fall within `sizeMs` of each other.
   */
  readonly window?: WindowSpec | ((options: O) => WindowSpec | undefined);
  /** Keep each match's time and tag for `render` (`group.timeline`). Implied by `window`. Default false. */
  readonly timeline?: boolean;
  /** Turns a group into alert text and key components. */
  readonly render: (group: AlertGroup, ctx: DetectorContext<O>) => Rendered | undefined;
}

/** Any detector, whatever its options type. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds detectors of every options type.
export type AnyDetector = Detector<any>;
