import type { AnalysisResult } from '@tripline/core';
import { type Block, joinWithinBudget } from './blocks.js';
import { createContext } from './context.js';
import { type MarkdownOptions, resolveOptions } from './options.js';
import {
  alertSections,
  closing,
  compact,
  devices,
  executiveSummary,
  header,
  inputProblems,
  overview,
  timeline,
} from './sections.js';

/**
 * Render a run as a Markdown report (GitHub-flavoured). Sections: title and period, 🎯 Executive
 * Summary, 📋 Alert Overview, 🖥️ Devices, 🕒 Timeline (Mermaid), 🚨 Security Alerts (`ALERT-NNN`,
 * per device when several have alerts), ⚠️ Input Problems, closing note. `compact` gives a short
 * form for chat; `budget` caps the length without breaking Markdown.
 *
 * Every value from event data is escaped for where it lands (see `docs/markdown-report.md`).
 * Deterministic: the same result and options give the same string (times come from the result).
 * Invalid options throw an `option-invalid` TriplineError.
 */
export function renderMarkdown(result: AnalysisResult, options: MarkdownOptions = {}): string {
  const opts = resolveOptions(options);
  const ctx = createContext(result, opts);
  const rule: Block = { head: '---' };
  const blocks: Block[] = opts.compact
    ? compact(ctx)
    : [
        ...header(ctx),
        rule,
        ...executiveSummary(ctx),
        rule,
        ...overview(ctx),
        ...devices(ctx),
        ...timeline(ctx),
        ...alertSections(ctx),
        ...inputProblems(ctx),
        ...closing(ctx),
      ];
  return joinWithinBudget(blocks, opts.budget);
}
