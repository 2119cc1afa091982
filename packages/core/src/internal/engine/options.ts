/** Options of a run checked by the analyzer itself, and the kind of errors that cost one input only. */
import { ERROR_CODES, TriplineError } from '../errors.js';
import type { AnalyzeOptions } from './types.js';

/** Whole-input errors: the input could not be read or recognised (the other inputs still can). */
const INPUT_ERROR_CODES: ReadonlySet<string> = new Set([
  ERROR_CODES.INPUT_UNREADABLE,
  ERROR_CODES.INPUT_FORMAT_UNKNOWN,
]);

export function isInputError(error: unknown): error is TriplineError {
  return error instanceof TriplineError && INPUT_ERROR_CODES.has(error.code);
}

/**
 * `options`, refused with `option-invalid` when they ask for worker threads (`workers.count` other than
 * 1): only `analyze()` shards a run; `what` says what the refusing function does instead.
 */
export function inCallingThread(options: AnalyzeOptions, what: string): AnalyzeOptions {
  const count = options.workers?.count;
  if (options.workers !== undefined && count !== 1)
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      `workers is an option of analyze(): ${what} in the calling thread (workers.count ${String(count)})`,
      { details: { option: 'workers' } },
    );
  return options;
}

/** `AnalyzeOptions.evidence`, checked (the config file's is checked by its schema). */
export function evidenceOption(v: AnalyzeOptions['evidence']): { rows?: 'full' | 'declared'; sample?: number } {
  if (v === undefined) return {};
  const fail = (message: string): never => {
    throw new TriplineError(ERROR_CODES.OPTION_INVALID, `options.evidence: ${message}`);
  };
  if (v === null || typeof v !== 'object') return fail("must be { rows?: 'full' | 'declared', sample?: number }");
  const { rows, sample } = v;
  if (rows !== undefined && rows !== 'full' && rows !== 'declared') fail('rows must be "full" or "declared"');
  if (sample !== undefined && (!Number.isInteger(sample) || sample < 1 || sample > 1000))
    fail('sample must be an integer from 1 to 1000');
  return { ...(rows !== undefined ? { rows } : {}), ...(sample !== undefined ? { sample } : {}) };
}
