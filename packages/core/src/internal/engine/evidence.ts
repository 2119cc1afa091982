/** Declared evidence, per match: each field's value read (column or function) or taken from the match, and combined into its group. */
import type { EvidenceValue, Match } from '../detector/types.js';
import type { MdeEvent } from '../model/event.js';
import type { DetectorFailed } from './diagnostics.js';
import type { GroupAcc } from './group.js';
import { copyEvidenceValue, describeError, isProblem, put } from './guards.js';
import type { Runtime } from './runtime.js';

/**
 * Combine a match's declared evidence into its group: the value `match` supplied for a name wins,
 * else the field's column or function is read from the match's event(s). Plugin functions run
 * guarded and their results are copied and checked once; a bad value is a diagnostic, never a crash.
 */
export function combineEvidence(
  detectorFailed: DetectorFailed,
  rt: Runtime,
  g: GroupAcc,
  match: Match,
  event: MdeEvent | undefined,
  events: readonly MdeEvent[] | undefined,
): void {
  const plan = rt.plan;
  const supplied = match.evidence;
  const n = plan.names.length;
  for (let i = 0; i < n; i++) {
    const name = plan.names[i]!;
    const combine = plan.combines[i]!;
    const cap = plan.caps[i]!;
    if (supplied !== undefined && Object.hasOwn(supplied, name)) {
      // One value per match, as of its earliest event (state matches may have none).
      const at = event ?? events?.[0];
      const v = supplied[name]!;
      if (!g.combine(i, combine, cap, v, at ? at.time : Number.NaN, at ? at.ticks : 0))
        detectorFailed(rt, 'detector-malformed-match', `match.evidence.${name}: sum needs numbers`, at);
      continue;
    }
    const column = plan.columns[i];
    const fn = plan.fns[i];
    if (column === undefined && fn === undefined) continue;
    if (event !== undefined) evidenceFrom(detectorFailed, rt, g, i, event);
    else if (events !== undefined) for (const e of events) evidenceFrom(detectorFailed, rt, g, i, e);
  }
}

/** Field `i`'s value read from one event (its column or function) and combined. */
function evidenceFrom(detectorFailed: DetectorFailed, rt: Runtime, g: GroupAcc, i: number, event: MdeEvent): void {
  const plan = rt.plan;
  const column = plan.columns[i];
  let value: EvidenceValue | readonly EvidenceValue[] | undefined;
  if (column !== undefined) value = columnValue(event, column);
  else {
    let raw: unknown;
    try {
      raw = plan.fns[i]!.call(undefined, event);
    } catch (error) {
      detectorFailed(rt, 'detector-threw', `evidence.${plan.names[i]}.from threw: ${describeError(error)}`, event);
      return;
    }
    let copied: ReturnType<typeof copyEvidenceValue>;
    try {
      copied = copyEvidenceValue(raw);
    } catch (error) {
      copied = { problem: `reading it threw: ${describeError(error)}` };
    }
    if (isProblem(copied)) {
      detectorFailed(
        rt,
        'detector-malformed-match',
        `evidence.${plan.names[i]}.from returned ${copied.problem}`,
        event,
      );
      return;
    }
    value = copied;
  }
  if (value === undefined) return;
  if (!g.combine(i, plan.combines[i]!, plan.caps[i]!, value, event.time, event.ticks))
    detectorFailed(rt, 'detector-malformed-match', `evidence.${plan.names[i]}: sum needs numbers`, event);
}

/** JSON text with object keys sorted, so equal values give equal text. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) return x;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) put(sorted, k, (x as Record<string, unknown>)[k]);
    return sorted;
  });
}

/** A column's value as evidence: strings, numbers and booleans as they are, JSON values as canonical JSON text. */
function columnValue(event: MdeEvent, column: string): EvidenceValue | undefined {
  const v = event.get(column);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  return canonicalJson(v);
}
