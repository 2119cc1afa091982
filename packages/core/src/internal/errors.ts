import { CODE_CATALOG, type ErrorCode } from './catalog.js';

export type { ErrorCode } from './catalog.js';

/**
 * The codes of thrown errors, by constant name. Every error tripline throws is a {@link TriplineError}
 * with one of these codes, so callers (and bots wrapping the CLI) can branch on `code` instead of
 * parsing messages. The codes, their meaning and their documentation are in {@link CODE_CATALOG}.
 */
export const ERROR_CODES = {
  /** An input file or stream could not be opened or read at all. */
  INPUT_UNREADABLE: CODE_CATALOG['input-unreadable'].code,
  /** The input format could not be recognised, or a forced `inputFormat` does not fit the input. */
  INPUT_FORMAT_UNKNOWN: CODE_CATALOG['input-format-unknown'].code,
  /** Detector metadata failed validation when the detector was loaded. */
  DETECTOR_INVALID: CODE_CATALOG['detector-invalid'].code,
  /** Two detectors share one id. */
  DETECTOR_DUPLICATE: CODE_CATALOG['detector-duplicate'].code,
  /** The per-run configuration is invalid (unknown detector, bad option, bad severity…). */
  CONFIG_INVALID: CODE_CATALOG['config-invalid'].code,
  /** An option passed to an API function is invalid. */
  OPTION_INVALID: CODE_CATALOG['option-invalid'].code,
  /** Reserved, not thrown: an unknown ATT&CK technique in detector metadata is `detector-invalid`. */
  ATTACK_UNKNOWN: CODE_CATALOG['attack-unknown'].code,
  /** A detector fixture given to the testing helpers is not a realistic row of its table. */
  FIXTURE_INVALID: CODE_CATALOG['fixture-invalid'].code,
  /** A saved JSON report to render again is of another contract version or breaks the contract. */
  REPORT_INVALID: CODE_CATALOG['report-invalid'].code,
  /** A state store was written by a newer tripline; it is left untouched. */
  STATE_SCHEMA_NEWER: CODE_CATALOG['state-schema-newer'].code,
  /** A state store is damaged, not a tripline state store, or cannot be opened. */
  STATE_UNREADABLE: CODE_CATALOG['state-unreadable'].code,
  /** A state store is in use by another process or another open store of this process. */
  STATE_LOCKED: CODE_CATALOG['state-locked'].code,
  /** A language model endpoint asked for a narrative did not answer (network, timeout, HTTP error after retries). */
  LLM_REQUEST_FAILED: CODE_CATALOG['llm-request-failed'].code,
  /** A worker of `analyze({ workers })` could not import its detector module, or it exports no detector set. */
  WORKERS_MODULE_UNUSABLE: CODE_CATALOG['workers-module-unusable'].code,
  /** The detectors a worker module exports are not those given to `analyze()` in the calling thread. */
  WORKERS_DETECTORS_DIFFER: CODE_CATALOG['workers-detectors-differ'].code,
  /** A stream adapter needs a broker client library (optional peer dependency) that is not installed. */
  BROKER_CLIENT_MISSING: CODE_CATALOG['broker-client-missing'].code,
  /** A stream adapter was given no credentials for its broker. */
  BROKER_CREDENTIALS_MISSING: CODE_CATALOG['broker-credentials-missing'].code,
  /** A stream broker cannot be used at all: unreachable, refused, JetStream disabled, the stream, hub or topic missing. */
  BROKER_UNUSABLE: CODE_CATALOG['broker-unusable'].code,
} as const satisfies Record<string, ErrorCode>;

// Every thrown code of the catalog has its constant above (a compile error otherwise).
type Missing = Exclude<ErrorCode, (typeof ERROR_CODES)[keyof typeof ERROR_CODES]>;
const _allThrownCodesNamed: [Missing] extends [never] ? true : Missing = true;
void _allThrownCodesNamed;

/**
 * The brand of tripline's errors. It is a registered symbol (`Symbol.for`), so the ESM and the CJS
 * build of `@tripline/core`, or two copies of it in one program, recognise each other's errors.
 */
const BRAND: unique symbol = Symbol.for('tripline.error') as never;

/** The one error class of tripline: a stable `code`, a human message, typed `details` and an optional `cause`. */
export class TriplineError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  declare readonly [BRAND]: true;

  constructor(code: ErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TriplineError';
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  /**
   * `error instanceof TriplineError` holds for errors of any copy of `@tripline/core` (ESM, CJS, a
   * second install): it checks the brand, not the prototype chain of this module's class. A
   * subclass keeps the ordinary prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class instanceof was asked about (a subclass keeps its own check)
    if (this !== TriplineError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return isBranded(value);
  }
}
Object.defineProperty(TriplineError.prototype, BRAND, { value: true });

function isBranded(value: unknown): value is TriplineError {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

/**
 * True when `value` is a {@link TriplineError}, optionally with the given code. Works across the
 * ESM and CJS builds and across copies of `@tripline/core` (the error carries a registered brand).
 */
export function isTriplineError(value: unknown, code?: ErrorCode): value is TriplineError {
  return isBranded(value) && (code === undefined || value.code === code);
}
