import { type CliIo, columnsOf } from './io.js';
import { formatBytes, formatClock, formatCount, terminalText } from './text.js';

/** What the progress line shows. Byte figures are for the whole run (all inputs). */
export interface ProgressState {
  /** The input being read. */
  readonly source: string;
  /** Bytes read so far, all inputs. */
  readonly bytesRead: number;
  /** Total bytes of all inputs, when every input has a known size (files, not stdin). */
  readonly totalBytes?: number;
  /** Rows read so far (analysed + rejected), all inputs. */
  readonly rowsRead: number;
  readonly eventsRejected: number;
  /** Milliseconds since the run started. */
  readonly elapsedMs: number;
}

const BAR_WIDTH = 20;

/** The file name without its folders: the line has little room, and the full path is in the report. */
function displayName(source: string): string {
  const base = source.split(/[\\/]/).filter(Boolean).pop() ?? source;
  return terminalText(base, 32);
}

/**
 * One progress line: `events.ndjson  [██████░░░░]  45% · 12.3 MB / 27.1 MB · 120,345 events (12 rejected) · 48,000/s · ETA 0:03`.
 * When the terminal is narrow, the bar graphic goes first, then the rate, then the ETA, then the
 * name is shortened, so the line fits `columns - 1` (writing the last column makes some terminals wrap).
 */
export function formatProgress(state: ProgressState, columns: number): string {
  const seconds = state.elapsedMs / 1000;
  const rate = seconds > 0.05 ? state.rowsRead / seconds : 0;
  const known = state.totalBytes !== undefined && state.totalBytes > 0;
  const fraction = known ? Math.min(1, state.bytesRead / (state.totalBytes as number)) : 0;
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = known ? `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ` : undefined;
  const percent = known ? `${String(Math.floor(fraction * 100)).padStart(3)}%` : undefined;
  const bytes = known
    ? `${formatBytes(state.bytesRead)} / ${formatBytes(state.totalBytes as number)}`
    : formatBytes(state.bytesRead);
  const events = `${formatCount(state.rowsRead)} events${state.eventsRejected ? ` (${formatCount(state.eventsRejected)} rejected)` : ''}`;
  const rateText = rate > 0 ? `${formatCount(rate)}/s` : undefined;
  const eta =
    known && fraction > 0 && fraction < 1 && seconds > 0.5
      ? `ETA ${formatClock((seconds / fraction) * (1 - fraction))}`
      : undefined;

  const width = Math.max(20, columns - 1);
  let name = displayName(state.source);
  const compose = (withBar: boolean, withRate: boolean, withEta: boolean): string => {
    const head = `${name}  ${withBar && bar ? bar : ''}${percent ?? ''}`.trimEnd();
    const tail = [bytes, events, withRate ? rateText : undefined, withEta ? eta : undefined].filter(
      (x) => x !== undefined,
    );
    return `${head}${percent ? ' · ' : '  '}${tail.join(' · ')}`;
  };
  let line = compose(true, true, true);
  if (line.length > width) line = compose(false, true, true);
  if (line.length > width) line = compose(false, false, true);
  if (line.length > width) line = compose(false, false, false);
  if (line.length > width) {
    const room = Math.max(1, name.length - (line.length - width) - 1);
    name = `…${name.slice(-room)}`;
    line = compose(false, false, false);
  }
  return line.length > width ? line.slice(0, width) : line;
}

/** Clear the current terminal line: carriage return, erase to end of line. */
const CLEAR_LINE = '\r\u001b[K';

/**
 * A single redrawn status line on a terminal. Redraws at most every `intervalMs` (10×/s by default)
 * and erases itself on {@link clear}, leaving the terminal as it was.
 */
export class ProgressLine {
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly stream: CliIo['stderr'],
    private readonly now: () => number,
    private readonly intervalMs = 100,
  ) {}

  /** Offer a new state; drawn only if the last draw is old enough. */
  update(state: ProgressState): void {
    const t = this.now();
    if (t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    this.drawn = true;
    this.stream.write(`${CLEAR_LINE}${formatProgress(state, columnsOf(this.stream))}`);
  }

  /** Erase the line, if one was drawn. */
  clear(): void {
    if (!this.drawn) return;
    this.drawn = false;
    this.stream.write(CLEAR_LINE);
  }
}
