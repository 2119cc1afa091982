/**
 * `@tripline/kql`: tripline's detections (Sigma rules, rule files, hand-written detectors that declare
 * a query) exported as Kusto queries for Defender advanced hunting, Defender custom detections and
 * Microsoft Sentinel analytic rules, each checked offline by Microsoft's Kusto language service.
 */

// check
export * from './check/index.js';
// emit
export { exportSigma, exportSigmaRule } from './emit/index.js';
export * from './ir.js';
