import type * as Sarif from 'sarif';

/**
 * Keys SARIF readers look for first, in reading order; every other key follows alphabetically. A fixed
 * order (rather than insertion order) makes the output byte-identical however a log was assembled,
 * and keeps diffs of committed SARIF files small.
 */
const KEY_ORDER = [
  '$schema',
  'version',
  'id',
  'ruleId',
  'ruleIndex',
  'name',
  'fullName',
  'semanticVersion',
  'informationUri',
  'level',
  'kind',
  'text',
  'markdown',
  'message',
  'descriptor',
  'associatedRule',
  'shortDescription',
  'fullDescription',
  'help',
  'helpUri',
  'defaultConfiguration',
  'executionSuccessful',
  'startTimeUtc',
  'endTimeUtc',
  'commandLine',
  'location',
  'locations',
  'physicalLocation',
  'artifactLocation',
  'uri',
  'index',
  'region',
  'startLine',
  'startColumn',
  'endLine',
  'endColumn',
  'snippet',
  'contextRegion',
  'logicalLocations',
  'fullyQualifiedName',
  'relatedLocations',
  'codeFlows',
  'threadFlows',
  'executionOrder',
  'executionTimeUtc',
  'importance',
  'partialFingerprints',
  'provenance',
  'description',
  'mimeType',
  'roles',
  'length',
  'contents',
  'tool',
  'driver',
  'rules',
  'notifications',
  'automationDetails',
  'invocations',
  'toolExecutionNotifications',
  'artifacts',
  'results',
  'columnKind',
  'properties',
];
const RANK = new Map(KEY_ORDER.map((k, i) => [k, i]));

function compareKeys(a: string, b: string): number {
  const ra = RANK.get(a) ?? KEY_ORDER.length;
  const rb = RANK.get(b) ?? KEY_ORDER.length;
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of a JSON value with its object keys in {@link stringifySarif}'s order (undefined members dropped). */
export function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compareKeys)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = ordered(v);
  }
  return out;
}

/**
 * Serialises a SARIF log deterministically: a fixed key order (SARIF's reading order, then
 * alphabetical), 2-space indentation, a trailing newline. Same log → same bytes.
 */
export function stringifySarif(log: Sarif.Log): string {
  return `${JSON.stringify(ordered(log), null, 2)}\n`;
}

/**
 * One element of a SARIF array serialised exactly as {@link stringifySarif} writes it inside the
 * log: same key order, 2-space indentation, every line after the first indented by `indent` (the
 * element's own indentation in the log). JSON escapes line breaks inside strings, so every `\n` of
 * `JSON.stringify`'s output is structural.
 */
export function stringifyElement(value: unknown, indent: string): string {
  return JSON.stringify(ordered(value), null, 2).replace(/\n/g, `\n${indent}`);
}
