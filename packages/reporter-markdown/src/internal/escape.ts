/**
 * Sanitising and escaping of untrusted text for Markdown (CommonMark + GFM, as GitHub renders it).
 *
 * Event data is attacker-controlled: command lines, script content, file, user and device names.
 * Every value that reaches the report goes through one of these functions, chosen for where it
 * lands. The rules, and why each one exists, are in `docs/markdown-report.md`.
 */

/** Options of {@link sanitizeText}. */
export interface SanitizeOptions {
  /**
   * Longest kept text, in code points (after invisible characters were made visible). Longer text
   * is cut and ends with `…⟪+N chars⟫`, N counting the input code points left out. Default: no limit.
   */
  readonly maxLength?: number;
  /**
   * Line breaks (LF, CR, CRLF): `visible` turns each into `↵` so the text stays on one line,
   * `keep` turns each into `\n`. Default `visible`.
   */
  readonly newlines?: 'visible' | 'keep';
}

/**
 * Characters a reader cannot see or that change how the text around them is displayed: C0/C1
 * controls (NUL, ESC of ANSI sequences, DEL), format characters (bidirectional overrides and
 * isolates, zero-width space/joiners, BOM, soft hyphen, Unicode tags), line/paragraph separators,
 * lone surrogates, and every Default_Ignorable_Code_Point of Unicode: variation selectors
 * (U+FE00–FE0F, U+E0100–E01EF, which can carry a whole hidden sentence, one byte per selector),
 * the combining grapheme joiner U+034F, Mongolian free variation selectors, Hangul fillers used to
 * make names look blank, U+FFF0–FFF8 and the rest of U+E0000–E0FFF. The ranges are also written
 * out so the class does not depend on the Unicode version of the runtime. One character class:
 * matching is linear.
 */
const INVISIBLE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: the class tests one code point at a time; U+034F must match alone
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}\u00AD\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8\u{1BCA0}-\u{1BCA3}\u{1D173}-\u{1D17A}\u{E0000}-\u{E0FFF}]/u;

/** Marker a truncated value ends with. */
function truncationMarker(left: number): string {
  return `…⟪+${left} chars⟫`;
}

/** `⟪U+202E⟫`: how an invisible character is shown. */
export function visibleCodePoint(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return `⟪U+${cp.toString(16).toUpperCase().padStart(4, '0')}⟫`;
}

/**
 * Make untrusted text safe to show anywhere (Markdown, a terminal, a chat message): invisible and
 * control characters become visible `⟪U+XXXX⟫` markers (an ANSI escape `ESC[31m` shows as
 * `⟪U+001B⟫[31m`, a right-to-left override as `⟪U+202E⟫`), tabs become spaces, line breaks become
 * `↵` (or `\n`), and long text is cut with a visible marker. The result has no Markdown escaping:
 * use {@link escapeMarkdownText} or {@link codeSpan} for that.
 */
export function sanitizeText(value: string, options: SanitizeOptions = {}): string {
  const max = options.maxLength ?? Number.POSITIVE_INFINITY;
  const newline = options.newlines === 'keep' ? '\n' : '↵';
  const chars = Array.from(value);
  let out = '';
  let kept = 0;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    let piece: string;
    if (ch === '\r') {
      if (chars[i + 1] === '\n') i++;
      piece = newline;
    } else if (ch === '\n') {
      piece = newline;
    } else if (ch === '\t') {
      piece = ' ';
    } else if (INVISIBLE.test(ch)) {
      piece = visibleCodePoint(ch);
    } else {
      piece = ch;
    }
    const size = Array.from(piece).length;
    if (kept + size > max) {
      return out + truncationMarker(chars.length - i);
    }
    out += piece;
    kept += size;
  }
  return out;
}

/**
 * Defuse what GFM (and GitHub) turn into links or mentions even in plain text, by "defanging" the
 * way security write-ups do: `http://x` → `http[:]//x`, `www.x` → `www[.]x`, `mailto:` →
 * `mailto[:]`, `a@b.com` → `a[@]b.com` (also stops `@team` mentions). Backslash escapes do not
 * help here: GFM's bare-URL autolinks are found after escapes are resolved.
 */
export function defangText(value: string): string {
  return value
    .replace(/:\/\//g, '[:]//')
    .replace(/(mailto|xmpp):/gi, '$1[:]')
    .replace(/(www)\./gi, '$1[.]')
    .replace(/@/g, '[@]');
}

/** ASCII punctuation with meaning somewhere in CommonMark/GFM inline syntax (incl. GitHub `$` math and `~` strikethrough). */
const INLINE_SPECIAL = /[\\`*_[\]<>!|~&$#]/g;

/** Options of {@link escapeMarkdownText}. */
export interface EscapeOptions {
  /** Longest kept text (see {@link SanitizeOptions.maxLength}). */
  readonly maxLength?: number;
  /** Defang URLs, e-mail addresses and mentions (see {@link defangText}). Default true; only trusted text turns it off. */
  readonly defang?: boolean;
}

/**
 * Escape untrusted text for plain-text positions of a Markdown line (paragraph, list item,
 * heading, link text, table cell): sanitised (one line, invisible characters visible, truncated),
 * defanged, every inline-significant character backslash-escaped (so no emphasis, code, link,
 * image, HTML, autolink, footnote, entity, math or strikethrough can start, and `|` cannot end a
 * table cell), and the start guarded so it cannot open a block (list, heading, quote, setext
 * underline, indented code) when it begins a line.
 */
export function escapeMarkdownText(value: string, options: EscapeOptions = {}): string {
  const clean = sanitizeText(value, options.maxLength === undefined ? {} : { maxLength: options.maxLength }).trim();
  const text = options.defang === false ? clean : defangText(clean);
  return guardLineStart(escapeInline(text));
}

/** Backslash-escape inline syntax, without sanitising (the caller did) and without guarding the line start. */
export function escapeInline(text: string): string {
  return text.replace(INLINE_SPECIAL, '\\$&');
}

/**
 * Make Markdown text that may begin a line unable to open a block there: leading whitespace is
 * dropped (four spaces would start a code block), a leading `-`, `+` or `=` is escaped (list item,
 * setext underline), and so is the `.`/`)` of a leading number (ordered list).
 */
export function guardLineStart(markdown: string): string {
  const text = markdown.replace(/^[ \t]+/, '');
  if (/^[-+=]/.test(text)) return `\\${text}`;
  return text.replace(/^(\d{1,9})([.)])/, '$1\\$2');
}

/** Options of {@link codeSpan}. */
export interface CodeSpanOptions {
  /** Longest kept text (see {@link SanitizeOptions.maxLength}). */
  readonly maxLength?: number;
  /** The span lands in a GFM table cell: `|` is escaped as `\|`, which GFM allows inside code in cells. */
  readonly inTable?: boolean;
}

/**
 * Put untrusted text in an inline code span, where Markdown has no syntax at all: sanitised to one
 * line, fenced with one backtick more than its longest backtick run, and padded with a space when it
 * starts or ends with a backtick or space (CommonMark strips exactly one such space each side).
 * Empty text gives `_(empty)_`. In a table cell, text with a backslash right before a `|` cannot be
 * put in code faithfully (GFM's cell splitter reads `\\|` as an escaped backslash and a cell
 * boundary), so it falls back to {@link escapeMarkdownText}.
 */
export function codeSpan(value: string, options: CodeSpanOptions = {}): string {
  const text = sanitizeText(value, options.maxLength === undefined ? {} : { maxLength: options.maxLength });
  if (text.length === 0) return '_(empty)_';
  let body = text;
  if (options.inTable) {
    if (/\\\|/.test(body)) return escapeMarkdownText(text) || '_(empty)_';
    body = body.replace(/\|/g, '\\|');
  }
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(body) && !/^ +$/.test(body) ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/**
 * Text for a Mermaid diagram label. Mermaid has its own syntax (`:` separators, `%%` directives,
 * `#…;` entities, HTML labels), so instead of escaping, the label keeps only a safe character set
 * (ASCII letters, digits, space, `.`, `_`, `,`, `/`, `-`); anything else becomes a space.
 */
export function mermaidText(value: string, maxLength = 60): string {
  const safe = sanitizeText(value)
    .replace(/[^A-Za-z0-9 ._,/-]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (safe.length === 0) return '-';
  return safe.length > maxLength ? `${safe.slice(0, Math.max(1, maxLength - 3)).trimEnd()}...` : safe;
}
