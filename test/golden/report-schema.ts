/**
 * Validation of JSON reports against the published JSON Schema (packages/core/schema/report.schema.json,
 * the file users validate with), with ajv — an independent validator, not the zod schema it was made from.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const SCHEMA_URL = new URL('../../packages/core/schema/report.schema.json', import.meta.url);

let validator: ReturnType<Ajv2020['compile']> | undefined;

/** Violations of a JSON report (parsed JSON) against the published JSON Schema; empty when it is valid. */
export function reportSchemaProblems(report: unknown): string[] {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    validator = ajv.compile(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object);
  }
  if (validator(report)) return [];
  return (validator.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
