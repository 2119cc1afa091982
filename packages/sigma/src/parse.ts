/**
 * Sigma 2.1 YAML → parsed documents (no mapping yet): rules, correlations and filters, each validated
 * against the specification's schema, every problem with file:line:column. Dates stay the strings the
 * author wrote (YAML 1.2 core schema: no timestamps).
 */

import { isSeverity } from '@tripline/core';
import { ConditionError, parseCondition, wildcardNameMatch } from './condition.js';
import type {
  LoadReason,
  SigmaCondition,
  SigmaCorrelation,
  SigmaCorrelationCondition,
  SigmaCorrelationType,
  SigmaDocumentMeta,
  SigmaItem,
  SigmaLevel,
  SigmaLogsource,
  SigmaModifier,
  SigmaRule,
  SigmaSelection,
  SigmaValue,
  SourcePosition,
} from './ir.js';
import { SIGMA_MODIFIERS } from './ir.js';
import { loadYaml, type YamlDocument, type YamlStream } from './parse/load.js';
import { keyText, nodeAt, offsetOf, own, type YMap, type YNode } from './parse/tree.js';
import { type SchemaKind, validateDocument } from './schema.js';

/** A Sigma 2.1 filter document: exclusions for the rules it names. */
export interface SigmaFilter extends SigmaDocumentMeta {
  readonly type: 'filter';
  readonly logsource: SigmaLogsource;
  /** Ids or names of the rules the filter applies to. */
  readonly rules: readonly string[];
  readonly selections: ReadonlyMap<string, SigmaSelection>;
  readonly condition: SigmaCondition;
  readonly conditionText: string;
}

/** One document of a source, parsed or refused. */
export type ParsedDocument =
  | { readonly kind: 'rule'; readonly rule: SigmaRule }
  | { readonly kind: 'correlation'; readonly correlation: SigmaCorrelation }
  | { readonly kind: 'filter'; readonly filter: SigmaFilter }
  | {
      readonly kind: 'invalid';
      readonly docKind: 'rule' | 'correlation' | 'filter' | 'unknown';
      readonly id: string | undefined;
      readonly title: string | undefined;
      readonly source: SourcePosition;
      readonly reasons: readonly LoadReason[];
    };

const MODIFIERS = new Set<string>(SIGMA_MODIFIERS);
const CORRELATION_TYPES = new Set<string>([
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
  'value_sum',
  'value_avg',
  'value_percentile',
]);

class DocError extends Error {
  constructor(
    readonly code: LoadReason['code'],
    message: string,
    readonly position: SourcePosition,
    readonly at?: string,
  ) {
    super(message);
  }
}

/** `30s`, `5m`, `1h`, `2d` → milliseconds; undefined when not that form. */
export function parseTimespan(text: string): number | undefined {
  if (text.length < 2 || text.length > 12) return undefined;
  const unit = text[text.length - 1]!;
  const digits = text.slice(0, -1);
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const n = Number(digits);
  const ms = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit];
  if (ms === undefined || !Number.isSafeInteger(n * ms) || n === 0) return undefined;
  return n * ms;
}

/** Parse every document of one YAML source. Never throws: problems become `invalid` documents. */
export function parseSigmaSource(text: string, name: string): ParsedDocument[] {
  return parseSigmaStream(loadYaml(text), name);
}

/** {@link parseSigmaSource} on a loaded YAML text (the tests load it both ways). */
export function parseSigmaStream(stream: YamlStream, name: string): ParsedDocument[] {
  const pos = (offset: number | undefined): SourcePosition => {
    const p = stream.linePos(offset ?? 0);
    return { file: name, line: p.line, column: p.col };
  };
  if (stream.thrown !== undefined)
    return [invalid('unknown', undefined, undefined, pos(0), 'yaml-invalid', `YAML: ${stream.thrown}`)];
  const out: ParsedDocument[] = [];
  for (const doc of stream.documents) {
    const start = pos(doc.start);
    if (doc.error) {
      out.push(
        invalid(
          'unknown',
          undefined,
          undefined,
          pos(doc.error.offset),
          'yaml-invalid',
          `YAML: ${firstLine(doc.error.message)}`,
        ),
      );
      continue;
    }
    if (doc.contents === null) continue; // an empty document (`---` at the end) is nothing to load
    out.push(parseDocument(doc, start, pos));
  }
  return out;
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}

function invalid(
  docKind: 'rule' | 'correlation' | 'filter' | 'unknown',
  id: string | undefined,
  title: string | undefined,
  source: SourcePosition,
  code: LoadReason['code'],
  message: string,
  at?: string,
  position?: SourcePosition,
): ParsedDocument {
  return {
    kind: 'invalid',
    docKind,
    id,
    title,
    source,
    reasons: [{ code, message, ...(at !== undefined ? { at } : {}), position: position ?? source }],
  };
}

function parseDocument(
  doc: YamlDocument,
  start: SourcePosition,
  pos: (o: number | undefined) => SourcePosition,
): ParsedDocument {
  let js: unknown;
  try {
    js = doc.toJS();
  } catch (error) {
    return invalid('unknown', undefined, undefined, start, 'yaml-invalid', `YAML: ${(error as Error).message}`);
  }
  const obj = typeof js === 'object' && js !== null && !Array.isArray(js) ? (js as Record<string, unknown>) : undefined;
  const id = typeof obj?.id === 'string' ? obj.id : undefined;
  const title = typeof obj?.title === 'string' ? obj.title : undefined;
  if (!obj) return invalid('unknown', id, title, start, 'schema-invalid', 'a Sigma document is a YAML map');
  const kind: SchemaKind | undefined =
    'correlation' in obj ? 'correlation' : 'filter' in obj ? 'filter' : 'detection' in obj ? 'rule' : undefined;
  if (!kind)
    return invalid(
      'unknown',
      id,
      title,
      start,
      'schema-invalid',
      'neither a rule (detection), a correlation (correlation) nor a filter (filter)',
    );
  const nodePos = (path: readonly (string | number)[]): SourcePosition => {
    for (let n = path.length; n >= 0; n--) {
      const node = nodeAt(doc.contents, path.slice(0, n));
      if (node && node.offset !== undefined) return pos(node.offset);
    }
    return start;
  };
  // A condition list (the OR of its entries) is Sigma syntax the 2.x schema spells as one string.
  const det = kind === 'rule' ? (obj.detection as Record<string, unknown> | undefined) : undefined;
  const forSchema =
    det && Array.isArray(det.condition) && det.condition.every((c) => typeof c === 'string')
      ? { ...obj, detection: { ...det, condition: det.condition.join(' or ') } }
      : obj;
  const problem = validateDocument(kind, forSchema);
  if (problem)
    return invalid(
      kind,
      id,
      title,
      start,
      'schema-invalid',
      `schema: ${problem.message}`,
      problem.path.join('.') || undefined,
      nodePos(problem.path),
    );
  try {
    const meta = readMeta(obj, start);
    if (kind === 'correlation') return { kind: 'correlation', correlation: readCorrelation(obj, meta, nodePos) };
    const detectionKey = kind === 'filter' ? 'filter' : 'detection';
    const detNode = nodeAt(doc.contents, [detectionKey]);
    if (detNode?.kind !== 'map')
      throw new DocError('schema-invalid', `${detectionKey} must be a map`, nodePos([detectionKey]));
    const { selections, condition, conditionText } = readDetection(
      detNode,
      kind === 'filter' ? 'selection' : undefined,
      pos,
      nodePos,
      detectionKey,
    );
    const logsource = readLogsource(obj.logsource);
    if (kind === 'filter') {
      const f = obj.filter as { rules: unknown };
      const rules = Array.isArray(f.rules) ? f.rules.map((x) => own(String(x))) : [own(String(f.rules))];
      return {
        kind: 'filter',
        filter: { ...meta, type: 'filter', logsource, rules, selections, condition, conditionText },
      };
    }
    return { kind: 'rule', rule: { ...meta, type: 'rule', logsource, selections, condition, conditionText } };
  } catch (error) {
    if (error instanceof DocError)
      return invalid(kind, id, title, start, error.code, error.message, error.at, error.position);
    throw error;
  }
}

// Strings read from the plain value are copied (`own`): the `yaml` package's are views into the text.
function str(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : own(String(v));
}

function strList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).filter((x) => x !== null && x !== undefined).map((x) => own(String(x)));
}

function readMeta(obj: Record<string, unknown>, source: SourcePosition): SigmaDocumentMeta {
  const level = str(obj.level);
  return {
    id: str(obj.id),
    name: str(obj.name),
    title: own(String(obj.title)),
    status: str(obj.status),
    // Sigma's levels are core's severities, in the same order.
    level: isSeverity(level) ? (level as SigmaLevel) : undefined,
    description: str(obj.description),
    author: str(obj.author),
    date: str(obj.date),
    modified: str(obj.modified),
    tags: strList(obj.tags),
    references: strList(obj.references),
    falsepositives: strList(obj.falsepositives),
    source,
  };
}

function readLogsource(v: unknown): SigmaLogsource {
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const out: { product?: string; category?: string; service?: string; definition?: string } = {};
  for (const k of ['product', 'category', 'service', 'definition'] as const) {
    const s = str(o[k]);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

function scalarValue(v: unknown): SigmaValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

function readDetection(
  det: YMap,
  onlySelection: string | undefined,
  pos: (o: number | undefined) => SourcePosition,
  nodePos: (path: readonly (string | number)[]) => SourcePosition,
  key: string,
): { selections: Map<string, SigmaSelection>; condition: SigmaCondition; conditionText: string } {
  const selections = new Map<string, SigmaSelection>();
  let conditionNode: YNode | null | undefined;
  for (const pair of det.pairs) {
    const name = keyText(pair.key, 'null');
    const keyPos = pos(offsetOf(pair.key));
    if (name === 'condition') {
      conditionNode = pair.value;
      continue;
    }
    if (name === 'timeframe')
      throw new DocError(
        'condition-invalid',
        '"timeframe" belongs to Sigma 1 aggregations: use a correlation rule',
        keyPos,
        `${key}.timeframe`,
      );
    if (onlySelection !== undefined && name === 'rules') continue;
    selections.set(name, readSelection(name, pair.value, keyPos, pos));
  }
  if (conditionNode === undefined)
    throw new DocError('condition-invalid', 'no condition', nodePos([key]), `${key}.condition`);
  const texts: { text: string; at: SourcePosition }[] = [];
  if (conditionNode?.kind === 'seq') {
    for (const item of conditionNode.items) {
      if (item?.kind !== 'scalar')
        throw new DocError(
          'condition-invalid',
          'a condition list holds strings',
          pos(offsetOf(item)),
          `${key}.condition`,
        );
      texts.push({ text: String(item.value), at: pos(item.offset) });
    }
  } else if (conditionNode?.kind === 'scalar')
    texts.push({ text: String(conditionNode.value), at: pos(conditionNode.offset) });
  else
    throw new DocError(
      'condition-invalid',
      'the condition is a string or a list of strings',
      nodePos([key, 'condition']),
      `${key}.condition`,
    );
  const conditions: SigmaCondition[] = [];
  for (const { text, at } of texts) {
    let c: SigmaCondition;
    try {
      c = parseCondition(text);
    } catch (error) {
      if (error instanceof ConditionError)
        throw new DocError(
          'condition-invalid',
          `condition: ${error.message}`,
          { ...at, column: at.column + error.column - 1 },
          `${key}.condition`,
        );
      throw error;
    }
    checkNames(c, [...selections.keys()], at, key);
    conditions.push(c);
  }
  const condition = conditions.length === 1 ? conditions[0]! : { type: 'or' as const, args: conditions };
  return { selections, condition, conditionText: texts.map((t) => t.text).join(' or ') };
}

/** Every identifier of the condition exists; every `of` pattern names at least one. */
function checkNames(c: SigmaCondition, names: readonly string[], at: SourcePosition, key: string): void {
  switch (c.type) {
    case 'and':
    case 'or':
      for (const a of c.args) checkNames(a, names, at, key);
      return;
    case 'not':
      checkNames(c.arg, names, at, key);
      return;
    case 'id':
      if (!names.includes(c.name))
        throw new DocError(
          'condition-invalid',
          `condition: no search identifier "${c.name}" in the detection`,
          at,
          `${key}.condition`,
        );
      return;
    case 'of': {
      const n =
        c.target === 'them'
          ? names.filter((x) => !x.startsWith('_'))
          : names.filter((x) => wildcardNameMatch(c.target, x));
      if (n.length === 0)
        throw new DocError(
          'condition-invalid',
          `condition: "${c.target}" names no search identifier of the detection`,
          at,
          `${key}.condition`,
        );
    }
  }
}

function readSelection(
  name: string,
  node: YNode | null,
  position: SourcePosition,
  pos: (o: number | undefined) => SourcePosition,
): SigmaSelection {
  const at = (n: YNode | null | undefined): SourcePosition => (n?.offset !== undefined ? pos(n.offset) : position);
  if (node?.kind === 'map') return { name, alternatives: [readItems(name, node, pos)], keyword: false, position };
  if (node?.kind === 'seq') {
    const alternatives: SigmaItem[][] = [];
    const keywords: SigmaValue[] = [];
    let keywordPos: SourcePosition | undefined;
    for (const item of node.items) {
      if (item?.kind === 'map') alternatives.push(readItems(name, item, pos));
      else if (item?.kind === 'scalar') {
        keywords.push(scalarValue(item.value));
        keywordPos ??= at(item);
      } else throw new DocError('schema-invalid', `selection "${name}": a list holds maps or values`, at(item), name);
    }
    if (keywords.length)
      alternatives.push([
        { field: undefined, modifiers: [], values: keywords.slice(), position: keywordPos ?? position },
      ]);
    return {
      name,
      // Kept for the life of the rule set: copies at their exact size (an array filled by `push` keeps
      // room for 16 more elements).
      alternatives: alternatives.slice(),
      keyword: alternatives.length > 0 && alternatives.every((a) => a.every((i) => i.field === undefined)),
      position,
    };
  }
  if (node?.kind === 'scalar')
    return {
      name,
      alternatives: [[{ field: undefined, modifiers: [], values: [scalarValue(node.value)], position: at(node) }]],
      keyword: true,
      position,
    };
  throw new DocError('schema-invalid', `selection "${name}" is empty`, position, name);
}

function readItems(selection: string, map: YMap, pos: (o: number | undefined) => SourcePosition): SigmaItem[] {
  const items: SigmaItem[] = [];
  for (const pair of map.pairs) {
    const key = keyText(pair.key, '');
    const position = pos(offsetOf(pair.key));
    const parts = key.split('|');
    const field = parts[0] === '' ? undefined : parts[0];
    const modifiers: SigmaModifier[] = [];
    for (const m of parts.slice(1)) {
      if (!MODIFIERS.has(m))
        throw new DocError(
          'modifier-unsupported',
          `"${key}": the modifier "${m}" is not supported`,
          position,
          `${selection}.${key}`,
        );
      modifiers.push(m as SigmaModifier);
    }
    const v = pair.value;
    let values: SigmaValue[];
    if (v === null || (v.kind === 'scalar' && v.value === null)) values = [null];
    else if (v.kind === 'scalar') values = [scalarValue(v.value)];
    else if (v.kind === 'seq') {
      values = [];
      for (const x of v.items) {
        if (x?.kind !== 'scalar')
          throw new DocError(
            'schema-invalid',
            `"${key}": values are strings, numbers, booleans or null`,
            position,
            `${selection}.${key}`,
          );
        values.push(scalarValue(x.value));
      }
      if (values.length === 0)
        throw new DocError('schema-invalid', `"${key}": an empty list of values`, position, `${selection}.${key}`);
    } else
      throw new DocError(
        'schema-invalid',
        `"${key}": values are strings, numbers, booleans or null (not a map)`,
        position,
        `${selection}.${key}`,
      );
    items.push({ field, modifiers: modifiers.slice(), values: values.slice(), position });
  }
  if (items.length === 0)
    throw new DocError('schema-invalid', `selection "${selection}" has an empty map`, pos(map.offset), selection);
  return items.slice();
}

function readCorrelation(
  obj: Record<string, unknown>,
  meta: SigmaDocumentMeta,
  nodePos: (path: readonly (string | number)[]) => SourcePosition,
): SigmaCorrelation {
  const c = obj.correlation as Record<string, unknown>;
  const type = String(c.type);
  if (!CORRELATION_TYPES.has(type))
    throw new DocError(
      'schema-invalid',
      `correlation type "${type}" is not a Sigma 2.1 type`,
      nodePos(['correlation', 'type']),
      'correlation.type',
    );
  const timespanText = String(c.timespan ?? '');
  const timespanMs = parseTimespan(timespanText);
  if (timespanMs === undefined)
    throw new DocError(
      'schema-invalid',
      `timespan "${timespanText}": a number and s, m, h or d (30s, 5m, 1h, 2d)`,
      nodePos(['correlation', 'timespan']),
      'correlation.timespan',
    );
  let condition: SigmaCorrelationCondition | undefined;
  if (typeof c.condition === 'object' && c.condition !== null) {
    const k = c.condition as Record<string, unknown>;
    const out: Record<string, number | string> = {};
    for (const op of ['gt', 'gte', 'lt', 'lte', 'eq', 'neq', 'percentile'] as const) {
      if (k[op] === undefined) continue;
      const n = Number(k[op]);
      if (!Number.isFinite(n))
        throw new DocError(
          'schema-invalid',
          `condition.${op} must be a number`,
          nodePos(['correlation', 'condition', op]),
          `correlation.condition.${op}`,
        );
      out[op] = n;
    }
    if (k.field !== undefined) out.field = own(String(k.field));
    condition = out as SigmaCorrelationCondition;
  }
  const aliases: Record<string, Record<string, string>> = {};
  if (typeof c.aliases === 'object' && c.aliases !== null) {
    for (const [alias, map] of Object.entries(c.aliases as Record<string, unknown>)) {
      const m: Record<string, string> = {};
      if (typeof map === 'object' && map !== null) for (const [r, f] of Object.entries(map)) m[own(r)] = own(String(f));
      aliases[alias] = m;
    }
  }
  return {
    ...meta,
    type: 'correlation',
    correlation: {
      type: type as SigmaCorrelationType,
      rules: strList(c.rules),
      groupBy: strList(c['group-by']),
      timespanMs,
      timespanText,
      condition,
      aliases,
      generate: c.generate === true,
    },
  };
}
