/**
 * Validation of Sigma documents against the specification's JSON schemas (Draft 2020-12, copied into
 * `schema/`), with ajv. Each kind's validator compiles once, on first use.
 */

import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import { RE2JS } from 're2js';
import correlationSchema from '../schema/sigma-correlation-rules-schema.json';
import ruleSchema from '../schema/sigma-detection-rule-schema.json';
import filterSchema from '../schema/sigma-filters-schema.json';

export type SchemaKind = 'rule' | 'correlation' | 'filter';

/** A UUID (any version), checked by hand. */
export function isUuid(s: string): boolean {
  if (s.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

/**
 * The schemas' `pattern`s run on rule authors' text: through re2js (linear time), never V8's RegExp.
 * `code` names the engine for ajv's standalone code, which this package does not use.
 */
/** The engine name ajv's standalone code would import (unused here). */
const RE2_ENGINE = 're2js';

/** `^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$` (RE2: ASCII digits, `$` only at the end). */
function isSchemaDate(s: string): boolean {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  const d = (i: number): number => {
    const c = s.charCodeAt(i);
    return c >= 48 && c <= 57 ? c - 48 : -1;
  };
  if (d(0) < 0 || d(1) < 0 || d(2) < 0 || d(3) < 0) return false;
  const m1 = d(5);
  const m2 = d(6);
  if (!((m1 === 0 && m2 >= 1) || (m1 === 1 && m2 >= 0 && m2 <= 2))) return false;
  const d1 = d(8);
  const d2 = d(9);
  return (d1 === 0 && d2 >= 1) || ((d1 === 1 || d1 === 2) && d2 >= 0) || (d1 === 3 && (d2 === 0 || d2 === 1));
}

/** `^[a-z0-9_-]+\.[a-z0-9._-]+$`: a namespace without dots, a dot, a name. */
function isSchemaTag(s: string): boolean {
  const dot = s.indexOf('.');
  if (dot < 1 || dot === s.length - 1) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45 || (c === 46 && i > dot))) {
      if (i !== dot) return false;
    }
  }
  return true;
}

/** The schemas' own patterns, checked by hand (a scan per value; re2js for any other pattern). */
export const SCHEMA_PATTERNS: ReadonlyMap<string, (s: string) => boolean> = new Map([
  ['^\\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$', isSchemaDate],
  ['^[a-z0-9_-]+\\.[a-z0-9._-]+$', isSchemaTag],
]);

export const linearRegExp = Object.assign(
  (pattern: string, flags: string) => {
    const known = SCHEMA_PATTERNS.get(pattern);
    if (known) return { test: known, toString: () => `/${pattern}/${flags}` };
    const re = RE2JS.compile(pattern);
    // ajv keys its pattern cache by toString(): each pattern must spell itself.
    return { test: (s: string) => re.matcher(s).find(), toString: () => `/${pattern}/${flags}` };
  },
  { code: RE2_ENGINE },
);

let ajv: Ajv2020 | undefined;
const validators = new Map<SchemaKind, ValidateFunction>();
const SCHEMAS: Readonly<Record<SchemaKind, object>> = {
  rule: ruleSchema,
  correlation: correlationSchema,
  filter: filterSchema,
};

/** The validator of one kind of document, compiled on first use (a corpus of rules never compiles the others). */
function getValidator(kind: SchemaKind): ValidateFunction {
  const known = validators.get(kind);
  if (known) return known;
  // The schemas are fixed data of this package; `validateSchema: false` skips fetching the meta-schema.
  if (!ajv) {
    ajv = new Ajv2020({ allErrors: false, strict: false, validateSchema: false, code: { regExp: linearRegExp } });
    ajv.addFormat('uuid', { type: 'string', validate: isUuid });
  }
  const { $schema: _ignored, ...rest } = SCHEMAS[kind] as { $schema?: string };
  const validate = ajv.compile(rest);
  validators.set(kind, validate);
  return validate;
}

/** A schema violation: the JSON path (`/detection/condition`) and a sentence. */
export interface SchemaProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

function describe(e: ErrorObject): string {
  const where = e.instancePath || '(document)';
  if (e.keyword === 'required')
    return `${where}: missing required key "${(e.params as { missingProperty: string }).missingProperty}"`;
  if (e.keyword === 'additionalProperties')
    return `${where}: unknown key "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'enum')
    return `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return `${where}: ${e.message ?? e.keyword}`;
}

/** Validate a document (plain JS, dates as strings) against its schema; the first problem, or undefined. */
export function validateDocument(kind: SchemaKind, doc: unknown): SchemaProblem | undefined {
  const validate = getValidator(kind);
  if (validate(doc)) return undefined;
  const errors = validate.errors ?? [];
  // The most specific error: the deepest instance path (ajv reports anyOf branches first).
  const best = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  if (!best) return { path: [], message: 'does not match the schema' };
  const path = best.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((p) => (/^[0-9]+$/.test(p) ? Number(p) : p));
  return { path, message: describe(best) };
}
