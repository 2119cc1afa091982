/**
 * The golden result: the record the real engine makes from examples/wazuh1 (test/golden/wazuh1.report.json,
 * written by scripts/gen-golden.mjs). Reporter tests render it instead of results built by hand, so the
 * titles, values and evidence they check are the detectors' own.
 */
import { readFileSync } from 'node:fs';
import { type AnalysisResult, parseJsonReport } from '@tripline/core';

export const GOLDEN_REPORT_URL = new URL('./wazuh1.report.json', import.meta.url);

let cached: AnalysisResult | undefined;

/** The golden result, read through the JSON report's own parser (so it is a valid record). */
export function goldenResult(): AnalysisResult {
  cached ??= parseJsonReport(JSON.parse(readFileSync(GOLDEN_REPORT_URL, 'utf8')));
  return cached;
}
