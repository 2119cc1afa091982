/**
 * Which compiled set a detector came from. A host that is given detectors — `tripline export kql
 * --detectors @tripline/sigmahq`, a vendor's tool handed a pack — can go back from them to the Sigma
 * rules they run (to export them as KQL, to print their load report) without being given the set.
 */
import type { SigmaMapping, SigmaSet } from './ir.js';

/** A compiled Sigma set and the mapping it was compiled with (a rule's KQL follows the same mapping). */
export interface SigmaOrigin {
  readonly set: SigmaSet;
  readonly mapping: SigmaMapping;
}

/**
 * Members, correlations and families of every set compiled in this process, weakly held. One map for
 * the process, kept on `globalThis`: a pack loaded through `require` gets this package's CommonJS
 * build and a host importing it gets the ES module, two copies of the code that must share what they
 * know. The key names the shape of {@link SigmaOrigin}, to be changed with it, so that copies that
 * would not read each other's sets do not share.
 */
const REGISTRY = Symbol.for('@tripline/sigma: origins of compiled sets, v1');

const ORIGINS: WeakMap<object, SigmaOrigin> = (() => {
  const holder = globalThis as unknown as Record<symbol, WeakMap<object, SigmaOrigin> | undefined>;
  let map = holder[REGISTRY];
  if (!(map instanceof WeakMap)) {
    map = new WeakMap();
    Object.defineProperty(holder, REGISTRY, { value: map, enumerable: false });
  }
  return map;
})();

/** Record `set` as the origin of its family, its members and its correlations (by `compileSigma`). */
export function rememberOrigin(set: SigmaSet, mapping: SigmaMapping): void {
  const origin: SigmaOrigin = Object.freeze({ set, mapping });
  ORIGINS.set(set.family, origin);
  for (const member of set.family.members) ORIGINS.set(member, origin);
  for (const detector of set.correlations) ORIGINS.set(detector, origin);
}

/**
 * The compiled set a detector belongs to, and its mapping: for one of the set's members, one of its
 * correlation detectors, its family, or a copy of its family that holds the same members (a pack that
 * renames the family, as `@tripline/sigmahq` does); undefined for anything else. Sets compiled by this
 * package's ES module and by its CommonJS build are both known to either.
 */
export function sigmaOriginOf(detector: unknown): SigmaOrigin | undefined {
  if (detector === null || typeof detector !== 'object') return undefined;
  const known = ORIGINS.get(detector);
  if (known !== undefined) return known;
  const family = detector as { readonly kind?: unknown; readonly members?: unknown };
  if (family.kind !== 'detector-family' || !Array.isArray(family.members) || family.members.length === 0)
    return undefined;
  const first = family.members[0] as unknown;
  const origin = first !== null && typeof first === 'object' ? ORIGINS.get(first) : undefined;
  if (origin === undefined) return undefined;
  // Every member must be one of that set's: a family mixing sets (or adding detectors) is not the set's.
  return family.members.every((m: unknown) => m !== null && typeof m === 'object' && ORIGINS.get(m) === origin)
    ? origin
    : undefined;
}
