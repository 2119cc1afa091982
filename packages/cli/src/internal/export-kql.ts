import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type AnyDetector, loadRuleFile, type Severity } from '@tripline/core';
import {
  type ArtefactOptions,
  artefactsFor,
  CUSTOM_DETECTION_COLUMNS,
  type CustomDetectionPeriod,
  checkKqlAll,
  type ExportedRule,
  type ExportSource,
  exportDetector,
  exportRuleFile,
  exportSigma,
  type KqlArtefact,
  type KqlCheckJob,
  type KqlDiagnostic,
  type KqlRefusal,
  type KqlTarget,
  type KqlWarning,
} from '@tripline/kql';
import { type SigmaOrigin, sigmaOriginOf } from '@tripline/sigma';
import { CliError, EXIT, type ExitCode, fsReason } from './errors.js';
import { type CliIo, writeStdout } from './io.js';
import { compileSigmaOrThrow, sigmaSourceFiles, splitRuleFiles } from './sigma-rules.js';
import { duplicateId, loadDetectorSet, mergeSources, sigmaSelectOf } from './sources.js';
import { escapeJsonForTerminal, formatCount, terminalText } from './text.js';

/** Options of `tripline export kql`. */
export interface ExportKqlOptions {
  readonly target: KqlTarget;
  readonly output: string;
  readonly format: 'text' | 'json';
  /** `--rules PATH` (repeatable): Sigma files and tripline rule files, or folders of them. */
  readonly rules?: readonly string[];
  /**
   * `--detectors MODULE` (repeatable): modules exporting detectors. Those declaring `meta.kql` are
   * exported, and so are those compiled from Sigma rules (`@tripline/sigmahq`), from their rules.
   */
  readonly detectors?: readonly string[];
  /** `--no-builtin` sets this false: leave the built-in Defender detectors out. */
  readonly builtin?: boolean;
  /**
   * `--sigma-level`, `--sigma-status`: which Sigma rules of `rules`, and of the modules that select
   * theirs (`withSigmaSelect`), load and are exported.
   */
  readonly sigmaLevel?: Severity;
  readonly sigmaStatus?: readonly string[];
  /** `--period`: a custom detection's schedule (default: the shortest whose lookback covers the query's window). */
  readonly period?: CustomDetectionPeriod;
}

/** One rule or detector of the export and what became of it. */
export interface ExportEntry {
  readonly id: string;
  readonly kind: ExportSource['kind'];
  readonly title: string;
  readonly file?: string;
  readonly status: 'exported' | 'refused' | 'invalid';
  /** Written files, relative to the output folder. */
  readonly paths?: readonly string[];
  readonly warnings?: readonly KqlWarning[];
  readonly refusals?: readonly KqlRefusal[];
  /** Language-service and literal errors of a query that was therefore not written. */
  readonly diagnostics?: readonly KqlDiagnostic[];
}

/** The machine-readable summary (`--format json`). */
export interface ExportSummary {
  readonly target: KqlTarget;
  readonly output: string;
  readonly counts: {
    readonly total: number;
    readonly exported: number;
    readonly refused: number;
    readonly invalid: number;
  };
  readonly refusedByCode: Readonly<Record<string, number>>;
  readonly entries: readonly ExportEntry[];
}

/** What a custom detection's query has to return; other targets require nothing. */
function required(target: KqlTarget): readonly string[] | undefined {
  return target === 'custom-detection' ? CUSTOM_DETECTION_COLUMNS : undefined;
}

/** The query text an artefact carries: the file of advanced hunting, the Graph body's queryText, the YAML's query. */
function queryOf(artefact: KqlArtefact, rule: ExportedRule & { ok: true }): string {
  if (artefact.target === 'custom-detection')
    return (JSON.parse(artefact.content) as { queryCondition: { queryText: string } }).queryCondition.queryText;
  return rule.query.text;
}

/** Artefact paths unique on a case-insensitive file system: a clash gets a hash of the rule id appended. */
function uniquePath(path: string, id: string, taken: Set<string>): string {
  if (!taken.has(path.toLowerCase())) return path;
  const dot = path.lastIndexOf('.');
  const hash = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 10);
  return `${path.slice(0, dot)}-${hash}${path.slice(dot)}`;
}

/**
 * The exported rules of the sources, sorted by id: Sigma rules (and correlations) and tripline rule
 * files through the emitter, detectors (built-in, modules) through their `meta.kql`.
 */
async function exportedRules(options: ExportKqlOptions, cwd: string): Promise<ExportedRule[]> {
  const split = splitRuleFiles(options.rules ?? []);
  const failure = split.failures[0];
  if (failure) throw new CliError(failure.message);
  const select = sigmaSelectOf(options);
  const out: ExportedRule[] = [];
  // The selection goes to the modules too: one that selects among its Sigma rules (`withSigmaSelect`)
  // returns the selected set; with neither such a module nor a Sigma file, it is a usage error.
  const loaded = await loadDetectorSet(
    mergeSources(
      {},
      {
        rules: [],
        detectors: options.detectors ?? [],
        builtin: options.builtin ?? true,
        ...(options.sigmaLevel !== undefined ? { sigmaLevel: options.sigmaLevel } : {}),
        ...(options.sigmaStatus !== undefined ? { sigmaStatus: options.sigmaStatus } : {}),
      },
    ),
    cwd,
    undefined,
    split.sigma,
  );
  // A module's detectors compiled from Sigma rules (a pack such as @tripline/sigmahq) are exported from
  // their rules, as `--rules` exports a Sigma file: they carry no `meta.kql` of their own.
  const sets = new Map<SigmaOrigin, Set<string>>();
  for (const { detector } of loaded) {
    const origin = sigmaOriginOf(detector);
    if (origin === undefined) {
      out.push(exportDetector(detector as AnyDetector));
      continue;
    }
    let ids = sets.get(origin);
    if (ids === undefined) {
      ids = new Set();
      sets.set(origin, ids);
    }
    ids.add(detector.meta.id);
  }
  for (const [origin, ids] of sets) out.push(...exportedSigmaSet(origin, ids));
  // An id of a rule path that a module (or the built-in preset) also gives is an error, as in analyze:
  // two artefacts for one id would be two different queries under one name.
  const taken = new Map(loaded.map((l) => [l.detector.meta.id, l.origin]));
  const unique = (id: string, file: string): void => {
    const first = taken.get(id);
    if (first !== undefined) throw duplicateId(id, first, { kind: 'rule', file });
    taken.set(id, { kind: 'rule', file });
  };
  // tripline rule files through the emitter, from the validated rule (a file that does not load is an error).
  for (const file of split.rules) {
    const rule = loadRuleFile(file);
    unique(rule.detector.meta.id, rule.file);
    out.push(exportRuleFile(rule.rule, rule.file));
  }
  if (split.sigma.length > 0) {
    const set = compileSigmaOrThrow(split.sigma, select);
    const files = sigmaSourceFiles(set);
    for (const d of [...set.family.members, ...set.correlations])
      unique(d.meta.id, files.get(d.meta.id) ?? split.sigma[0]!);
    // Every document of the load report: rules and correlations exported or refused, skipped ones as not-loaded.
    out.push(...exportSigma(set));
  }
  return out.sort((a, b) => (a.source.id < b.source.id ? -1 : a.source.id > b.source.id ? 1 : 0));
}

/**
 * The rules of a module's Sigma set, exported as `--rules` exports them (its load report's documents,
 * the ones it skipped as refused), or, when the module gave only some of the set's detectors (`ids`),
 * those rules alone.
 */
function exportedSigmaSet(origin: SigmaOrigin, ids: ReadonlySet<string>): ExportedRule[] {
  const { set, mapping } = origin;
  const exported = exportSigma(set, mapping);
  const whole = set.family.members.length + set.correlations.length === ids.size;
  return whole ? exported : exported.filter((rule) => ids.has(rule.source.id));
}

/** Write a file through a temporary name, so an interrupted export never leaves half an artefact. */
function writeArtefact(dir: string, path: string, content: string): void {
  const full = join(dir, path);
  const tmp = `${full}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(tmp, content);
    renameSync(tmp, full);
  } catch (error) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The folder itself could not be made: there is no temporary file to remove.
    }
    throw new CliError(`cannot write ${full}: ${fsReason(error)}`, { cause: error });
  }
}

function entryBase(source: ExportSource): Pick<ExportEntry, 'id' | 'kind' | 'title' | 'file'> {
  return {
    id: source.id,
    kind: source.kind,
    title: source.title,
    ...(source.file !== undefined ? { file: source.file } : {}),
  };
}

/**
 * Export every rule and detector of the sources for one target: check each query (language service,
 * RE2 and CIDR literals, the columns a custom detection needs) and write one artefact per exported
 * rule under `<output>/<target>/`. A rule or detector that cannot be exported faithfully is listed
 * with its refusal code and reason; a query that fails the check is an error and is not written.
 */
export async function exportKql(options: ExportKqlOptions, cwd: string = process.cwd()): Promise<ExportSummary> {
  const rules = await exportedRules(options, cwd);
  const dir = resolve(cwd, options.output);
  const artefactOptions: ArtefactOptions = options.period !== undefined ? { period: options.period } : {};
  const taken = new Set<string>();
  const entries: ExportEntry[] = [];
  const refusedByCode: Record<string, number> = {};
  const require = required(options.target);
  const outcomes = rules.map((rule) => artefactsFor(rule, options.target, artefactOptions));
  // Every query of every artefact is checked first, on worker threads (the language service takes
  // ~25 ms per query); the answers come back in rule order, so the output does not depend on them.
  const jobs: KqlCheckJob[] = [];
  outcomes.forEach((outcome, i) => {
    if (!outcome.ok) return;
    for (const a of outcome.artefacts) {
      jobs.push({
        text: queryOf(a, rules[i] as ExportedRule & { ok: true }),
        ...(require ? { options: { require } } : {}),
      });
    }
  });
  const checked = await checkKqlAll(jobs);
  let job = 0;
  rules.forEach((rule, i) => {
    const outcome = outcomes[i]!;
    if (!outcome.ok) {
      // Rules per code: a rule refused twice for one reason counts once.
      for (const code of new Set(outcome.refusals.map((r) => r.code)))
        refusedByCode[code] = (refusedByCode[code] ?? 0) + 1;
      entries.push({ ...entryBase(rule.source), status: 'refused', refusals: outcome.refusals });
      return;
    }
    const diagnostics = outcome.artefacts.flatMap(() => checked[job++]!.filter((d) => d.severity === 'error'));
    if (diagnostics.length > 0) {
      entries.push({ ...entryBase(rule.source), status: 'invalid', diagnostics });
      return;
    }
    const paths: string[] = [];
    for (const artefact of outcome.artefacts) {
      const path = uniquePath(artefact.path, rule.source.id, taken);
      taken.add(path.toLowerCase());
      writeArtefact(dir, path, artefact.content);
      paths.push(path);
    }
    entries.push({ ...entryBase(rule.source), status: 'exported', paths, warnings: outcome.warnings });
  });
  const count = (s: ExportEntry['status']) => entries.filter((e) => e.status === s).length;
  return {
    target: options.target,
    output: dir,
    counts: {
      total: entries.length,
      exported: count('exported'),
      refused: count('refused'),
      invalid: count('invalid'),
    },
    refusedByCode: Object.fromEntries(Object.entries(refusedByCode).sort(([a], [b]) => (a < b ? -1 : 1))),
    entries,
  };
}

function summaryLines(summary: ExportSummary): string[] {
  const lines: string[] = [];
  const { counts } = summary;
  for (const e of summary.entries) {
    const id = terminalText(e.id, 300);
    if (e.status === 'exported') {
      for (const w of e.warnings ?? []) lines.push(`warning   ${id}  ${w.code}: ${terminalText(w.message, 2000)}`);
    } else if (e.status === 'refused') {
      for (const r of e.refusals ?? [])
        lines.push(
          `refused   ${id}  ${r.code}${r.at ? ` ${terminalText(r.at, 200)}` : ''}: ${terminalText(r.message, 2000)}`,
        );
    } else {
      for (const d of e.diagnostics ?? [])
        lines.push(`invalid   ${id}  ${terminalText(d.code, 40)} at ${d.start}: ${terminalText(d.message, 2000)}`);
    }
  }
  const byCode = Object.entries(summary.refusedByCode)
    .map(([code, n]) => `${code} ${formatCount(n)}`)
    .join(', ');
  lines.push(
    `${formatCount(counts.exported)} of ${formatCount(counts.total)} rules and detectors exported to ${terminalText(join(summary.output, summary.target), 500)}` +
      `; ${formatCount(counts.refused)} refused${byCode ? ` (${byCode})` : ''}` +
      (counts.invalid ? `; ${formatCount(counts.invalid)} invalid, not written` : ''),
  );
  return lines;
}

/**
 * `tripline export kql`: exit 0 when every exportable rule was written (refusals are listed, not
 * errors), 1 when a query failed the check (it is not written; the others are), 2 for a usage or load
 * error or a file that could not be written.
 */
export async function exportKqlCommand(options: ExportKqlOptions, io: CliIo): Promise<ExitCode> {
  const summary = await exportKql(options);
  const code: ExitCode = summary.counts.invalid > 0 ? EXIT.FAIL_ON : EXIT.OK;
  if (options.format === 'json') {
    await writeStdout(io.stdout, `${escapeJsonForTerminal(JSON.stringify(summary, null, 2))}\n`);
    return code;
  }
  await writeStdout(io.stdout, `${summaryLines(summary).join('\n')}\n`);
  return code;
}
