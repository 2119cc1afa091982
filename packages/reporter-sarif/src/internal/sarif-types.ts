/**
 * The subset of SARIF 2.1.0 (OASIS, errata 01) that this reporter produces. Property names and
 * optionality follow the schema; only what we emit is modelled, so consumers get precise types.
 */

/** A free-form property bag (SARIF §3.8). */
export type SarifPropertyBag = Readonly<Record<string, unknown>>;

/** `message` object: plain text, optionally with `[text](id)` links to related locations. */
export interface SarifMessage {
  readonly text: string;
  /** A key of the rule's `messageStrings` (SARIF §3.11.10). */
  readonly id?: string;
  /** Values of the message string's `{0}`, `{1}` … placeholders (SARIF §3.11.11). */
  readonly arguments?: readonly string[];
}

/** `multiformatMessageString`: rule descriptions and help. */
export interface SarifMultiformatMessage {
  readonly text: string;
  readonly markdown?: string;
}

/** SARIF result / notification levels. */
export type SarifLevel = 'none' | 'note' | 'warning' | 'error';

/** Points at an artifact; `index` refers to `run.artifacts`. */
export interface SarifArtifactLocation {
  readonly uri: string;
  readonly index?: number;
  readonly description?: SarifMessage;
  readonly properties?: SarifPropertyBag;
}

/** A region of an artifact's text, in `run.columnKind` units (UTF-16 code units here). */
export interface SarifRegion {
  readonly startLine: number;
  readonly startColumn?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  readonly snippet?: { readonly text: string };
}

/** A location in an artifact. */
export interface SarifPhysicalLocation {
  readonly artifactLocation: SarifArtifactLocation;
  readonly region: SarifRegion;
  readonly contextRegion?: SarifRegion;
}

/** A named logical place: a device, or a process chain on it. */
export interface SarifLogicalLocation {
  readonly name: string;
  readonly fullyQualifiedName?: string;
  readonly kind?: string;
}

/** `location` object. */
export interface SarifLocation {
  readonly id?: number;
  readonly physicalLocation: SarifPhysicalLocation;
  readonly logicalLocations?: readonly SarifLogicalLocation[];
  readonly message?: SarifMessage;
  readonly properties?: SarifPropertyBag;
}

/** One step of a thread flow (an evidence event in time order). */
export interface SarifThreadFlowLocation {
  readonly executionOrder: number;
  readonly executionTimeUtc?: string;
  readonly importance?: 'important' | 'essential' | 'unimportant';
  readonly location: SarifLocation;
}

/** A code flow: GitHub shows it as the alert's "path". */
export interface SarifCodeFlow {
  readonly message: SarifMessage;
  readonly threadFlows: readonly { readonly locations: readonly SarifThreadFlowLocation[] }[];
}

/** One finding (one tripline alert). */
export interface SarifResult {
  readonly ruleId: string;
  readonly ruleIndex: number;
  readonly level: SarifLevel;
  readonly kind: 'fail';
  readonly message: SarifMessage;
  readonly locations: readonly SarifLocation[];
  readonly relatedLocations?: readonly SarifLocation[];
  readonly codeFlows?: readonly SarifCodeFlow[];
  readonly partialFingerprints: Readonly<Record<string, string>>;
  readonly provenance?: { readonly firstDetectionTimeUtc?: string; readonly lastDetectionTimeUtc?: string };
  readonly properties?: SarifPropertyBag;
}

/** A rule (one per detector) or a notification descriptor. */
export interface SarifReportingDescriptor {
  readonly id: string;
  readonly name?: string;
  readonly shortDescription: SarifMultiformatMessage;
  readonly fullDescription: SarifMultiformatMessage;
  readonly help?: SarifMultiformatMessage;
  readonly helpUri?: string;
  /** Message strings results refer to by `message.id` (SARIF §3.49.11). */
  readonly messageStrings?: Readonly<Record<string, SarifMultiformatMessage>>;
  readonly defaultConfiguration?: { readonly level: SarifLevel };
  readonly properties?: SarifPropertyBag;
}

/** A reference to a reporting descriptor by id and index. */
export interface SarifDescriptorReference {
  readonly id: string;
  readonly index: number;
}

/** A tool execution notification: rejected input, detector diagnostics, the result cut. */
export interface SarifNotification {
  readonly level: SarifLevel;
  readonly message: SarifMessage;
  readonly descriptor: SarifDescriptorReference;
  readonly associatedRule?: SarifDescriptorReference;
  readonly properties?: SarifPropertyBag;
}

/** How the tool ran. */
export interface SarifInvocation {
  readonly executionSuccessful: boolean;
  readonly startTimeUtc?: string;
  readonly endTimeUtc?: string;
  readonly commandLine?: string;
  readonly toolExecutionNotifications?: readonly SarifNotification[];
}

/** An artifact (a per-alert evidence timeline, embedded). */
export interface SarifArtifact {
  readonly location: { readonly uri: string };
  readonly description: SarifMessage;
  readonly mimeType: string;
  readonly roles: readonly string[];
  readonly length: number;
  readonly contents: { readonly text: string };
}

/** The tool component that produced the run. */
export interface SarifToolComponent {
  readonly name: string;
  readonly fullName?: string;
  readonly semanticVersion: string;
  readonly informationUri: string;
  readonly rules: readonly SarifReportingDescriptor[];
  readonly notifications?: readonly SarifReportingDescriptor[];
}

/** One analysis run. */
export interface SarifRun {
  readonly tool: { readonly driver: SarifToolComponent };
  readonly automationDetails?: { readonly id: string };
  readonly invocations: readonly SarifInvocation[];
  readonly artifacts?: readonly SarifArtifact[];
  readonly results: readonly SarifResult[];
  readonly columnKind: 'utf16CodeUnits';
  readonly properties?: SarifPropertyBag;
}

/** A SARIF 2.1.0 log. */
export interface SarifLog {
  readonly $schema: string;
  readonly version: '2.1.0';
  readonly runs: readonly SarifRun[];
}
