import type { SarifLog, SarifRun } from '../src/index.js';

/**
 * A SARIF object as the tests read it: every property typed as present. The community SARIF types make
 * nearly everything optional; the reporter always writes what the tests read, and a property it left
 * out fails the assertion at run time (`undefined`), which is what a test should report.
 */
export type Full<T> = T extends readonly (infer U)[]
  ? Full<U>[]
  : T extends object
    ? { [K in keyof T]-?: Full<Exclude<T[K], undefined>> }
    : T;

/** The one run of a log. */
export const run = (log: SarifLog): Full<SarifRun> => log.runs[0] as Full<SarifRun>;
