/** Where tripline's documentation lives; the default `tool.driver.informationUri`. */
export const DEFAULT_INFORMATION_URI = 'https://github.com/tripline/tripline';
/** The `$schema` GitHub's documentation uses (SchemaStore's copy of the OASIS 2.1.0 schema). */
export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Upload limits the output is cut to. Defaults are GitHub code scanning's. */
export interface SarifLimits {
  /** Results per run. GitHub rejects more than 25,000 (and displays the top 5,000 by severity). */
  readonly maxResults: number;
  /** Size of the gzip-compressed SARIF, in bytes. GitHub rejects uploads over 10 MB. */
  readonly maxGzipBytes: number;
  /** Evidence events linked per result (related locations and code-flow steps); the timeline still counts all. */
  readonly maxEventsPerResult: number;
  /** Rejected-row and diagnostic notifications listed one by one; the rest are counted in one notification. */
  readonly maxNotifications: number;
  /**
   * Locations of a fleet result (one per device of a finding on two or more devices). GitHub keeps the
   * first 100 of a result and rejects a result with more than 1,000, so the default is 100 and a larger
   * value counts as 1,000; the devices beyond it are counted in the result's properties, with every alert id.
   */
  readonly maxLocationsPerResult: number;
}

/** GitHub's documented limits (25,000 results per run; 10 MB gzipped; 100 locations kept per result), with room to spare on size. */
export const GITHUB_LIMITS: SarifLimits = {
  maxResults: 25_000,
  maxGzipBytes: 10_000_000,
  maxEventsPerResult: 100,
  maxNotifications: 1_000,
  maxLocationsPerResult: 100,
};

/** GitHub rejects a result with more locations than this. */
export const GITHUB_MAX_LOCATIONS = 1_000;

/** Options of {@link toSarif}. All optional; the defaults suit GitHub code scanning. */
export interface SarifOptions {
  /** `tool.driver.informationUri`. Default {@link DEFAULT_INFORMATION_URI}. */
  readonly informationUri?: string;
  /** `tool.driver.semanticVersion`. Default: the version of tripline that produced the result (`result.tool.version`). */
  readonly toolVersion?: string;
  /**
   * Analysis category, written as `automationDetails.id = "<category>/"`. Leave unset when the upload
   * step sets one: `github/codeql-action/upload-sarif` only applies its `category` input to runs that
   * have no `automationDetails`.
   */
  readonly category?: string;
  /** First path segment of the synthetic evidence files (`<prefix>/devices/<device>/alerts/<alert>.timeline.txt`). Default `tripline`. */
  readonly pathPrefix?: string;
  /** Documentation link per rule (`helpUri`); return undefined for none. Default: none. */
  readonly helpUri?: (detectorId: string) => string | undefined;
  /** Facts of the invocation the result does not hold: when it started and how it was called. */
  readonly invocation?: { readonly startTimeUtc?: string; readonly commandLine?: string };
  /** Override some limits (tests use small numbers to exercise the cut). */
  readonly limits?: Partial<SarifLimits>;
}
