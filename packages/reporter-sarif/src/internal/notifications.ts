import type { Alert, AnalysisResult, Diagnostic, Severity } from '@tripline/core';
import type * as Sarif from 'sarif';
import { SEVERITIES_DESC } from './severity.js';
import { cleanText, sarifText, sentence } from './text.js';

// The log's notifications: rejected rows, diagnostics, failed inputs and the cut.

/** Notification descriptors, in `tool.driver.notifications` order. */
const NOTIFICATIONS = [
  {
    id: 'tripline/input-rejected',
    name: 'InputRejected',
    short: 'An input row could not be analysed.',
    full: 'A row of the input was rejected (malformed, unknown table, missing required columns); the notification names its source, line or record, and the reason.',
    level: 'warning',
    help: 'Fix or remove the row and run the analysis again; the JSON report lists every rejected row.',
  },
  {
    id: 'tripline/diagnostic',
    name: 'AnalysisDiagnostic',
    short: 'The analysis reported a problem.',
    full: 'A diagnostic of the analysis engine or of a detector (for example a detector that threw on an event, or a list that was capped).',
    level: 'warning',
    help: "An error from a detector means some events were not checked by it: report it to the detector's authors. Warnings and notes are informational.",
  },
  {
    id: 'tripline/results-cut',
    name: 'ResultsCut',
    short: 'Alerts were left out to stay within upload limits.',
    full: 'The SARIF log would have exceeded the configured limits (GitHub code scanning: 25,000 results per run, 10 MB gzip-compressed), so the lowest-severity alerts were left out; the notification says how many, of which severities.',
    level: 'warning',
    help: 'Raise the minimum severity (--min-severity) or split the input so that each upload stays within the limits; the JSON and Markdown reports always list every alert.',
  },
  {
    id: 'tripline/notifications-cut',
    name: 'NotificationsCut',
    short: 'Some notifications were counted but not listed.',
    full: 'More rejected rows or diagnostics than the configured maximum; the rest are counted in this notification.',
    level: 'note',
    help: 'The JSON report lists every rejected row and diagnostic.',
  },
] as const;
const N_REJECTED = 0;
const N_DIAGNOSTIC = 1;
const N_CUT = 2;
const N_NOTIFICATIONS_CUT = 3;

export function notificationDescriptors(): Sarif.ReportingDescriptor[] {
  return NOTIFICATIONS.map((n) => ({
    id: n.id,
    name: n.name,
    shortDescription: { text: n.short },
    fullDescription: { text: n.full },
    help: { text: n.help },
    defaultConfiguration: { level: n.level },
  }));
}

function notification(
  which: number,
  level: NonNullable<Sarif.Result['level']>,
  text: string,
  properties?: Record<string, unknown>,
  associatedRule?: { id: string; index: number },
): Sarif.Notification {
  return {
    level,
    message: { text: sentence(text) },
    descriptor: { id: NOTIFICATIONS[which]!.id, index: which },
    ...(associatedRule ? { associatedRule } : {}),
    ...(properties ? { properties } : {}),
  };
}

function where(row: { source?: string | undefined; line?: number | undefined; record?: number | undefined }): string {
  const src = row.source !== undefined ? sarifText(row.source, { max: 200 }) : 'input';
  return `${src}${row.line !== undefined ? ` line ${row.line}` : ''}${row.record !== undefined ? ` record ${row.record}` : ''}`;
}

function rejectedNotification(row: AnalysisResult['rejected'][number]): Sarif.Notification {
  return notification(
    N_REJECTED,
    'warning',
    `Input row rejected (${sarifText(row.code, { max: 60 })}) at ${where(row)}: ${sarifText(row.reason, { max: 300 })}`,
    {
      source: cleanText(row.source, { max: 200 }),
      ...(row.line !== undefined ? { line: row.line } : {}),
      ...(row.record !== undefined ? { record: row.record } : {}),
      code: cleanText(row.code, { max: 60 }),
    },
  );
}

const DIAGNOSTIC_LEVEL: Readonly<Record<Diagnostic['level'], NonNullable<Sarif.Result['level']>>> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

function diagnosticNotification(d: Diagnostic, ruleIndex: ReadonlyMap<string, number>): Sarif.Notification {
  const detector = d.detectorId !== undefined ? ` in detector ${sarifText(d.detectorId, { max: 120 })}` : '';
  const at = d.source !== undefined || d.line !== undefined || d.record !== undefined ? ` at ${where(d)}` : '';
  const text = `${sarifText(d.code, { max: 80 })}${detector}${at}: ${sarifText(d.message, { max: 500 })}`;
  const idx = d.detectorId !== undefined ? ruleIndex.get(d.detectorId) : undefined;
  return notification(
    N_DIAGNOSTIC,
    DIAGNOSTIC_LEVEL[d.level] ?? 'warning',
    text,
    {
      code: cleanText(d.code, { max: 80 }),
      ...(d.detectorId !== undefined ? { detectorId: cleanText(d.detectorId, { max: 120 }) } : {}),
      ...(d.source !== undefined ? { source: cleanText(d.source, { max: 200 }) } : {}),
      ...(d.line !== undefined ? { line: d.line } : {}),
      ...(d.record !== undefined ? { record: d.record } : {}),
      ...(d.reportId !== undefined ? { reportId: cleanText(d.reportId, { max: 40 }) } : {}),
    },
    idx !== undefined && d.detectorId !== undefined ? { id: d.detectorId, index: idx } : undefined,
  );
}

/** Rejected rows and diagnostics as notifications, listing at most `max` one by one. */
export function inputNotifications(
  result: AnalysisResult,
  ruleIndex: ReadonlyMap<string, number>,
  max: number,
): Sarif.Notification[] {
  const out: Sarif.Notification[] = [];
  const { eventsRejected, eventsRead } = result.summary;
  if (eventsRejected > 0) {
    out.push(
      notification(
        N_REJECTED,
        'warning',
        `${eventsRejected} of ${eventsRead} input rows were rejected and not analysed; ${result.rejected.length} are listed in the analysis result`,
        {
          eventsRead,
          eventsRejected,
          listed: result.rejected.length,
        },
      ),
    );
  }
  const items: Sarif.Notification[] = [
    ...result.rejected.map(rejectedNotification),
    ...result.diagnostics.map((d) => diagnosticNotification(d, ruleIndex)),
  ];
  out.push(...items.slice(0, max));
  if (items.length > max) {
    const rejected = Math.max(0, result.rejected.length - Math.min(max, result.rejected.length));
    const diagnostics = items.length - max - rejected;
    out.push(
      notification(
        N_NOTIFICATIONS_CUT,
        'note',
        `${items.length - max} more notifications are not listed (${rejected} rejected rows, ${diagnostics} diagnostics); see the JSON report`,
        {
          notListed: items.length - max,
          rejectedNotListed: rejected,
          diagnosticsNotListed: diagnostics,
        },
      ),
    );
  }
  return out;
}

/** The notification that says which alerts the cut left out, counted by severity. */
export function cutNotification(
  dropped: readonly Alert[],
  kept: number,
  total: number,
  reason: string,
): Sarif.Notification {
  const bySeverity: Partial<Record<Severity, number>> = {};
  for (const a of dropped) bySeverity[a.severity] = (bySeverity[a.severity] ?? 0) + 1;
  const counts = SEVERITIES_DESC.filter((s) => bySeverity[s]).map((s) => `${bySeverity[s]} ${s}`);
  return notification(
    N_CUT,
    'warning',
    `${dropped.length} of ${total} alerts were left out of this SARIF log (${reason}); the ${kept} kept are the highest severity, then earliest. Left out: ${counts.join(', ')}. The JSON and Markdown reports list every alert`,
    {
      reason,
      total,
      kept,
      dropped: dropped.length,
      droppedBySeverity: bySeverity,
      droppedAlertIds: dropped.slice(0, 100).map((a) => cleanText(a.id, { max: 200 })),
    },
  );
}
