import type { KqlQuery } from '../ir.js';

/** The columns a Defender custom detection's result must have (Microsoft Learn, "Create custom detection rules"). */
export const CUSTOM_DETECTION_COLUMNS = ['Timestamp', 'DeviceId', 'ReportId'] as const;

/** A query's text with the columns Defender requires, or why they cannot be had. */
export type RequiredColumns =
  | { readonly ok: true; readonly text: string; readonly columns: readonly string[] }
  | { readonly ok: false; readonly missing: readonly string[]; readonly message: string };

/** The operator of one line of an emitted query (one operator per line): `project`, `summarize`, … */
function operatorOf(line: string): string | undefined {
  return /^\s*\|\s*([a-z-]+)/.exec(line)?.[1];
}

/**
 * Make sure a query returns Timestamp, DeviceId and ReportId. A query whose result already has them is
 * returned as it is. When they are missing and only the last operator chose columns (every table
 * tripline reads has the three), that final `project` gets them added in front, or a `project` of them
 * and the query's columns is appended; after an earlier `summarize` or `project` that dropped them
 * nothing can bring them back, and the answer says so.
 */
export function withRequiredColumns(query: KqlQuery, required: readonly string[]): RequiredColumns {
  const missing = required.filter((c) => !query.columns.includes(c));
  if (missing.length === 0) return { ok: true, text: query.text, columns: query.columns };
  const lines = query.text.split('\n');
  const last = lines[lines.length - 1] ?? '';
  const dropping = lines.find(
    (l, i) => operatorOf(l) === 'summarize' || (operatorOf(l) === 'project' && i < lines.length - 1),
  );
  if (dropping !== undefined)
    return {
      ok: false,
      missing,
      message: `a custom detection must return ${required.join(', ')}; the query's ${operatorOf(dropping)} leaves out ${missing.join(', ')}, which no later operator can bring back`,
    };
  const columns = [...missing, ...query.columns];
  if (operatorOf(last) === 'project') {
    const body = last.replace(/^\s*\|\s*project\s*/, '');
    lines[lines.length - 1] = `| project ${missing.join(', ')}${body.trim() ? `, ${body.trim()}` : ''}`;
    return { ok: true, text: lines.join('\n'), columns };
  }
  return { ok: true, text: `${query.text}\n| project ${columns.join(', ')}`, columns };
}
