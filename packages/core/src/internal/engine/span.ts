import { compareInstants, parseTimestamp } from '../model/time.js';

/** Set in {@link TimeSpan.add}'s answer when the event is now the first of the span. */
export const FIRST = 1;
/** Set in {@link TimeSpan.add}'s answer when the event is now the last of the span. */
export const LAST = 2;

/**
 * The first and the last instant of a set of events, with their `Timestamp` text as written. On a
 * tie, the earlier row stays first and the later row becomes last (the newest row wins).
 */
export class TimeSpan {
  firstMs = Number.POSITIVE_INFINITY;
  firstTicks = 0;
  /** `Timestamp` of the first event; '' while the span is empty. */
  first = '';
  lastMs = Number.NEGATIVE_INFINITY;
  lastTicks = 0;
  /** `Timestamp` of the last event; '' while the span is empty. */
  last = '';

  /** Widen the span to `event`; the answer has {@link FIRST} and/or {@link LAST} set when it moved. */
  add(event: { readonly time: number; readonly ticks: number; readonly timestamp: string }): number {
    let moved = 0;
    if (compareInstants(event.time, event.ticks, this.firstMs, this.firstTicks) < 0) {
      this.firstMs = event.time;
      this.firstTicks = event.ticks;
      this.first = event.timestamp;
      moved |= FIRST;
    }
    if (compareInstants(event.time, event.ticks, this.lastMs, this.lastTicks) >= 0) {
      this.lastMs = event.time;
      this.lastTicks = event.ticks;
      this.last = event.timestamp;
      moved |= LAST;
    }
    return moved;
  }

  /** The span as saved state: `[first, last]` (`''` both while empty). */
  save(): [string, string] {
    return [this.first, this.last];
  }

  /** Set the span from {@link save}'s answer (the instants are read back from the canonical texts). */
  restore([first, last]: readonly [string, string]): void {
    const f = first === '' ? undefined : parseTimestamp(first);
    const l = last === '' ? undefined : parseTimestamp(last);
    if (f) {
      this.firstMs = f.ms;
      this.firstTicks = f.ticks;
      this.first = first;
    }
    if (l) {
      this.lastMs = l.ms;
      this.lastTicks = l.ticks;
      this.last = last;
    }
  }
}
