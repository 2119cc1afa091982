/**
 * The detectors of a run as given: plain detectors and detector families, validated once (metadata,
 * family shape, ids unique across detectors and members) into one flat list the rest of the engine reads.
 */
import { validateDetector } from '../detector/define.js';
import {
  type DetectorFamily,
  type DetectorOrFamily,
  isDetectorFamily,
  validateDetectorFamily,
} from '../detector/family.js';
import type { AnyDetector, DetectorMeta } from '../detector/types.js';
import { ERROR_CODES, TriplineError } from '../errors.js';
import type { TableName } from '../model/tables.js';

/** A family as the engine runs it: its fields read once, at load. */
export interface LoadedFamily {
  readonly family: DetectorFamily;
  readonly id: string;
  readonly members: readonly AnyDetector[];
  readonly tables: readonly TableName[];
  readonly actionTypes: readonly string[] | undefined;
  readonly matchAll: DetectorFamily['matchAll'];
}

/** What {@link validateDetectors} read: every detector (members included) and the families. */
export interface LoadedDetectors {
  /** Every detector, family members included, sorted by id: the order detectors run in. */
  readonly detectors: readonly (readonly [AnyDetector, DetectorMeta])[];
  /** The same detectors in the order given (members at their family's place). */
  readonly flat: readonly AnyDetector[];
  readonly families: readonly LoadedFamily[];
}

/**
 * The detectors of a list that may hold families, members in place of their family. Never reads
 * more than `members` of a family: it is for listings and configuration checks.
 */
export function flattenDetectors(list: readonly DetectorOrFamily[]): AnyDetector[] {
  const out: AnyDetector[] = [];
  for (const d of list) {
    if (isDetectorFamily(d)) out.push(...d.members);
    else out.push(d);
  }
  return out;
}

/**
 * Validate every detector and family (metadata, family shape, ids unique across detectors and
 * members, family names unique); detectors come back sorted by id, the order detectors run in.
 */
export function validateDetectors(list: readonly DetectorOrFamily[]): LoadedDetectors {
  const metas = new Map<AnyDetector, DetectorMeta>();
  /** Each id seen, with the family of the detector that has it (undefined: a plain detector). */
  const ids = new Map<string, string | undefined>();
  const flat: AnyDetector[] = [];
  const families: LoadedFamily[] = [];
  const familyIds = new Set<string>();
  const add = (detector: AnyDetector, family: string | undefined): void => {
    const meta = validateDetector(detector);
    if (ids.has(meta.id)) {
      const families = [...new Set([ids.get(meta.id), family])].filter((f) => f !== undefined);
      throw new TriplineError(
        ERROR_CODES.DETECTOR_DUPLICATE,
        `two detectors share the id ${meta.id}${families.length ? ` (members of the family ${families.join(' and ')})` : ''}`,
        { details: { detectorId: meta.id } },
      );
    }
    ids.set(meta.id, family);
    metas.set(detector, meta);
    flat.push(detector);
  };
  for (const entry of list) {
    if (!isDetectorFamily(entry) && (entry as { kind?: unknown } | null)?.kind !== 'detector-family') {
      add(entry, undefined);
      continue;
    }
    const read = validateDetectorFamily(entry as DetectorFamily);
    if (familyIds.has(read.id)) {
      throw new TriplineError(ERROR_CODES.DETECTOR_DUPLICATE, `two detector families share the name ${read.id}`, {
        details: { family: read.id },
      });
    }
    familyIds.add(read.id);
    for (const member of read.members) add(member, read.id);
    families.push({ family: entry as DetectorFamily, ...read });
  }
  return {
    detectors: [...metas].sort(([, a], [, b]) => (a.id < b.id ? -1 : 1)),
    flat,
    families: families.sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}
