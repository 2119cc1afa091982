import type { DiagnosticCode } from '../catalog.js';
import type { MdeEvent } from '../model/event.js';
import type { RejectCode } from '../model/normalize.js';
import type { TableName } from '../model/tables.js';

/** Input formats tripline reads. `auto` detects per input. */
export const INPUT_FORMATS = ['auto', 'ndjson', 'eventhub', 'ah-api', 'graph', 'sentinel', 'csv'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** A row that could not be analysed, with where it was and why. */
export interface RejectedRow {
  /** The input's name (file path, `stdin`, or the name given to the source). */
  readonly source: string;
  /** 1-based line of the row in line-oriented inputs (NDJSON, CSV: the line the record starts on). */
  readonly line?: number;
  /** 1-based index of the row in array-shaped inputs (`records`, `Results`, a Sentinel array). */
  readonly record?: number;
  /** Machine-readable reason. */
  readonly code: RejectCode;
  /** Human-readable reason. */
  readonly reason: string;
}

/** Something readable: a file, a Node stream, an async iterable of chunks, or a string. */
export interface InputSource {
  /** Name used in rejected rows and diagnostics (a path, `stdin`, …). */
  readonly name: string;
  /** Total size in bytes when known (progress ETA). */
  readonly size?: number;
  /** Open the byte/text stream. Called once. */
  open(): AsyncIterable<Uint8Array | string>;
}

/**
 * Something about a whole input that is neither an event nor a rejected row: the input was cut off
 * (`input-truncated`: a JSON document or gzip stream ends early) or its compressed data is damaged
 * (`input-corrupt`). The rows read before are kept; the analyzer turns a notice into a warning
 * diagnostic.
 */
export interface IngestNotice {
  readonly code: Extract<DiagnosticCode, 'input-truncated' | 'input-corrupt'>;
  /** One line naming the input and what happened. */
  readonly message: string;
  readonly source: string;
  /** Where it was noticed, when known. */
  readonly line?: number;
}

/** Receives what ingestion produces, in input order. */
export interface IngestSink {
  event(event: MdeEvent): void;
  rejected(row: RejectedRow): void;
  /** A notice about the whole input (see {@link IngestNotice}). */
  notice?(notice: IngestNotice): void;
  /** Called now and then with cumulative figures for this source. */
  progress?(progress: IngestProgress): void;
}

/** Cumulative ingestion figures for one source. */
export interface IngestProgress {
  readonly source: string;
  readonly bytesRead: number;
  readonly totalBytes?: number;
  readonly rowsRead: number;
}

/** Options for reading one input. */
export interface IngestOptions {
  /**
   * @internal Readers of the caller's own, made once the layout is known (the worker-sharded analysis
   * splits lines in the main thread and parses them in workers). `noRows` is handed the error of an
   * input with text but no row, for the caller to throw once it knows its rows.
   */
  readonly readers?: {
    reader(
      layout: 'lines' | 'document' | 'csv',
      router: import('./route.js').Router,
      ctx: { maxBytes: number; timeZone: import('../model/time.js').TimeZone | undefined; format: string },
    ): import('./lines.js').TextReader;
    noRows?(make: () => Error): void;
  };
  /** Force a format instead of detecting it. Default `auto`. */
  readonly format?: InputFormat;
  /**
   * The table of rows that name none (no `category`, `Type` or withsource column): for single-table
   * exports such as an advanced-hunting answer of `DeviceInfo | project …`, whose rows carry too few
   * columns to infer the table. Rows that do name a table keep it.
   */
  readonly table?: TableName;
  /** Longest line (NDJSON) or record accepted, in bytes; longer ones are rejected with `line-too-long`. Default 16 MiB. */
  readonly maxLineBytes?: number;
  /**
   * IANA time zone (`Europe/Berlin`) of times an export wrote in local time: CSV columns labelled
   * ` [Local Time]` (Log Analytics) and the Defender portal's display dates (`Oct 9, 2024 2:40:09 PM`).
   * They are converted to UTC. Without it they are read as UTC and {@link IngestStats.localTime} says so.
   */
  readonly timezone?: string;
}

/** Times an input wrote in local time (see {@link IngestOptions.timezone}). */
export interface LocalTimeStats {
  /** Rows with at least one time written in local time. */
  readonly rows: number;
  /** The columns that held them, as the header spells them (`Timestamp [Local Time]`, `Timestamp`). */
  readonly columns: readonly string[];
  /** True when a header labelled them ` [Local Time]` (Log Analytics); false for unlabelled portal display dates. */
  readonly labelled: boolean;
  /** The zone they were converted from; absent when none was given and they were read as UTC. */
  readonly timezone?: string;
  /** Rows with a time in an hour repeated when clocks went back, read as its first occurrence. */
  readonly ambiguousRows: number;
}

/** What reading one input found. `rowsRead = events + rejected`, always. */
export interface IngestStats {
  readonly source: string;
  readonly format: Exclude<InputFormat, 'auto'>;
  readonly rowsRead: number;
  readonly events: number;
  readonly rejected: number;
  readonly bytesRead: number;
  /** Present when the input wrote times in local time (CSV only). */
  readonly localTime?: LocalTimeStats;
}
