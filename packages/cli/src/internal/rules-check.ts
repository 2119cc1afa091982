import { isTriplineError, type Severity } from '@tripline/core';
import { checkRuleFile, type RuleCheck } from '@tripline/core/testing';
import type { LoadEntry, LoadReport } from '@tripline/sigma';
import { EXIT, type ExitCode } from './errors.js';
import { type CliIo, writeStdout } from './io.js';
import { compileSigmaFiles, isParseFailure, noSigmaToSelect, notSelected, splitRuleFiles } from './sigma-rules.js';
import { sigmaSelectOf, sigmaSelectText } from './sources.js';
import { escapeJsonForTerminal, formatCount, terminalText } from './text.js';

/** Options of `tripline rules check`. */
export interface RulesCheckOptions {
  readonly format: 'text' | 'json';
  /** A Sigma rule that is skipped or degraded fails the check (exit 1) instead of being only reported. */
  readonly strict?: boolean;
  /** `--sigma-level`, `--sigma-status`: which Sigma rules load; the others are counted as not selected. */
  readonly sigmaLevel?: Severity;
  readonly sigmaStatus?: readonly string[];
}

/** A rule file that could not be loaded (or a clash between files): where and why. */
interface LoadFailure {
  readonly file: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
  readonly field?: string;
}

/** `file:line:column` of a Sigma load entry. */
function where(entry: LoadEntry): string {
  return `${entry.source.file}:${entry.source.line}:${entry.source.column}`;
}

/** The Sigma part of the text output: counts, counts per reason, then every entry not loaded as written. */
function sigmaLines(report: LoadReport): string[] {
  const lines: string[] = [];
  const { rules, correlations } = report;
  lines.push(
    `Sigma: ${formatCount(report.documents)} document${report.documents === 1 ? '' : 's'}; ` +
      `rules ${formatCount(rules.loaded)} loaded, ${formatCount(rules.degraded)} degraded, ${formatCount(rules.skipped)} skipped; ` +
      `correlations ${formatCount(correlations.loaded)} loaded, ${formatCount(correlations.degraded)} degraded, ${formatCount(correlations.skipped)} skipped ` +
      `(mapping ${terminalText(report.mapping.name)} ${terminalText(report.mapping.version)})`,
  );
  const reasons = Object.entries(report.byReason)
    .filter(([, n]) => (n ?? 0) > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (reasons.length > 0)
    lines.push(`  reasons: ${reasons.map(([code, n]) => `${code} ${formatCount(n ?? 0)}`).join(', ')}`);
  for (const entry of report.entries) {
    // Left out by --sigma-level or --sigma-status: counted in the reasons line, not listed one by one.
    if (notSelected(entry)) continue;
    const status = entry.status === 'loaded' ? (entry.reasons.length > 0 ? 'note' : undefined) : entry.status;
    if (status === undefined) continue;
    const title = entry.title === undefined ? '' : `  ${terminalText(entry.title, 200)}`;
    lines.push(`${status.padEnd(8)}  ${terminalText(where(entry), 400)}${title}`);
    for (const reason of entry.reasons) {
      const at = reason.position ? ` (${reason.position.line}:${reason.position.column})` : '';
      const path = reason.at ? ` ${terminalText(reason.at, 200)}` : '';
      lines.push(`          ${reason.code}${path}${at}: ${terminalText(reason.message, 2000)}`);
    }
  }
  return lines;
}

/**
 * `tripline rules check PATH…`: load every rule file of the paths (files or folders), run each one's
 * fixtures, and print the outcome. Sigma files among them (told by content, see `isSigmaText`) are
 * compiled together and their load report printed: per-reason counts and every skipped or degraded
 * rule with file:line:column and reason. Exit 0 when every rule loads and passes its fixtures, 1 when a
 * fixture failed (or, with `strict`, a Sigma rule was skipped or degraded), 2 when a rule file could not
 * be loaded, a Sigma file included (YAML or schema error; a load error wins over the rest).
 */
export async function rulesCheckCommand(
  paths: readonly string[],
  options: RulesCheckOptions,
  io: CliIo,
): Promise<ExitCode> {
  const checks: RuleCheck[] = [];
  const split = splitRuleFiles(paths);
  const failures: LoadFailure[] = [...split.failures];
  const files = split.rules;
  const select = sigmaSelectOf(options);
  if (select !== undefined) noSigmaToSelect(split.sigma, select);
  const sigma = split.sigma.length > 0 ? compileSigmaFiles(split.sigma, select).report : undefined;
  for (const entry of sigma?.entries ?? []) {
    if (!isParseFailure(entry)) continue;
    const reason = entry.reasons.find((r) => r.code === 'yaml-invalid' || r.code === 'schema-invalid');
    const at = reason?.position ?? entry.source;
    failures.push({
      file: entry.source.file,
      message: `${at.file}:${at.line}:${at.column}: ${reason?.message ?? 'does not parse'}`,
      line: at.line,
      column: at.column,
    });
  }
  // Rules the selection left out are what was asked for: they neither count as not loaded nor fail --strict.
  const sigmaUnselected = sigma ? sigma.entries.filter(notSelected).length : 0;
  const sigmaNotLoaded = sigma
    ? sigma.rules.skipped +
      sigma.rules.degraded +
      sigma.correlations.skipped +
      sigma.correlations.degraded -
      sigmaUnselected
    : 0;
  const ids = new Map<string, string>();
  for (const file of files) {
    try {
      const check = await checkRuleFile(file);
      const other = ids.get(check.id);
      if (other !== undefined) {
        failures.push({ file, message: `${file}: id ${check.id} is also the id of ${other}` });
        continue;
      }
      ids.set(check.id, file);
      checks.push(check);
    } catch (error) {
      if (!isTriplineError(error)) throw error;
      const d = error.details;
      failures.push({
        file,
        message: error.message,
        ...(typeof d.line === 'number' ? { line: d.line } : {}),
        ...(typeof d.column === 'number' ? { column: d.column } : {}),
        ...(typeof d.field === 'string' ? { field: d.field } : {}),
      });
    }
  }
  const failed = checks.filter((c) => !c.ok).length;
  const strictFailed = options.strict === true && sigmaNotLoaded > 0;
  const code: ExitCode = failures.length > 0 ? EXIT.USAGE : failed > 0 || strictFailed ? EXIT.FAIL_ON : EXIT.OK;
  if (options.format === 'json') {
    const out = {
      ok: code === EXIT.OK,
      rules: checks.map((c) => ({
        file: c.file,
        id: c.id,
        ok: c.ok,
        problems: c.problems,
        fixtures: c.fixtures.map((f) => ({ ...f, ok: f.problems.length === 0 })),
      })),
      errors: failures,
      ...(sigma ? { sigma } : {}),
    };
    await writeStdout(io.stdout, `${escapeJsonForTerminal(JSON.stringify(out, null, 2))}\n`);
    return code;
  }
  const lines: string[] = [];
  for (const c of checks) {
    const n = c.fixtures.length;
    lines.push(
      `${c.ok ? 'ok  ' : 'FAIL'}  ${terminalText(c.id)}  ${terminalText(c.file, 300)} (${n} fixture${n === 1 ? '' : 's'})`,
    );
    for (const p of [...c.problems, ...c.fixtures.flatMap((f) => f.problems)])
      lines.push(`      ${terminalText(p, 2000)}`);
  }
  if (sigma) lines.push(...sigmaLines(sigma));
  for (const f of failures) lines.push(`error ${terminalText(f.message, 2000)}`);
  if (sigma) {
    const loaded = sigma.rules.loaded + sigma.correlations.loaded;
    lines.push(
      `${formatCount(loaded)} of ${formatCount(sigma.documents)} Sigma document${sigma.documents === 1 ? '' : 's'} loaded as written` +
        (sigmaUnselected && select
          ? `; ${formatCount(sigmaUnselected)} not selected (${sigmaSelectText(select)})`
          : '') +
        (sigmaNotLoaded
          ? `; ${formatCount(sigmaNotLoaded)} skipped or degraded${options.strict ? ' (--strict: exit 1)' : ''}`
          : ''),
    );
  }
  if (!sigma || checks.length + failures.length > 0)
    lines.push(
      `${checks.length - failed} of ${checks.length + failures.length} rule file${checks.length + failures.length === 1 ? '' : 's'} passed` +
        (failed ? `; ${failed} failed a fixture` : '') +
        (failures.length ? `; ${failures.length} could not be loaded` : ''),
    );
  await writeStdout(io.stdout, `${lines.join('\n')}\n`);
  return code;
}
