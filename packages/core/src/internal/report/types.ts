import type { CODE_CATALOG, DiagnosticCode, DiagnosticLevel, ErrorCode } from '../catalog.js';
import type { MessageTemplates } from '../detector/types.js';
import type { RejectedRow } from '../ingest/types.js';
import type { FieldValue } from '../model/event.js';
import type { TableName } from '../model/tables.js';
import type { Severity } from '../severity.js';

/** An ATT&CK technique reference with its name (from the table core ships). */
export interface MitreRef {
  readonly id: string;
  readonly name: string;
}

/** One evidence event of an alert, as reported. */
export interface EvidenceEvent {
  readonly table: TableName;
  readonly timestamp: string;
  readonly actionType?: string;
  readonly reportId?: string;
  /** Where the row came from. */
  readonly source: { readonly source: string; readonly line?: number; readonly record?: number };
  /** The normalised row (JSON-in-text columns parsed). */
  readonly fields: Readonly<Record<string, FieldValue>>;
}

/** An alert: one detector, one device, one subject, with all its evidence counted and a sample kept. */
export interface Alert {
  /** Stable across runs for the same detector, device and subject. */
  readonly id: string;
  readonly detectorId: string;
  readonly title: string;
  readonly severity: Severity;
  readonly category: string;
  readonly mitre: readonly MitreRef[];
  readonly description: string;
  readonly riskAssessment: string;
  readonly device: { readonly id: string; readonly name: string };
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly evidence: {
    readonly eventCount: number;
    readonly keyComponents: Readonly<Record<string, string | readonly string[]>>;
    readonly events: readonly EvidenceEvent[];
  };
  /** Subject key within the device (what grouped the events). */
  readonly key: string;
  /** Alert ids this alert correlates. */
  readonly relatedAlerts: readonly string[];
  /**
   * The templates and values the texts were made of. Reporters that format text richly (Markdown)
   * use them to put every value from event data in a safe, escaped form.
   */
  readonly message: {
    readonly templates: MessageTemplates;
    readonly values: Readonly<Record<string, string | number>>;
  };
}

/** Something the engine wants the user to know: a detector that threw, a malformed finding, a truncated list. */
export interface Diagnostic {
  /** The level; always the one {@link CODE_CATALOG} gives the code. */
  readonly level: DiagnosticLevel;
  /** What happened; see {@link CODE_CATALOG} and `docs/errors.md`. */
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly detectorId?: string;
  readonly source?: string;
  readonly line?: number;
  readonly record?: number;
  readonly reportId?: string;
}

/** A device seen in the run. */
export interface DeviceSummary {
  readonly id: string;
  readonly name: string;
  readonly eventCount: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly osPlatform?: string;
  readonly publicIp?: string;
  readonly machineGroup?: string;
  readonly alertCount: number;
  readonly highestSeverity: Severity | null;
}

/** Counts of a run. `eventsRead = eventsAnalyzed + eventsRejected`, always. */
export interface Summary {
  readonly eventsRead: number;
  readonly eventsAnalyzed: number;
  readonly eventsRejected: number;
  /** Rows whose `(DeviceId, Timestamp, ReportId)` repeated an earlier row: analysed once, counted here. */
  readonly duplicateEvents: number;
  readonly alertCount: number;
  readonly highestSeverity: Severity | null;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  readonly devices: number;
  readonly timeRange: { readonly start: string; readonly end: string } | null;
  readonly byTable: Readonly<Partial<Record<TableName, number>>>;
}

/** Metadata of a detector that ran, for reporters (SARIF rules, doc links). */
export interface DetectorInfo {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly rationale: string;
  readonly severity: Severity;
  readonly severityNotes?: string;
  readonly category: string;
  readonly mitre: readonly MitreRef[];
  readonly mitreNotes?: string;
  readonly references: readonly string[];
  readonly falsePositives: readonly string[];
  readonly tables: readonly TableName[];
  readonly actionTypes?: readonly string[];
}

/** Everything a run produced. Reporters take this. */
export interface AnalysisResult {
  readonly tool: { readonly name: 'tripline'; readonly version: string };
  readonly generatedAt: string;
  readonly summary: Summary;
  /** Sorted by severity (highest first), then first-seen time, then id. */
  readonly alerts: readonly Alert[];
  /** Rejected rows (the list is capped by `maxRejectedListed`; `summary.eventsRejected` is exact). */
  readonly rejected: readonly RejectedRow[];
  readonly diagnostics: readonly Diagnostic[];
  /** Devices seen, sorted by name then id. */
  readonly devices: readonly DeviceSummary[];
  /** The detectors that ran (enabled ones), sorted by id. */
  readonly detectors: readonly DetectorInfo[];
  /** Inputs read, in order, with their detected format and counts. */
  readonly inputs: readonly {
    readonly source: string;
    readonly format: string;
    readonly rowsRead: number;
    readonly events: number;
    readonly rejected: number;
    /** Set when the input could not be read to its end (its format is then `unknown`). */
    readonly error?: { readonly code: ErrorCode; readonly message: string };
  }[];
}
