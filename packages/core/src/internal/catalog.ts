import type { Diagnostic } from './report/types.js';

/**
 * The one catalog of tripline's codes: the codes of thrown {@link TriplineError}s, of report
 * diagnostics and of rejected rows. Every code tripline emits is a key here; the code types
 * ({@link ErrorCode}, {@link DiagnosticCode}, {@link RejectCode}) are derived from it, so a code
 * that is not in the catalog does not compile. `docs/errors.md` has one section per entry.
 */

/** Where a code appears: on a thrown error, on a report diagnostic, or on a rejected row. */
export type CodeKind = 'thrown' | 'diagnostic' | 'rejection';

/** Level of a diagnostic, as in the report. */
export type DiagnosticLevel = 'info' | 'warning' | 'error';

const CATALOG_SOURCE = {
  // ── thrown: the code of a TriplineError ────────────────────────────────────────────────────────
  'input-unreadable': { kind: 'thrown', meaning: 'An input file or stream could not be opened or read at all.' },
  'input-format-unknown': {
    kind: 'thrown',
    meaning: 'The input format could not be recognised, or a forced input format does not fit the input.',
  },
  'detector-invalid': { kind: 'thrown', meaning: 'Detector metadata failed validation when the detector was loaded.' },
  'detector-duplicate': { kind: 'thrown', meaning: 'Two detectors share one id.' },
  'config-invalid': {
    kind: 'thrown',
    meaning: 'The run configuration is invalid (unknown detector, bad option, bad severity, bad allowlist entry).',
  },
  'option-invalid': { kind: 'thrown', meaning: 'An option passed to an API function is invalid.' },
  'attack-unknown': {
    kind: 'thrown',
    meaning:
      'Reserved: not thrown by this release (an unknown ATT&CK technique in detector metadata is detector-invalid).',
  },
  'fixture-invalid': {
    kind: 'thrown',
    meaning: 'A detector fixture given to the testing helpers is not a realistic row of its table.',
  },
  'report-invalid': {
    kind: 'thrown',
    meaning: 'A saved JSON report given to be rendered again is of another contract version or breaks the contract.',
  },
  'state-schema-newer': {
    kind: 'thrown',
    meaning: 'A state store was written by a newer tripline (a newer layout of its records); it is left untouched.',
  },
  'state-unreadable': {
    kind: 'thrown',
    meaning: 'A state store cannot be read: its file is damaged, not a tripline state store, or cannot be opened.',
  },
  'state-locked': {
    kind: 'thrown',
    meaning: 'A state store is in use by another process or another open store of this process.',
  },
  'llm-request-failed': {
    kind: 'thrown',
    meaning:
      'A language model endpoint asked for a narrative did not answer: a network error, a timeout, or an HTTP error after the retries.',
  },

  'workers-module-unusable': {
    kind: 'thrown',
    meaning:
      'A worker of analyze({ workers }) could not import its detector module, or the module exports no detector set.',
  },
  'workers-detectors-differ': {
    kind: 'thrown',
    meaning: 'The detectors a worker module exports are not those given to analyze() in the calling thread.',
  },

  'broker-client-missing': {
    kind: 'thrown',
    meaning: 'A stream adapter needs a broker client library (an optional peer dependency) that is not installed.',
  },
  'broker-credentials-missing': {
    kind: 'thrown',
    meaning: 'A stream adapter was given no credentials for its broker (no connection string, credential or SASL).',
  },
  'broker-unusable': {
    kind: 'thrown',
    meaning:
      'A stream broker cannot be used at all: unreachable, refused or unauthorised, JetStream disabled, the stream, hub or topic missing or laid out for other partitions, or a publish not acknowledged.',
  },

  // ── diagnostic: report.diagnostics[].code ──────────────────────────────────────────────────────
  'input-failed': {
    kind: 'diagnostic',
    level: 'error',
    meaning: 'An input could not be read, or failed part-way; rows read before the failure are analysed.',
  },
  'input-nothing-readable': {
    kind: 'diagnostic',
    level: 'error',
    meaning: 'Every row of an input was rejected: it is not an export tripline reads (or the forced format is wrong).',
  },
  'input-truncated': {
    kind: 'diagnostic',
    level: 'warning',
    meaning: 'An input ends early (a JSON document or gzip stream is cut off); the rows before the cut are analysed.',
  },
  'input-corrupt': {
    kind: 'diagnostic',
    level: 'warning',
    meaning: 'The compressed data of an input is damaged; the rows before the damage are analysed.',
  },
  'local-time-unconverted': {
    kind: 'diagnostic',
    level: 'warning',
    meaning: 'An input holds local times and no time zone was given: they were read as UTC, unconverted.',
  },
  'local-time-converted': {
    kind: 'diagnostic',
    level: 'info',
    meaning: 'An input holds local times; they were converted to UTC from the given time zone.',
  },
  'local-time-ambiguous': {
    kind: 'diagnostic',
    level: 'warning',
    meaning: 'Local times fall in the hour repeated when clocks went back; each was read as the earlier instant.',
  },
  'detector-threw': {
    kind: 'diagnostic',
    level: 'error',
    meaning: 'A detector threw (in match, render, onDevice or correlate); the run went on without that result.',
  },
  'detector-malformed-match': {
    kind: 'diagnostic',
    level: 'error',
    meaning:
      'A detector returned a match the engine cannot use (wrong shape, bad key, unknown device); it was dropped.',
  },
  'detector-malformed-render': {
    kind: 'diagnostic',
    level: 'error',
    meaning:
      'A detector’s render returned something the engine cannot use (unknown variant, bad values); the alert was dropped.',
  },
  'detector-unfilled-placeholder': {
    kind: 'diagnostic',
    level: 'error',
    meaning: 'A rendered alert left a `{placeholder}` of its templates without a value; it reads "(value missing)".',
  },
  'window-timeline-capped': {
    kind: 'diagnostic',
    level: 'warning',
    meaning:
      'A windowed detector had more matches for one alert subject than a timeline keeps (10,000): its window saw the first ones read.',
  },
  'alerts-allowlisted': {
    kind: 'diagnostic',
    level: 'info',
    meaning: 'Alerts were suppressed by an allowlist entry of the configuration (counted per entry).',
  },
  'alerts-below-min-severity': {
    kind: 'diagnostic',
    level: 'info',
    meaning: 'Alerts below the configured minimum severity were not reported (counted).',
  },
  'duplicate-events': {
    kind: 'diagnostic',
    level: 'info',
    meaning: 'Rows repeated an earlier row (same table, DeviceId, Timestamp and ReportId): analysed once, counted.',
  },
  'late-events': {
    kind: 'diagnostic',
    level: 'warning',
    meaning:
      "Events of a stream with saved state arrived older than the stream's watermark minus the allowed lateness: counted, and merged like the others.",
  },
  'rows-already-read': {
    kind: 'diagnostic',
    level: 'info',
    meaning:
      'Rows of a source an earlier batch of the stream had read (its saved position) were skipped: a batch read again is not counted twice.',
  },
  'state-detectors-changed': {
    kind: 'diagnostic',
    level: 'warning',
    meaning:
      'The detector set of a stream with saved state changed: the saved alert subjects of removed or changed detectors were dropped.',
  },
  'narrative-failed': {
    kind: 'diagnostic',
    level: 'warning',
    meaning:
      'A narrative was asked for (tripline analyze --narrate) but the language model endpoint failed: the report was written without one.',
  },
  'rejected-list-truncated': {
    kind: 'diagnostic',
    level: 'warning',
    meaning: 'More rows were rejected than the report lists; the count in the summary is exact.',
  },
  'diagnostics-truncated': {
    kind: 'diagnostic',
    level: 'warning',
    meaning: 'More diagnostics were raised than the report lists; the rest are counted.',
  },

  // ── rejection: report.rejected[].code ──────────────────────────────────────────────────────────
  'malformed-json': { kind: 'rejection', meaning: 'A line, element or document is not valid JSON.' },
  'malformed-csv': {
    kind: 'rejection',
    meaning: 'A CSV record cannot be parsed (an unclosed quote, or more or fewer fields than the header).',
  },
  'not-a-row': {
    kind: 'rejection',
    meaning: 'A record is valid JSON but not a row (not an object, or a Log Analytics row without its columns).',
  },
  'unknown-table': { kind: 'rejection', meaning: 'The row names no Defender table, and none can be inferred from it.' },
  'unsupported-table': { kind: 'rejection', meaning: 'The row belongs to a Defender table tripline does not analyse.' },
  'ambiguous-table': {
    kind: 'rejection',
    meaning: 'The row’s columns fit several Defender tables and nothing names one.',
  },
  'missing-timestamp': { kind: 'rejection', meaning: 'The row has no Timestamp.' },
  'invalid-timestamp': { kind: 'rejection', meaning: 'The row’s Timestamp is not a date.' },
  'missing-device': { kind: 'rejection', meaning: 'The row has neither DeviceId nor DeviceName.' },
  'line-too-long': { kind: 'rejection', meaning: 'A line, record or document is longer than the maximum accepted.' },
} as const satisfies Record<
  string,
  { readonly kind: CodeKind; readonly level?: DiagnosticLevel; readonly meaning: string }
>;

type Source = typeof CATALOG_SOURCE;

/** Every code tripline emits. */
export type TriplineCode = keyof Source;

type CodeOf<K extends CodeKind> = { [C in TriplineCode]: Source[C]['kind'] extends K ? C : never }[TriplineCode];

/** Code of a thrown {@link TriplineError}. */
export type ErrorCode = CodeOf<'thrown'>;
/** Code of a report diagnostic. */
export type DiagnosticCode = CodeOf<'diagnostic'>;
/** Code of a rejected row. */
export type RejectCode = CodeOf<'rejection'>;

/** One entry of {@link CODE_CATALOG}. */
export interface CodeInfo<C extends TriplineCode = TriplineCode> {
  readonly code: C;
  readonly kind: CodeKind;
  /** The level of a diagnostic code (diagnostics of one code always have this level). */
  readonly level?: DiagnosticLevel;
  /** One line: what the code means. */
  readonly meaning: string;
  /** Where the code is documented, relative to the repository root: `docs/errors.md#<code>`. */
  readonly doc: `docs/errors.md#${C}`;
}

/** Every code tripline emits, its kind, its level (diagnostics), its meaning and its doc anchor. */
export const CODE_CATALOG: { readonly [C in TriplineCode]: CodeInfo<C> & Source[C] } = Object.freeze(
  Object.fromEntries(
    Object.entries(CATALOG_SOURCE).map(([code, info]) => [
      code,
      Object.freeze({ code, ...info, doc: docAnchor(code) }),
    ]),
  ),
) as never;

function docAnchor(code: string): string {
  return `docs/errors.md#${code}`;
}

/** The codes of one kind, in catalog order. */
export function codesOfKind<K extends CodeKind>(kind: K): readonly CodeOf<K>[] {
  return (Object.keys(CATALOG_SOURCE) as TriplineCode[]).filter((c) => CATALOG_SOURCE[c].kind === kind) as CodeOf<K>[];
}

/** True when `code` is a code of the catalog (of the given kind, when one is given). */
export function isCatalogCode(code: unknown, kind?: CodeKind): code is TriplineCode {
  return (
    typeof code === 'string' &&
    Object.hasOwn(CATALOG_SOURCE, code) &&
    (kind === undefined || CATALOG_SOURCE[code as TriplineCode].kind === kind)
  );
}

/** The level the catalog gives a diagnostic code. */
export function diagnosticLevel(code: DiagnosticCode): DiagnosticLevel {
  return CATALOG_SOURCE[code].level;
}

/**
 * A diagnostic of the given code, with the level the catalog gives it: every diagnostic the engine
 * and the CLI raise is made here, so a code outside the catalog, or a level that disagrees with it,
 * cannot be written. `fields` (the message, and where) follow `level` and `code` in their order.
 */
export function diagnostic(code: DiagnosticCode, fields: Omit<Diagnostic, 'level' | 'code'>): Diagnostic {
  return { level: CATALOG_SOURCE[code].level, code, ...fields };
}
