import { RE2JS } from 're2js';

/**
 * A regular expression that runs in time linear in the text: RE2 semantics (re2js), no backtracking.
 * Rule authors' patterns meet attacker-controlled text (command lines, URLs), where V8's backtracking
 * engine lets one crafted value stall a run for minutes (`(a+)+$` on `aaaa…!`).
 */
export class LinearRegex {
  /** The engine that runs the pattern (RE2 semantics, linear time). */
  readonly engine = 're2js' as const;
  readonly source: string;
  readonly caseSensitive: boolean;
  readonly #re: RE2JS;

  private constructor(source: string, caseSensitive: boolean, re: RE2JS) {
    this.source = source;
    this.caseSensitive = caseSensitive;
    this.#re = re;
  }

  /**
   * Compile `source` (RE2 syntax: no backreferences, no lookaround). Throws a {@link RegexSyntaxError}
   * with the 1-based character position of the construct RE2 rejects.
   */
  static compile(source: string, options: { readonly caseSensitive?: boolean } = {}): LinearRegex {
    const caseSensitive = options.caseSensitive ?? false;
    try {
      return new LinearRegex(source, caseSensitive, RE2JS.compile(source, caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE));
    } catch (error) {
      const e = error as { error?: unknown; input?: unknown; message?: unknown };
      const fragment = typeof e.input === 'string' ? e.input : '';
      const at = fragment ? source.indexOf(fragment) : -1;
      const reason = typeof e.error === 'string' ? e.error : String(e.message ?? error);
      throw new RegexSyntaxError(
        `${reason}${fragment ? ` \`${fragment}\`` : ''}${at >= 0 ? ` at character ${at + 1}` : ''} (RE2 syntax: no backreferences or lookaround)`,
        at >= 0 ? at + 1 : undefined,
      );
    }
  }

  /** True when the pattern matches anywhere in `text` (unanchored, like `RegExp.prototype.test`). */
  test(text: string): boolean {
    return this.#re.matcher(text).find();
  }
}

/** A pattern RE2 cannot compile; `position` is the 1-based character where the fault starts, when known. */
export class RegexSyntaxError extends Error {
  readonly position: number | undefined;
  constructor(message: string, position: number | undefined) {
    super(message);
    this.name = 'RegexSyntaxError';
    this.position = position;
  }
}
