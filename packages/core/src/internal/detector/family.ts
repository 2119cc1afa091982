import type { MdeEvent } from '../model/event.js';
import type { TableName } from '../model/tables.js';
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
