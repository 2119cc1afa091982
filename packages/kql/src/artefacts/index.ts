/**
 * Artefacts of an exported rule: the files `tripline export kql` writes for each target — an
 * advanced-hunting `.kql` file, a Defender custom detection (the Microsoft Graph `detectionRule` body)
 * and a Microsoft Sentinel scheduled analytic rule (YAML, the shape of Azure/Azure-Sentinel's
 * `Detections/*.yaml`). Pure functions of the rule and the options: the same input gives the same bytes.
 */
import { techniqueName } from '@tripline/core';
import { attribution } from '@tripline/sigma';
import { Document } from 'yaml';
import type { ExportedRule, ExportSource, KqlArtefact, KqlQuery, KqlRefusal, KqlTarget, KqlWarning } from '../ir.js';
import { CUSTOM_DETECTION_COLUMNS, withRequiredColumns } from './columns.js';
import { artefactBaseName, commentText, ruleUuid } from './names.js';
import { tacticsOf } from './tactics.js';

export { CUSTOM_DETECTION_COLUMNS } from './columns.js';
export { artefactBaseName, ruleUuid } from './names.js';
export { tacticsOf } from './tactics.js';

/** How often a Defender custom detection runs (Graph `schedule.period`); `'0'` is near-real-time (continuous). */
export type CustomDetectionPeriod = '0' | '1H' | '3H' | '12H' | '24H';
export const CUSTOM_DETECTION_PERIODS: readonly CustomDetectionPeriod[] = ['0', '1H', '3H', '12H', '24H'];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * How far back each scheduled run of a custom detection reads, per period, as Microsoft Learn's
 * "Create custom detection rules" page gives it (every hour → 4 h, 3 h → 12 h, 12 h → 48 h,
 * 24 h → 30 days). Near-real-time rules look at each event as it arrives: no window.
 */
export const CUSTOM_DETECTION_LOOKBACK_MS: Readonly<Record<Exclude<CustomDetectionPeriod, '0'>, number>> = {
  '1H': 4 * HOUR,
  '3H': 12 * HOUR,
  '12H': 48 * HOUR,
  '24H': 30 * DAY,
};

/** Sentinel's longest query period (14 days). */
const SENTINEL_MAX_PERIOD_MS = 14 * DAY;

/** Options of {@link toArtefacts}. */
export interface ArtefactOptions {
  /**
   * Custom detections: the schedule. Default: the shortest period whose lookback covers the query's
   * window (`1H` for a query without one). `'0'` (near-real-time) is refused for a query over several tables.
   */
  readonly period?: CustomDetectionPeriod;
  /** Custom detections: whether the rule is created enabled (default true). */
  readonly enabled?: boolean;
  /** Sentinel: how often the rule runs, in ms (default one hour; Sentinel accepts 5 minutes to 14 days). */
  readonly frequencyMs?: number;
  /** Sentinel: the rule's `version` (default `1.0.0`). */
  readonly version?: string;
}

/** The artefacts of one rule for one target, or why there are none. */
export type ArtefactOutcome =
  | {
      readonly ok: true;
      readonly source: ExportSource;
      readonly artefacts: readonly KqlArtefact[];
      /** The query's warnings and the target's (a lookback shorter than the window). */
      readonly warnings: readonly KqlWarning[];
    }
  | { readonly ok: false; readonly source: ExportSource; readonly refusals: readonly KqlRefusal[] };

/** The DRL 1.1 attribution line a Sigma rule's artefacts carry (undefined for other rules). */
export function attributionLine(source: ExportSource): string | undefined {
  if (source.kind === 'sigma') return attribution(source.author);
  if (source.kind === 'sigma-correlation')
    return `Sigma correlation by ${source.author?.trim() || 'an unnamed author'}, Detection Rule License 1.1`;
  return undefined;
}

function techniqueLabel(id: string): string {
  const name = techniqueName(id);
  return name === undefined ? id : `${id} ${name}`;
}

/** `1h`, `90m`, `2d`: a duration as Sentinel's YAML writes it (the largest unit that divides it). */
export function sentinelDuration(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

function windowText(ms: number): string {
  return sentinelDuration(ms);
}

// ---------------------------------------------------------------------------------------------------
// advanced hunting

function advancedHunting(source: ExportSource, query: KqlQuery, path: string): KqlArtefact {
  const header = [
    `// ${commentText(source.title)}`,
    `// id: ${commentText(source.id)}`,
    `// severity: ${source.severity}`,
  ];
  if (source.techniques.length > 0)
    header.push(`// ATT&CK: ${commentText(source.techniques.map(techniqueLabel).join(', '))}`);
  if (source.author?.trim()) header.push(`// author: ${commentText(source.author)}`);
  const licence = attributionLine(source);
  if (licence !== undefined) header.push(`// licence: ${commentText(licence)}`);
  if (source.file !== undefined) header.push(`// source: ${commentText(source.file)}`);
  if (query.windowMs !== undefined) header.push(`// window: ${windowText(query.windowMs)}`);
  for (const w of query.warnings) header.push(`// warning ${w.code}: ${commentText(w.message, 2000)}`);
  header.push(`// exported by tripline; tables: ${query.tables.join(', ')}`);
  return { target: 'advanced-hunting', path, content: `${header.join('\n')}\n${query.text}\n`, source };
}

// ---------------------------------------------------------------------------------------------------
// Defender custom detection (Microsoft Graph beta: POST /security/rules/detectionRules)

/** Graph's alertSeverity has no `critical`: tripline's critical is Defender's high. */
function graphSeverity(severity: ExportSource['severity']): string {
  return severity === 'critical' ? 'high' : severity;
}

function choosePeriod(windowMs: number | undefined): Exclude<CustomDetectionPeriod, '0'> {
  if (windowMs === undefined) return '1H';
  for (const p of ['1H', '3H', '12H', '24H'] as const) if (CUSTOM_DETECTION_LOOKBACK_MS[p] >= windowMs) return p;
  return '24H';
}

function description(source: ExportSource): string {
  const parts = [source.description.trim() || source.title];
  const licence = attributionLine(source);
  if (licence !== undefined) parts.push(licence);
  if (source.references.length > 0) parts.push(`References: ${source.references.join(' ')}`);
  parts.push(`Exported by tripline from ${source.id}.`);
  return parts.join('\n\n');
}

function recommendedActions(source: ExportSource): string {
  const fp = source.falsePositives.length ? ` Known false positives: ${source.falsePositives.join('; ')}.` : '';
  return `Review the matching events on the device and the process tree around them.${fp}`;
}

function customDetection(
  source: ExportSource,
  query: KqlQuery,
  path: string,
  options: ArtefactOptions,
): { ok: true; artefact: KqlArtefact; warnings: KqlWarning[] } | { ok: false; refusals: KqlRefusal[] } {
  const period = options.period ?? choosePeriod(query.windowMs);
  if (period === '0' && query.tables.length > 1)
    return {
      ok: false,
      refusals: [
        {
          code: 'nrt-multi-table',
          message: `near-real-time custom detections run over one table; this query reads ${query.tables.join(', ')} (choose a period such as 1H)`,
        },
      ],
    };
  const columns = withRequiredColumns(query, CUSTOM_DETECTION_COLUMNS);
  if (!columns.ok) return { ok: false, refusals: [{ code: 'construct-unsupported', message: columns.message }] };
  const warnings: KqlWarning[] = [];
  if (query.windowMs !== undefined) {
    const lookback = period === '0' ? 0 : CUSTOM_DETECTION_LOOKBACK_MS[period];
    if (lookback < query.windowMs)
      warnings.push({
        code: 'lookback-short',
        message:
          period === '0'
            ? `a near-real-time rule sees each event alone, not the ${windowText(query.windowMs)} window the query counts over`
            : `period ${period} looks back ${windowText(lookback)}, less than the query's ${windowText(query.windowMs)} window`,
      });
  }
  const technique = source.techniques.find((t) => tacticsOf([t]).length > 0);
  const body = {
    displayName: source.title,
    isEnabled: options.enabled ?? true,
    queryCondition: { queryText: columns.text },
    schedule: { period },
    detectionAction: {
      alertTemplate: {
        title: source.title,
        description: description(source),
        severity: graphSeverity(source.severity),
        category: technique === undefined ? 'SuspiciousActivity' : (tacticsOf([technique])[0] ?? 'SuspiciousActivity'),
        recommendedActions: recommendedActions(source),
        mitreTechniques: [...source.techniques],
        impactedAssets: [{ '@odata.type': '#microsoft.graph.security.impactedDeviceAsset', identifier: 'deviceId' }],
      },
      organizationalScope: null,
      responseActions: [],
    },
  };
  return {
    ok: true,
    artefact: { target: 'custom-detection', path, content: `${JSON.stringify(body, null, 2)}\n`, source },
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------------
// Microsoft Sentinel scheduled analytic rule (YAML)

/** Sentinel's severities: Informational, Low, Medium, High (no critical). */
function sentinelSeverity(severity: ExportSource['severity']): string {
  const s = severity === 'critical' ? 'high' : severity;
  return `${s[0]?.toUpperCase()}${s.slice(1)}`;
}

interface EntityMapping {
  readonly entityType: string;
  readonly fieldMappings: readonly { readonly identifier: string; readonly columnName: string }[];
}

/** Entity mappings for the columns the query returns (Host, Account, Process, File, IP). */
export function entityMappings(columns: readonly string[]): EntityMapping[] {
  const has = new Set(columns);
  const out: EntityMapping[] = [];
  const map = (entityType: string, pairs: readonly (readonly [identifier: string, column: string])[]) => {
    const fieldMappings = pairs
      .filter(([, column]) => has.has(column))
      .map(([identifier, columnName]) => ({ identifier, columnName }));
    if (fieldMappings.length > 0) out.push({ entityType, fieldMappings });
  };
  map('Host', [['HostName', 'DeviceName']]);
  if (has.has('AccountName'))
    map('Account', [
      ['Name', 'AccountName'],
      ['NTDomain', 'AccountDomain'],
    ]);
  map('Process', [
    ['CommandLine', 'ProcessCommandLine'],
    ['ProcessId', 'ProcessId'],
  ]);
  if (has.has('FileName'))
    map('File', [
      ['Name', 'FileName'],
      ['Directory', 'FolderPath'],
    ]);
  map('IP', [['Address', 'RemoteIP']]);
  map('IP', [['Address', 'LocalIP']]);
  return out;
}

function sentinel(
  source: ExportSource,
  query: KqlQuery,
  path: string,
  options: ArtefactOptions,
): { artefact: KqlArtefact; warnings: KqlWarning[] } {
  const frequency = options.frequencyMs ?? HOUR;
  const warnings: KqlWarning[] = [];
  let period = Math.max(frequency, query.windowMs ?? 0);
  if (period > SENTINEL_MAX_PERIOD_MS) {
    warnings.push({
      code: 'lookback-short',
      message: `Sentinel queries look back at most 14d, less than the query's ${windowText(period)} window`,
    });
    period = SENTINEL_MAX_PERIOD_MS;
  }
  const rule = {
    id: ruleUuid(source.id),
    name: source.title,
    description: description(source),
    severity: sentinelSeverity(source.severity),
    requiredDataConnectors: [{ connectorId: 'MicrosoftThreatProtection', dataTypes: [...query.tables] }],
    queryFrequency: sentinelDuration(frequency),
    queryPeriod: sentinelDuration(period),
    triggerOperator: 'gt',
    triggerThreshold: 0,
    tactics: tacticsOf(source.techniques),
    relevantTechniques: [...source.techniques],
    query: query.text,
    entityMappings: entityMappings(query.columns),
    version: options.version ?? '1.0.0',
    kind: 'Scheduled',
  };
  const doc = new Document(rule);
  for (const key of ['description', 'query']) {
    const node = doc.get(key, true) as { type?: string } | undefined;
    if (node) node.type = 'BLOCK_LITERAL';
  }
  const content = doc.toString({
    // Every string quoted: a title such as `yes`, `- x`, `a: b` or one with `\n---\n` stays a string
    // of this rule. The description and the query are literal blocks when they can be (the library
    // falls back to a quoted string for text a block cannot hold, such as control characters).
    defaultStringType: 'QUOTE_DOUBLE',
    defaultKeyType: 'PLAIN',
    lineWidth: 0,
    blockQuote: 'literal',
  });
  return { artefact: { target: 'sentinel', path, content, source }, warnings };
}

// ---------------------------------------------------------------------------------------------------

const EXTENSIONS: Readonly<Record<KqlTarget, string>> = {
  'advanced-hunting': 'kql',
  'custom-detection': 'json',
  sentinel: 'yaml',
};

/** The path of a rule's artefact for a target, relative to the output folder (`sentinel/sigma-5f1b….yaml`). */
export function artefactPath(source: ExportSource, target: KqlTarget): string {
  return `${target}/${artefactBaseName(source.id)}.${EXTENSIONS[target]}`;
}

/**
 * The artefacts of an exported rule for a target, with the warnings they carry, or the refusals: the
 * rule's own (it was not exported) or the target's (a near-real-time custom detection over several
 * tables, a custom detection whose query cannot return Timestamp, DeviceId and ReportId).
 */
export function artefactsFor(rule: ExportedRule, target: KqlTarget, options: ArtefactOptions = {}): ArtefactOutcome {
  if (!rule.ok) return { ok: false, source: rule.source, refusals: rule.refusals };
  const { source, query } = rule;
  const path = artefactPath(source, target);
  if (target === 'advanced-hunting')
    return { ok: true, source, artefacts: [advancedHunting(source, query, path)], warnings: [...query.warnings] };
  if (target === 'custom-detection') {
    const out = customDetection(source, query, path, options);
    if (!out.ok) return { ok: false, source, refusals: out.refusals };
    return { ok: true, source, artefacts: [out.artefact], warnings: [...query.warnings, ...out.warnings] };
  }
  const out = sentinel(source, query, path, options);
  return { ok: true, source, artefacts: [out.artefact], warnings: [...query.warnings, ...out.warnings] };
}

/**
 * The files of an exported rule for a target (one per rule today): an advanced-hunting `.kql` file
 * with a comment header, a custom detection's Graph `detectionRule` JSON body, or a Sentinel analytic
 * rule YAML. Empty when the rule or the target refuses it ({@link artefactsFor} says why).
 */
export function toArtefacts(rule: ExportedRule, target: KqlTarget, options: ArtefactOptions = {}): KqlArtefact[] {
  const out = artefactsFor(rule, target, options);
  return out.ok ? [...out.artefacts] : [];
}
