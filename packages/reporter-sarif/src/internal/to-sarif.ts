import type { AnalysisResult } from '@tripline/core';
import type * as Sarif from 'sarif';
import type { SarifOptions } from './options.js';
import { assemble, element, planSarif, skeleton } from './plan.js';
import { buildUnit, context } from './units.js';

/**
 * Converts an analysis result to a SARIF 2.1.0 log: one run, one rule per detector, one result per
 * alert — or, for a finding on two or more devices (same detector, key and severity), one result with
 * the devices as locations — each alert's evidence embedded as a per-alert timeline artifact.
 * Deterministic: the same result and options give a byte-identical {@link stringifySarif} output
 * (times come from the result, never the clock), equal to the chunks of {@link sarifChunks}. When the
 * log would exceed the limits, the lowest-severity results are left out and a notification says which.
 */
export function toSarif(result: AnalysisResult, options: SarifOptions = {}): Sarif.Log {
  const ctx = context(result, options);
  const plan = planSarif(ctx);
  const artifacts: Sarif.Artifact[] = [];
  const results: Sarif.Result[] = [];
  for (let i = 0; i < plan.kept; i++) {
    const out = buildUnit(ctx, ctx.units[i]!, artifacts.length);
    artifacts.push(...out.artifacts);
    results.push(out.result!);
  }
  return assemble(ctx, plan.kept, plan.reason, plan.used, { artifacts, results });
}

/**
 * The SARIF log of {@link toSarif}, written as string chunks, result by result: joined, they are
 * byte-identical to `stringifySarif(toSarif(result, options))` ({@link renderSarif}). The log is sized
 * before the first chunk, in one pass (see docs/sarif.md, "Limits"); then the artifacts and the results
 * are built and serialised one at a time, so the whole log is never held in memory. The generator's
 * return value says how many alerts the log holds ({@link SarifResultCount}).
 */
export function* sarifChunks(
  result: AnalysisResult,
  options: SarifOptions = {},
): Generator<string, SarifResultCount, undefined> {
  const ctx = context(result, options);
  const plan = planSarif(ctx);
  const layout = skeleton(ctx, plan.kept, plan.reason, plan.used);
  const array = function* (part: 'artifacts' | 'results'): Generator<string> {
    if (plan.kept === 0) {
      yield '[]';
      return;
    }
    yield '[\n';
    let index = 0;
    for (let i = 0; i < plan.kept; i++) {
      const unit = ctx.units[i]!;
      if (part === 'artifacts') {
        const out = buildUnit(ctx, unit, index, 'artifacts');
        for (const artifact of out.artifacts) yield element(artifact, index++ === 0, layout.indent);
      } else {
        yield element(buildUnit(ctx, unit, index, 'result').result, i === 0, layout.indent);
        index += unit.listed.length;
      }
    }
    yield `\n${layout.close}]`;
  };
  if (layout.hasArtifacts) {
    yield layout.beforeArtifacts;
    yield* array('artifacts');
  }
  yield layout.beforeResults;
  yield* array('results');
  yield layout.afterResults;
  const total = ctx.covered[ctx.units.length]!;
  const kept = ctx.covered[plan.kept]!;
  return kept < total ? { kept, total, reason: plan.reason } : { kept, total };
}

/**
 * How many of the result's alerts the log of {@link sarifChunks} (or {@link toSarif}) with these options
 * holds, without building the log: the sizing pass alone. For a writer that stopped before the
 * generator's end (a reader that closed the pipe) and must still say that the log was cut.
 */
export function sarifPlannedCount(result: AnalysisResult, options: SarifOptions = {}): SarifResultCount {
  const ctx = context(result, options);
  const plan = planSarif(ctx);
  const total = ctx.covered[ctx.units.length]!;
  const kept = ctx.covered[plan.kept]!;
  return kept < total ? { kept, total, reason: plan.reason } : { kept, total };
}

/** The SARIF log as one string: `stringifySarif(toSarif(result, options))`, made from {@link sarifChunks}. */
export function renderSarif(result: AnalysisResult, options: SarifOptions = {}): string {
  let out = '';
  for (const chunk of sarifChunks(result, options)) out += chunk;
  return out;
}

/** How many of a run's alerts a SARIF log holds, and why the others were left out. */
export interface SarifResultCount {
  /** Alerts kept as results. */
  readonly kept: number;
  /** Alerts in the analysis result. */
  readonly total: number;
  /** Why `total - kept` alerts were left out (the limit that was reached), when any were. */
  readonly reason?: string;
}

/**
 * The number of alerts a log made by {@link toSarif} holds out of the run's total (the log is cut to
 * stay within upload limits: GitHub reads 25,000 results per run and 10 MB gzip-compressed). Callers
 * that write the log say so when `kept < total`; the log itself carries a `tripline/results-cut`
 * notification and the same figures in `runs[0].properties.tripline`.
 */
export function sarifResultCount(log: Sarif.Log): SarifResultCount {
  const run = log.runs[0];
  const props = (run?.properties as { tripline?: Record<string, unknown> } | undefined)?.tripline;
  // A fleet result covers several alerts: count alerts, as the log's properties do, not results.
  const kept = typeof props?.alertsInLog === 'number' ? props.alertsInLog : (run?.results?.length ?? 0);
  const total = typeof props?.alertsTotal === 'number' ? props.alertsTotal : kept;
  const reason = typeof props?.alertsLeftOutReason === 'string' ? props.alertsLeftOutReason : undefined;
  return kept < total && reason !== undefined ? { kept, total, reason } : { kept, total };
}
