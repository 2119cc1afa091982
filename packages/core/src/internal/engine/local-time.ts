import { diagnostic } from '../catalog.js';
import type { LocalTimeStats } from '../ingest/types.js';
import type { Diagnostic } from '../report/types.js';

/** `1 row holds`, `2 rows hold`. */
const rowsHold = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'row holds' : 'rows hold'}`;

function columnList(stats: LocalTimeStats): string {
  const shown = stats.columns.slice(0, 4).map((c) => JSON.stringify(c.slice(0, 80)));
  const more = stats.columns.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/**
 * What the user must know about the local times of one input: read as UTC for want of a zone (a
 * warning reporters show prominently), converted (info), or in a repeated hour (a warning).
 */
export function localTimeDiagnostics(source: string, stats: LocalTimeStats | undefined): Diagnostic[] {
  if (stats === undefined || stats.rows === 0) return [];
  const out: Diagnostic[] = [];
  if (stats.timezone === undefined) {
    out.push(
      diagnostic('local-time-unconverted', {
        source,
        message: stats.labelled
          ? `${rowsHold(stats.rows)} times in local time (${columnList(stats)}) and no time zone was given: ` +
            'they were read as UTC, unconverted, so every time and time window is off by the export’s UTC offset. ' +
            'Give the time zone of the export (timezone, --timezone on the command line) to convert them.'
          : `${rowsHold(stats.rows)} display dates without a time zone (${columnList(stats)}): they were read as UTC, ` +
            'which is right only if the Defender portal’s time zone setting was UTC when they were exported. ' +
            'If it was local time, give that time zone (timezone, --timezone on the command line) to convert them.',
      }),
    );
  } else {
    out.push(
      diagnostic('local-time-converted', {
        source,
        message: `${rowsHold(stats.rows)} times in local time (${columnList(stats)}): converted to UTC from ${stats.timezone}.`,
      }),
    );
  }
  if (stats.ambiguousRows > 0) {
    out.push(
      diagnostic('local-time-ambiguous', {
        source,
        message:
          `${rowsHold(stats.ambiguousRows)} a local time in the hour repeated when clocks went back in ${stats.timezone}: ` +
          'the export does not say which of the two it was, so each was read as the first (the earlier instant) and may be ' +
          'one hour early. Export in UTC for exact times.',
      }),
    );
  }
  return out;
}
