/**
 * The shared vocabulary of `@tripline/kql`: what the emitter produces from a compiled rule, why it
 * refuses, the artefacts, and the KQL subset the emitter may write — the contract between the emitter
 * (`src/emit/`), the checker and its interpreter (`src/check/`) and the artefacts and CLI (`src/artefacts/`).
 */
import type { Severity, TableName } from '@tripline/core';

/** Where an exported detection runs. */
export type KqlTarget = 'advanced-hunting' | 'custom-detection' | 'sentinel';
export const KQL_TARGETS: readonly KqlTarget[] = ['advanced-hunting', 'custom-detection', 'sentinel'];

/** Why a rule or detector is not exported. Every refusal carries one, with a sentence. */
export const KQL_REFUSALS = [
  /** A Sigma field view (or rule-file column) has no KQL form. */
  'field-no-kql',
  /** A regex RE2 accepts but Kusto's RE2 dialect would read differently (or not at all). */
  'regex-untranslatable',
  /** A construct KQL cannot express with the same meaning (the message says which). */
  'construct-unsupported',
  /** The rule can never match on MDE (an IMPHASH-only selection): nothing to run. */
  'never-matches',
  /** A correlation Kusto cannot express faithfully (chained correlations, …). */
  'correlation-unsupported',
  /** A hand-written detector declares no query (`meta.kql`) or declares why it has none. */
  'detector-no-query',
  /** A custom detection in near-real-time mode over more than one table. */
  'nrt-multi-table',
  /** The rule did not load locally (skipped in the Sigma load report): nothing to export. */
  'not-loaded',
  /**
   * A Sigma rule only correlations use (none names it with `generate: true`): locally it raises no
   * alerts of its own, so a standalone query would alert where tripline does not. Its correlations are
   * exported (or refused) on their own.
   */
  'correlation-only',
] as const;
export type KqlRefusalCode = (typeof KQL_REFUSALS)[number];

export interface KqlRefusal {
  readonly code: KqlRefusalCode;
  readonly message: string;
  /** Selection / field / item path the refusal is about (`selection_img.Image|re`). */
  readonly at?: string;
}

/** A difference between the exported query and the local engine that the exporter accepts and says. */
export const KQL_WARNINGS = [
  /** Correlation windows: Kusto's `bin()` buckets are fixed, tripline's windows slide. */
  'fixed-buckets',
  /** The rule is degraded locally (load report) and carries the same degradation in KQL. */
  'degraded',
  /** A lookback shorter than the correlation window (custom detections' schedule). */
  'lookback-short',
  /** A hand-written detector's own note (`meta.kql.notes`) on where its query differs from `match`. */
  'detector-notes',
] as const;
export type KqlWarningCode = (typeof KQL_WARNINGS)[number];

export interface KqlWarning {
  readonly code: KqlWarningCode;
  readonly message: string;
}

/** What an exported rule is, independent of the target. */
export interface ExportSource {
  /** `sigma/<rule id>`, a rule file's detector id, or a detector id (`defender/logon-brute-force`). */
  readonly id: string;
  readonly kind: 'sigma' | 'sigma-correlation' | 'rule-file' | 'detector';
  readonly title: string;
  readonly description: string;
  readonly severity: Severity;
  /** ATT&CK technique ids (`T1059.001`), from the rule's tags or the detector's `mitre`. */
  readonly techniques: readonly string[];
  readonly author?: string;
  readonly references: readonly string[];
  readonly falsePositives: readonly string[];
  /** The file the rule came from (relative), when it came from one. */
  readonly file?: string;
}

/** One query, as the emitter writes it. */
export interface KqlQuery {
  /** The query text: a tabular expression, one operator per line, no trailing newline. */
  readonly text: string;
  /** Tables it reads. */
  readonly tables: readonly TableName[];
  /** Columns of its result, in order (custom detections need Timestamp, ReportId, DeviceId). */
  readonly columns: readonly string[];
  /** A correlation's window (ms): the schedule's lookback must cover it. */
  readonly windowMs?: number;
  readonly warnings: readonly KqlWarning[];
}

export type ExportedRule =
  | { readonly ok: true; readonly source: ExportSource; readonly query: KqlQuery }
  | { readonly ok: false; readonly source: ExportSource; readonly refusals: readonly KqlRefusal[] };

/** One file an export writes (`<dir>/<target>/<name>`). */
export interface KqlArtefact {
  readonly target: KqlTarget;
  /** Path relative to the output directory (`advanced-hunting/sigma-<id>.kql`). */
  readonly path: string;
  readonly content: string;
  readonly source: ExportSource;
}

/** A problem the checker finds in an emitted query (language-service diagnostic or tripline's own literal checks). */
export interface KqlDiagnostic {
  /** The language service's code (`KS142`) or tripline's (`TL-RE2`, `TL-CIDR`, `TL-COLUMNS`). */
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'suggestion';
  readonly message: string;
  /** Offset and length in the query text. */
  readonly start: number;
  readonly length: number;
}

/**
 * The KQL the emitter may write, and so the KQL the checker's interpreter must run. An emitted query
 * that uses anything else fails the subset test (the checker walks the language service's syntax tree).
 *
 * Tabular: `<Table>`, `union <q>, <q>` (with `withsource` not used), `| where P`, `| extend N = E, …`,
 * `| project C, …`, `| project-rename`, `| summarize Aggs by Keys` (keys may be `bin(Timestamp, <timespan>)`),
 * `| sort by C asc|desc`, `| take N`.
 *
 * Scalar: literals (string — verbatim `@"…"` and escaped `"…"` —, long, real, bool, datetime, timespan,
 * dynamic arrays of strings), column references, `.`/`['…']` access on dynamic, `and`, `or`, `not()`,
 * `==`, `!=`, `=~`, `!~`, `<`, `<=`, `>`, `>=`, `in`, `!in`, `in~`, `!in~`, `has`, `has_cs`, `contains`,
 * `contains_cs`, `!contains`, `startswith`, `startswith_cs`, `endswith`, `endswith_cs`, `matches regex`,
 * `between`, and `+`, `-` on numbers (string offsets: `substring(s, indexof(s, "://") + 3)`).
 *
 * Functions: `isempty`, `isnotempty`, `isnull`, `isnotnull`, `strcat`, `iff`, `case`, `tolower`,
 * `toupper`, `tostring`, `tolong`, `toint`, `toreal`, `todynamic`, `parse_json`, `replace_string`,
 * `replace_regex`, `extract`, `strlen`, `substring`, `indexof`, `split`, `trim`, `ipv4_is_in_range`,
 * `ipv6_is_in_range`, `ipv4_is_private`, `bin`, `ago`, `now`, `datetime_diff`, `coalesce`, `array_length`,
 * `set_has_element`, `base64_encode_tostring`, `tohex`, `binary_and`, `binary_shift_right` (the registry `Details`
 * rebuild: Sysmon writes DWORD and QWORD values in hexadecimal, MDE in decimal).
 *
 * Aggregations: `count`, `countif`, `dcount`, `dcountif`, `sum`, `avg`, `percentile`, `min`, `max`,
 * `arg_min`, `arg_max`, `make_set`, `make_list`, `take_any`.
 */
export const KQL_SUBSET = {
  tabular: ['where', 'extend', 'project', 'project-rename', 'summarize', 'sort', 'take', 'union'],
  functions: [
    'isempty',
    'isnotempty',
    'isnull',
    'isnotnull',
    'strcat',
    'iff',
    'case',
    'tolower',
    'toupper',
    'tostring',
    'tolong',
    'toint',
    'toreal',
    'todynamic',
    'parse_json',
    'replace_string',
    'replace_regex',
    'extract',
    'strlen',
    'substring',
    'indexof',
    'split',
    'trim',
    'ipv4_is_in_range',
    'ipv6_is_in_range',
    'ipv4_is_private',
    'bin',
    'ago',
    'now',
    'datetime_diff',
    'coalesce',
    'array_length',
    'set_has_element',
    'base64_encode_tostring',
    'tohex',
    'binary_and',
    'binary_shift_right',
  ],
  aggregations: [
    'count',
    'countif',
    'dcount',
    'dcountif',
    'sum',
    'avg',
    'percentile',
    'min',
    'max',
    'arg_min',
    'arg_max',
    'make_set',
    'make_list',
    'take_any',
  ],
  operators: [
    'and',
    'or',
    '==',
    '!=',
    '=~',
    '!~',
    '<',
    '<=',
    '>',
    '>=',
    'in',
    '!in',
    'in~',
    '!in~',
    'has',
    'has_cs',
    'contains',
    'contains_cs',
    '!contains',
    'startswith',
    'startswith_cs',
    'endswith',
    'endswith_cs',
    'matches regex',
    'between',
    '+',
    '-',
  ],
} as const;
