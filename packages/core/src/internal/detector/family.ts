import { ERROR_CODES, TriplineError } from '../errors.js';
import type { MdeEvent } from '../model/event.js';
import { isTableName, TABLE_NAMES, type TableName } from '../model/tables.js';
import { validateDetector } from './define.js';
import type { AnyDetector, Match } from './types.js';

/**
 * Many detectors served by one matcher: a rule engine (Sigma, a vendor's rule set) whose rules appear
 * one by one in reports, configuration, allowlists and SARIF, but whose per-event work is shared (one
 * index over all rules instead of one `match` call per rule).
 *
 * Contract: for every event routed to the family (its `tables`, and `actionTypes` when given),
 * `matchAll` calls `emit(i, match)` exactly for the members `i` whose own `match` would return a
 * match for that event, with the same match. Members keep a working `match` of their own, so
 * `testDetector` and a run without the family give the same alerts.
 */
export interface DetectorFamily {
  readonly kind: 'detector-family';
  /** Name of the family (`sigma`), for diagnostics. Not a detector id. */
  readonly id: string;
  /** The detectors the family serves, in a fixed order (member index = position). */
  readonly members: readonly AnyDetector[];
  /** Tables whose events go to `matchAll` (the union of the members' tables). */
  readonly tables: readonly TableName[];
  /** Only events with one of these ActionTypes go to `matchAll` (all when omitted). */
  readonly actionTypes?: readonly string[];
  /** Per-event logic for all members at once. Pure, like `match`. */
  readonly matchAll: (event: MdeEvent, emit: (member: number, match: Match) => void) => void;
}

/** Either a detector or a family of detectors: what `analyze({ detectors })` accepts. */
export type DetectorOrFamily = AnyDetector | DetectorFamily;

/** True for a {@link DetectorFamily}. */
export function isDetectorFamily(value: unknown): value is DetectorFamily {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'detector-family' &&
    Array.isArray((value as { members?: unknown }).members) &&
    typeof (value as { matchAll?: unknown }).matchAll === 'function'
  );
}

/** Family names: lower-case letters, digits and dashes (`sigma`, `acme-rules`). */
const FAMILY_ID_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/**
 * Check a family's shape (not its members: the engine validates those as detectors); throws a
 * `detector-invalid` {@link TriplineError} naming the family and the bad key. Returns the fields read
 * once, so the engine never reads the plugin's object again.
 */
export function validateDetectorFamily(family: DetectorFamily): {
  readonly id: string;
  readonly members: readonly AnyDetector[];
  readonly tables: readonly TableName[];
  readonly actionTypes: readonly string[] | undefined;
  readonly matchAll: DetectorFamily['matchAll'];
} {
  const given = family as unknown as Record<string, unknown> | null;
  const rawId = typeof given === 'object' && given !== null ? given.id : undefined;
  const name = typeof rawId === 'string' ? rawId : '(no id)';
  const fail = (message: string, key?: string): never => {
    throw new TriplineError(
      ERROR_CODES.DETECTOR_INVALID,
      `detector family ${name}: ${key ? `${key}: ` : ''}${message}`,
      {
        details: { family: name, ...(key ? { key } : {}) },
      },
    );
  };
  if (typeof given !== 'object' || given === null || given.kind !== 'detector-family')
    return fail('not a detector family (kind must be "detector-family")');
  if (typeof rawId !== 'string' || !FAMILY_ID_RE.test(rawId))
    fail('must be lower-case letters, digits and dashes', 'id');
  const members = given.members;
  if (!Array.isArray(members)) return fail('must be an array of detectors', 'members');
  const tables = given.tables;
  if (!Array.isArray(tables) || tables.some((t) => typeof t !== 'string' || !isTableName(t)))
    return fail(`must be an array of table names (${TABLE_NAMES.join(', ')})`, 'tables');
  const actionTypes = given.actionTypes;
  if (
    actionTypes !== undefined &&
    (!Array.isArray(actionTypes) || actionTypes.length === 0 || actionTypes.some((a) => typeof a !== 'string' || !a))
  )
    fail('must be a non-empty array of ActionTypes, or omitted', 'actionTypes');
  const matchAll = given.matchAll;
  if (typeof matchAll !== 'function') return fail('must be a function', 'matchAll');
  return {
    id: rawId as string,
    members: Object.freeze([...(members as AnyDetector[])]),
    tables: Object.freeze([...(tables as TableName[])]),
    actionTypes: actionTypes === undefined ? undefined : Object.freeze([...(actionTypes as string[])]),
    matchAll: matchAll as DetectorFamily['matchAll'],
  };
}

/**
 * Declare a detector family. Validates its shape and every member right away (a broken family fails
 * where it is defined, not in the middle of a run) and freezes it.
 */
export function defineDetectorFamily<F extends DetectorFamily>(family: F): F {
  const read = validateDetectorFamily(family);
  const ids = new Set<string>();
  for (const member of read.members) {
    const meta = validateDetector(member);
    if (ids.has(meta.id))
      throw new TriplineError(
        ERROR_CODES.DETECTOR_DUPLICATE,
        `detector family ${read.id}: two members share the id ${meta.id}`,
        { details: { detectorId: meta.id } },
      );
    ids.add(meta.id);
  }
  return Object.freeze(family);
}
