import type { InputSource } from '../ingest/types.js';
import type { MdeEvent } from '../model/event.js';
import { workersAnalyzer } from '../parallel/library.js';
import type { AnalysisResult } from '../report/types.js';
import { Analyzer } from './analyze.js';
import { inCallingThread, isInputError } from './options.js';
import type { AnalyzeOptions } from './types.js';

/**
 * Analyse one or more inputs (files, streams, strings — see `fromFile`, `fromStream`, `fromString`).
 * With `options.workers`, in worker threads that split the devices between them (same result).
 */
export async function analyze(
  inputs: InputSource | readonly InputSource[],
  options: AnalyzeOptions,
): Promise<AnalysisResult> {
  const sharded = workersAnalyzer(options);
  const analyzer = sharded ?? new Analyzer(options);
  const list = Array.isArray(inputs) ? (inputs as readonly InputSource[]) : [inputs as InputSource];
  let read = 0;
  let firstFailure: unknown;
  try {
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
    return await analyzer.finish();
  } catch (error) {
    // The worker threads stop with the run (they stop themselves after a result).
    await sharded?.close();
    throw error;
  }
}

/** Analyse events you already hold (tests, or events built by your own reader). */
export async function analyzeEvents(
  events: Iterable<MdeEvent> | AsyncIterable<MdeEvent>,
  options: AnalyzeOptions,
): Promise<AnalysisResult> {
  const analyzer = new Analyzer(inCallingThread(options, 'analyzeEvents() analyses the events it is given'));
  await analyzer.ready();
  for await (const event of events as AsyncIterable<MdeEvent>) analyzer.pushEvent(event);
  return analyzer.finish();
}
