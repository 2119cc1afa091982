import type { DeviceState, Match, TimelinePoint } from '../detector/types.js';
import type { MdeEvent } from '../model/event.js';
import { compareInstants } from '../model/time.js';
import { maxSeverity, type Severity } from '../severity.js';
import { FIRST, LAST, TimeSpan } from './span.js';

/** Distinct values kept per `collect` name. */
export const COLLECT_CAP = 200;
/** Timeline points kept per alert. */
export const TIMELINE_CAP = 10_000;

type Data = Readonly<Record<string, string | number | boolean>>;
const NO_DATA: Data = Object.freeze({});

/** Mutable accumulator behind one alert subject: counts everything, keeps a capped sample. */
export class GroupAcc {
  count = 0;
  severity: Severity;
  readonly span = new TimeSpan();
  firstData: Data = NO_DATA;
  lastData: Data = NO_DATA;
  readonly events: MdeEvent[] = [];
  readonly collected = new Map<string, Set<string>>();
  readonly collectedTruncated = new Set<string>();
  readonly timeline: TimelinePoint[] = [];
  readonly related = new Set<string>();

  constructor(
    readonly detectorId: string,
    readonly deviceId: string,
    readonly key: string,
    baseSeverity: Severity,
    private readonly evidenceLimit: number,
    /** Keep match times (detectors with a window or `timeline: true`); others pay nothing per match. */
    private readonly keepTimeline: boolean,
  ) {
    this.severity = baseSeverity;
  }

  /**
   * Add one match with the events that are its evidence (one for per-event matches). True when an
   * event entered the evidence sample.
   */
  add(match: Match, events: readonly MdeEvent[]): boolean {
    this.count += Math.max(1, events.length);
    if (match.severity) this.severity = maxSeverity(this.severity, match.severity);
    let kept = false;
    for (const event of events) {
      if (this.addEvidence(event)) kept = true;
      if (this.keepTimeline && this.timeline.length < TIMELINE_CAP)
        this.timeline.push({ time: event.time, ticks: event.ticks, tag: match.tag });
      const moved = this.span.add(event);
      if (match.data) {
        if (moved & FIRST) this.firstData = match.data;
        if (moved & LAST) this.lastData = match.data;
      }
    }
    if (match.collect) {
      const collect = match.collect;
      for (const name in collect) {
        if (!Object.hasOwn(collect, name)) continue;
        const value = collect[name];
        let set = this.collected.get(name);
        if (!set) {
          set = new Set();
          this.collected.set(name, set);
        }
        // A single string is the common case: no one-element array per value.
        if (typeof value === 'string') this.collectOne(name, set, value);
        else if (value) for (const v of value) this.collectOne(name, set, v);
      }
    }
    return kept;
  }

  private collectOne(name: string, set: Set<string>, v: string): void {
    if (set.has(v)) return;
    if (set.size >= COLLECT_CAP) this.collectedTruncated.add(name);
    else set.add(v);
  }

  /** Keep the earliest `evidenceLimit` events, in time order (input order breaks ties). */
  private addEvidence(event: MdeEvent): boolean {
    const ev = this.events;
    if (ev.length >= this.evidenceLimit) {
      const last = ev[ev.length - 1]!;
      if (compareInstants(event.time, event.ticks, last.time, last.ticks) >= 0) return false;
      ev.pop();
    }
    let i = ev.length;
    while (i > 0 && compareInstants(event.time, event.ticks, ev[i - 1]!.time, ev[i - 1]!.ticks) < 0) i--;
    ev.splice(i, 0, event);
    return true;
  }

  /** Sorted timeline (the engine sorts once, before windows and render). */
  sortedTimeline(): TimelinePoint[] {
    return [...this.timeline].sort((a, b) => compareInstants(a.time, a.ticks, b.time, b.ticks));
  }

  /** Snapshot for `render`. */
  view(device: DeviceState, severity: Severity, timeline: readonly TimelinePoint[]) {
    const collected: Record<string, readonly string[]> = {};
    for (const [name, set] of this.collected) {
      // defineProperty: a collect name `__proto__` is a key like any other, not the object's prototype.
      Object.defineProperty(collected, name, { value: Object.freeze([...set]), enumerable: true });
    }
    return Object.freeze({
      detectorId: this.detectorId,
      key: this.key,
      device,
      count: this.count,
      firstSeen: this.span.first,
      lastSeen: this.span.last,
      severity,
      events: Object.freeze([...this.events]),
      collected: Object.freeze(collected),
      collectedTruncated: new Set(this.collectedTruncated) as ReadonlySet<string>,
      firstData: this.firstData,
      lastData: this.lastData,
      timeline,
      relatedAlerts: Object.freeze([...this.related].sort()),
    });
  }
}

/** True when `threshold` points (with `tag`, if given) fall within `sizeMs` of each other. */
export function windowReached(
  timeline: readonly TimelinePoint[],
  spec: { readonly sizeMs: number; readonly threshold: number; readonly tag?: string },
): boolean {
  const points = spec.tag === undefined ? timeline : timeline.filter((p) => p.tag === spec.tag);
  const n = spec.threshold;
  if (n <= 1) return points.length >= 1;
  for (let i = 0; i + n - 1 < points.length; i++) {
    if (points[i + n - 1]!.time - points[i]!.time <= spec.sizeMs) return true;
  }
  return false;
}
