/**
 * The error catalog. Every error tripline throws is a {@link TriplineError} with one of these codes,
 * so callers (and bots wrapping the CLI) can branch on `code` instead of parsing messages.
 */
export const ERROR_CODES = {
  /** An input file or stream could not be opened or read at all. */
  INPUT_UNREADABLE: 'input-unreadable',
  /** The input format could not be recognised, or a forced `inputFormat` does not fit the input. */
  INPUT_FORMAT_UNKNOWN: 'input-format-unknown',
  /** Detector metadata failed validation when the detector was loaded. */
  DETECTOR_INVALID: 'detector-invalid',
  /** Two detectors share one id. */
  DETECTOR_DUPLICATE: 'detector-duplicate',
  /** The per-run configuration is invalid (unknown detector, bad option, bad severity…). */
  CONFIG_INVALID: 'config-invalid',
  /** An option passed to an API function is invalid. */
  OPTION_INVALID: 'option-invalid',
  /** An ATT&CK technique id is unknown, deprecated or revoked. */
  ATTACK_UNKNOWN: 'attack-unknown',
  /** A detector fixture given to the testing helpers is not a realistic row of its table. */
  FIXTURE_INVALID: 'fixture-invalid',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** The one error class of tripline: a stable `code`, a human message, typed `details` and an optional `cause`. */
export class TriplineError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TriplineError';
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/** True when `value` is a {@link TriplineError}, optionally with the given code. */
export function isTriplineError(value: unknown, code?: ErrorCode): value is TriplineError {
  return value instanceof TriplineError && (code === undefined || value.code === code);
}
