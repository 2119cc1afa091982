/**
 * How the `tripline` binary has V8 collect garbage. The binary owns its process; the library never
 * sets these (a host's heap is the host's choice).
 */

/**
 * The V8 flags the binary sets at start, given the flags node was started with: old space may grow
 * to 1.3× what survived the last full collection instead of up to 4×. The live state of an
 * analysis is small (it follows alerts, not rows) while every row is fresh garbage, so by default
 * the heap reaches several times the live state: 630 MB instead of 310 MB on a million rows of a
 * dense fleet (docs/benchmarks.md). At 1.4× the JSON report of that fleet still peaked at 375,000–
 * 428,000 KiB from run to run; at 1.3×, 362,000–383,000 KiB in the same time. A value given to node
 * itself wins.
 */
export function heapFlags(execArgv: readonly string[]): string[] {
  return execArgv.some((a) => a.startsWith('--heap-growing-percent')) ? [] : ['--heap-growing-percent=30'];
}
