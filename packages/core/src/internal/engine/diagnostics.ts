/** The run's diagnostics: listed up to a cap (the rest counted), at most a few per failing detector. */
import { type DiagnosticCode, diagnostic } from '../catalog.js';
import type { MdeEvent } from '../model/event.js';
import type { Alert, Diagnostic } from '../report/types.js';
import { type Severity, severityRank } from '../severity.js';

const DIAGNOSTICS_PER_DETECTOR = 50;
const DIAGNOSTICS_LISTED = 1_000;

/** What a failure is charged to: a detector's runtime, or a family's when its `matchAll` itself fails. */
export interface FailureOwner {
  readonly id: string;
  failures: number;
}

/** Records a detector's failure (a throw, a malformed answer) as a diagnostic naming it and the event. */
export type DetectorFailed = (rt: FailureOwner, code: DiagnosticCode, message: string, event?: MdeEvent) => void;

/** Collects a run's diagnostics; each one is handed to `emit` as soon as it happens. */
export class Diagnostics {
  readonly #list: Diagnostic[] = [];
  #dropped = 0;

  constructor(private readonly emit: (d: Diagnostic) => void) {}

  /** Add a diagnostic: listed while under the cap, counted beyond it; emitted either way. */
  add(d: Diagnostic): void {
    if (this.#list.length < DIAGNOSTICS_LISTED) this.#list.push(d);
    else this.#dropped++;
    this.emit(d);
  }

  /** Add a diagnostic that is listed whatever the cap (a missing input is never hidden behind detector noise). */
  addListed(d: Diagnostic): void {
    this.#list.push(d);
  }

  /** A detector failed: the first failures are listed with the event's source, the rest only counted. */
  readonly detectorFailed: DetectorFailed = (rt, code, message, event) => {
    rt.failures++;
    if (rt.failures > DIAGNOSTICS_PER_DETECTOR) return;
    const d = diagnostic(code, {
      message:
        rt.failures === DIAGNOSTICS_PER_DETECTOR
          ? `${message} (further failures of this detector are counted, not listed)`
          : message,
      detectorId: rt.id,
      ...(event
        ? {
            source: event.source.source,
            ...(event.source.line !== undefined ? { line: event.source.line } : {}),
            ...(event.source.record !== undefined ? { record: event.source.record } : {}),
            ...(event.reportId !== undefined ? { reportId: event.reportId } : {}),
          }
        : {}),
    });
    this.add(d);
  };

  /** The list, closed with a count of the diagnostics beyond the cap (not emitted: it is no event). */
  close(): readonly Diagnostic[] {
    if (this.#dropped) {
      this.#list.push(
        diagnostic('diagnostics-truncated', {
          message: `${this.#dropped} further diagnostics not listed`,
        }),
      );
      this.#dropped = 0;
    }
    return this.#list;
  }
}

/** The alerts at or above `min`; those below are counted in a diagnostic. */
export function aboveMinSeverity(min: Severity | undefined, diagnostics: Diagnostics, alerts: Alert[]): Alert[] {
  if (!min) return alerts;
  const kept = alerts.filter((a) => severityRank(a.severity) >= severityRank(min));
  const below = alerts.length - kept.length;
  if (below) {
    diagnostics.add(
      diagnostic('alerts-below-min-severity', { message: `${below} alert(s) below ${min} not reported` }),
    );
  }
  return kept;
}

/** What a run's counts say that no single event did: duplicates, late events, rejected rows beyond the list. */
export function closingDiagnostics(
  diagnostics: Diagnostics,
  run: { duplicates: number; late: Diagnostic | undefined; rejected: number; listed: number },
): void {
  if (run.duplicates) {
    diagnostics.add(
      diagnostic('duplicate-events', {
        message: `${run.duplicates} row(s) repeated an earlier row (same table, DeviceId, Timestamp and ReportId): counted as analysed, not alerted twice`,
      }),
    );
  }
  if (run.late) diagnostics.add(run.late);
  if (run.rejected > run.listed) {
    diagnostics.add(
      diagnostic('rejected-list-truncated', {
        message: `${run.rejected} rows were rejected; the first ${run.listed} are listed`,
      }),
    );
  }
}
