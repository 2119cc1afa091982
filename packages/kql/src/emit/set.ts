/**
 * A whole Sigma load (`loadSigma`, `loadSigmaHQ`) → one export per document of its load report: every
 * loaded or degraded rule exported or refused with a reason, every skipped one refused as `not-loaded`,
 * every rule only correlations use refused as `correlation-only`. A rule the load's `select` left out
 * (`not-selected`) is not part of the export at all: it was not asked for.
 */
import { type LoadEntry, mdeMapping, type SigmaMapping, type SigmaSet } from '@tripline/sigma';
import type { ExportedRule } from '../ir.js';
import { exportSigmaCorrelation } from './correlation.js';
import { entrySource, exportSigmaRule, notLoaded } from './sigma.js';

/**
 * A rule only correlations use: locally it raises no alerts of its own (Sigma 2.1: a correlation's
 * rules are not emitted alone unless it says `generate: true`), so it is not exported alone either.
 */
function correlationOnly(entry: LoadEntry): ExportedRule {
  return {
    ok: false,
    source: entrySource(entry),
    refusals: [
      {
        code: 'correlation-only',
        message:
          'only correlations use this rule (none names it with generate: true): it raises no alerts of its own locally, so it is not exported alone; its correlations are exported with their own queries',
      },
    ],
  };
}

/**
 * Every rule and correlation of the set's load report, in report order (filters, applied to the rules,
 * are not exports). `mapping`: the one the set was loaded with (default: the Defender mapping), which
 * correlations read their group-by fields through.
 */
export function exportSigma(set: SigmaSet, mapping: SigmaMapping = mdeMapping()): ExportedRule[] {
  const byId = new Map(set.rules.map((r) => [r.detectorId, r]));
  const docs = set.correlationDocuments ?? [];
  let nextCorrelation = 0;
  const out: ExportedRule[] = [];
  for (const entry of set.report.entries) {
    if (entry.kind === 'filter') continue;
    if (entry.status === 'skipped' && entry.reasons.some((r) => r.code === 'not-selected')) continue;
    if (entry.kind === 'correlation') {
      // Correlation entries and documents are both in source order; skipped duplicates have no document.
      const doc = docs.slice(nextCorrelation).find((d) => d.source === entry.source);
      if (doc !== undefined) nextCorrelation = docs.indexOf(doc) + 1;
      if (entry.status === 'skipped' || doc === undefined || entry.detectorId === undefined) {
        out.push(notLoaded(entry));
      } else out.push(exportSigmaCorrelation(doc, set.rules, mapping, docs, entry.detectorId));
      continue;
    }
    const compiled = entry.detectorId !== undefined ? byId.get(entry.detectorId) : undefined;
    if (entry.status === 'skipped' || compiled === undefined) out.push(notLoaded(entry));
    else if (entry.correlationOnly) out.push(correlationOnly(entry));
    else out.push(exportSigmaRule(compiled));
  }
  return out;
}
