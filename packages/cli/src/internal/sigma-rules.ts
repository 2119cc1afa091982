import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isTriplineError } from '@tripline/core';
import { ruleFiles } from '@tripline/core/unstable';
import {
  compileSigma,
  type LoadEntry,
  type LoadReport,
  mdeMapping,
  type SigmaSelect,
  type SigmaSet,
} from '@tripline/sigma';
import { isMap, parseAllDocuments } from 'yaml';
import { CliError } from './errors.js';

/**
 * A YAML document is Sigma when its top level is a map with `logsource` and `detection` (a rule),
 * `correlation` (a correlation rule) or `logsource` and `filter` (a Sigma filter). tripline's own rule
 * format has none of these keys, so one file is never both. JSON files are always tripline rules.
 */
export function isSigmaText(text: string): boolean {
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text);
  } catch {
    return false;
  }
  const list = Array.isArray(docs) ? docs : [];
  return list.some((doc) => {
    const top = doc.contents;
    if (!isMap(top)) return false;
    const keys = new Set(top.items.map((pair) => (pair.key as { value?: unknown } | null)?.value));
    return (keys.has('logsource') && (keys.has('detection') || keys.has('filter'))) || keys.has('correlation');
  });
}

/** The files of rule paths (files or folders), each told tripline rule file or Sigma file. */
export interface SplitRuleFiles {
  /** tripline rule files (YAML or JSON). */
  readonly rules: readonly string[];
  /** Sigma rule files (YAML). */
  readonly sigma: readonly string[];
}

/** A file of a rule path that could not be listed or read. */
export interface SplitFailure {
  readonly file: string;
  readonly message: string;
}

/**
 * List the rule files of each path (`ruleFiles`: sorted, fixtures left out) and tell each one's kind by
 * its content ({@link isSigmaText}). A path that does not exist or holds no rule file is a failure.
 */
export function splitRuleFiles(paths: readonly string[]): SplitRuleFiles & { failures: SplitFailure[] } {
  const rules: string[] = [];
  const sigma: string[] = [];
  const failures: SplitFailure[] = [];
  for (const path of paths) {
    let files: string[];
    try {
      files = ruleFiles(path);
    } catch (error) {
      if (!isTriplineError(error)) throw error;
      failures.push({ file: path, message: error.message });
      continue;
    }
    for (const file of files) {
      const ext = extname(file).toLowerCase();
      if (ext !== '.yml' && ext !== '.yaml') {
        rules.push(file);
        continue;
      }
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        // The tripline loader reports an unreadable file with its own message.
        rules.push(file);
        continue;
      }
      (isSigmaText(text) ? sigma : rules).push(file);
    }
  }
  return { rules, sigma, failures };
}

/** Compile Sigma files (as listed by {@link splitRuleFiles}) into one set: one family, one load report. */
export function compileSigmaFiles(files: readonly string[], select?: SigmaSelect): SigmaSet {
  const sources = files.map((file) => {
    try {
      return { name: file, text: readFileSync(file, 'utf8') };
    } catch (error) {
      throw new CliError(
        `cannot read Sigma rule file ${file}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  });
  return compileSigma(sources, { mapping: mdeMapping(), ...(select ? { select } : {}) });
}

/** Where a run's Sigma selection came from: the command line's options, or the config file's keys. */
export interface SigmaSelectFrom {
  readonly level: 'flag' | 'config';
  readonly status: 'flag' | 'config';
}

/**
 * `--sigma-level`/`--sigma-status` (or `sigmaLevel`/`sigmaStatus` of the config file) select among the
 * Sigma files of `--rules` (and `rules`) and, where a command loads detector modules (`modules`: analyze,
 * detectors, stream), among the rules of the modules that can select theirs (`withSigmaSelect`). With
 * none of those, they would select nothing, silently (a pack without the hook would run every rule).
 * That is a usage error, which names what asked for the selection and says how to select.
 */
export function noSigmaToSelect(
  sigmaFiles: readonly string[],
  select: SigmaSelect,
  from: SigmaSelectFrom = { level: 'flag', status: 'flag' },
  modules = false,
): void {
  if (sigmaFiles.length > 0) return;
  const names = [
    ...(select.minLevel !== undefined ? [from.level === 'flag' ? '--sigma-level' : 'sigmaLevel (--config)'] : []),
    ...(select.status !== undefined ? [from.status === 'flag' ? '--sigma-status' : 'sigmaStatus (--config)'] : []),
  ];
  const verb = names.length > 1 ? 'select' : 'selects';
  const config = names.some((n) => n.endsWith('(--config)'));
  if (modules)
    throw new CliError(
      `${names.join(' and ')} ${verb} among the Sigma rules of ${config ? 'rules and --rules' : '--rules'} and of detector modules that select theirs (as @tripline/sigmahq does), and none was given: no Sigma file among the paths, no such module`,
    );
  throw new CliError(
    config
      ? `${names.join(' and ')} ${verb} among the Sigma rules of rules and --rules, and none of their paths holds one; a detector module's rules are not selected (for the SigmaHQ rules: node_modules/@tripline/sigmahq/rules in rules or --rules, instead of @tripline/sigmahq in modules or --detectors)`
      : `${names.join(' and ')} ${verb} among the Sigma rules of --rules, and no --rules path holds one; a detector module's rules are not selected here (for the SigmaHQ rules: --rules node_modules/@tripline/sigmahq/rules instead of --detectors @tripline/sigmahq)`,
  );
}

/** A rule left out by the load's `select` (`--sigma-level`, `--sigma-status`): asked for, not a problem. */
export function notSelected(entry: LoadEntry): boolean {
  return entry.status === 'skipped' && entry.reasons.some((r) => r.code === 'not-selected');
}

/** A document that did not parse (YAML or schema): a load error, like a tripline rule file that fails. */
export function isParseFailure(entry: LoadEntry): boolean {
  return entry.reasons.some((r) => r.code === 'yaml-invalid' || r.code === 'schema-invalid');
}

/**
 * {@link compileSigmaFiles}, refusing a set in which a document does not parse: the error names the
 * first one's file:line:column, as for a tripline rule file (`tripline rules check` lists them all).
 */
export function compileSigmaOrThrow(files: readonly string[], select?: SigmaSelect): SigmaSet {
  const set = compileSigmaFiles(files, select);
  const broken = set.report.entries.find(isParseFailure);
  if (broken) {
    const reason = broken.reasons.find((r) => r.code === 'yaml-invalid' || r.code === 'schema-invalid');
    const at = reason?.position ?? broken.source;
    throw new CliError(
      `invalid Sigma rule: ${at.file}:${at.line}:${at.column}: ${reason?.message ?? 'does not parse'} (tripline rules check lists every problem)`,
    );
  }
  return set;
}

/** The file a Sigma detector (`sigma/<id>`) was read from, by detector id. */
export function sigmaSourceFiles(set: SigmaSet): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const entry of set.report.entries) if (entry.detectorId) out.set(entry.detectorId, entry.source.file);
  return out;
}

export type { LoadReport };
