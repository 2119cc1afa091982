import { createHash } from 'node:crypto';

/**
 * SHA-256 over length-prefixed parts, as lowercase hex. Length prefixes keep `('ab','c')` and
 * `('a','bc')` apart, whatever characters the parts contain.
 */
export function hashParts(...parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:${p};`, 'utf8');
  return h.digest('hex');
}
