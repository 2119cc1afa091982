import { parseTemplate } from '@tripline/core';
import { codeSpan, escapeInline, escapeMarkdownText, guardLineStart, sanitizeText } from './escape.js';

/** Where rendered text lands. */
export interface TextContext {
  /** Longest value from event data, in characters. */
  readonly maxValueLength: number;
  /** Inside a GFM table cell. */
  readonly inTable?: boolean;
  /** The alert's device: a code placeholder whose value is exactly `name` renders as `markdown` (short name, DeviceId prefix when shared). */
  readonly device?: { readonly name: string; readonly markdown: string };
}

/** A value from event data as Markdown: a finite number as plain digits, anything else as a code span. */
export function valueMarkdown(value: string | number, ctx: TextContext): string {
  if (typeof value === 'number' && Number.isFinite(value)) return escapeInline(String(value));
  return codeSpan(String(value), { maxLength: ctx.maxValueLength, inTable: ctx.inTable ?? false });
}

/**
 * Render a detector's message template as Markdown: the template's own text (trusted, written by
 * the detector author) is escaped as plain text without defanging; each `{name}` placeholder
 * becomes its value from event data as a code span (numbers as digits), so attacker text can only
 * ever appear as code. Returns undefined when the template is unusable (not a string, empty, or a
 * placeholder without a value): the caller then escapes the already-filled plain text instead.
 */
export function renderTemplate(
  template: unknown,
  values: Readonly<Record<string, string | number>> | undefined,
  ctx: TextContext,
): string | undefined {
  if (typeof template !== 'string' || template.trim() === '') return undefined;
  const vals = values ?? {};
  let out = '';
  // `{name}`: a value rendered as a code span; `{~name}`: a value rendered as escaped, defanged prose.
  for (const part of parseTemplate(template)) {
    if (part.kind === 'text') {
      out += literal(part.text);
      continue;
    }
    if (!Object.hasOwn(vals, part.name)) return undefined;
    const value = vals[part.name];
    if (typeof value !== 'string' && typeof value !== 'number') return undefined;
    if (part.prose) out += escapeMarkdownText(String(value), { maxLength: ctx.maxValueLength * 4 });
    else if (ctx.device !== undefined && value === ctx.device.name) out += ctx.device.markdown;
    else out += valueMarkdown(value, ctx);
  }
  const text = guardLineStart(out.trim());
  return text === '' ? undefined : text;
}

/** Trusted template text: one line, escaped, not defanged (an author's URL may stay a link). */
function literal(text: string): string {
  return escapeInline(sanitizeText(text.replace(/\s*[\r\n]+\s*/g, ' ')));
}

/**
 * An alert text as Markdown: from its template and values when usable, else the filled plain text,
 * escaped and defanged (it mixes template text with event data that can no longer be told apart).
 */
export function alertText(
  template: unknown,
  values: Readonly<Record<string, string | number>> | undefined,
  plain: unknown,
  ctx: TextContext & { readonly plainMaxLength?: number },
): string {
  const rendered = renderTemplate(template, values, ctx);
  if (rendered !== undefined) return rendered;
  const text = escapeMarkdownText(
    typeof plain === 'string' ? plain : '',
    ctx.plainMaxLength === undefined ? {} : { maxLength: ctx.plainMaxLength },
  );
  return text === '' ? '_(no text)_' : text;
}
