import { isSeverity, SEVERITIES, type Severity } from '@tripline/core';
import { canonicalTimeZone } from '@tripline/core/unstable';
import { InvalidArgumentError, Option } from 'commander';
import { parseIsoTime } from './generated-at.js';
import { timeoutArg } from './narrate.js';

// The parsers of option values: each turns a bad value into commander's usage error.

export function severityArg(value: string): Severity {
  const v = value.toLowerCase();
  if (!isSeverity(v)) throw new InvalidArgumentError(`Allowed choices are ${SEVERITIES.join(', ')}.`);
  return v;
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The statuses of the Sigma specification, which `--sigma-status` selects among. */
export const SIGMA_STATUSES: readonly string[] = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'];

/** `--sigma-status stable,test`: a comma-separated list of Sigma statuses (deduplicated, lower-cased). */
export function sigmaStatusArg(value: string): string[] {
  const list = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  if (list.length === 0 || list.some((s) => !SIGMA_STATUSES.includes(s)))
    throw new InvalidArgumentError(`Expected a comma-separated list of ${SIGMA_STATUSES.join(', ')}.`);
  return [...new Set(list)];
}

/**
 * `--rules`, `--detectors`, `--no-builtin`, and which Sigma rules of `--rules` load (`--sigma-level`,
 * `--sigma-status`): the detectors of a run, for every command that runs or lists them.
 */
export function detectorOptions(): [
  rules: Option,
  detectors: Option,
  noBuiltin: Option,
  sigmaLevel: Option,
  sigmaStatus: Option,
] {
  return [
    new Option(
      '--rules <path>',
      'rule file or folder of rule files (tripline YAML or JSON, or Sigma) to run too; repeatable',
    ).argParser(collect),
    new Option(
      '--detectors <module>',
      'npm package (resolved from the current folder) or module path exporting detectors to run too; repeatable',
    ).argParser(collect),
    new Option('--no-builtin', 'do not run the built-in Defender detectors (only --rules and --detectors)'),
    ...sigmaSelectOptions(),
  ];
}

/**
 * `--sigma-level`, `--sigma-status`: which Sigma rules load; the others are reported `not-selected`.
 * `of` says which rules, as the command's help shows it: those of `--rules` and of the `--detectors`
 * modules that select theirs (`withSigmaSelect`) by default, the paths' for `tripline rules check`.
 */
export function sigmaSelectOptions(
  of = '(of --rules, and of --detectors modules that select theirs)',
): [sigmaLevel: Option, sigmaStatus: Option] {
  return [
    new Option(
      '--sigma-level <level>',
      `load only the Sigma rules ${of} at this level or above (${SEVERITIES.join(', ')}; a rule without a level counts as medium)`,
    ).argParser(severityArg),
    new Option(
      '--sigma-status <statuses>',
      `load only the Sigma rules ${of} with one of these statuses, comma-separated (${SIGMA_STATUSES.join(', ')})`,
    ).argParser(sigmaStatusArg),
  ];
}

export function timeZoneArg(value: string): string {
  const zone = canonicalTimeZone(value);
  if (zone === undefined)
    throw new InvalidArgumentError(
      'Unknown time zone; give an IANA name such as Europe/Berlin, America/New_York or UTC.',
    );
  return zone;
}

export function isoArg(value: string): string {
  const iso = parseIsoTime(value);
  if (iso === undefined) throw new InvalidArgumentError('Expected an ISO-8601 time such as 2025-01-31T12:00:00Z.');
  return iso;
}

/** `--llm-timeout`: seconds, more than 0 and at most an hour. */
export function llmTimeoutArg(value: string): number {
  try {
    return timeoutArg(value);
  } catch {
    throw new InvalidArgumentError('Expected seconds, more than 0 and at most 3600.');
  }
}

/** `--workers N`: 1 to 16 threads (1: the analysis runs in the main thread). */
export function workersArg(value: string): number {
  const n = /^[0-9]{1,2}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= 16)) throw new InvalidArgumentError('Expected a number of threads from 1 to 16.');
  return n;
}
