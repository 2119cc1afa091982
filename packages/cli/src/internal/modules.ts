/**
 * Detector modules given to `--detectors` (or `modules` of the config file): resolved from the current
 * folder as `import` would, imported, and read for the detectors they export — or, with a Sigma
 * selection, asked for the detectors of that selection (`withSigmaSelect`).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AnyDetector, type DetectorOrFamily, isDetectorFamily } from '@tripline/core';
import type { SigmaSelect } from '@tripline/sigma';
import { CliError } from './errors.js';

function isDetector(value: unknown): value is AnyDetector {
  if (value === null || typeof value !== 'object') return false;
  const d = value as Record<string, unknown>;
  const meta = d.meta as { id?: unknown } | null | undefined;
  return (
    typeof meta === 'object' &&
    meta !== null &&
    typeof meta.id === 'string' &&
    ['match', 'onDevice', 'correlate'].some((k) => typeof d[k] === 'function')
  );
}

const isDetectorOrFamily = (value: unknown): value is DetectorOrFamily => isDetector(value) || isDetectorFamily(value);

/**
 * A detector, a detector family, an array of them, or a preset object `{ detectors: [...] }`;
 * undefined for anything else.
 */
function detectorsIn(value: unknown): readonly DetectorOrFamily[] | undefined {
  if (isDetectorOrFamily(value)) return [value];
  if (Array.isArray(value) && value.length > 0 && value.every(isDetectorOrFamily)) return value;
  const inner = (value as { detectors?: unknown } | null | undefined)?.detectors;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Array.isArray(inner)) {
    return inner.length > 0 && inner.every(isDetectorOrFamily) ? inner : undefined;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The detectors a module exports (detector families count as detectors here: a rule engine's family
 * stands for all its members). Accepted, in this order: a default export that is a detector or a
 * family, an array of them or a preset `{ detectors }`; a named export `detectors`; the one named array of
 * detectors (or, when there are several, the one that holds all the others, as a pack's full preset
 * holds its subsets); else every named export that is a single detector. Anything else is an error
 * naming the module and what it exports.
 */
export function detectorsOfModule(ns: Record<string, unknown>, name: string): readonly DetectorOrFamily[] {
  const fromDefault = detectorsIn(ns.default);
  if (fromDefault) return fromDefault;
  // A CommonJS module's exports arrive as `default` too: look inside it as a namespace.
  const named: Record<string, unknown> =
    ns.default !== null && typeof ns.default === 'object' && !Array.isArray(ns.default)
      ? { ...(ns.default as Record<string, unknown>), ...ns }
      : ns;
  const fromDetectors = detectorsIn(named.detectors);
  if (fromDetectors) return fromDetectors;
  const keys = Object.keys(named)
    .filter((k) => k !== 'default')
    .sort();
  const arrays = keys.flatMap((k) => {
    const v = named[k];
    return Array.isArray(v) && detectorsIn(v) ? [{ k, v: v as readonly DetectorOrFamily[] }] : [];
  });
  if (arrays.length === 1) return arrays[0]!.v;
  if (arrays.length > 1) {
    const all = arrays.find((a) => arrays.every((b) => b.v.every((d) => a.v.includes(d))));
    if (all) return all.v;
    throw new CliError(
      `detector module ${name} exports several detector arrays (${arrays.map((a) => a.k).join(', ')}) and none holds the others; export the set to run as default or as "detectors"`,
    );
  }
  const singles = keys.filter((k) => isDetectorOrFamily(named[k])).map((k) => named[k] as DetectorOrFamily);
  if (singles.length > 0) return singles;
  const found = keys.length
    ? keys
        .slice(0, 8)
        .map((k) => `${k} (${describe(named[k])})`)
        .join(', ')
    : ns.default !== undefined
      ? `only a default export (${describe(ns.default)})`
      : 'nothing';
  throw new CliError(
    `detector module ${name} exports no detectors: expected a detector, an array of detectors or { detectors: [...] } as default or named export; found ${found}`,
  );
}

/** `exports`/`module`/`main` of a package folder → the file to import (ESM-only packages included). */
function packageEntry(dir: string): string | undefined {
  let pkg: { exports?: unknown; module?: unknown; main?: unknown };
  try {
    pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    return existsSync(join(dir, 'index.js')) ? join(dir, 'index.js') : undefined;
  }
  const pick = (e: unknown): string | undefined => {
    if (typeof e === 'string') return e;
    if (e !== null && typeof e === 'object') {
      const o = e as Record<string, unknown>;
      if ('.' in o) return pick(o['.']);
      return pick(o.import) ?? pick(o.node) ?? pick(o.default) ?? pick(o.require);
    }
    return undefined;
  };
  const entry =
    pick(pkg.exports) ??
    (typeof pkg.module === 'string' ? pkg.module : undefined) ??
    (typeof pkg.main === 'string' ? pkg.main : 'index.js');
  return join(dir, entry);
}

/** Resolve a module given on the command line or in the config file to a file URL. */
function resolveModule(spec: string, base: string): string {
  const isPath = spec.startsWith('.') || isAbsolute(spec) || /\.(?:m?js|cjs)$/.test(spec);
  if (isPath) {
    const full = resolve(base, spec);
    let info: ReturnType<typeof statSync>;
    try {
      info = statSync(full);
    } catch {
      throw new CliError(`cannot load detector module ${spec}: no such file or directory (${full})`);
    }
    const file = info.isDirectory() ? packageEntry(full) : full;
    if (file === undefined)
      throw new CliError(`cannot load detector module ${spec}: no package.json or index.js in ${full}`);
    return pathToFileURL(file).href;
  }
  try {
    return pathToFileURL(createRequire(join(base, 'noop.js')).resolve(spec)).href;
  } catch {
    // ESM-only packages (exports with an "import" condition only) are not found by require: walk up.
    const [scopeOrName, maybeName] = spec.split('/');
    const pkgName = scopeOrName?.startsWith('@') ? `${scopeOrName}/${maybeName}` : (scopeOrName ?? spec);
    for (let dir = resolve(base); ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', pkgName);
      if (existsSync(join(candidate, 'package.json'))) {
        const sub = spec.slice(pkgName.length);
        const file = sub ? join(candidate, sub) : packageEntry(candidate);
        if (file) return pathToFileURL(file).href;
      }
      if (dirname(dir) === dir) break;
    }
    throw new CliError(`cannot load detector module ${spec}: not found from ${base} (is it installed?)`);
  }
}

/**
 * The export of a detector module that selects among its Sigma rules: `withSigmaSelect(select)` returns
 * (or resolves to) the detectors to run for `compileSigma`'s `select` (`@tripline/sigmahq` has it).
 */
export const SIGMA_SELECT_HOOK = 'withSigmaSelect';

/** The detectors of a module, and whether it selected among its Sigma rules for `select`. */
export async function loadModule(
  spec: string,
  base: string,
  select?: SigmaSelect,
): Promise<{ detectors: readonly DetectorOrFamily[]; selected: boolean }> {
  const url = resolveModule(spec, base);
  let ns: Record<string, unknown>;
  try {
    ns = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(
      `cannot load detector module ${spec}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      { cause: error },
    );
  }
  if (select !== undefined) {
    const holder = ns.default !== null && typeof ns.default === 'object' ? (ns.default as Record<string, unknown>) : {};
    const hook = ns[SIGMA_SELECT_HOOK] ?? holder[SIGMA_SELECT_HOOK];
    if (typeof hook === 'function') {
      let value: unknown;
      try {
        value = await (hook as (s: SigmaSelect) => unknown)(select);
      } catch (error) {
        throw new CliError(
          `detector module ${spec}: ${SIGMA_SELECT_HOOK} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
          { cause: error },
        );
      }
      const detectors = detectorsIn(value);
      if (detectors === undefined)
        throw new CliError(`detector module ${spec}: ${SIGMA_SELECT_HOOK} returned no detectors (${describe(value)})`);
      return { detectors, selected: true };
    }
  }
  return { detectors: detectorsOfModule(ns, spec), selected: false };
}
