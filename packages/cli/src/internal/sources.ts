import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  type AnyDetector,
  type DetectorFamily,
  type DetectorOrFamily,
  isDetectorFamily,
  isSeverity,
  loadRuleFile,
  SEVERITIES,
  type Severity,
} from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import type { LoadReport, SigmaSelect } from '@tripline/sigma';
import { SIGMA_STATUSES } from './args.js';
import { CliError } from './errors.js';
import { loadModule } from './modules.js';
import {
  compileSigmaOrThrow,
  noSigmaToSelect,
  type SigmaSelectFrom,
  sigmaSourceFiles,
  splitRuleFiles,
} from './sigma-rules.js';

/** The keys of a `--config` file that say which detectors run (the CLI reads them; core never sees them). */
export interface ConfigSources extends SigmaSelectOptions {
  readonly rules?: readonly string[];
  readonly modules?: readonly string[];
  readonly builtin?: boolean;
}

const stringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0);

/**
 * Take `rules`, `modules`, `builtin`, `sigmaLevel` and `sigmaStatus` out of a parsed config file; paths
 * (rule files, module paths starting with `.`) become relative to the config file's folder. Returns them
 * and the rest, which core's `validateRunConfig` checks.
 */
export function splitConfigSources(raw: unknown, configPath: string): { sources: ConfigSources; rest: unknown } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { sources: {}, rest: raw };
  const { rules, modules, builtin, sigmaLevel, sigmaStatus, ...rest } = raw as Record<string, unknown>;
  const where = (key: string, what: string) => `invalid configuration: ${configPath}: ${key}: ${what}`;
  if (rules !== undefined && !stringList(rules)) throw new CliError(where('rules', 'a list of rule files or folders'));
  if (modules !== undefined && !stringList(modules))
    throw new CliError(where('modules', 'a list of npm package names or module paths'));
  if (builtin !== undefined && typeof builtin !== 'boolean') throw new CliError(where('builtin', 'true or false'));
  const level = typeof sigmaLevel === 'string' ? sigmaLevel.trim().toLowerCase() : sigmaLevel;
  if (level !== undefined && !isSeverity(level))
    throw new CliError(where('sigmaLevel', `one of ${SEVERITIES.join(', ')}`));
  const statuses = stringList(sigmaStatus) ? [...new Set(sigmaStatus.map((v) => v.trim().toLowerCase()))] : undefined;
  if (sigmaStatus !== undefined && (statuses === undefined || statuses.some((v) => !SIGMA_STATUSES.includes(v))))
    throw new CliError(where('sigmaStatus', `a list of ${SIGMA_STATUSES.join(', ')}`));
  const dir = dirname(configPath);
  const near = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  return {
    sources: {
      ...(rules ? { rules: rules.map(near) } : {}),
      ...(modules ? { modules: modules.map((m) => (m.startsWith('.') ? resolve(dir, m) : m)) } : {}),
      ...(builtin !== undefined ? { builtin } : {}),
      ...(level !== undefined ? { sigmaLevel: level } : {}),
      ...(statuses !== undefined ? { sigmaStatus: statuses } : {}),
    },
    rest,
  };
}

/** Where a loaded detector came from. */
export type DetectorOrigin =
  | { readonly kind: 'builtin' }
  | { readonly kind: 'module'; readonly module: string }
  | { readonly kind: 'rule'; readonly file: string };

/** A detector of the run with its origin (and the family that serves it, for a family's member). */
export interface LoadedDetector {
  readonly detector: AnyDetector;
  readonly origin: DetectorOrigin;
  /**
   * The family that runs this detector (a module's family; the Sigma rules of `--rules`, one index over
   * all of them). The member is listed, configured and checked for duplicate ids like any detector.
   */
  readonly family?: DetectorFamily;
}

/** What a run loaded from the Sigma files of `--rules`: the load report, for the rules not loaded as written. */
export interface SigmaRulesLoad {
  readonly report: LoadReport;
}

/**
 * What `analyze({ detectors })` gets for a loaded set: each detector, except that the members of a
 * family are given as their family, once, where its first member stands.
 */
export function runnable(loaded: readonly LoadedDetector[]): DetectorOrFamily[] {
  const out: DetectorOrFamily[] = [];
  const families = new Set<DetectorFamily>();
  for (const l of loaded) {
    if (l.family === undefined) out.push(l.detector);
    else if (!families.has(l.family)) {
      families.add(l.family);
      out.push(l.family);
    }
  }
  return out;
}

/** What to load: rule files or folders, detector modules, and whether the built-in preset runs. */
export interface DetectorSources {
  /** Rule files or folders (resolved against `cwd`). */
  readonly rules: readonly string[];
  /** npm package names (resolved from `cwd`) or paths of modules that export detectors. */
  readonly modules: readonly string[];
  /** Run the built-in Defender preset too (default true). */
  readonly builtin: boolean;
  /** Which Sigma rules of `rules` load (`--sigma-level`, `--sigma-status`); all when undefined. */
  readonly sigmaSelect?: SigmaSelect;
  /** Whether each part of `sigmaSelect` came from the command line or the config file (flags when undefined). */
  readonly sigmaSelectFrom?: SigmaSelectFrom;
}

/** The command-line options that select Sigma rules. */
export interface SigmaSelectOptions {
  /** `--sigma-level`: the lowest level loaded. */
  readonly sigmaLevel?: Severity;
  /** `--sigma-status`: the statuses loaded. */
  readonly sigmaStatus?: readonly string[];
}

/** What the command line says of a run's detectors. */
export interface DetectorFlags extends SigmaSelectOptions {
  /** `--rules PATH` (repeatable): rule files or folders, added to the detectors. */
  readonly rules?: readonly string[];
  /** `--detectors MODULE` (repeatable): npm packages or module paths exporting detectors. */
  readonly detectors?: readonly string[];
  /** `--no-builtin` sets this false: run only the rules and modules given. */
  readonly builtin?: boolean;
}

/** The Sigma selection of a run: each of the command line's options, else the config file's. */
export function mergeSelect(config: SigmaSelectOptions, cli: SigmaSelectOptions): SigmaSelectOptions {
  const sigmaLevel = cli.sigmaLevel ?? config.sigmaLevel;
  const sigmaStatus = cli.sigmaStatus ?? config.sigmaStatus;
  return {
    ...(sigmaLevel !== undefined ? { sigmaLevel } : {}),
    ...(sigmaStatus !== undefined ? { sigmaStatus } : {}),
  };
}

/** The `select` of `compileSigma` that `--sigma-level` and `--sigma-status` ask for, or undefined. */
export function sigmaSelectOf(options: SigmaSelectOptions): SigmaSelect | undefined {
  const { sigmaLevel, sigmaStatus } = options;
  if (sigmaLevel === undefined && sigmaStatus === undefined) return undefined;
  return {
    ...(sigmaLevel !== undefined ? { minLevel: sigmaLevel } : {}),
    ...(sigmaStatus !== undefined ? { status: sigmaStatus } : {}),
  };
}

/** The error of a run left without detectors, said in the terms of what the command line asked for. */
export function nothingToRun(options: SigmaSelectOptions, sigma: LoadReport | undefined): CliError {
  const select = sigmaSelectOf(options);
  if (select !== undefined && sigma !== undefined && sigma.documents > 0)
    return new CliError(
      `no detectors to run: ${sigmaSelectText(select)} left out every Sigma rule of --rules, and there is nothing else to run`,
    );
  // Selected, and no Sigma file: the rules were a module's (`withSigmaSelect`), and it returned none.
  if (select !== undefined)
    return new CliError(
      `no detectors to run: ${sigmaSelectText(select)} left out every Sigma rule of the detector modules, and there is nothing else to run`,
    );
  return new CliError('no detectors to run: --no-builtin (or builtin: false) needs --rules or --detectors');
}

/** `--sigma-level high --sigma-status stable,test`, as a user typed it (for messages). */
export function sigmaSelectText(select: SigmaSelect): string {
  return [
    ...(select.minLevel !== undefined ? [`--sigma-level ${select.minLevel}`] : []),
    ...(select.status !== undefined ? [`--sigma-status ${select.status.join(',')}`] : []),
  ].join(' ');
}

/** The error of two detectors of one run with one id, naming where each came from. */
export function duplicateId(id: string, first: DetectorOrigin, second: DetectorOrigin): CliError {
  return new CliError(
    `two detectors have the id ${id}: one from ${originText(first)}, one from ${originText(second)}; rename one (or run without the built-in preset: --no-builtin)`,
  );
}

/** `builtin`, the module name, or the rule file: how `tripline detectors` shows an origin. */
export function originText(origin: DetectorOrigin): string {
  return origin.kind === 'builtin' ? 'builtin' : origin.kind === 'module' ? origin.module : origin.file;
}

/**
 * The sources of a run: the config file's, then the command line's added (`--no-builtin` wins;
 * `--sigma-level` and `--sigma-status` each replace the file's `sigmaLevel`, `sigmaStatus`).
 */
export function mergeSources(config: ConfigSources, cli: DetectorFlags): DetectorSources {
  const sigmaSelect = sigmaSelectOf(mergeSelect(config, cli));
  const sigmaSelectFrom: SigmaSelectFrom = {
    level: cli.sigmaLevel === undefined && config.sigmaLevel !== undefined ? 'config' : 'flag',
    status: cli.sigmaStatus === undefined && config.sigmaStatus !== undefined ? 'config' : 'flag',
  };
  return {
    rules: [...(config.rules ?? []), ...(cli.rules ?? [])],
    modules: [...(config.modules ?? []), ...(cli.detectors ?? [])],
    builtin: cli.builtin === false ? false : (config.builtin ?? true),
    ...(sigmaSelect ? { sigmaSelect, sigmaSelectFrom } : {}),
  };
}

/**
 * Load the detectors of a run: the built-in preset (unless `builtin` is false), then each module,
 * then each rule file, in the order given. Two detectors with one id are an error naming both origins.
 * Sigma files among the rule files (told by content) are compiled together into one family; a Sigma
 * file that does not parse is an error, the load report goes to `onSigma`.
 */
export async function loadDetectorSet(
  sources: DetectorSources,
  cwd: string,
  onSigma?: (load: SigmaRulesLoad) => void,
  /** Sigma files the caller loads itself (`export kql`): the selection may be for them. */
  sigmaElsewhere: readonly string[] = [],
): Promise<LoadedDetector[]> {
  const out: LoadedDetector[] = [];
  if (sources.builtin) for (const detector of defenderDetectors) out.push({ detector, origin: { kind: 'builtin' } });
  let selectable = 0;
  for (const spec of sources.modules) {
    const origin = { kind: 'module', module: spec } as const;
    const loaded = await loadModule(spec, cwd, sources.sigmaSelect);
    if (loaded.selected) selectable++;
    for (const entry of loaded.detectors) {
      if (!isDetectorFamily(entry)) out.push({ detector: entry, origin });
      else for (const detector of entry.members) out.push({ detector, origin, family: entry });
    }
  }
  const split = splitRuleFiles(sources.rules);
  const failure = split.failures[0];
  if (failure) throw new CliError(failure.message);
  if (sources.sigmaSelect !== undefined && selectable === 0)
    noSigmaToSelect([...split.sigma, ...sigmaElsewhere], sources.sigmaSelect, sources.sigmaSelectFrom, true);
  for (const file of split.rules) {
    const loaded = loadRuleFile(file);
    out.push({ detector: loaded.detector, origin: { kind: 'rule', file: loaded.file } });
  }
  if (split.sigma.length > 0) {
    const set = compileSigmaOrThrow(split.sigma, sources.sigmaSelect);
    const files = sigmaSourceFiles(set);
    const fileOf = (d: AnyDetector) => files.get(d.meta.id) ?? split.sigma[0]!;
    for (const detector of set.family.members)
      out.push({ detector, origin: { kind: 'rule', file: fileOf(detector) }, family: set.family });
    for (const detector of set.correlations) out.push({ detector, origin: { kind: 'rule', file: fileOf(detector) } });
    onSigma?.({ report: set.report });
  }
  const seen = new Map<string, LoadedDetector>();
  for (const entry of out) {
    const id = entry.detector.meta.id;
    const first = seen.get(id);
    if (first && first.detector !== entry.detector) throw duplicateId(id, first.origin, entry.origin);
    if (!first) seen.set(id, entry);
  }
  // The same detector object twice (a module re-exporting the preset next to --builtin) runs once.
  return [...seen.values()];
}
