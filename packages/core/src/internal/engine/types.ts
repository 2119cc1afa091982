import type { DetectorOrFamily } from '../detector/family.js';
import type { InputFormat } from '../ingest/types.js';
import type { TableName } from '../model/tables.js';
import type { Severity } from '../severity.js';
import type { StateOptions } from '../state/types.js';

/** Per-detector settings of a run. */
export interface DetectorConfig {
  /** Run this detector (default true). */
  readonly enabled?: boolean;
  /** Replace the detector's default severity. */
  readonly severity?: Severity;
  /** Options, validated by the detector's options schema. */
  readonly options?: unknown;
}

/** Suppresses alerts that match every given field. `*` is a wildcard in the patterns. */
export interface AllowlistEntry {
  /** Detector id pattern (`defender/*`). */
  readonly detector?: string;
  /** Device name or id pattern. */
  readonly device?: string;
  /** Alert subject key pattern (a script path, an address…). */
  readonly key?: string;
  /** Why this is allowed; shown in the diagnostic that counts suppressed alerts. */
  readonly reason: string;
}

/** What evidence events an alert keeps. Counts, first/last seen and the declared evidence values stay exact. */
export interface EvidenceOptions {
  /**
   * `'declared'` (default): identity columns (Timestamp, DeviceId, DeviceName, ActionType, ReportId,
   * plus table and source) and the columns the detector declares; `'full'`: whole rows.
   */
  readonly rows?: 'full' | 'declared';
  /** Evidence events kept per alert, earliest first (every event is counted). Default 5. */
  readonly sample?: number;
}

/** Per-run configuration: what a `--config` file holds. */
export interface RunConfig {
  readonly detectors?: Readonly<Record<string, DetectorConfig>>;
  readonly allowlist?: readonly AllowlistEntry[];
  /** Drop alerts below this severity from the result (they are still counted in a diagnostic). */
  readonly minSeverity?: Severity;
  /** What evidence events an alert keeps; see {@link EvidenceOptions}. */
  readonly evidence?: EvidenceOptions;
  /** @deprecated Use `evidence.sample` (which wins when both are given). */
  readonly evidenceLimit?: number;
  /**
   * IANA time zone (`Europe/Berlin`) of times the inputs wrote in local time; see
   * {@link AnalyzeOptions.timezone}, which takes precedence.
   */
  readonly timezone?: string;
}

/** Options of {@link analyze} and {@link createAnalyzer}. */
export interface AnalyzeOptions {
  /**
   * The detectors to run (e.g. the Defender preset), and detector families (a rule engine serving
   * many detectors with one `matchAll` per event; see `DetectorFamily`). Ids are unique across
   * detectors and family members; members are configured, listed and reported like detectors.
   */
  readonly detectors: readonly DetectorOrFamily[];
  /** Per-run configuration (validated; errors name the bad key). */
  readonly config?: RunConfig;
  /** Force an input format instead of detecting it per input. */
  readonly inputFormat?: InputFormat;
  /** Table of rows that name none (single-table exports without ActionType); see `IngestOptions.table`. */
  readonly table?: TableName;
  /**
   * IANA time zone (`Europe/Berlin`, `UTC`) of times the inputs wrote in local time: Log Analytics CSV
   * columns labelled ` [Local Time]` and the Defender portal's CSV display dates. They are converted to
   * UTC (a time in the hour repeated when clocks go back is read as its first occurrence; one in the
   * skipped hour rejects its row). Without a zone they are read as UTC and a `local-time-unconverted`
   * warning says so. An unknown name is an `option-invalid` error. Overrides `config.timezone`.
   */
  readonly timezone?: string;
  /** Longest accepted line/record in bytes (default 16 MiB); longer ones are rejected, memory stays bounded. */
  readonly maxLineBytes?: number;
  /** Rejected rows listed in the result (all are counted). Default 10,000. */
  readonly maxRejectedListed?: number;
  /**
   * Rows remembered for duplicate detection: a row is a duplicate when its table, DeviceId, instant
   * of Timestamp and ReportId repeat one of them. Default 200,000 (about 50 bytes each); 0 turns it off.
   */
  readonly dedupeWindow?: number;
  /**
   * What {@link analyze} does when an input cannot be read or recognised (`input-unreadable`,
   * `input-format-unknown`). `'continue'` (default): the input is listed in the result (an
   * `input-failed` diagnostic and an `inputs` entry with `error`) and the other inputs are analysed;
   * only when no input at all could be read does `analyze` reject, with the first input's error.
   * `'throw'`: reject at the first such input. (`Analyzer.push` always rejects, after recording the
   * failure, so that the caller decides.)
   */
  readonly onInputError?: 'continue' | 'throw';
  /** What evidence events an alert keeps (overrides `config.evidence`). */
  readonly evidence?: EvidenceOptions;
  /** Fix `generatedAt` (for byte-identical reports); default: now. */
  readonly generatedAt?: string | Date;
  /**
   * Keep the run's state in a store across batches (incremental runs; see `docs/state-engine.md`): the
   * alert subjects, device state, duplicate-row window, counts and source positions of earlier
   * batches of {@link stream} are loaded before this batch is read, so that a stream read in batches
   * gives the alerts of one run over it. Load with `await analyzer.ready()` (or the first `push`);
   * save with the lifecycle's `commit()` or `store.write(engineStateWrite(analyzer))`. The store must
   * be open.
   */
  readonly state?: StateOptions;
  /** The stream whose state this is (an Event Hub partition, a blob container…). Default `'default'`; needs `state`. */
  readonly stream?: string;
  /**
   * Analyse in worker threads, the devices split between them (see {@link WorkersOptions}); read by
   * `analyze()` only. Without it, or with `count: 1`, the analysis runs in the calling thread;
   * `createAnalyzer()` and `analyzeEvents()` refuse any other count (`option-invalid`).
   */
  readonly workers?: WorkersOptions;
}

/**
 * `analyze(inputs, { workers })`: worker threads that each analyse the devices a stable hash of the
 * `DeviceId` gives them; the result is the one of a single thread (docs/scaling.md). Detectors are
 * code and cannot be sent to a thread: every worker imports `detectors`, a module that exports the
 * same detector set as the `detectors` option of the call (the calling thread, which analyses a share
 * too, uses that option's set).
 */
export interface WorkersOptions {
  /**
   * Threads that analyse, 1 to 16: the calling thread serves one share of the devices and
   * `count - 1` worker threads the others (1: no worker, the calling thread analyses).
   */
  readonly count: number;
  /**
   * The module each worker imports for its detectors: a `URL` or a `file:` URL string
   * (`new URL('./detectors.js', import.meta.url)`), an absolute path, or a package name such as
   * `'@tripline/detectors-defender'` or `'@tripline/sigmahq'` (resolved from where `@tripline/core` is
   * installed). It exports the set as its default export or as `detectors` (a detector, a family, an
   * array of them, or a function, possibly async, returning one); or, when `exportName` is given, under
   * that name. `@tripline/detectors-defender` is read as its `defenderDetectors`.
   */
  readonly detectors: string | URL;
  /** The export of `detectors` that holds the set (default: `detectors`, then the default export). */
  readonly exportName?: string;
}
