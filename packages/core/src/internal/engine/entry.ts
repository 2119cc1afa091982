import type { InputSource } from '../ingest/types.js';
import type { MdeEvent } from '../model/event.js';
import type { AnalysisResult } from '../report/types.js';
import { Analyzer } from './analyze.js';
import { isInputError } from './options.js';
import type { AnalyzeOptions } from './types.js';

/** Analyse one or more inputs (files, streams, strings — see `fromFile`, `fromStream`, `fromString`). */
export async function analyze(
  inputs: InputSource | readonly InputSource[],
  options: AnalyzeOptions,
): Promise<AnalysisResult> {
  const analyzer = new Analyzer(options);
  const list = Array.isArray(inputs) ? (inputs as readonly InputSource[]) : [inputs as InputSource];
  let read = 0;
  let firstFailure: unknown;
  for (const input of list) {
    try {
      await analyzer.push(input);
      read++;
    } catch (error) {
      // One unreadable input does not cost the others: it is listed in the result (an `input-failed`
      // diagnostic) and the run goes on, unless the caller asked to stop at the first one.
      if (options.onInputError === 'throw' || !isInputError(error)) throw error;
      firstFailure ??= error;
    }
  }
  // Nothing at all could be read: there is nothing to report.
  if (read === 0 && firstFailure !== undefined) throw firstFailure;
  return analyzer.finish();
}

/** Analyse events you already hold (tests, or events built by your own reader). */
export async function analyzeEvents(
  events: Iterable<MdeEvent> | AsyncIterable<MdeEvent>,
  options: AnalyzeOptions,
): Promise<AnalysisResult> {
  const analyzer = new Analyzer(options);
  await analyzer.ready();
  for await (const event of events as AsyncIterable<MdeEvent>) analyzer.pushEvent(event);
  return analyzer.finish();
}
