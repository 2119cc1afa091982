/**
 * `@tripline/sigmahq`: the SigmaHQ rules (Windows and Linux process, file, network and registry),
 * vendored in this package under the Detection Rule License 1.1 and loaded through `@tripline/sigma`.
 *
 * ```ts
 * import { analyze } from '@tripline/core';
 * import { detectors, report } from '@tripline/sigmahq';
 *
 * const result = await analyze(['events.ndjson'], { detectors });
 * ```
 *
 * The rules are compiled once, when the module is imported. Every alert a rule produces carries the
 * rule's `author`, as the licence asks of anyone who shows messages based on its matches.
 * @packageDocumentation
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DetectorFamily } from '@tripline/core';
import {
  type CompileSigmaOptions,
  compileSigma,
  type LoadReport,
  mdeMapping,
  type SigmaMapping,
  type SigmaSelect,
  type SigmaSet,
} from '@tripline/sigma';

/**
 * What {@link loadSigmaHQ} accepts: the options of `compileSigma` (placeholders, selection, grouping),
 * the mapping optional (default: the Defender mapping, `mdeMapping()`).
 */
export type SigmaHQOptions = Omit<CompileSigmaOptions, 'mapping'> & { readonly mapping?: SigmaMapping };

/** The SigmaHQ/sigma commit the vendored rules were copied from (also in the package's `SOURCE.md`). */
export const SIGMAHQ_COMMIT = '8eaafff1f2845a696050e05e72ba1140ee190698';

/** The name of the rule family of this package (`DetectorFamily.id`), unique in a run. */
export const SIGMAHQ_FAMILY = 'sigmahq';

/** The prefix of every rule's source name in load reports and alerts: `@tripline/sigmahq/rules/windows/…`. */
const SOURCE_PREFIX = '@tripline/sigmahq/';

/**
 * The package folder. Both builds (`dist/index.js`, `dist/index.cjs`) and the sources (`src/index.ts`)
 * sit one level below it, beside `rules/`. CommonJS has `__dirname`; ES modules have `import.meta.url`.
 */
function packageDir(): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  return join(here, '..');
}

/** The folder that holds the vendored rules (`rules/linux/…`, `rules/windows/…`). */
export const sigmahqRulesDir: string = join(packageDir(), 'rules');

/**
 * The vendored rules as `compileSigma` sources, sorted by path, named `@tripline/sigmahq/rules/…`:
 * to compile them together with rules of your own. Read from the package's files at each call (a
 * compiled set keeps the texts it was given, about 3 MB for these rules, in place of every rule's parsed
 * document and expression: see `compileSigma`).
 */
export function sigmahqSources(): readonly { readonly text: string; readonly name: string }[] {
  const files: string[] = [];
  const walk = (dir: string, rel: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true })
      .map((e) => ({ name: e.name, dir: e.isDirectory(), file: e.isFile() }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.dir) walk(join(dir, e.name), `${rel}/${e.name}`);
      else if (e.file && /\.ya?ml$/.test(e.name)) files.push(`${rel}/${e.name}`);
    }
  };
  walk(sigmahqRulesDir, 'rules');
  files.sort();
  return Object.freeze(
    files.map((rel) => ({
      name: `${SOURCE_PREFIX}${rel}`,
      text: readFileSync(join(packageDir(), ...rel.split('/')), 'utf8'),
    })),
  );
}

/**
 * Compile the SigmaHQ rules with options of your own: placeholders for `expand`, a selection by
 * status or level, grouping, another mapping. Synchronous; each call compiles anew.
 */
export function loadSigmaHQ(options: SigmaHQOptions = {}): SigmaSet {
  const set = compileSigma([...sigmahqSources()], { ...options, mapping: options.mapping ?? mdeMapping() });
  // A run refuses two families of one name: this one is `sigmahq`, so that it runs next to the
  // `sigma` family of the user's own Sigma rules (`tripline analyze --rules … --detectors @tripline/sigmahq`).
  const family: DetectorFamily = Object.freeze({ ...set.family, id: SIGMAHQ_FAMILY });
  return Object.freeze({ ...set, family, detectors: Object.freeze([family, ...set.correlations]) });
}

/**
 * The detectors of the rules a selection keeps (by level, by status): what `tripline analyze --detectors
 * @tripline/sigmahq --sigma-level high` runs. The same as `loadSigmaHQ({ select }).detectors`.
 */
export function withSigmaSelect(select: SigmaSelect): SigmaSet['detectors'] {
  return loadSigmaHQ({ select }).detectors;
}

/** Every SigmaHQ rule of the package, compiled with the default options at import. */
export const sigmahq: SigmaSet = loadSigmaHQ();

/**
 * What `tripline analyze --detectors @tripline/sigmahq` runs and what `analyze({ detectors })` takes:
 * the rule family (one index over all loaded rules) and the correlations.
 */
export const detectors: SigmaSet['detectors'] = sigmahq.detectors;

/** The load report of {@link sigmahq}: every rule loaded, degraded or skipped, with its reasons. */
export const report: LoadReport = sigmahq.report;

export type { LoadReport, SigmaSet } from '@tripline/sigma';
