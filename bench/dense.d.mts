/** Types of bench/dense.mjs (for tests written in TypeScript). */
export interface DenseOptions {
  /** Rows (records) to write. */
  readonly rows: number;
  /** Devices in the fleet. Default 500. */
  readonly devices?: number;
  /** Start of the stream (ISO). Default 2025-11-07T00:00:00Z. */
  readonly start?: string;
}
export declare const DENSE_VERSION: number;
/** Record lines (without line end) of a dense fleet. */
export declare function denseLines(options: DenseOptions): Generator<string, void, unknown>;
/** Write a dense fleet to `path` (LF line ends), streaming with back-pressure. */
export declare function denseFile(
  path: string,
  options: DenseOptions,
): Promise<{ path: string; rows: number; bytes: number }>;
