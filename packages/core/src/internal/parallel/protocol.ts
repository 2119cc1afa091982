/** Messages between the main thread and the shard workers of a worker-sharded analysis. */
import type { LocalTimeStats, RejectedRow } from '../ingest/types.js';
import type { Alert, AnalysisResult } from '../report/types.js';

/** The reader a shard runs for an input: NDJSON lines (split and scanned by the main thread), or the whole text. */
export type ShardLayout = 'lines' | 'document' | 'csv';

/**
 * The owner of a line whose bytes do not settle its device: every shard parses it and keeps the
 * events of its own devices (its rejection, if any, is shard 0's to keep).
 */
export const EVERY_SHARD = -1;
/** The owner of a line longer than `maxLineBytes`: rejected (by shard 0, as for a shared line). */
export const TOO_LONG = -2;

export type ToShard =
  /** An input starts: its name, how it is read, and the format the main thread detected. */
  | { readonly type: 'input'; readonly name: string; readonly layout: ShardLayout; readonly format: string }
  /**
   * Lines of the current NDJSON input, the same to every shard (`buffer` shared, never copied): line
   * `first + i` is `buffer[lines[3i], lines[3i + 1])`, its CR dropped, and is read by shard
   * `lines[3i + 2]`, by every shard ({@link EVERY_SHARD}), or is rejected as too long ({@link TOO_LONG}).
   */
  | {
      readonly type: 'lines';
      readonly buffer: SharedArrayBuffer;
      readonly lines: Int32Array;
      readonly first: number;
    }
  /** Text of the current input read whole (a document or CSV): every shard reads it all, keeping its devices' rows. */
  | { readonly type: 'text'; readonly text: string }
  /** The current input ended. */
  | { readonly type: 'end' }
  /** The input could not be read to its end: stop reading it, keep what was read. */
  | { readonly type: 'abort' }
  /** Every input was read: finish and send the result, without its alerts (see `result`). */
  | { readonly type: 'finish' }
  /** Send the next alerts of the result (at most `ALERTS_PER_MESSAGE`). */
  | { readonly type: 'alerts' };

/**
 * Alerts of a shard's result sent in one message. The result is sent in parts the main thread asks
 * for one after the other, so that the shard never holds its whole result serialised beside the
 * result itself (and the main thread the same while it reads it): a shard of a dense fleet holds
 * tens of MB of alerts with their evidence.
 */
export const ALERTS_PER_MESSAGE = 256;

/** What a shard read of one input. */
export interface ShardInputStats {
  readonly events: number;
  readonly rejected: number;
  /** The input showed the row container of an export (an envelope), see the router. */
  readonly container: boolean;
  readonly firstRejected?: RejectedRow;
  /** Local-time columns of a CSV input (shard 0 only: every shard reads the whole CSV). */
  readonly localTime?: LocalTimeStats;
  /** Notices of the readers (shard 0 only for inputs read whole). */
  readonly notices: readonly { code: string; message: string; source: string; line?: number }[];
}

export type FromShard =
  | { readonly type: 'ready' }
  /** A message of bytes or text was read: the main thread may send another. Rows of this input this shard kept so far. */
  | { readonly type: 'ack'; readonly events: number; readonly rejected: number }
  | { readonly type: 'stats'; readonly stats: ShardInputStats }
  /**
   * The shard's result without its alerts and fleet findings (`alerts` and `findings` empty: the
   * merge makes the findings over every shard's alerts); `alerts`: how many there are, sent in
   * `alerts` messages as the main thread asks for them.
   */
  | { readonly type: 'result'; readonly result: AnalysisResult; readonly alerts: number }
  /** The next alerts of the result, in its order. */
  | { readonly type: 'alerts'; readonly alerts: readonly Alert[] }
  /** The shard failed; `code`: the catalog code of a `TriplineError` it threw (the error is thrown again with it). */
  | { readonly type: 'error'; readonly message: string; readonly stack?: string | undefined; readonly code?: string };
