import { isTriplineError } from '@tripline/core';
import { checkRuleFile, type RuleCheck } from '@tripline/core/testing';
import { ruleFiles } from '@tripline/core/unstable';
import { EXIT, type ExitCode } from './errors.js';
import { type CliIo, writeStdout } from './io.js';
import { escapeJsonForTerminal, terminalText } from './text.js';

/** Options of `tripline rules check`. */
export interface RulesCheckOptions {
  readonly format: 'text' | 'json';
}

/** A rule file that could not be loaded (or a clash between files): where and why. */
interface LoadFailure {
  readonly file: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
  readonly field?: string;
}

/**
 * `tripline rules check PATH…`: load every rule file of the paths (files or folders), run each one's
 * fixtures, and print the outcome. Exit 0 when every rule loads and passes its fixtures, 1 when a
 * fixture failed, 2 when a rule could not be loaded (a load error wins over a failed fixture).
 */
export async function rulesCheckCommand(
  paths: readonly string[],
  options: RulesCheckOptions,
  io: CliIo,
): Promise<ExitCode> {
  const checks: RuleCheck[] = [];
  const failures: LoadFailure[] = [];
  const files: string[] = [];
  for (const path of paths) {
    try {
      files.push(...ruleFiles(path));
    } catch (error) {
      if (!isTriplineError(error)) throw error;
      failures.push({ file: path, message: error.message });
    }
  }
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
  const code: ExitCode = failures.length > 0 ? EXIT.USAGE : failed > 0 ? EXIT.FAIL_ON : EXIT.OK;
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
  for (const f of failures) lines.push(`error ${terminalText(f.message, 2000)}`);
  lines.push(
    `${checks.length - failed} of ${checks.length + failures.length} rule file${checks.length + failures.length === 1 ? '' : 's'} passed` +
      (failed ? `; ${failed} failed a fixture` : '') +
      (failures.length ? `; ${failures.length} could not be loaded` : ''),
  );
  await writeStdout(io.stdout, `${lines.join('\n')}\n`);
  return code;
}
