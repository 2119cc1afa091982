/**
 * The bridge from a request's JSON Schema to the schema subset node-llama-cpp builds a grammar from.
 * Kept apart from `server.mjs` (which loads node-llama-cpp) so the always-on tests can check it.
 */
/** The JSON Schema keywords node-llama-cpp's grammar builder reads (its `GbnfJsonSchema` type, 3.21.1). */
const KEPT = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'minProperties',
  'maxProperties',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'enum',
  'const',
  'oneOf',
  '$ref',
  '$defs',
  'description',
  'format',
]);

/**
 * The request's JSON Schema as node-llama-cpp takes it: `anyOf` read as `oneOf`, `definitions` as `$defs`,
 * keywords it does not know (`pattern`, `minimum`, `title`, `$schema`, …) dropped and listed. The grammar is
 * then looser than the schema on those keywords; the client validates the answer itself.
 */
export function toGrammarSchema(schema, dropped = new Set()) {
  if (Array.isArray(schema)) return schema.map((s) => toGrammarSchema(s, dropped));
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    const name = key === 'anyOf' ? 'oneOf' : key === 'definitions' ? '$defs' : key;
    if (!KEPT.has(name)) {
      dropped.add(key);
      continue;
    }
    if (name === 'properties' || name === '$defs') {
      out[name] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toGrammarSchema(v, dropped)]));
    } else if (name === '$ref' && typeof value === 'string') {
      out[name] = value.replace('#/definitions/', '#/$defs/');
    } else if (name === 'format' && !['date-time', 'time', 'date'].includes(value)) {
      dropped.add('format');
    } else if (['items', 'additionalProperties', 'oneOf', 'prefixItems'].includes(name)) {
      out[name] = toGrammarSchema(value, dropped);
    } else {
      out[name] = value;
    }
  }
  return out;
}
