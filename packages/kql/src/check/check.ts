/**
 * `checkKql`: a query checked offline by Microsoft's Kusto language service (syntax, names, types,
 * arity against the nine Defender tables of core's catalog) plus what the service does not check:
 * regex literals must parse in RE2 (`TL-RE2`), CIDR literals must have the address family of their
 * function (`TL-CIDR`), and a custom detection must return the columns Defender requires (`TL-COLUMNS`).
 */
import { RE2JS } from 're2js';
import type { KqlDiagnostic } from '../ir.js';
import { analyzeKql, items, type KElement, kindName, walk } from './service.js';
import { callArguments, functionName, stringLiteral } from './syntax.js';
import { parseCidr } from './values.js';

export interface CheckKqlOptions {
  /**
   * Columns the query's result must include (a Defender custom detection: `['Timestamp', 'ReportId',
   * 'DeviceId']`). Read from the language service's result type; a missing one is `TL-COLUMNS`.
   */
  readonly require?: readonly string[];
}

const SEVERITIES: Readonly<Record<string, KqlDiagnostic['severity']>> = {
  Error: 'error',
  Warning: 'warning',
  Suggestion: 'suggestion',
};

/** Functions whose argument at the given index is a regex. */
const REGEX_ARGUMENT: Readonly<Record<string, number>> = { extract: 0, replace_regex: 1, trim: 0 };

/** Functions whose second argument is an address range, with the family it must have. */
const CIDR_FAMILY: Readonly<Record<string, 4 | 6>> = {
  ipv4_is_in_range: 4,
  ipv4_is_in_any_range: 4,
  ipv6_is_in_range: 6,
  ipv6_is_in_any_range: 6,
};

function re2Problem(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function literalDiagnostic(code: string, e: KElement, message: string): KqlDiagnostic {
  return { code, severity: 'error', message, start: e.TextStart, length: e.Width };
}

function checkRegex(e: KElement, where: string, out: KqlDiagnostic[]): void {
  const pattern = stringLiteral(e);
  if (pattern === undefined) return;
  const problem = re2Problem(pattern);
  if (problem) out.push(literalDiagnostic('TL-RE2', e, `The regex of ${where} does not parse in RE2: ${problem}`));
}

/** The string literals of a range argument: one literal, or the elements of `dynamic([…])`. */
function rangeLiterals(e: KElement): KElement[] {
  const k = kindName(e);
  if (k === 'StringLiteralExpression' || k === 'CompoundStringLiteralExpression') return [e];
  if (k === 'DynamicExpression') return [...walk(e)].filter((x) => kindName(x) === 'StringLiteralExpression');
  return [];
}

/** Language-service diagnostics and tripline's literal and column checks for one query. */
export function checkKql(text: string, options: CheckKqlOptions = {}): KqlDiagnostic[] {
  const code = analyzeKql(text);
  const out: KqlDiagnostic[] = items(code.GetDiagnostics()).map((d) => ({
    code: d.Code,
    severity: SEVERITIES[d.Severity] ?? 'error',
    message: d.Message,
    start: d.Start,
    length: d.Length,
  }));
  for (const e of walk(code.Syntax)) {
    if (e.IsToken) continue;
    const kind = kindName(e);
    if (kind === 'MatchesRegexExpression') {
      const right = e.GetChild(2);
      if (right) checkRegex(right, '`matches regex`', out);
    } else if (kind === 'FunctionCallExpression') {
      const name = functionName(e);
      const args = callArguments(e);
      const regexAt = REGEX_ARGUMENT[name];
      if (regexAt !== undefined && args[regexAt]) checkRegex(args[regexAt], `\`${name}\``, out);
      const family = CIDR_FAMILY[name];
      if (family !== undefined && args[1]) {
        for (const lit of rangeLiterals(args[1])) {
          const value = stringLiteral(lit) ?? '';
          const cidr = parseCidr(value);
          if (!cidr) {
            out.push(literalDiagnostic('TL-CIDR', lit, `\`${name}\`: "${value}" is not an address range`));
          } else if (cidr.family !== family) {
            out.push(
              literalDiagnostic(
                'TL-CIDR',
                lit,
                `\`${name}\` takes IPv${family} ranges; "${value}" is IPv${cidr.family} (use ipv${cidr.family}_is_in_range)`,
              ),
            );
          }
        }
      }
    }
  }
  if (options.require?.length) {
    const columns = new Set(items(code.ResultType?.Columns).map((c) => c.Name));
    const missing = options.require.filter((c) => !columns.has(c));
    if (missing.length > 0) {
      out.push({
        code: 'TL-COLUMNS',
        severity: 'error',
        message: `The result lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (required: ${options.require.join(', ')})`,
        start: 0,
        length: text.length,
      });
    }
  }
  return out.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
}
