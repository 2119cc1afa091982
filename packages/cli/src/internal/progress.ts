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

/**
 * One progress line: `events.ndjson [██████░░░░] 45% 12.3/27.1 MB · 120,345 events (12 rejected) · 48,000/s · ETA 0:03`.
 * Parts are dropped from the right, then the name shortened, so the line fits `columns - 1`
 * (writing the last column makes some terminals wrap).
 */
export function formatProgress(state: ProgressState, columns: number): string {
  const seconds = state.elapsedMs / 1000;
  const rate = seconds > 0.05 ? state.rowsRead / seconds : 0;
  const known = state.totalBytes !== undefined && state.totalBytes > 0;
  const fraction = known ? Math.min(1, state.bytesRead / (state.totalBytes as number)) : 0;
  const parts: string[] = [];
  if (known) {
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`);
    parts.push(`${formatBytes(state.bytesRead)} / ${formatBytes(state.totalBytes as number)}`);
  } else {
    parts.push(formatBytes(state.bytesRead));
  }
  parts.push(
    `${formatCount(state.rowsRead)} events${state.eventsRejected ? ` (${formatCount(state.eventsRejected)} rejected)` : ''}`,
  );
  if (rate > 0) parts.push(`${formatCount(rate)}/s`);
  if (known && fraction > 0 && fraction < 1 && seconds > 0.5) {
    const remaining = (seconds / fraction) * (1 - fraction);
    parts.push(`ETA ${formatClock(remaining)}`);
  }
  const width = Math.max(20, columns - 1);
  let name = terminalText(state.source, 40);
  let line = `${name}  ${parts.join(' · ')}`;
  while (line.length > width && parts.length > 1) {
    parts.pop();
    line = `${name}  ${parts.join(' · ')}`;
  }
  if (line.length > width) {
    const room = Math.max(1, width - (line.length - name.length) - 1);
    name = `…${name.slice(-room)}`;
    line = `${name}  ${parts.join(' · ')}`;
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
