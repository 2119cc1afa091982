/**
 * One implementation of each primitive: the severity order, the timestamp parser and `clip` exist
 * once, and every package uses that one (a second copy drifts: two "is this address public?" tests
 * once disagreed on 7 of 9 addresses). The sources of every package are searched for the tell-tale
 * shapes of a copy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every non-test TypeScript source under packages/*\/src, as [repository path, text]. */
function sources(): [string, string][] {
  const out: [string, string][] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
        out.push([relative(root, path), readFileSync(path, 'utf8')]);
    }
  };
  for (const pkg of readdirSync(join(root, 'packages')).sort()) walk(join(root, 'packages', pkg, 'src'));
  return out;
}

/** Files whose text contains any of the needles (text, or a pattern), optionally under one folder. */
function filesWith(needles: readonly (string | RegExp)[], under = 'packages/'): string[] {
  return sources()
    .filter(([path]) => path.startsWith(under))
    .filter(([, text]) => needles.some((n) => (typeof n === 'string' ? text.includes(n) : n.test(text))))
    .map(([path]) => path);
}

describe('one of each primitive', () => {
  it('codes the severity order once, in core', () => {
    expect(
      filesWith([
        'informational: 0, low: 1',
        "'critical', 'high', 'medium', 'low', 'informational'",
        "'informational', 'low', 'medium', 'high', 'critical'",
      ]),
    ).toEqual(['packages/core/src/internal/severity.ts']);
  });

  it('parses timestamps with one parser, in core (the report schema checks the canonical form)', () => {
    expect(filesWith(['\\d{4})-(\\d{2})-(\\d{2}', '\\d{4}-\\d{2}-\\d{2}', 'Date.parse('])).toEqual([
      'packages/core/src/internal/model/schemas.ts',
      'packages/core/src/internal/model/time.ts',
      // Not an event time: the HTTP-date of a language model endpoint's Retry-After header (RFC 9110).
      'packages/narrative/src/client.ts',
    ]);
  });

  it('clips shown values with one clip in the Defender pack', () => {
    expect(
      filesWith(
        ['const clip', 'function clip', 'function truncate', /slice\(0, [^)]*\)\}…`/],
        'packages/detectors-defender/',
      ),
    ).toEqual(['packages/detectors-defender/src/internal/text.ts']);
  });
});
