// tripline as a library: analyse a Defender export, print the summary, write the three reports.
//
//   node main.mjs [EVENTS] [OUT_DIR]      (after `npm run build` at the repository root)
//
// Defaults: the bundled example ../wazuh1/events.ndjson, reports into ./out.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, fromFile, stringifyReport } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { renderMarkdown, sanitizeText } from '@tripline/reporter-markdown';
import { stringifySarif, toSarif } from '@tripline/reporter-sarif';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Analyse `input` with the Defender preset and write report.md, report.json and report.sarif into
 * `outDir`. `generatedAt` fixes the report time, so two runs give byte-identical files.
 *
 * @param {{ input?: string, outDir?: string, generatedAt?: string }} [options]
 */
export async function main(options = {}) {
  const input = options.input ?? here('../wazuh1/events.ndjson');
  const outDir = options.outDir ?? here('./out');

  // The format (NDJSON, Event Hub, AH API, Graph, Sentinel, CSV) is detected from the content.
  const result = await analyze(fromFile(input), {
    detectors: defenderDetectors,
    ...(options.generatedAt ? { generatedAt: options.generatedAt } : {}),
  });

  await mkdir(outDir, { recursive: true });
  const files = {
    markdown: join(outDir, 'report.md'),
    json: join(outDir, 'report.json'),
    sarif: join(outDir, 'report.sarif'),
  };
  await writeFile(files.markdown, renderMarkdown(result));
  await writeFile(files.json, stringifyReport(result)); // ReportIds stay exact decimal strings
  await writeFile(files.sarif, stringifySarif(toSarif(result, { category: 'defender' })));
  return { result, files };
}

/** One line per severity that has alerts: `1 high, 3 medium, 10 low`. */
export function severityLine(summary) {
  const parts = ['critical', 'high', 'medium', 'low', 'informational']
    .filter((s) => summary.bySeverity[s] > 0)
    .map((s) => `${summary.bySeverity[s]} ${s}`);
  return parts.length ? parts.join(', ') : 'none';
}

// Run when executed directly (`node main.mjs`), not when imported by the test.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [input, outDir] = process.argv.slice(2);
  const { result, files } = await main({ ...(input ? { input } : {}), ...(outDir ? { outDir } : {}) });
  const s = result.summary;
  console.log(`${s.eventsRead} events read: ${s.eventsAnalyzed} analysed, ${s.eventsRejected} rejected`);
  console.log(`${s.alertCount} alerts (${severityLine(s)}) on ${s.devices} device(s)`);
  // Titles carry event data (device names, command lines): never print them to a terminal raw.
  for (const alert of result.alerts)
    console.log(`  [${alert.severity}] ${sanitizeText(alert.title, { maxLength: 160 })}`);
  console.log(`wrote ${files.markdown}, ${files.json}, ${files.sarif}`);
}
