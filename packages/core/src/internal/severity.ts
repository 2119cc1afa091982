/** Alert severities, lowest first. */
export const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;

/** `informational < low < medium < high < critical`. */
export type Severity = (typeof SEVERITIES)[number];

const RANK: Readonly<Record<Severity, number>> = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** Numeric rank of a severity (informational = 0 … critical = 4). */
export function severityRank(severity: Severity): number {
  return RANK[severity];
}

/** Negative when `a` is lower than `b`, positive when higher, 0 when equal. */
export function compareSeverity(a: Severity, b: Severity): number {
  return RANK[a] - RANK[b];
}

/** The higher of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

/** True when `value` is one of {@link SEVERITIES}. */
export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}
