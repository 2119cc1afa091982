/**
 * `@tripline/kql`: tripline's detections (Sigma rules, rule files, hand-written detectors that declare
 * a query) exported as Kusto queries for Defender advanced hunting, Defender custom detections and
 * Microsoft Sentinel analytic rules, each checked offline by Microsoft's Kusto language service.
 */

// artefacts
export { detectorSource, exportDetector } from './artefacts/detector.js';
export {
  type ArtefactOptions,
  type ArtefactOutcome,
  artefactBaseName,
  artefactPath,
  artefactsFor,
  attributionLine,
  CUSTOM_DETECTION_COLUMNS,
  CUSTOM_DETECTION_LOOKBACK_MS,
  CUSTOM_DETECTION_PERIODS,
  type CustomDetectionPeriod,
  entityMappings,
  ruleUuid,
  sentinelDuration,
  tacticsOf,
  toArtefacts,
} from './artefacts/index.js';
// check
export * from './check/index.js';
// emit
export { exportRuleFile, exportSigma, exportSigmaCorrelation, exportSigmaRule } from './emit/index.js';
export * from './ir.js';
