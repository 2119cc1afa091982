import type { Combine, DeviceState, EvidenceValue, Match, TimelinePoint } from '../detector/types.js';
import type { MdeEvent } from '../model/event.js';
import { compareInstants, parseTimestamp } from '../model/time.js';
import { maxSeverity, type Severity, severityRank } from '../severity.js';
import type { EncodedEvent, GroupRecord, TimelineRecord } from '../state/engine-state.js';
import { FEW_VALUES, indexOfValue, numberIn, numberOut, Slot } from './slot.js';
import { TimeSpan } from './span.js';

export { numberIn, numberOut } from './slot.js';

/** Timeline points kept per alert. */
export const TIMELINE_CAP = 10_000;

/** A detector's declared evidence, compiled once at load: parallel arrays indexed by field. */
export interface EvidencePlan {
  readonly names: readonly string[];
  /** Column of `from`, when it is one. */
  readonly columns: readonly (string | undefined)[];
  /** Function of `from`, when it is one. */
  readonly fns: readonly (((event: MdeEvent) => unknown) | undefined)[];
  readonly combines: readonly Combine[];
  readonly caps: readonly number[];
  /** Key-component label; undefined for hidden fields. */
  readonly labels: readonly (string | undefined)[];
  /** Field index by name. */
  readonly index: ReadonlyMap<string, number>;
}

/** Looks like an ISO date-time (`YYYY-MM-DDT…`); core's one parser decides. */
function isoLike(s: string): boolean {
  return s.length >= 16 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && s.charCodeAt(10) === 84;
}

/** Order of `min`/`max`: numbers numerically, ISO times as instants, other strings by code unit; booleans < numbers < strings. */
export function compareEvidence(a: EvidenceValue, b: EvidenceValue): number {
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== tb) {
    const rank = (t: string) => (t === 'boolean' ? 0 : t === 'number' ? 1 : 2);
    return rank(ta) - rank(tb);
  }
  if (ta === 'number') return (a as number) - (b as number);
  if (ta === 'boolean') return Number(a) - Number(b);
  const sa = a as string;
  const sb = b as string;
  if (isoLike(sa) && isoLike(sb)) {
    const pa = parseTimestamp(sa);
    const pb = parseTimestamp(sb);
    if (pa && pb) {
      const c = compareInstants(pa.ms, pa.ticks, pb.ms, pb.ticks);
      if (c !== 0) return c;
    }
  }
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Mutable accumulator behind one alert subject: counts everything, keeps a capped sample. */
export class GroupAcc {
  count = 0;
  severity: Severity;
  readonly span = new TimeSpan();
  readonly events: MdeEvent[] = [];
  readonly timeline: TimelinePoint[] = [];
  /** Matches the timeline could not keep (beyond {@link TIMELINE_CAP}); windows do not see them. */
  timelineDropped = 0;
  readonly related = new Set<string>();
  /** Per declared evidence field (created on first value). */
  private slots: (Slot | undefined)[] | undefined;
  /** Variant of the most severe match that named one (earliest on ties), with that match's severity rank. */
  variant: string | undefined;
  private variantRank = -1;
  private variantMs = Number.POSITIVE_INFINITY;
  private variantTicks = 0;
  private readonly baseRank: number;
  /** The sample's latest instant: a full sample turns a later match away without reading its events. */
  private lastMs = 0;
  private lastTicks = 0;

  constructor(
    readonly detectorId: string,
    readonly deviceId: string,
    readonly key: string,
    baseSeverity: Severity,
    private readonly evidenceLimit: number,
    /** Keep match times (detectors with a window or `timeline: true`); others pay nothing per match. */
    private readonly keepTimeline: boolean,
    /** Columns its evidence events keep (undefined: whole rows). */
    readonly keepColumns: ReadonlySet<string> | undefined = undefined,
    /** Told of each event entering the sample, so that the run can replace it by its projection. */
    private readonly onKept?: (group: GroupAcc) => void,
  ) {
    this.severity = baseSeverity;
    this.baseRank = severityRank(baseSeverity);
  }

  /**
   * Add one match with the events that are its evidence (one for per-event matches). True when an
   * event entered the evidence sample.
   */
  add(match: Match, events: readonly MdeEvent[]): boolean {
    this.count += Math.max(1, events.length);
    this.matched(match, events[0]);
    let kept = false;
    for (const event of events) if (this.addEvent(match, event)) kept = true;
    return kept;
  }

  /** {@link add} for a per-event match: the same, without an array per match. */
  addOne(match: Match, event: MdeEvent): boolean {
    this.count++;
    this.matched(match, event);
    return this.addEvent(match, event);
  }

  /** Severity and variant of a match whose earliest event is `e0` (none for a state match without events). */
  private matched(match: Match, e0: MdeEvent | undefined): void {
    if (match.severity) this.severity = maxSeverity(this.severity, match.severity);
    // The group's variant: that of its most severe match (a match without one stands for `default`),
    // the earliest such match on ties.
    const rank = match.severity ? severityRank(match.severity) : this.baseRank;
    if (
      rank > this.variantRank ||
      (rank === this.variantRank && e0 && compareInstants(e0.time, e0.ticks, this.variantMs, this.variantTicks) < 0)
    ) {
      this.variant = match.variant;
      this.variantRank = rank;
      this.variantMs = e0 ? e0.time : Number.POSITIVE_INFINITY;
      this.variantTicks = e0 ? e0.ticks : 0;
    }
  }

  /** One event of a match: evidence sample, timeline, span. True when it entered the sample. */
  private addEvent(match: Match, event: MdeEvent): boolean {
    const kept = this.addEvidence(event);
    if (this.keepTimeline) {
      if (this.timeline.length >= TIMELINE_CAP) this.timelineDropped++;
      else
        this.timeline.push(
          match.value === undefined
            ? { time: event.time, ticks: event.ticks, tag: match.tag }
            : { time: event.time, ticks: event.ticks, tag: match.tag, value: match.value },
        );
    }
    this.span.add(event);
    return kept;
  }

  /**
   * Combine one value (already checked: an evidence value or an array of them) into field `i`, as of
   * the instant `ms`/`ticks` (`NaN` ms: a match without events, which is then the earliest for `last`
   * only when nothing came before). False when a `sum` field got a value that is not a number.
   */
  combine(
    i: number,
    combine: Combine,
    cap: number,
    value: EvidenceValue | readonly EvidenceValue[],
    ms: number,
    ticks: number,
  ): boolean {
    let slots = this.slots;
    if (!slots) slots = this.slots = [];
    let slot = slots[i];
    if (!slot) slot = slots[i] = new Slot();
    if (typeof value === 'object') {
      // An array: each element is a value of this match (`count` counts the match once).
      if (value.length === 0) return true;
      if (combine === 'count') {
        slot.n++;
        slot.seen = true;
        return true;
      }
      if (combine === 'first') return this.combineOne(slot, combine, cap, value[0]!, ms, ticks);
      if (combine === 'last') return this.combineOne(slot, combine, cap, value[value.length - 1]!, ms, ticks);
      let ok = true;
      for (const v of value) if (!this.combineOne(slot, combine, cap, v, ms, ticks)) ok = false;
      return ok;
    }
    return this.combineOne(slot, combine, cap, value, ms, ticks);
  }

  private combineOne(slot: Slot, combine: Combine, cap: number, v: EvidenceValue, ms: number, ticks: number): boolean {
    switch (combine) {
      case 'distinct': {
        // No lookup (the engine's largest per-match cost on a dense fleet) for the value seen last, which
        // is kept, nor once the values are full and cut: nothing can change them then.
        if (v === slot.last) break;
        let set = slot.set;
        if (!set) {
          // The first value is kept alone; the next few in a list, searched by comparison: a row's
          // strings are new, and a Set would hash each of them (a call into V8's runtime per value).
          if (slot.last === undefined) {
            slot.last = v;
            break;
          }
          let few = slot.few;
          if (!few) few = slot.few = [slot.last];
          if (slot.truncated && few.length >= cap) break;
          if (indexOfValue(few, v) >= 0) {
            slot.last = v;
            break;
          }
          if (few.length >= cap) {
            slot.truncated = true;
            break;
          }
          if (few.length < FEW_VALUES) {
            few.push(v);
            slot.last = v;
            break;
          }
          // More values than a list is quick to search: a Set from now on, in the same order.
          set = slot.set = new Set(few);
          slot.few = undefined;
        }
        if (slot.truncated && set.size >= cap) break;
        if (set.has(v)) slot.last = v;
        else if (set.size >= cap) slot.truncated = true;
        else {
          set.add(v);
          slot.last = v;
        }
        break;
      }
      case 'first':
        if (!slot.seen || (!Number.isNaN(ms) && compareInstants(ms, ticks, slot.ms, slot.ticks) < 0)) {
          slot.value = v;
          slot.ms = ms;
          slot.ticks = ticks;
        }
        break;
      case 'last':
        if (!slot.seen || Number.isNaN(ms) || compareInstants(ms, ticks, slot.ms, slot.ticks) >= 0) {
          slot.value = v;
          if (!Number.isNaN(ms)) {
            slot.ms = ms;
            slot.ticks = ticks;
          }
        }
        break;
      case 'count':
        slot.n++;
        break;
      case 'sum':
        if (typeof v !== 'number') return false;
        slot.n += v;
        break;
      case 'min':
        if (!slot.seen || compareEvidence(v, slot.value!) < 0) slot.value = v;
        break;
      case 'max':
        if (!slot.seen || compareEvidence(v, slot.value!) > 0) slot.value = v;
        break;
    }
    slot.seen = true;
    return true;
  }

  /** The combined evidence, per name, for `render`; and the names whose `distinct` cap cut values. */
  evidenceView(plan: EvidencePlan): {
    evidence: Readonly<Record<string, unknown>>;
    truncated: ReadonlySet<string>;
  } {
    const evidence: Record<string, unknown> = {};
    const truncated = new Set<string>();
    if (plan) {
      const slots = this.slots ?? [];
      for (let i = 0; i < plan.names.length; i++) {
        const slot = slots[i];
        const name = plan.names[i]!;
        const combine = plan.combines[i]!;
        let v: unknown;
        if (combine === 'distinct') {
          v = Object.freeze(slot ? slot.distinct() : []);
          if (slot?.truncated) truncated.add(name);
        } else if (combine === 'count' || combine === 'sum') v = slot?.n ?? 0;
        else v = slot?.value;
        Object.defineProperty(evidence, name, { value: v, enumerable: true });
      }
    }
    return { evidence: Object.freeze(evidence), truncated };
  }

  /** True when field `i` received a value. */
  hasEvidence(i: number): boolean {
    return this.slots?.[i]?.seen === true;
  }

  /** Keep the earliest `evidenceLimit` events, in time order (input order breaks ties). */
  private addEvidence(event: MdeEvent): boolean {
    const ev = this.events;
    if (ev.length >= this.evidenceLimit) {
      if (compareInstants(event.time, event.ticks, this.lastMs, this.lastTicks) >= 0) return false;
      ev.pop();
    }
    let i = ev.length;
    while (i > 0 && compareInstants(event.time, event.ticks, ev[i - 1]!.time, ev[i - 1]!.ticks) < 0) i--;
    ev.splice(i, 0, event);
    this.noteLast();
    this.onKept?.(this);
    return true;
  }

  private noteLast(): void {
    const last = this.events[this.events.length - 1];
    if (last !== undefined) [this.lastMs, this.lastTicks] = [last.time, last.ticks];
  }

  /** Put `copy` where the sample holds `event` (the same row, projected). */
  replaceEvidence(event: MdeEvent, copy: MdeEvent): void {
    const ev = this.events;
    for (let i = 0; i < ev.length; i++) if (ev[i] === event) ev[i] = copy;
  }

  /**
   * Everything a later batch needs to go on as if it had read this group's matches itself: counts,
   * span, severity and variant, the evidence sample, the timeline (insertion order, times as
   * deltas), the declared-evidence accumulators. `encode` turns a sample event into JSON.
   */
  save(encode: (event: MdeEvent) => EncodedEvent): GroupRecord {
    const tl: TimelineRecord[] = [];
    let prev = 0;
    for (const p of this.timeline) {
      const dt = p.time - prev;
      prev = p.time;
      if ('value' in p) tl.push([dt, p.ticks, p.tag ?? null, p.value!]);
      else if (p.tag !== undefined) tl.push([dt, p.ticks, p.tag]);
      else tl.push([dt, p.ticks]);
    }
    const r: GroupRecord = {
      d: this.detectorId,
      v: this.deviceId,
      k: this.key,
      n: this.count,
      s: this.severity,
      sp: this.span.save(),
      e: this.events.map(encode),
    };
    if (tl.length) r.tl = tl;
    if (this.timelineDropped) r.td = this.timelineDropped;
    if (this.related.size) r.r = [...this.related];
    if (this.slots) r.sl = Array.from(this.slots, (slot) => (slot ? slot.save() : null));
    if (this.variantRank !== -1)
      r.va = [this.variant ?? null, this.variantRank, numberOut(this.variantMs), this.variantTicks];
    return r;
  }

  /** Set this (new, empty) group from {@link save}'s answer; `decode` builds the sample events again. */
  restore(r: GroupRecord, decode: (e: EncodedEvent) => MdeEvent): void {
    this.count = r.n;
    this.severity = r.s;
    this.span.restore(r.sp);
    for (const e of r.e) this.events.push(decode(e));
    this.noteLast();
    let time = 0;
    for (const p of r.tl ?? []) {
      time += p[0];
      if (p.length === 4) this.timeline.push({ time, ticks: p[1], tag: p[2] ?? undefined, value: p[3] });
      else this.timeline.push({ time, ticks: p[1], tag: p.length === 3 ? p[2] : undefined });
    }
    this.timelineDropped = r.td ?? 0;
    for (const id of r.r ?? []) this.related.add(id);
    if (r.sl) this.slots = r.sl.map((s) => (s === null ? undefined : Slot.restore(s)));
    if (r.va) {
      this.variant = r.va[0] ?? undefined;
      this.variantRank = r.va[1];
      this.variantMs = numberIn(r.va[2]);
      this.variantTicks = r.va[3];
    }
  }

  /** Sorted timeline (the engine sorts once, before windows and render). */
  sortedTimeline(): TimelinePoint[] {
    return [...this.timeline].sort((a, b) => compareInstants(a.time, a.ticks, b.time, b.ticks));
  }

  /** Snapshot for `render`. */
  view(device: DeviceState, severity: Severity, timeline: readonly TimelinePoint[], plan: EvidencePlan) {
    const { evidence, truncated } = this.evidenceView(plan);
    return Object.freeze({
      detectorId: this.detectorId,
      key: this.key,
      device,
      count: this.count,
      firstSeen: this.span.first,
      lastSeen: this.span.last,
      severity,
      events: Object.freeze([...this.events]),
      timeline,
      relatedAlerts: Object.freeze([...this.related].sort()),
      evidence,
      truncated: truncated as ReadonlySet<string>,
      variant: this.variant ?? 'default',
    });
  }
}
