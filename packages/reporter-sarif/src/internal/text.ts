/**
 * Text safety for SARIF output. Everything that comes from event data (device names, command lines,
 * alert titles filled from evidence, rejection reasons) is attacker-controlled: a process can be named
 * `[click](https://evil)` or carry bidi overrides that make a viewer show something other than what ran.
 * Three layers, applied in this order:
 *
 * 1. {@link cleanText}: make the string visible and bounded (controls, bidi, zero-width → visible marks;
 *    long values capped with a marker). Used for every string from event data, wherever it goes.
 * 2. {@link sarifText}: escape for SARIF plain-text messages, whose only syntax is `[text](id)` embedded
 *    links (SARIF 2.1.0 §3.11.6) — plus the Markdown punctuation that viewers rendering text as Markdown
 *    (Azure DevOps details, some VS Code builds) would otherwise interpret.
 * 3. {@link markdownText}: escape for GitHub-flavoured Markdown (`help.markdown`).
 */

/** Shown in place of a character that could hide or reorder text (controls, bidi, zero-width, lone surrogates). */
export const REPLACEMENT = '\uFFFD';
/** Shown in place of a line break inside a one-line value. */
export const NEWLINE_MARK = '\u2424';

// Cc: C0/C1 controls and DEL; Cf: format characters (bidi embeddings/overrides/isolates, LRM/RLM/ALM,
// zero-width space/joiners, word joiner, BOM, soft hyphen, invisible operators, tag characters);
// Cs: lone surrogates (the `u` flag only matches unpaired ones); U+2028/2029 break lines in some viewers.
const LINE_BREAK_RE = /\r\n|[\n\r\u2028\u2029\u0085]/g;
// Default_Ignorable_Code_Point: variation selectors (U+FE00–FE0F, U+E0100–E01EF, which can encode a
// hidden sentence one byte per selector), U+034F, Hangul fillers, U+FFF0–FFF8, U+E0000–E0FFF and the
// rest; written out too so the class does not depend on the runtime's Unicode version. The same set as
// the Markdown reporter's `sanitizeText`; both packages test the same code points.
const INVISIBLE_CLASS =
  '\\p{Cc}\\p{Cf}\\p{Cs}\\p{Default_Ignorable_Code_Point}\\u00AD\\u034F\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180F\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u3164\\uFE00-\\uFE0F\\uFEFF\\uFFA0\\uFFF0-\\uFFF8\\u{1BCA0}-\\u{1BCA3}\\u{1D173}-\\u{1D17A}\\u{E0000}-\\u{E0FFF}';
const INVISIBLE_RE = new RegExp(`[${INVISIBLE_CLASS}]`, 'gu');

/** Options of {@link cleanText}. */
export interface CleanOptions {
  /** Longest kept length in UTF-16 code units (before the cap marker). Default 500. */
  readonly max?: number;
  /** Keep `\n` line breaks (multi-line contexts such as help text). Default false: they become `␤`. */
  readonly keepNewlines?: boolean;
}

/**
 * Makes untrusted text safe to display: tabs become spaces, line breaks become `␤` (or stay, with
 * `keepNewlines`), every other control, format (bidi, zero-width) and unpaired surrogate character becomes
 * `�`, and values longer than `max` are cut with a visible `… (+N chars)` marker. Non-strings are
 * rendered as JSON so objects from `AdditionalFields` show as data.
 */
export function cleanText(value: unknown, options: CleanOptions = {}): string {
  const max = options.max ?? 500;
  let text = typeof value === 'string' ? value : value === undefined ? '' : (JSON.stringify(value) ?? String(value));
  text = text.replace(/\t/g, ' ');
  text = options.keepNewlines
    ? text.replace(LINE_BREAK_RE, '\n').replace(INVISIBLE_RE, (c) => (c === '\n' ? c : REPLACEMENT))
    : text.replace(LINE_BREAK_RE, NEWLINE_MARK).replace(INVISIBLE_RE, REPLACEMENT);
  return cap(text, max);
}

/** Cuts `text` to `max` code units without splitting a surrogate pair, appending `… (+N chars)`. */
export function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}\u2026 (+${text.length - end} chars)`;
}

/**
 * Escapes cleaned text for a SARIF plain-text message. Backslash and square brackets are the message
 * syntax (an unescaped `[x](1)` is a link to related location 1, so event text could forge evidence
 * links); backticks, `*`, `_` at word edges, `~`, `<`, `>` and `|` are escaped too because several
 * viewers render message text as Markdown.
 */
export function sarifText(value: unknown, options: CleanOptions = {}): string {
  return escapePunctuation(defang(cleanText(value, options)), /[\\[\]`*~<>|]/g);
}

/**
 * Defangs what GitHub-flavoured Markdown would autolink even when escaped (its autolink literals work on
 * the unescaped text): `http(s)://` → `hxxp(s)://`, `www.` → `www[.]`, `@` → `[@]` — the notation
 * analysts use for indicators. Timelines and property bags keep the original text.
 */
export function defang(text: string): string {
  return text
    .replace(/\b(h)(?:tt)(ps?:\/\/)/gi, (_, h: string, rest: string) => `${h}xx${rest}`)
    .replace(/\b(www)\./gi, '$1[.]')
    .replace(/@/g, '[@]');
}

/**
 * Escapes cleaned text for GitHub-flavoured Markdown: every ASCII punctuation character that can start
 * or end Markdown syntax (emphasis, code, links, images, autolinks, HTML, headings, lists, tables,
 * entities) is backslash-escaped, so the text renders literally. Line breaks are flattened to spaces so a
 * value cannot open a new block.
 */
export function markdownText(value: unknown, options: CleanOptions = {}): string {
  const text = defang(cleanText(value, options).replace(new RegExp(NEWLINE_MARK, 'g'), ' '));
  return text.replace(/[\\`*_{}[\]()<>#+\-.!|~&:]/g, (c) => `\\${c}`);
}

/**
 * Markdown for prose written by detector authors (metadata, not event data): `` `code` `` spans are
 * kept as code spans — their content renders literally, so they cannot carry links or HTML — and all
 * other text goes through {@link markdownText}. Not for table cells (a `|` in a code span would split one).
 */
export function markdownProse(value: string, options: CleanOptions = {}): string {
  const text = cleanText(value, options).replace(new RegExp(NEWLINE_MARK, 'g'), ' ');
  const out: string[] = [];
  let last = 0;
  for (const m of text.matchAll(/`([^`]{1,200})`/g)) {
    out.push(markdownText(text.slice(last, m.index), { max: Number.POSITIVE_INFINITY }));
    out.push(`\`${m[1]}\``);
    last = m.index + m[0].length;
  }
  out.push(markdownText(text.slice(last), { max: Number.POSITIVE_INFINITY }));
  return out.join('');
}

// `_` only makes emphasis at a word edge (CommonMark: intraword `_` is literal), so leave snake_case alone.
function escapePunctuation(text: string, always: RegExp): string {
  const escaped = text.replace(always, (c) => `\\${c}`);
  return escaped.replace(/_/g, (c, at: number) => {
    const before = escaped[at - 1] ?? ' ';
    const after = escaped[at + 1] ?? ' ';
    return WORD_CHAR_RE.test(before) && WORD_CHAR_RE.test(after) ? c : `\\${c}`;
  });
}
const WORD_CHAR_RE = /^[\p{L}\p{N}]$/u;

/** Ensures a sentence ends with terminal punctuation (SARIF2001 asks messages to end with a period). */
export function sentence(text: string): string {
  const trimmed = text.trimEnd();
  if (trimmed === '') return '.';
  return /[.!?]$/.test(trimmed) && !/\\[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** A slug safe as one URI path segment: `[A-Za-z0-9._-]`, no dot segments, bounded length. */
export function pathSegment(raw: string, max = 64): string {
  return raw
    .normalize('NFKC')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, max)
    .replace(/[-.]+$/g, '');
}
