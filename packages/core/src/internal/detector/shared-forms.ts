/**
 * Equal parts of validated metadata, shared. A loaded rule set (1,800 SigmaHQ rules) declares the same
 * evidence, tables, ActionTypes and columns for hundreds of detectors: each validated copy used to hold
 * its own equal records and lists, and the engine compiled its own equal evidence plan from each.
 *
 * Only frozen, plain data is shared: an evidence record whose every `from` is a column name (a
 * function is the author's code, kept by reference as before), and lists of strings. The caches are
 * bounded: when one is full it starts again (a later copy is equal, only not the same object).
 */
import type { DetectorMeta, EvidenceDecl } from './types.js';

/** Entries kept per cache. */
const KEPT = 512;

const evidences = new Map<string, EvidenceDecl>();
const lists = new Map<string, readonly string[]>();

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= KEPT) cache.clear();
  cache.set(key, value);
  return value;
}

/** The key of an evidence record of plain values; undefined when a `from` is a function. */
function evidenceKey(evidence: EvidenceDecl): string | undefined {
  const parts: unknown[] = [];
  for (const name of Object.keys(evidence)) {
    const field = evidence[name]!;
    if (typeof field.from === 'function') return undefined;
    // Keys as the copy has them (present or absent), in its order: equal keys, equal records.
    parts.push(name, Object.entries(field));
  }
  return JSON.stringify(parts);
}

/** A frozen record equal to `evidence` (fields frozen too), shared with every equal one. */
function sharedEvidence(evidence: EvidenceDecl): EvidenceDecl {
  const key = evidenceKey(evidence);
  if (key === undefined) return evidence;
  const known = evidences.get(key);
  if (known !== undefined) return known;
  for (const field of Object.values(evidence)) Object.freeze(field);
  return remember(evidences, key, Object.freeze(evidence));
}

/** A frozen list equal to `list`, shared with every equal one. */
function sharedList(list: readonly string[]): readonly string[] {
  const key = JSON.stringify(list);
  return lists.get(key) ?? remember(lists, key, Object.freeze(list));
}

/** The list keys whose values repeat across the detectors of a set. */
const SHARED_LISTS = ['tables', 'actionTypes', 'columns', 'values'] as const;

/**
 * Replace, in a validated copy of metadata (not yet frozen), its evidence and its repeating lists by
 * shared equal ones.
 */
export function shareMetaParts(meta: DetectorMeta): void {
  const m = meta as { -readonly [K in keyof DetectorMeta]: DetectorMeta[K] };
  if (m.evidence !== undefined) m.evidence = sharedEvidence(m.evidence);
  for (const k of SHARED_LISTS) {
    const list = m[k] as readonly string[] | undefined;
    if (list !== undefined) (m as Record<string, unknown>)[k] = sharedList(list);
  }
}
