/** Messages between the main thread and the shard workers of a worker-sharded analysis. */
import type { LocalTimeStats, RejectedRow } from '../ingest/types.js';
import type { AnalysisResult } from '../report/types.js';

/** The reader a shard runs for an input: NDJSON lines (its own lines; the others blank), or the whole text. */
export type ShardLayout = 'lines' | 'document' | 'csv';

export type ToShard =
  /** An input starts: its name, how it is read, and the format the main thread detected. */
  | { readonly type: 'input'; readonly name: string; readonly layout: ShardLayout; readonly format: string }
  /**
   * Text of the current input. `lines`: this shard's lines, every other line blank (line numbers stay);
   * `broadcast`: numbers of the lines every shard got (their events are kept by their device's shard,
   * their rejections by shard 0). Documents and CSV are sent whole to every shard (all broadcast).
   * `withsource`: the input's `union withsource=` column, once the main thread's reader settled it.
   */
  | {
      readonly type: 'text';
      readonly text: string;
      readonly broadcast?: readonly number[];
      readonly withsource?: string | null;
    }
  /** The current input ended. */
  | { readonly type: 'end' }
  /** The input could not be read to its end: stop reading it, keep what was read. */
  | { readonly type: 'abort' }
  /** Every input was read: finish and send the result. */
  | { readonly type: 'finish' };

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
  /** A batch of text was read: the main thread may send another. */
  | { readonly type: 'ack' }
  | { readonly type: 'stats'; readonly stats: ShardInputStats }
  | { readonly type: 'result'; readonly result: AnalysisResult }
  | { readonly type: 'error'; readonly message: string; readonly stack?: string | undefined };
