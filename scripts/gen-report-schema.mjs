#!/usr/bin/env node
// Writes packages/core/schema/report.schema.json from the built @tripline/core (the JSON Schema is
// generated from the zod types, so there is one source of truth). Runs as part of core's build.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { reportJsonSchema } = await import(`${root}packages/core/dist/index.js`);
mkdirSync(`${root}packages/core/schema`, { recursive: true });
writeFileSync(`${root}packages/core/schema/report.schema.json`, `${JSON.stringify(reportJsonSchema, null, 2)}\n`);
console.log('wrote packages/core/schema/report.schema.json');
