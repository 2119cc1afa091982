#!/usr/bin/env node
/**
 * Writes test/golden/wazuh1.report.json: the JSON report the real engine and the Defender preset make
 * from examples/wazuh1/events.ndjson, with a fixed generation time. The reporter tests render this one
 * record (test/golden/golden.ts reads it), so what they check is what a run produces; test/golden.test.ts
 * fails when the engine's current output differs from the stored file.
 *
 *   npm run build && node scripts/gen-golden.mjs          # rewrite the file
 *   node scripts/gen-golden.mjs --check                    # exit 1 if the stored file is stale (writes nothing)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const core = new URL('packages/core/dist/index.js', root);
const defender = new URL('packages/detectors-defender/dist/index.js', root);
const out = new URL('test/golden/wazuh1.report.json', root);
const check = process.argv.includes('--check');

if (!existsSync(core) || !existsSync(defender)) {
  console.error('gen-golden: the built packages are missing — build first: npm run build');
  process.exit(2);
}
const { analyze, fromFile, stringifyReport } = await import(core.href);
const { defenderDetectors } = await import(defender.href);
const { GOLDEN_GENERATED_AT, GOLDEN_SOURCE_NAME } = await import(new URL('test/golden/settings.mjs', root).href);

const input = { ...fromFile(fileURLToPath(new URL('examples/wazuh1/events.ndjson', root))), name: GOLDEN_SOURCE_NAME };
const result = await analyze(input, { detectors: defenderDetectors, generatedAt: GOLDEN_GENERATED_AT });
const text = stringifyReport(result);
if (check) {
  const stored = existsSync(out) ? readFileSync(out, 'utf8') : '';
  if (stored !== text) {
    console.error('gen-golden: test/golden/wazuh1.report.json is stale: npm run build && node scripts/gen-golden.mjs');
    process.exit(1);
  }
  console.log('test/golden/wazuh1.report.json is current');
} else {
  writeFileSync(out, text);
  console.log(`wrote test/golden/wazuh1.report.json (${result.alerts.length} alerts)`);
}
