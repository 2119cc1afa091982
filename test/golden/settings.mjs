// Settings of the golden run, shared by scripts/gen-golden.mjs and test/golden.test.ts.
/** The fixed generation time of the golden report. */
export const GOLDEN_GENERATED_AT = '2025-11-12T09:00:36Z';
/** The input name the golden report records (not the absolute path of whoever regenerates it). */
export const GOLDEN_SOURCE_NAME = 'events.ndjson';
