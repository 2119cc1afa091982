/**
 * Window evaluation: does some sliding window of a group's timeline satisfy the detector's
 * {@link WindowSpec}? Run once per group at the end of the input, on the timeline sorted by time.
 */
import type { TimelinePoint, WindowComparison, WindowSpec } from '../detector/types.js';

/** 100 ns ticks per millisecond. */
const TICKS_PER_MS = 10_000;

/** How far `b` is after `a`, in 100 ns ticks (small differences stay exact). */
function gap(a: TimelinePoint, b: TimelinePoint): number {
  return (b.time - a.time) * TICKS_PER_MS + (b.ticks - a.ticks);
}

function compare(measure: number, op: WindowComparison, threshold: number): boolean {
  switch (op) {
    case 'gte':
      return measure >= threshold;
    case 'gt':
      return measure > threshold;
    case 'lte':
      return measure <= threshold;
    case 'lt':
      return measure < threshold;
    case 'eq':
      return measure === threshold;
    case 'neq':
      return measure !== threshold;
  }
}

/** The condition of a window on one measure. */
function holds(spec: WindowSpec, measure: number): boolean {
  if (!compare(measure, spec.compare ?? 'gte', spec.threshold)) return false;
  return spec.and === undefined || compare(measure, spec.and.compare, spec.and.threshold);
}

/** Nearest-rank percentile of sorted values: the smallest value with at least `p` % of the values at or below it. */
export function nearestRank(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[Math.min(n, rank) - 1]!;
}

/** Index of the first element of `sorted` not below `v`. */
function lowerBound(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Running state of one window as matches enter (at its end) and leave (at its start). */
interface Measure {
  add(p: TimelinePoint): void;
  remove(p: TimelinePoint): void;
  /** The measure of the matches currently in the window (never called on an empty window). */
  value(): number;
}

function countMeasure(): Measure {
  let n = 0;
  return {
    add: () => n++,
    remove: () => n--,
    value: () => n,
  };
}

/** Distinct keys with multiplicities (values for `distinct`, tags for `tags`). */
function distinctMeasure(keyOf: (p: TimelinePoint) => string | number): Measure {
  const counts = new Map<string | number, number>();
  return {
    add(p) {
      const k = keyOf(p);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    },
    remove(p) {
      const k = keyOf(p);
      const c = counts.get(k)! - 1;
      if (c === 0) counts.delete(k);
      else counts.set(k, c);
    },
    value: () => counts.size,
  };
}

function sumMeasure(average: boolean): Measure {
  // Integers (byte counts) sum exactly; fractions are added and taken away in time order, the same
  // order on every run.
  let sum = 0;
  let n = 0;
  return {
    add(p) {
      sum += p.value as number;
      n++;
    },
    remove(p) {
      sum -= p.value as number;
      n--;
    },
    value: () => (average ? sum / n : sum),
  };
}

function percentileMeasure(p: number): Measure {
  const sorted: number[] = [];
  return {
    add(pt) {
      const v = pt.value as number;
      sorted.splice(lowerBound(sorted, v), 0, v);
    },
    remove(pt) {
      sorted.splice(lowerBound(sorted, pt.value as number), 1);
    },
    value: () => nearestRank(sorted, p),
  };
}

/** The points a spec measures, and the measure's running state. */
function prepare(timeline: readonly TimelinePoint[], spec: WindowSpec): [readonly TimelinePoint[], Measure] {
  const measure = spec.measure ?? 'count';
  switch (measure) {
    case 'count':
      return [spec.tag === undefined ? timeline : timeline.filter((p) => p.tag === spec.tag), countMeasure()];
    case 'distinct':
      return [
        timeline.filter((p) => p.value !== undefined && (spec.tag === undefined || p.tag === spec.tag)),
        // A number and its decimal text are different values: the key keeps the type.
        distinctMeasure((p) => (typeof p.value === 'number' ? p.value : `s:${p.value}`)),
      ];
    case 'sum':
    case 'avg':
    case 'percentile': {
      const points = timeline.filter(
        (p) =>
          typeof p.value === 'number' && Number.isFinite(p.value) && (spec.tag === undefined || p.tag === spec.tag),
      );
      return [
        points,
        measure === 'percentile' ? percentileMeasure(spec.percentile ?? 50) : sumMeasure(measure === 'avg'),
      ];
    }
    case 'tags': {
      const wanted = new Set(spec.tags ?? []);
      return [timeline.filter((p) => p.tag !== undefined && wanted.has(p.tag)), distinctMeasure((p) => p.tag!)];
    }
  }
}

/**
 * True when some window satisfies the spec. Windows end at each instant that holds a measured match
 * and reach back `sizeMs` (inclusive); `timeline` is sorted by time.
 */
export function windowReached(timeline: readonly TimelinePoint[], spec: WindowSpec): boolean {
  if (spec.ordered) return orderedReached(timeline, spec);
  const [points, state] = prepare(timeline, spec);
  const size = spec.sizeMs * TICKS_PER_MS;
  let start = 0;
  let end = 0;
  const n = points.length;
  while (end < n) {
    // Every match of this instant enters the window together.
    const at = points[end]!;
    while (end < n && gap(at, points[end]!) === 0) state.add(points[end++]!);
    while (gap(points[start]!, at) > size) state.remove(points[start++]!);
    if (holds(spec, state.value())) return true;
  }
  return false;
}

/**
 * `tags` in order within `sizeMs`: for each prefix of the tags, the latest start of a chain of matches
 * that follows the prefix in order and ends at or before the current instant. Matches at one instant
 * count as in order, so an instant's matches extend the chain tag after tag.
 */
function orderedReached(timeline: readonly TimelinePoint[], spec: WindowSpec): boolean {
  const tags = spec.tags ?? [];
  const k = tags.length;
  if (k === 0) return false;
  const size = spec.sizeMs * TICKS_PER_MS;
  const position = new Map(tags.map((t, i) => [t, i] as const));
  // latest[i]: the start point of the latest-starting chain through tags[0..i], or undefined.
  const latest: (TimelinePoint | undefined)[] = new Array(k).fill(undefined);
  const n = timeline.length;
  let i = 0;
  while (i < n) {
    const at = timeline[i]!;
    const here = new Set<number>();
    while (i < n && gap(at, timeline[i]!) === 0) {
      const pos = timeline[i]!.tag === undefined ? undefined : position.get(timeline[i]!.tag!);
      if (pos !== undefined) here.add(pos);
      i++;
    }
    for (let t = 0; t < k; t++) {
      if (!here.has(t)) continue;
      const from = t === 0 ? at : latest[t - 1];
      if (from === undefined) continue;
      const cur = latest[t];
      if (cur === undefined || gap(cur, from) > 0) latest[t] = from;
    }
    const first = latest[k - 1];
    if (here.has(k - 1) && first !== undefined && gap(first, at) <= size) return true;
  }
  return false;
}
