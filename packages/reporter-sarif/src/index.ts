/**
 * @packageDocumentation
 * `@tripline/reporter-sarif`: tripline analysis results as SARIF 2.1.0 for GitHub code scanning,
 * Azure DevOps and VS Code. One rule per detector, one result per alert, each alert's evidence
 * embedded as a per-device, per-alert timeline that viewers can open. See `docs/sarif.md`.
 */
export type {
  SarifArtifact,
  SarifArtifactLocation,
  SarifCodeFlow,
  SarifDescriptorReference,
  SarifInvocation,
  SarifLevel,
  SarifLocation,
  SarifLog,
  SarifLogicalLocation,
  SarifMessage,
  SarifMultiformatMessage,
  SarifNotification,
  SarifPhysicalLocation,
  SarifPropertyBag,
  SarifRegion,
  SarifReportingDescriptor,
  SarifResult,
  SarifRun,
  SarifThreadFlowLocation,
  SarifToolComponent,
} from './internal/sarif-types.js';
export { SEVERITY_MAP } from './internal/severity.js';
export { stringifySarif } from './internal/stringify.js';
export {
  DEFAULT_INFORMATION_URI,
  GITHUB_LIMITS,
  SARIF_SCHEMA_URI,
  type SarifLimits,
  type SarifOptions,
  type SarifResultCount,
  sarifResultCount,
  toSarif,
} from './internal/to-sarif.js';
