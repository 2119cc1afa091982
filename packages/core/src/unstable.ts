/**
 * @packageDocumentation
 * `@tripline/core/unstable`: the building blocks the tripline packages share — the reader of one input
 * (`ingest`), the row normaliser, the timestamp parser, the exact JSON parser, the code catalog's
 * helpers, severity arithmetic.
 *
 * **Unstable: anything here may change or disappear in any release, a patch release included**, and is
 * not listed as a breaking change. Import from `@tripline/core` (stable) when it has what you need; if
 * you rely on a name from here, pin the exact version of `@tripline/core`.
 */
export { codesOfKind, diagnostic, isCatalogCode } from './internal/catalog.js';
export { DETECTOR_ID_RE } from './internal/detector/define.js';
export { flattenDetectors } from './internal/engine/detectors.js';
export { detectFormat, ingest } from './internal/ingest/index.js';
export type { IngestNotice, IngestOptions, IngestSink } from './internal/ingest/types.js';
export { hasUnsafeNumber, parseJsonExact } from './internal/json/exact.js';
export { parseJsonColumn } from './internal/model/event.js';
export { isRowProblem, type NullSpellings, normalizeRow, type RowProblem } from './internal/model/normalize.js';
export { tableSchema, tableSchemas } from './internal/model/schemas.js';
export { canonicalTimeZone, compareInstants, type ParsedTime, parseTimestamp } from './internal/model/time.js';
export { ShardedAnalyzer, type ShardPort } from './internal/parallel/main.js';
export { mergeShardResults, type ShardRun } from './internal/parallel/merge.js';
export { inThreadShard } from './internal/parallel/shards.js';
export { serveShard } from './internal/parallel/worker.js';
export { findingId, fleetFindings } from './internal/report/findings.js';
export { templatePlaceholders } from './internal/report/template.js';
export { ruleFiles, ruleFixtureFiles } from './internal/rules/load.js';
export { maxSeverity, severityRank } from './internal/severity.js';
export {
  type CheckedWrite,
  checkKey,
  checkNamespace,
  checkOutboxKeys,
  checkSchemaVersion,
  checkWrite,
  compareKeys,
  copyJsonValue,
  isStateNamespace,
  isWellFormed,
  MAX_STATE_DEPTH,
  notOpen,
  stateLocked,
  stateUnreadable,
} from './internal/state/checks.js';
export { ENGINE_STATE_VERSION, engineStateWrite } from './internal/state/engine-state.js';
