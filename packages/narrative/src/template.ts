import { type AnalysisResult, SEVERITIES as ASCENDING, type NarrativeSentence } from '@tripline/core';
import type { FactSheet } from './facts.js';

/** Highest first: core's order reversed. */
const SEVERITIES = [...ASCENDING].reverse();

/**
 * The deterministic summary used when the model's summary fails: plain sentences made from the run
 * facts, each citing them (and each passing the validator). Same result, same sentences.
 */
export function templateSummary(result: AnalysisResult, sheet: FactSheet): NarrativeSentence[] {
  const s = result.summary;
  const id = (name: string) => sheet.run[name] as string;
  const out: NarrativeSentence[] = [];
  out.push({
    text: `tripline analysed ${s.eventsAnalyzed} of ${s.eventsRead} events read, from ${s.devices} device(s).`,
    cites: [id('events analysed'), id('events read'), id('devices')],
  });
  if (s.eventsRejected > 0) {
    out.push({
      text: `${s.eventsRejected} row(s) were rejected and not analysed.`,
      cites: [id('rows rejected (not analysed)')],
    });
  }
  if (s.timeRange) {
    out.push({
      text: `The events span ${s.timeRange.start} to ${s.timeRange.end}.`,
      cites: [id('first event at'), id('last event at')],
    });
  }
  if (s.alertCount === 0) {
    out.push({ text: 'No alert was raised.', cites: [id('alerts')] });
    return out;
  }
  const parts = SEVERITIES.filter((sev) => s.bySeverity[sev] > 0);
  out.push({
    text: `${s.alertCount} alert(s) were raised: ${parts.map((sev) => `${s.bySeverity[sev]} ${sev}`).join(', ')}.`,
    cites: [id('alerts'), ...parts.map((sev) => id(`${sev} alerts`))],
  });
  out.push({ text: `The highest severity is ${s.highestSeverity}.`, cites: [id('highest severity')] });
  return out;
}
