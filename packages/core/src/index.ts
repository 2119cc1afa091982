/**
 * @packageDocumentation
 * `@tripline/core`: the Defender event model, ingestion of every export format, the detector plugin
 * API, the streaming analysis engine and the canonical JSON report.
 *
 * Everything exported here is the stable API: it changes only as the changelog says, with a changeset.
 * The building blocks the other tripline packages share (the row normaliser, the timestamp parser, the
 * exact JSON parser, …) are on `@tripline/core/unstable`, which may change in any release.
 */
export { ATTACK_VERSION, isKnownTechnique, techniqueName, techniqueUrl } from './internal/attack/index.js';
export {
  CODE_CATALOG,
  type CodeInfo,
  type CodeKind,
  type DiagnosticCode,
  type DiagnosticLevel,
  type TriplineCode,
} from './internal/catalog.js';
export { defineDetector } from './internal/detector/define.js';
export {
  type DetectorFamily,
  type DetectorOrFamily,
  defineDetectorFamily,
  isDetectorFamily,
} from './internal/detector/family.js';
export type {
  AlertGroup,
  AlertSummary,
  AnyDetector,
  Combine,
  Combined,
  CombinedEvidence,
  CorrelationInput,
  CorrelationMatch,
  Detector,
  DetectorContext,
  DetectorMeta,
  DeviceState,
  EvidenceDecl,
  EvidenceField,
  EvidenceValue,
  KqlDeclaration,
  Match,
  MessageTemplates,
  RenderHook,
  StateMatch,
  TimelinePoint,
  WindowComparison,
  WindowMeasure,
  WindowSpec,
} from './internal/detector/types.js';
export {
  Analyzer,
  type AnalyzerEvents,
  type AnalyzerProgress,
  createAnalyzer,
  type FinishedResult,
} from './internal/engine/analyze.js';
export { runConfigSchema, validateRunConfig } from './internal/engine/config.js';
export { analyze, analyzeEvents } from './internal/engine/entry.js';
export type {
  AllowlistEntry,
  AnalyzeOptions,
  DetectorConfig,
  EvidenceOptions,
  RunConfig,
  WorkersOptions,
} from './internal/engine/types.js';
export { ERROR_CODES, type ErrorCode, isTriplineError, TriplineError } from './internal/errors.js';
export { fromFile, fromIterable, fromStream, fromString } from './internal/ingest/index.js';
export {
  INPUT_FORMATS,
  type IngestProgress,
  type IngestStats,
  type InputFormat,
  type InputSource,
  type LocalTimeStats,
  type RejectedRow,
} from './internal/ingest/types.js';
export {
  type FieldValue,
  type JsonValue,
  MdeEvent,
  type PosixAccount,
  type PosixGroup,
  type PosixInfo,
  type PosixProcess,
  type SourceRef,
} from './internal/model/event.js';
export type { RejectCode } from './internal/model/normalize.js';
export {
  type ColumnSpec,
  type ColumnType,
  isTableName,
  TABLE_COLUMNS,
  TABLE_NAMES,
  type TableName,
} from './internal/model/tables.js';
export {
  type JsonReport,
  parseJsonReport,
  REPORT_SCHEMA_VERSION,
  stringifyReport,
  toJsonReport,
} from './internal/report/json.js';
export { narrativeSchema, reportJsonSchema } from './internal/report/schema.js';
export {
  type ChunkSink,
  type JsonReportOptions,
  jsonReportChunks,
  type WriteChunksOptions,
  writeChunks,
} from './internal/report/stream.js';
export {
  fillTemplate,
  parseTemplate,
  type TemplatePart,
} from './internal/report/template.js';
export type {
  Alert,
  AnalysisResult,
  DetectorInfo,
  DeviceSummary,
  Diagnostic,
  EvidenceEvent,
  Finding,
  InputSummary,
  MitreRef,
  Narrative,
  NarrativeSentence,
  Summary,
} from './internal/report/types.js';
export {
  LinearRegex,
  type LoadedRule,
  loadRuleFile,
  loadRules,
  parseRule,
  RegexSyntaxError,
  type Rule,
  type RuleInput,
  ruleJsonSchema,
  ruleToDetector,
} from './internal/rules/index.js';
export { compareSeverity, isSeverity, SEVERITIES, type Severity } from './internal/severity.js';
export {
  acknowledge,
  listState,
  type StateAdminOptions,
  type StateListing,
  type SuppressionInput,
  suppress,
  unsuppress,
} from './internal/state/admin.js';
export type { AlertRecord } from './internal/state/alert-record.js';
export type { ChangePayload } from './internal/state/lifecycle.js';
export { memoryStateStore } from './internal/state/memory-store.js';
export { type DeliveryReport, deliver } from './internal/state/outbox.js';
export {
  type AlertChange,
  type AlertChangeKind,
  type LifecyclePolicy,
  type OutboxEntry,
  STATE_NAMESPACES,
  STATE_SCHEMA_VERSION,
  type StateNamespace,
  type StateOptions,
  type StateStore,
  type StateWrite,
  type Suppression,
} from './internal/state/types.js';
export { VERSION } from './internal/version.js';
