/**
 * The result of a partitioned stream as one result: each partition's latest result (the alerts of its
 * devices so far) merged by core's shard merge, the one a single run over all the rows gives — with
 * `inputs`, the `rejected` list and the `input-failed` diagnostics of every batch, in partition and
 * position order.
 */
import type { AnalysisResult, AnalyzeOptions, Diagnostic } from '@tripline/core';
import { flattenDetectors, mergeShardResults } from '@tripline/core/unstable';
import { comparePartitions } from './metrics.js';
import { comparePositions } from './position.js';
import type { BatchOutcome } from './types.js';

/** What {@link mergePartitions} needs of the run besides the outcomes. */
export interface MergeOptions {
  readonly detectors: AnalyzeOptions['detectors'];
  /** The report's generation time (fix it for byte-comparable reports). */
  readonly generatedAt?: string | Date;
  /** Rejected rows listed at most (default 10,000, as a run). */
  readonly maxRejectedListed?: number;
}

/** `<kind>:<partition>@<position>` of a record input, in parts. */
function recordInput(name: string): { partition: string; position: string } | undefined {
  const at = name.lastIndexOf('@');
  const colon = name.lastIndexOf(':', at);
  if (at < 0 || colon < 0) return undefined;
  return { partition: name.slice(colon + 1, at), position: name.slice(at + 1) };
}

function compareInputs(a: string, b: string): number {
  const x = recordInput(a);
  const y = recordInput(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  return comparePartitions(x.partition, y.partition) || comparePositions(x.position, y.position);
}

/**
 * One result from the committed batches of every partition (the `BatchOutcome`s `onBatch` received, from
 * every consumer): per partition the outcome with the highest position holds the partition's alerts so
 * far; the inputs, rejected rows and failed inputs of all outcomes are listed. Alerts, devices and counts
 * are those of one run over the same rows (the work is partitioned by device); the run's allowlist and
 * `minSeverity` are applied by each partition's analyzer.
 */
export function mergePartitions(outcomes: readonly BatchOutcome[], options: MergeOptions): AnalysisResult {
  if (outcomes.length === 0) throw new RangeError('mergePartitions: no committed batch to merge');
  const latest = new Map<string, BatchOutcome>();
  for (const o of outcomes) {
    const seen = latest.get(o.partition);
    if (!seen || comparePositions(o.to, seen.to) > 0) latest.set(o.partition, o);
  }
  const partitions = [...latest.keys()].sort(comparePartitions);
  const inputs = outcomes.flatMap((o) => o.result.inputs).sort((a, b) => compareInputs(a.source, b.source));
  const inputOrder = new Map(inputs.map((i, n) => [i.source, n]));
  const rejected = outcomes.flatMap((o) => o.result.rejected);
  const failed: Diagnostic[] = outcomes
    .flatMap((o) => o.result.diagnostics.filter((d) => d.code === 'input-failed'))
    .sort((a, b) => compareInputs(a.source ?? '', b.source ?? ''));
  const shards = partitions.map((p) => {
    const r = latest.get(p)!.result;
    // Listed once, from every batch, by the merge.
    return { ...r, rejected: [], diagnostics: r.diagnostics.filter((d) => d.code !== 'input-failed') };
  });
  const detectors = flattenDetectors(options.detectors);
  return mergeShardResults({
    shards,
    rejected: rejected as Parameters<typeof mergeShardResults>[0]['rejected'],
    rejectedCount: 0,
    diagnostics: failed,
    inputs,
    inputOrder,
    allowlist: [],
    correlators: new Set(detectors.filter((d) => typeof d.correlate === 'function').map((d) => d.meta.id)),
    minSeverity: undefined,
    maxRejectedListed: options.maxRejectedListed ?? 10_000,
    generatedAt: options.generatedAt,
  });
}
