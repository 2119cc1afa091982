/**
 * Views a route index may leave unread for a row. A view whose atoms all belong to rules indexed by
 * two or three clauses (`IntegrityLevel`, `User`, `DestinationPort`… in SigmaHQ: the second clause of
 * an AND) can only make a candidate of a rule whose other clauses hold. The views with an atom of a
 * rule indexed by one clause are scanned first; a guarded view is then read, folded and scanned only
 * when one of its rules still can become a candidate: when every clause of that rule whose atoms are
 * all on the views scanned first is held. A clause left unheld there can no longer be held in this
 * scan (its atoms were all looked for), so the rule is not a candidate whatever the guarded view holds.
 */
import type { Clauses } from './witness.js';
import { MAX_CLAUSES } from './witness.js';

/**
 * When a guarded view must be scanned: rule entry e is alive when the slots
 * `slots[from[e] .. from[e + 1])` (one per clause of the rule on the views scanned first) are all held.
 */
export interface ViewGuard {
  readonly from: Int32Array;
  readonly slots: Int32Array;
}

/**
 * The guard of each view (by key; absent: scanned on every row) of a route whose local rule `local`
 * has the clauses `clauses[rules[local]]`. `viewKeys` are the route's views.
 */
export function viewGuards(
  rules: readonly number[],
  clauses: readonly Clauses[],
  viewKeys: readonly string[],
): Map<string, ViewGuard> {
  // The views scanned first: those with an atom of a rule indexed by one clause.
  const first = new Set<string>();
  rules.forEach((global) => {
    const cs = clauses[global];
    if (cs?.length === 1) for (const a of cs[0]!) first.add(a.view.key);
  });
  const guards = new Map<string, ViewGuard>();
  for (const key of viewKeys) {
    if (first.has(key)) continue;
    const from: number[] = [0];
    const slots: number[] = [];
    let guarded = true;
    rules.forEach((global, local) => {
      if (!guarded) return;
      const cs = clauses[global];
      // A rule with a clause without atoms is never a candidate: it needs no view.
      if (!cs || cs.some((c) => c.length === 0) || !cs.some((c) => c.some((a) => a.view.key === key))) return;
      const before: number[] = [];
      cs.forEach((c, k) => {
        if (c.every((a) => first.has(a.view.key))) before.push(local * MAX_CLAUSES + k);
      });
      // No clause decided on the views scanned first: the rule needs this view on every row.
      if (before.length === 0) guarded = false;
      slots.push(...before);
      from.push(slots.length);
    });
    if (guarded && from.length > 1) guards.set(key, { from: Int32Array.from(from), slots: Int32Array.from(slots) });
  }
  return guards;
}

/** Whether a guarded view must be scanned: one of its rules has every guarding slot held (`stamp[slot] === gen`). */
export function guardOpen(guard: ViewGuard, stamp: Uint32Array, gen: number): boolean {
  const from = guard.from;
  const slots = guard.slots;
  for (let e = 0; e + 1 < from.length; e++) {
    let held = true;
    for (let k = from[e]!; k < from[e + 1]!; k++)
      if (stamp[slots[k]!] !== gen) {
        held = false;
        break;
      }
    if (held) return true;
  }
  return false;
}
