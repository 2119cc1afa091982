import { ERROR_CODES, isSeverity, type Severity, TriplineError } from '@tripline/core';

/** How a length budget is measured: UTF-16 code units (`chars`, what JavaScript's `length` counts) or UTF-8 bytes. */
export type BudgetUnit = 'chars' | 'bytes';

/** A length budget: the rendered Markdown never exceeds `limit` in `unit`. */
export interface LengthBudget {
  readonly limit: number;
  readonly unit: BudgetUnit;
}

/**
 * Budgets of common chat targets. `slack`: a Slack message's text (40,000 characters);
 * `slack-section`: the text of one Slack Block Kit section (3,000); `teams`: a Microsoft Teams
 * message (about 28 KB, in UTF-8 bytes).
 */
export const BUDGET_PRESETS = {
  slack: { limit: 40_000, unit: 'chars' },
  'slack-section': { limit: 3_000, unit: 'chars' },
  teams: { limit: 28_000, unit: 'bytes' },
} as const satisfies Readonly<Record<string, LengthBudget>>;

/** Name of a {@link BUDGET_PRESETS} entry. */
export type BudgetPreset = keyof typeof BUDGET_PRESETS;

/** Smallest accepted budget: enough for the title and the truncation notice. */
export const MIN_BUDGET = 200;

/** Options of `renderMarkdown`. All optional. */
export interface MarkdownOptions {
  /** Alerts below this severity are left out of the alert sections (the summary still counts them). Default: all. */
  readonly minSeverity?: Severity;
  /** Evidence events listed per alert, in a table (0 hides the table). Default 5. */
  readonly maxEvidenceRows?: number;
  /**
   * Short form for chat messages: summary, one line per alert, a one-line note on input problems.
   * No timeline, device or evidence tables. Default false.
   */
  readonly compact?: boolean;
  /**
   * Length limit: a number (UTF-16 code units), a preset name, or `{ limit, unit }`. When the report
   * is longer, whole sections and alerts (or whole table rows / list items) are left out from the end
   * and a visible notice says what was cut; Markdown is never cut mid-construct. Default: no limit.
   */
  readonly budget?: number | BudgetPreset | LengthBudget;
  /** Include the Mermaid timeline of alerts. Default: true, false in compact mode. */
  readonly timeline?: boolean;
  /** Rejected input rows listed (the rest are counted in a "more" note). Default 20. */
  readonly maxRejectedRows?: number;
  /** Diagnostics listed. Default 20. */
  readonly maxDiagnostics?: number;
  /** Devices listed in the device table. Default 50. */
  readonly maxDevices?: number;
  /** Alerts counted on the timeline (the most severe first). Default 1,000. */
  readonly maxTimelineAlerts?: number;
  /** Longest value from event data shown inline, in characters, before it is cut with a marker. Default 200. */
  readonly maxValueLength?: number;
  /** Report title. Default `Security Analysis Report`. */
  readonly title?: string;
}

/** Options with defaults applied. */
export interface ResolvedOptions {
  readonly minSeverity: Severity | undefined;
  readonly maxEvidenceRows: number;
  readonly compact: boolean;
  readonly budget: LengthBudget | undefined;
  readonly timeline: boolean;
  readonly maxRejectedRows: number;
  readonly maxDiagnostics: number;
  readonly maxDevices: number;
  readonly maxTimelineAlerts: number;
  readonly maxValueLength: number;
  readonly title: string;
}

function invalid(option: string, message: string, value: unknown): never {
  throw new TriplineError(ERROR_CODES.OPTION_INVALID, `renderMarkdown: option ${option} ${message}`, {
    details: { option, value },
  });
}

function count(options: MarkdownOptions, key: keyof MarkdownOptions, fallback: number, min = 0): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    invalid(key, `must be an integer ≥ ${min}`, value);
  }
  return value;
}

function resolveBudget(budget: MarkdownOptions['budget']): LengthBudget | undefined {
  if (budget === undefined) return undefined;
  let resolved: LengthBudget;
  if (typeof budget === 'number') resolved = { limit: budget, unit: 'chars' };
  else if (typeof budget === 'string') {
    if (!Object.hasOwn(BUDGET_PRESETS, budget)) {
      invalid(
        'budget',
        `must be a number, { limit, unit } or one of ${Object.keys(BUDGET_PRESETS).join(', ')}`,
        budget,
      );
    }
    resolved = BUDGET_PRESETS[budget];
  } else if (typeof budget === 'object' && budget !== null) resolved = budget;
  else invalid('budget', 'must be a number, a preset name or { limit, unit }', budget);
  if (resolved.unit !== 'chars' && resolved.unit !== 'bytes')
    invalid('budget', 'unit must be "chars" or "bytes"', budget);
  if (!Number.isSafeInteger(resolved.limit) || resolved.limit < MIN_BUDGET) {
    invalid('budget', `limit must be an integer ≥ ${MIN_BUDGET}`, budget);
  }
  return { limit: resolved.limit, unit: resolved.unit };
}

/** Validate options and apply defaults; a bad option throws an `option-invalid` TriplineError. */
export function resolveOptions(options: MarkdownOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== 'object') invalid('(options)', 'must be an object', options);
  if (options.minSeverity !== undefined && !isSeverity(options.minSeverity)) {
    invalid('minSeverity', 'must be informational, low, medium, high or critical', options.minSeverity);
  }
  if (options.title !== undefined && typeof options.title !== 'string')
    invalid('title', 'must be a string', options.title);
  const compact = options.compact ?? false;
  if (typeof compact !== 'boolean') invalid('compact', 'must be a boolean', compact);
  const timeline = options.timeline ?? !compact;
  if (typeof timeline !== 'boolean') invalid('timeline', 'must be a boolean', timeline);
  return {
    minSeverity: options.minSeverity,
    maxEvidenceRows: count(options, 'maxEvidenceRows', 5),
    compact,
    budget: resolveBudget(options.budget),
    timeline,
    maxRejectedRows: count(options, 'maxRejectedRows', 20),
    maxDiagnostics: count(options, 'maxDiagnostics', 20),
    maxDevices: count(options, 'maxDevices', 50),
    maxTimelineAlerts: count(options, 'maxTimelineAlerts', 1000),
    maxValueLength: count(options, 'maxValueLength', 200, 16),
    title: options.title ?? 'Security Analysis Report',
  };
}
