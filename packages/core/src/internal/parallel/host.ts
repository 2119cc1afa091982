/**
 * The detectors of a worker of `analyze(inputs, { workers })`: detectors are code, so each worker
 * imports the host's module and takes the set from it; a fingerprint of the set (ids and metadata)
 * shows that the worker runs the detectors the calling thread was given.
 */
import { type DetectorOrFamily, isDetectorFamily } from '../detector/family.js';
import type { AnyDetector } from '../detector/types.js';
import { validateDetectors } from '../engine/detectors.js';
import { ERROR_CODES, TriplineError } from '../errors.js';

const isDetector = (value: unknown): value is AnyDetector => {
  const d = value as Record<string, unknown> | null;
  const meta = d?.meta as { id?: unknown } | null | undefined;
  return (
    typeof meta === 'object' &&
    meta !== null &&
    typeof meta.id === 'string' &&
    ['match', 'onDevice', 'correlate'].some((k) => typeof d?.[k] === 'function')
  );
};
const isDetectorOrFamily = (v: unknown): v is DetectorOrFamily => isDetector(v) || isDetectorFamily(v);

/** A detector, a family or a non-empty array of them; undefined for anything else. */
function setOf(value: unknown): readonly DetectorOrFamily[] | undefined {
  if (isDetectorOrFamily(value)) return [value];
  if (Array.isArray(value) && value.length > 0 && value.every(isDetectorOrFamily)) return value;
  return undefined;
}

/**
 * The detector set a module exports: under `exportName` when given; else `detectors`, then the
 * default export (either may be a function, possibly async, returning the set); else the one exported
 * array of detectors, or the one that holds all the others (a pack's full preset holds its subsets).
 */
export async function detectorsOfHostModule(
  ns: Record<string, unknown>,
  name: string,
  exportName: string | undefined,
): Promise<readonly DetectorOrFamily[]> {
  const fail = (why: string): TriplineError =>
    new TriplineError(ERROR_CODES.WORKERS_MODULE_UNUSABLE, `worker detector module ${name}: ${why}`, {
      details: { module: name },
    });
  const read = async (key: string): Promise<readonly DetectorOrFamily[] | undefined> => {
    let value = ns[key];
    if (typeof value === 'function' && !isDetectorOrFamily(value)) value = await (value as () => unknown)();
    return setOf(value);
  };
  if (exportName !== undefined) {
    const set = await read(exportName);
    if (set === undefined) throw fail(`its export ${JSON.stringify(exportName)} is not a detector set`);
    return set;
  }
  for (const key of ['detectors', 'default']) {
    if (!(key in ns)) continue;
    const set = await read(key);
    if (set !== undefined) return set;
  }
  const arrays = Object.keys(ns)
    .sort()
    .flatMap((k) => (Array.isArray(ns[k]) && setOf(ns[k]) ? [ns[k] as readonly DetectorOrFamily[]] : []));
  const all = arrays.find((a) => arrays.every((b) => b.every((d) => a.includes(d))));
  if (all) return all;
  throw fail(
    arrays.length > 1
      ? 'it exports several detector arrays and none holds the others: name one with exportName'
      : 'it exports no detector set (a detector, a family or an array of them, as "detectors" or default)',
  );
}

/** Ids and metadata (without option schemas) of every detector of a set, in one string. */
export function detectorFingerprint(detectors: readonly DetectorOrFamily[]): string[] {
  return validateDetectors(detectors).flat.map((d) =>
    JSON.stringify(d.meta, (key, value) => (key === 'options' || typeof value === 'function' ? undefined : value)),
  );
}

/** Throws `workers-detectors-differ` naming the first detector that is not the same in both sets. */
export function checkSameDetectors(expected: readonly string[], actual: readonly string[], name: string): void {
  const id = (m: string | undefined): string => (m === undefined ? '(none)' : String(JSON.parse(m).id));
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    if (expected[i] === actual[i]) continue;
    const [e, a] = [id(expected[i]), id(actual[i])];
    throw new TriplineError(
      ERROR_CODES.WORKERS_DETECTORS_DIFFER,
      `the detectors of worker module ${name} are not those given to analyze(): ${e === a ? `detector ${e} differs in its metadata` : `detector ${i + 1} is ${a} in the worker and ${e} in the calling thread`} (${actual.length} against ${expected.length} detectors)`,
      { details: { module: name, expected: e, actual: a } },
    );
  }
}
