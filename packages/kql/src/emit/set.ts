/**
 * A whole Sigma load (`loadSigma`, `loadSigmaHQ`) → one export per document of its load report: every
 * loaded or degraded rule exported or refused with a reason, every skipped one refused as `not-loaded`.
 */
import type { SigmaSet } from '@tripline/sigma';
import type { ExportedRule } from '../ir.js';
import { exportSigmaRule, notLoaded } from './sigma.js';

/** Every rule of the set's load report, in report order (filters, applied to the rules, are not exports). */
export function exportSigma(set: SigmaSet): ExportedRule[] {
  const byId = new Map(set.rules.map((r) => [r.detectorId, r]));
  const out: ExportedRule[] = [];
  for (const entry of set.report.entries) {
    if (entry.kind === 'filter') continue;
    if (entry.kind === 'correlation') continue;
    const compiled = entry.detectorId !== undefined ? byId.get(entry.detectorId) : undefined;
    if (entry.status === 'skipped' || compiled === undefined) out.push(notLoaded(entry));
    else out.push(exportSigmaRule(compiled));
  }
  return out;
}
