/**
 * `@tripline/sigma`: Sigma 2.1 rules on Microsoft Defender for Endpoint advanced-hunting rows.
 * @packageDocumentation
 */

export { type CompileOptions, type CompileResult, compileRule, type Placeholders } from './compile.js';
export { ConditionError, parseCondition } from './condition.js';
export {
  type CompiledCorrelations,
  type CorrelationOptions,
  compileCorrelations,
  correlationWindow,
} from './correlation/compile.js';
export {
  attribution,
  type DetectorOptions,
  explanationLine,
  KEY_COLUMNS,
  ruleDetector,
  type SigmaField,
} from './detector.js';
export { createEvalContext, type SigmaEvalContext } from './eval.js';
export { buildFamily } from './family.js';
export * from './ir.js';
export {
  type CompileSigmaOptions,
  type CorrelationCompiler,
  type CorrelationOutput,
  compileSigma,
  type LoadSigmaOptions,
  loadSigma,
  SigmaLoadError,
  type SigmaSelect,
  type SigmaSource,
} from './load.js';
export {
  eventPlatform,
  MDE_MAPPING_VERSION,
  type MdeFieldEntry,
  type MdeMappingOptions,
  type MdeMappingTable,
  type MdePlatform,
  type MdeRefusedField,
  type MdeRoute,
  mdeMapping,
  mdeMappingTable,
  platformAccepts,
  renderMdeMappingDoc,
} from './mapping/index.js';
export { type SigmaOrigin, sigmaOriginOf } from './origin.js';
export { type ParsedDocument, parseSigmaSource, parseTimespan, type SigmaFilter } from './parse.js';
