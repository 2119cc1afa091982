/**
 * One event through the detectors and families routed to it: each `match` result, and each match a
 * family's `matchAll` emits for a member, is read by the same guards and joins the same groups.
 */
import type { Match } from '../detector/types.js';
import type { MdeEvent } from '../model/event.js';
import type { DetectorFailed } from './diagnostics.js';
import { combineEvidence } from './evidence.js';
import type { GroupMap } from './group-map.js';
import { describeError, readMatch, readMatchList } from './guards.js';
import type { DetectorRoutes, FamilyRuntime, Runtime } from './runtime.js';

export class Dispatch {
  /** Each family's `emit`, made once: it reads the event being matched from `familyEvent`. */
  private readonly emitters: ReadonlyMap<FamilyRuntime, (member: number, match: Match) => void>;
  /** The event a family's `matchAll` is running on (undefined between calls: a late emit is refused). */
  private familyEvent: MdeEvent | undefined;
  /** Some group kept the current event as evidence. */
  private kept = false;
  /** The family whose emit was looked up last, and that emit. */
  private lastFamily: FamilyRuntime | undefined;
  private lastEmit: ((member: number, match: Match) => void) | undefined;

  constructor(
    private readonly routes: DetectorRoutes,
    families: readonly FamilyRuntime[],
    private readonly groups: GroupMap,
    private readonly detectorFailed: DetectorFailed,
  ) {
    this.emitters = new Map(families.map((f) => [f, this.familyEmit(f)]));
  }

  /** Run every routed detector and family on `event`; true when some alert kept it as evidence. */
  run(event: MdeEvent): boolean {
    const detectorFailed = this.detectorFailed;
    const runtimes = this.routes.of(event);
    this.kept = false;
    for (let i = 0; i < runtimes.length; i++) {
      const rt = runtimes[i]!;
      let result: unknown;
      try {
        result = rt.match!.call(rt.detector, event, rt.ctx);
      } catch (error) {
        detectorFailed(rt, 'detector-threw', `match threw: ${describeError(error)}`, event);
        continue;
      }
      this.addMatches(rt, result, event);
    }
    const families = this.routes.familiesOf(event);
    for (let i = 0; i < families.length; i++) {
      const f = families[i]!;
      // Most runs load one family: its emit is the one found for the previous row.
      if (f !== this.lastFamily) {
        this.lastFamily = f;
        this.lastEmit = this.emitters.get(f)!;
      }
      this.familyEvent = event;
      try {
        f.matchAll.call(f.family, event, this.lastEmit!);
      } catch (error) {
        // Matches emitted before the throw stand, as they would for the members that returned them.
        detectorFailed(f, 'detector-threw', `family ${f.id}: matchAll threw: ${describeError(error)}`, event);
      } finally {
        this.familyEvent = undefined;
      }
    }
    return this.kept;
  }

  /** What a detector's `match` returned (or a family emitted for it): read, grouped, its evidence combined. */
  private addMatches(rt: Runtime, result: unknown, event: MdeEvent): void {
    if (result === undefined || result === null || result === false) return;
    let many: boolean;
    try {
      many = Array.isArray(result);
    } catch {
      many = true; // a revoked proxy: readMatchList says what went wrong
    }
    // Most detectors return one match: read it without a list around it.
    if (!many) {
      this.addMatch(rt, result, event);
      return;
    }
    const matches = readMatchList(result);
    if (typeof matches === 'string') {
      this.detectorFailed(rt, 'detector-malformed-match', matches, event);
      return;
    }
    for (const m of matches) this.addMatch(rt, m, event);
  }

  /** One candidate match: read, grouped, its evidence combined. */
  private addMatch(rt: Runtime, m: unknown, event: MdeEvent): void {
    const read = readMatch(m, rt);
    if (typeof read === 'string') {
      this.detectorFailed(rt, 'detector-malformed-match', read, event);
      return;
    }
    const g = this.groups.ensure(rt, event.deviceId, read.key ?? '');
    if (g.addOne(read, event)) this.kept = true;
    combineEvidence(this.detectorFailed, rt, g, read, event, undefined);
  }

  /**
   * The `emit` a family's `matchAll` calls: a match for an enabled member takes exactly the path of
   * that member's own `match` result; one for a disabled member is ignored; a member index that is not
   * one of the family's, or an emit after `matchAll` returned, is a diagnostic charged to the family.
   */
  private familyEmit(f: FamilyRuntime): (member: number, match: Match) => void {
    const n = f.members.length;
    return (member: number, match: Match): void => {
      const event = this.familyEvent;
      if (event === undefined) {
        this.detectorFailed(
          f,
          'detector-malformed-match',
          `family ${f.id}: emit called after matchAll returned; the match is ignored`,
        );
        return;
      }
      if (typeof member !== 'number' || !Number.isInteger(member) || member < 0 || member >= n) {
        this.detectorFailed(
          f,
          'detector-malformed-match',
          `family ${f.id}: emit names member ${typeof member === 'number' ? String(member) : `of type ${typeof member}`}, not one of its ${n} members (0 to ${n - 1})`,
          event,
        );
        return;
      }
      const rt = f.members[member];
      if (rt === undefined) return;
      this.addMatches(rt, match, event);
    };
  }
}
