#!/usr/bin/env node
/**
 * Writes docs/sigma-mapping.md, the documented MDE mapping of @tripline/sigma, from the mapping's own
 * data (renderMdeMappingDoc of the BUILT package). The drift test packages/sigma/src/mapping/doc.test.ts
 * renders the same page from the sources and compares it with the committed file.
 *
 *   npm run build                          # or: (cd packages/core && npx tsup) && (cd packages/sigma && npx tsup)
 *   node scripts/gen-sigma-mapping.mjs       # write the page
 *   node scripts/gen-sigma-mapping.mjs --check # exit 1 if the committed page is stale (writes nothing)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const dist = new URL('packages/sigma/dist/index.js', root);
const out = new URL('docs/sigma-mapping.md', root);
const check = process.argv.includes('--check');

if (!existsSync(dist)) {
  console.error(`gen-sigma-mapping: ${fileURLToPath(dist)} is missing — build first: npm run build`);
  process.exit(2);
}
const { renderMdeMappingDoc } = await import(dist.href);
const page = renderMdeMappingDoc();
const current = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
if (check) {
  if (current !== page) {
    console.error('gen-sigma-mapping: docs/sigma-mapping.md is stale — run node scripts/gen-sigma-mapping.mjs');
    process.exit(1);
  }
} else if (current !== page) {
  writeFileSync(out, page);
  console.log('gen-sigma-mapping: wrote docs/sigma-mapping.md');
}
