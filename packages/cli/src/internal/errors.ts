/** Exit statuses of the `tripline` command (the contract in PRODUCT.md). */
export const EXIT = {
  /** The run completed (alerts or not). */
  OK: 0,
  /** `--fail-on` was given and an alert at or above that severity was reported. */
  FAIL_ON: 1,
  /**
   * Usage error, nothing readable, or the report could not be written: bad option or configuration,
   * no input could be read, a write error on stdout or `--output`. No (complete) report was written.
   */
  USAGE: 2,
  /**
   * Some inputs could not be read (each is named on stderr and in the report); the report covers the
   * others and `--fail-on` was not reached on them. `--fail-on` reached takes precedence (1).
   */
  PARTIAL: 3,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A failure the CLI reports as one line `tripline: <message>` on stderr (exit 2). Anything the user
 * can fix — a typo in a path, an option, a configuration key — is one of these, never a stack trace.
 */
export class CliError extends Error {
  readonly exitCode: ExitCode;

  constructor(message: string, options: { cause?: unknown; exitCode?: ExitCode } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? EXIT.USAGE;
  }
}

/** A short, human reason for a file-system error (`no such file`, `permission denied`…). */
export function fsReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EROFS':
      return 'read-only file system';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
