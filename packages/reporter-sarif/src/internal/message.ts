import { type Alert, parseTemplate } from '@tripline/core';
import { hashParts } from './hash.js';
import { sarifText } from './text.js';

/**
 * SARIF message strings (SARIF 2.1.0 §3.11.5, §3.11.7, §3.11.11). A result's message is written twice:
 * as `id` + `arguments`, which point at a `messageStrings` entry of its rule (the alert's title
 * template, its named placeholders turned into positional `{0}`, `{1}` … and its literal braces doubled
 * as `{{` / `}}`), and as `text`, the same string formatted, for viewers that ignore message strings
 * (GitHub code scanning shows `text`). Text is made once: the template parts come from core's
 * `parseTemplate`, the values are escaped once as arguments, and `text` is the format filled with them.
 */

/** A result message and the rule message string it uses (none when the alert's template is unusable). */
export interface AlertMessage {
  readonly text: string;
  readonly id?: string;
  readonly arguments?: readonly string[];
  /** The message string for `rule.messageStrings[id]`. */
  readonly format?: string;
}

/** The fixed tail of every alert message: device, severity, count, when, evidence links, alert id. */
export interface MessageTail {
  readonly device: string;
  readonly severity: string;
  readonly eventCount: number;
  readonly when: string;
  readonly evidence: string;
  readonly alertId: string;
}

/** `{` → `{{`, `}` → `}}`: a literal brace in a SARIF message string. */
function escapeBraces(text: string): string {
  return text.replace(/[{}]/g, (c) => c + c);
}

/** Fill a SARIF message string: `{n}` → `args[n]`, `{{` / `}}` → a brace (§3.11.5). */
export function formatMessage(format: string, args: readonly string[]): string {
  return format.replace(/\{\{|\}\}|\{(\d+)\}/g, (whole, n: string | undefined) =>
    n === undefined ? whole[0]! : (args[Number(n)] ?? whole),
  );
}

/** Ends with terminal punctuation (SARIF2001 asks messages to end with a period), outside any escape. */
function endsSentence(text: string): boolean {
  return /[.!?]$/.test(text) && !/\\[.!?]$/.test(text);
}

function tailFormat(first: number): string {
  const [d, s, c, w, e, a] = [0, 1, 2, 3, 4, 5].map((i) => `{${first + i}}`);
  return ` Device ${d}, severity ${s}, ${c} event(s) ${w}.${e} Alert ${a}.`;
}

function tailArgs(tail: MessageTail): string[] {
  return [tail.device, tail.severity, String(tail.eventCount), tail.when, tail.evidence, tail.alertId];
}

/**
 * The message of an alert's result. With a usable title template (every placeholder has a value in
 * `alert.message.values`): `id`, `arguments`, the rule's `format`, and `text` = the format filled. Without
 * one (a hand-built record): `text` only, from the filled title, as before message strings.
 */
export function alertMessage(alert: Alert, tail: MessageTail): AlertMessage {
  const template = alert.message.templates.title;
  const values = alert.message.values;
  const parts = parseTemplate(template);
  const usable =
    template.trim() !== '' &&
    parts.every((p) => p.kind === 'text' || (Object.hasOwn(values, p.name) && values[p.name] !== undefined));
  if (!usable) {
    let title = sarifText(alert.title, { max: 300 }).trimEnd();
    if (!endsSentence(title)) title += '.';
    const text = formatMessage(escapeBraces(title) + tailFormat(0), tailArgs(tail));
    return { text };
  }
  const args: string[] = [];
  let format = '';
  for (const part of parts) {
    if (part.kind === 'text') format += escapeBraces(sarifText(part.text, { max: Number.POSITIVE_INFINITY }));
    else {
      format += `{${args.length}}`;
      args.push(sarifText(String(values[part.name]), { max: 300 }));
    }
  }
  format = format.trimEnd();
  const last = parts.at(-1);
  if (last === undefined || last.kind !== 'text' || !endsSentence(format)) format += '.';
  format += tailFormat(args.length);
  args.push(...tailArgs(tail));
  return {
    text: formatMessage(format, args),
    id: `title-${hashParts('tripline-title/v1', template).slice(0, 12)}`,
    arguments: args,
    format,
  };
}
