import { isSeverity, SEVERITIES, type Severity } from '@tripline/core';
import { severityRank } from '@tripline/core/unstable';
import type * as Sarif from 'sarif';

/**
 * How tripline severities appear in SARIF. `level` drives the icon in every viewer; GitHub reads
 * `security-severity` (a string score, from the rule) for its Critical/High/Medium/Low column:
 * > 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low. The scores follow the common practice
 * of SARIF producers for security findings (Trivy, Grype). GitHub has no "informational" bucket, so
 * informational maps to the bottom of low and to `note`.
 */
export const SEVERITY_MAP: Readonly<
  Record<Severity, { readonly level: NonNullable<Sarif.Result['level']>; readonly securitySeverity: string }>
> = {
  critical: { level: 'error', securitySeverity: '9.5' },
  high: { level: 'error', securitySeverity: '8.0' },
  medium: { level: 'warning', securitySeverity: '5.5' },
  low: { level: 'note', securitySeverity: '2.0' },
  informational: { level: 'note', securitySeverity: '0.5' },
};

/** Core's rank (informational = 0 … critical = 4); a value outside the scale (bad input) ranks lowest, -1. */
export function rank(severity: Severity): number {
  return isSeverity(severity) ? severityRank(severity) : -1;
}

/** Severities from highest to lowest, for stable summaries: core's order reversed. */
export const SEVERITIES_DESC: readonly Severity[] = [...SEVERITIES].reverse();

/** The SARIF mapping of a severity, falling back to medium for a value outside the scale. */
export function mapSeverity(severity: Severity): {
  readonly level: NonNullable<Sarif.Result['level']>;
  readonly securitySeverity: string;
} {
  return SEVERITY_MAP[severity] ?? SEVERITY_MAP.medium;
}
