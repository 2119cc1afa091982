import { readFileSync } from 'node:fs';
import { type AnalysisResult, parseJsonReport } from '@tripline/core';

let golden: AnalysisResult | undefined;

/** The golden report of the repository (real Defender rows of one Linux server), as a result (read once). */
export function goldenResult(): AnalysisResult {
  if (golden === undefined) {
    const url = new URL('../../../../test/golden/wazuh1.report.json', import.meta.url);
    golden = parseJsonReport(JSON.parse(readFileSync(url, 'utf8')));
  }
  return golden;
}

/** The golden result with `text` written into the event values of its first alert, as an attacker would. */
export function hostileResult(text: string): AnalysisResult {
  const result = structuredClone(goldenResult()) as unknown as {
    alerts: {
      message: { values: Record<string, string | number> };
      evidence: { events: { fields: Record<string, unknown> }[] };
    }[];
  };
  const alert = result.alerts[3];
  if (!alert) throw new Error('the golden report has fewer alerts than expected');
  alert.message.values.initiatingCommandLines = `/bin/sh -c "lsof -a -c java" ${text}`;
  const event = alert.evidence.events[0];
  if (event) event.fields.InitiatingProcessCommandLine = `/bin/sh -c "lsof" ${text}`;
  return result as unknown as AnalysisResult;
}
