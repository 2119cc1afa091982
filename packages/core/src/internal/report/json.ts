import { type JsonReport, REPORT_SCHEMA_VERSION } from './schema.js';
import type { AnalysisResult } from './types.js';

export { type JsonReport, REPORT_SCHEMA_VERSION };

/**
 * The canonical JSON report of a result (PRODUCT.md's contract). Keys come in a fixed order, so the
 * same input gives the same bytes; `generatedAt` is the only field that varies, and callers can fix it.
 */
export function toJsonReport(result: AnalysisResult): JsonReport {
  const s = result.summary;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'tripline', version: result.tool.version },
    generatedAt: result.generatedAt,
    summary: {
      eventsRead: s.eventsRead,
      eventsAnalyzed: s.eventsAnalyzed,
      eventsRejected: s.eventsRejected,
      duplicateEvents: s.duplicateEvents,
      alertCount: s.alertCount,
      highestSeverity: s.highestSeverity,
      bySeverity: {
        critical: s.bySeverity.critical,
        high: s.bySeverity.high,
        medium: s.bySeverity.medium,
        low: s.bySeverity.low,
        informational: s.bySeverity.informational,
      },
      devices: s.devices,
      timeRange: s.timeRange ? { start: s.timeRange.start, end: s.timeRange.end } : null,
      byTable: { ...s.byTable },
    },
    alerts: result.alerts.map((a) => ({
      id: a.id,
      detectorId: a.detectorId,
      title: a.title,
      severity: a.severity,
      category: a.category,
      mitre: a.mitre.map((m) => ({ id: m.id, name: m.name })),
      description: a.description,
      riskAssessment: a.riskAssessment,
      device: { id: a.device.id, name: a.device.name },
      firstSeen: a.firstSeen,
      lastSeen: a.lastSeen,
      evidence: {
        eventCount: a.evidence.eventCount,
        keyComponents: Object.fromEntries(
          Object.entries(a.evidence.keyComponents).map(([k, v]) => [k, typeof v === 'string' ? v : [...v]]),
        ),
        events: a.evidence.events.map((e) => ({
          table: e.table,
          timestamp: e.timestamp,
          ...(e.actionType !== undefined ? { actionType: e.actionType } : {}),
          ...(e.reportId !== undefined ? { reportId: e.reportId } : {}),
          source: { ...e.source },
          fields: { ...e.fields },
        })),
      },
      ...(a.relatedAlerts.length ? { relatedAlerts: [...a.relatedAlerts] } : {}),
    })),
    rejected: result.rejected.map((r) => ({
      source: r.source,
      ...(r.line !== undefined ? { line: r.line } : {}),
      ...(r.record !== undefined ? { record: r.record } : {}),
      code: r.code,
      reason: r.reason,
    })),
    diagnostics: result.diagnostics.map((d) => ({ ...d })),
  };
}

/** The JSON report as text: 2-space indent, trailing newline. Integers are never widened (ReportIds are strings). */
export function stringifyReport(result: AnalysisResult): string {
  return `${JSON.stringify(toJsonReport(result), null, 2)}\n`;
}
