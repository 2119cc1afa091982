#!/usr/bin/env node
// Writes packages/core/schema/rule.schema.json from the built @tripline/core: the JSON Schema of rule
// files is generated from the zod schema the loader validates with, so there is one source of truth.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { ruleJsonSchema } = await import(`${root}packages/core/dist/index.js`);
mkdirSync(`${root}packages/core/schema`, { recursive: true });
writeFileSync(`${root}packages/core/schema/rule.schema.json`, `${JSON.stringify(ruleJsonSchema, null, 2)}\n`);
console.log('wrote packages/core/schema/rule.schema.json');
