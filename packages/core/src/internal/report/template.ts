/**
 * The one template parser of tripline. A message template is text with placeholders: `{name}` (a value,
 * shown as data — a code span in Markdown) and `{~name}` (a value shown as prose). The engine fills the
 * templates into an alert's plain texts; the reporters walk the same parts to put each value in the
 * form its output needs (Markdown code spans, SARIF message arguments). Everything else in a template,
 * a brace that does not open a placeholder included, is literal text.
 */

/** One piece of a parsed template. */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'value'; readonly name: string; readonly prose: boolean };

/** A placeholder: `{name}` or `{~name}`; names are letters, digits and underscores, not starting with a digit. */
const PLACEHOLDER_RE = /\{(~?)([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A placeholder name as `{name}` spells it. */
export const PLACEHOLDER_NAME_RE: RegExp = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The parts of a template, in order; adjacent text is one part, and no text part is empty. */
export function parseTemplate(template: string): readonly TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER_RE)) {
    if (m.index > last) parts.push({ kind: 'text', text: template.slice(last, m.index) });
    parts.push({ kind: 'value', name: m[2]!, prose: m[1] === '~' });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ kind: 'text', text: template.slice(last) });
  return parts;
}

/** Placeholder names used by a template string, in order of use (repeats kept). */
export function templatePlaceholders(template: string): string[] {
  const names: string[] = [];
  for (const part of parseTemplate(template)) if (part.kind === 'value') names.push(part.name);
  return names;
}

/**
 * Fill a template with plain values. Only own keys of `values` count (never `{constructor}`); a
 * placeholder without a value is left as written, or replaced by `missing` when given.
 */
export function fillTemplate(
  template: string,
  values: Readonly<Record<string, string | number>>,
  missing?: string,
): string {
  let out = '';
  for (const part of parsedOnce(template)) {
    if (part.kind === 'text') out += part.text;
    else if (Object.hasOwn(values, part.name)) out += String(values[part.name]);
    else out += missing ?? `{${part.prose ? '~' : ''}${part.name}}`;
  }
  return out;
}

/** Parsed templates fillTemplate has seen: a run fills the same few templates for every alert. */
const PARSED = new Map<string, readonly TemplatePart[]>();
/** Templates kept at most (a caller filling ever new templates clears the cache now and then). */
const PARSED_MAX = 1024;

function parsedOnce(template: string): readonly TemplatePart[] {
  let parts = PARSED.get(template);
  if (parts === undefined) {
    if (PARSED.size >= PARSED_MAX) PARSED.clear();
    parts = parseTemplate(template);
    PARSED.set(template, parts);
  }
  return parts;
}
