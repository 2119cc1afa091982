/**
 * @packageDocumentation
 * `@tripline/reporter-sarif`: tripline analysis results as SARIF 2.1.0 for GitHub code scanning,
 * Azure DevOps and VS Code. One rule per detector, one result per alert, each alert's evidence
 * embedded as a per-device, per-alert timeline that viewers can open. See `docs/sarif.md`.
 */
import type * as Sarif from 'sarif';

// The SARIF object model is the community one (`@types/sarif`, SARIF 2.1.0). These names are kept so
// code written against earlier releases still compiles; new code can use `sarif`'s types directly.
/** A SARIF 2.1.0 log (`sarif`'s `Log`). */
export type SarifLog = Sarif.Log;
/** One analysis run. */
export type SarifRun = Sarif.Run;
/** One finding (one tripline alert). */
export type SarifResult = Sarif.Result;
/** A rule (one per detector) or a notification descriptor. */
export type SarifReportingDescriptor = Sarif.ReportingDescriptor;
/** A tool execution notification: rejected input, detector diagnostics, the result cut. */
export type SarifNotification = Sarif.Notification;
/** SARIF result / notification levels. */
export type SarifLevel = NonNullable<Sarif.Result['level']>;
/** An artifact (a per-alert evidence timeline, embedded). */
export type SarifArtifact = Sarif.Artifact;
/** Points at an artifact. */
export type SarifArtifactLocation = Sarif.ArtifactLocation;
/** A location in an artifact, or a logical one. */
export type SarifLocation = Sarif.Location;
/** A location in an artifact. */
export type SarifPhysicalLocation = Sarif.PhysicalLocation;
/** A named logical place: a device, or a process chain on it. */
export type SarifLogicalLocation = Sarif.LogicalLocation;
/** A code flow: GitHub shows it as the alert's "path". */
export type SarifCodeFlow = Sarif.CodeFlow;
/** One step of a thread flow (an evidence event in time order). */
export type SarifThreadFlowLocation = Sarif.ThreadFlowLocation;
/** A `message` object: text, or a message string id with arguments. */
export type SarifMessage = Sarif.Message;
/** A `multiformatMessageString`: rule descriptions, help, message strings. */
export type SarifMultiformatMessage = Sarif.MultiformatMessageString;
/** How the tool ran. */
export type SarifInvocation = Sarif.Invocation;
/** A region of an artifact's text. */
export type SarifRegion = Sarif.Region;
/** A free-form property bag. */
export type SarifPropertyBag = Sarif.PropertyBag;
/** A reference to a reporting descriptor by id and index. */
export type SarifDescriptorReference = Sarif.ReportingDescriptorReference;
/** The tool component that produced the run. */
export type SarifToolComponent = Sarif.ToolComponent;
export {
  DEFAULT_INFORMATION_URI,
  GITHUB_LIMITS,
  SARIF_SCHEMA_URI,
  type SarifLimits,
  type SarifOptions,
} from './internal/options.js';
export { SEVERITY_MAP } from './internal/severity.js';
export { stringifySarif } from './internal/stringify.js';
export {
  renderSarif,
  type SarifResultCount,
  sarifChunks,
  sarifPlannedCount,
  sarifResultCount,
  toSarif,
} from './internal/to-sarif.js';
