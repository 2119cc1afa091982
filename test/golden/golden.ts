/**
 * The golden result: the record the real engine makes from examples/wazuh1 (test/golden/wazuh1.report.json,
 * written by scripts/gen-golden.mjs). Reporter tests render it instead of results built by hand, so the
 * titles, values and evidence they check are the detectors' own.
 */
import { readFileSync } from 'node:fs';
import { type AnalysisResult, type Narrative, parseJsonReport, stringifyReport } from '@tripline/core';

export const GOLDEN_REPORT_URL = new URL('./wazuh1.report.json', import.meta.url);

let cached: AnalysisResult | undefined;

/** The golden result, read through the JSON report's own parser (so it is a valid record). */
export function goldenResult(): AnalysisResult {
  cached ??= parseJsonReport(JSON.parse(readFileSync(GOLDEN_REPORT_URL, 'utf8')));
  return cached;
}

export const GOLDEN_NARRATIVE_URL = new URL('./wazuh1.narrative.json', import.meta.url);

/**
 * A narrative of the golden result as `@tripline/narrative` records one (test/golden/wazuh1.narrative.json):
 * kept sentences citing facts of the golden alerts, one rejected sentence and one injection finding, so
 * reporter tests render every part of the `narrative` block. Written by hand for the reporters' tests.
 */
export function goldenNarrative(): Narrative {
  return JSON.parse(readFileSync(GOLDEN_NARRATIVE_URL, 'utf8')) as Narrative;
}

/** The golden result with {@link goldenNarrative} (read back through the JSON report's parser). */
export function goldenNarrated(): AnalysisResult {
  return parseJsonReport(JSON.parse(stringifyReport({ ...goldenResult(), narrative: goldenNarrative() })));
}
