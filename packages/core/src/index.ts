/**
 * @packageDocumentation
 * `@tripline/core`: the Defender event model, ingestion of every export format, the detector plugin
 * API, the streaming analysis engine and the canonical JSON report.
 */
export { ATTACK_VERSION, isKnownTechnique, techniqueName, techniqueUrl } from './internal/attack/index.js';
export {
  CODE_CATALOG,
  type CodeInfo,
  type CodeKind,
  codesOfKind,
  type DiagnosticCode,
  type DiagnosticLevel,
  diagnostic,
  isCatalogCode,
  type TriplineCode,
} from './internal/catalog.js';
export { DETECTOR_ID_RE, defineDetector, templatePlaceholders, validateDetector } from './internal/detector/define.js';
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
  Match,
  MessageTemplates,
  Rendered,
  RenderHook,
  StateMatch,
  TimelinePoint,
  WindowSpec,
} from './internal/detector/types.js';
export { Analyzer, type AnalyzerEvents, analyze, analyzeEvents, createAnalyzer } from './internal/engine/analyze.js';
export { runConfigSchema, validateRunConfig } from './internal/engine/config.js';
export type {
  AllowlistEntry,
  AnalyzeOptions,
  DetectorConfig,
  EvidenceOptions,
  RunConfig,
} from './internal/engine/types.js';
export { ERROR_CODES, type ErrorCode, isTriplineError, TriplineError } from './internal/errors.js';
export { detectFormat, fromFile, fromIterable, fromStream, fromString, ingest } from './internal/ingest/index.js';
export {
  INPUT_FORMATS,
  type IngestNotice,
  type IngestOptions,
  type IngestProgress,
  type IngestSink,
  type IngestStats,
  type InputFormat,
  type InputSource,
  type LocalTimeStats,
  type RejectedRow,
} from './internal/ingest/types.js';
export { hasUnsafeNumber, parseJsonExact } from './internal/json/exact.js';
export {
  type FieldValue,
  type JsonValue,
  MdeEvent,
  type PosixAccount,
  type PosixGroup,
  type PosixInfo,
  type PosixProcess,
  parseJsonColumn,
  type SourceRef,
} from './internal/model/event.js';
export {
  isRowProblem,
  type NullSpellings,
  normalizeRow,
  type RejectCode,
  type RowProblem,
} from './internal/model/normalize.js';
export { tableSchema, tableSchemas } from './internal/model/schemas.js';
export {
  type ColumnSpec,
  type ColumnType,
  isTableName,
  TABLE_COLUMNS,
  TABLE_NAMES,
  type TableName,
} from './internal/model/tables.js';
export { canonicalTimeZone, compareInstants, type ParsedTime, parseTimestamp } from './internal/model/time.js';
export { type JsonReport, REPORT_SCHEMA_VERSION, stringifyReport, toJsonReport } from './internal/report/json.js';
export { reportJsonSchema } from './internal/report/schema.js';
export type {
  Alert,
  AnalysisResult,
  DetectorInfo,
  DeviceSummary,
  Diagnostic,
  EvidenceEvent,
  MitreRef,
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
  ruleFiles,
  ruleFixtureFiles,
  ruleJsonSchema,
  ruleToDetector,
} from './internal/rules/index.js';
export {
  compareSeverity,
  isSeverity,
  maxSeverity,
  SEVERITIES,
  type Severity,
  severityRank,
} from './internal/severity.js';
export { VERSION } from './internal/version.js';
