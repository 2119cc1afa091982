/** Types of bench/generate.mjs (for tests written in TypeScript). */
export interface GenerateOptions {
  /** Rows (records) to write. */
  readonly rows: number;
  /** PRNG seed; the same options give the same bytes. Default 1. */
  readonly seed?: number;
  /** Devices in the fleet (60 % Linux). Default 120. */
  readonly devices?: number;
  /** Start of the stream (ISO, whole seconds). Default 2025-11-07T00:00:00Z. */
  readonly start?: string;
}
export declare const GENERATOR_VERSION: number;
/** Record lines (without line end) of a generated stream. */
export declare function generateLines(options: GenerateOptions): Generator<string, void, unknown>;
/** Write a generated stream to `path` (CRLF line ends), streaming with back-pressure. */
export declare function generateFile(
  path: string,
  options: GenerateOptions,
): Promise<{ path: string; rows: number; bytes: number }>;
