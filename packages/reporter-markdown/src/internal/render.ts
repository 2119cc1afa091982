import type { AnalysisResult } from '@tripline/core';
import { alertSections } from './alert-sections.js';
import { type Block, blockChunks, joinWithinBudget } from './blocks.js';
import { closing, compact, inputProblems } from './closing-sections.js';
import { createContext, type RenderContext } from './context.js';
import { narrativeFooter, narrativeSection } from './narrative.js';
import { type MarkdownOptions, resolveOptions } from './options.js';
import { devices, overview, timeline } from './overview-sections.js';
import { executiveSummary, header } from './summary-sections.js';

/** The report's blocks, in order, made as they are reached (alert sections one by one). */
function* reportBlocks(ctx: RenderContext): Generator<Block> {
  if (ctx.opts.compact) {
    yield* compact(ctx);
    return;
  }
  const rule: Block = { head: '---' };
  yield* header(ctx);
  yield rule;
  yield* executiveSummary(ctx);
  const narrative = narrativeSection(ctx);
  if (narrative.length > 0) {
    yield rule;
    yield* narrative;
  }
  yield rule;
  yield* overview(ctx);
  yield* devices(ctx);
  yield* timeline(ctx);
  yield* alertSections(ctx);
  yield* inputProblems(ctx);
  yield* closing(ctx);
  yield* narrativeFooter(ctx);
}

/**
 * The Markdown report as a sequence of chunks, made as they are written: each alert section (and
 * each table row) is made when the consumer reaches it, so a report of thousands of alerts is never
 * held as one string. `[...markdownChunks(result, options)].join('')` is `renderMarkdown(result,
 * options)`, byte for byte. With a `budget` the report is one chunk (it is short by definition, and
 * what fits is only known at the end).
 *
 * ```ts
 * await writeChunks(markdownChunks(result), createWriteStream('report.md'));
 * ```
 */
export function* markdownChunks(result: AnalysisResult, options: MarkdownOptions = {}): Generator<string> {
  const opts = resolveOptions(options);
  const ctx = createContext(result, opts);
  if (opts.budget !== undefined) {
    yield joinWithinBudget([...reportBlocks(ctx)], opts.budget);
    return;
  }
  yield* blockChunks(reportBlocks(ctx));
}

/**
 * Render a run as a Markdown report (GitHub-flavoured). Sections: title and period, 🎯 Executive
 * Summary, 📝 Narrative (only when the result carries one), 📋 Alert Overview, 🖥️ Devices, 🕒 Timeline (Mermaid), 🚨 Security Alerts (`ALERT-NNN`,
 * per device when several have alerts; a finding on several devices is one `FINDING-NNN` section),
 * ⚠️ Input Problems, closing note. `compact` gives a short form for chat; `budget` caps the length
 * without breaking Markdown.
 *
 * Every value from event data is escaped for where it lands (see `docs/markdown-report.md`).
 * Deterministic: the same result and options give the same string (times come from the result).
 * Invalid options throw an `option-invalid` TriplineError. It is {@link markdownChunks} joined.
 */
export function renderMarkdown(result: AnalysisResult, options: MarkdownOptions = {}): string {
  return [...markdownChunks(result, options)].join('');
}
