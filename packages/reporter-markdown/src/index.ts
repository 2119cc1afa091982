/**
 * @packageDocumentation
 * `@tripline/reporter-markdown`: the Markdown security report of a tripline run — the reference
 * report's layout with an overview, device table, timeline and input problems — written so that
 * hostile event text can never turn into Markdown, HTML, links or terminal escapes.
 */

export {
  type CodeSpanOptions,
  codeSpan,
  defangText,
  type EscapeOptions,
  escapeInline,
  escapeMarkdownText,
  guardLineStart,
  mermaidText,
  type SanitizeOptions,
  sanitizeText,
  visibleCodePoint,
} from './internal/escape.js';
export { SEVERITY_BADGES } from './internal/format.js';
export {
  BUDGET_PRESETS,
  type BudgetPreset,
  type BudgetUnit,
  type LengthBudget,
  type MarkdownOptions,
  MIN_BUDGET,
} from './internal/options.js';
export { markdownChunks, renderMarkdown } from './internal/render.js';
