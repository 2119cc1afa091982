/**
 * The "plain sentence" rules of the validator: what a sentence may not hold whatever its facts say.
 * Every check is one linear scan of the text; none uses a regular expression on it.
 */

/** Characters with a markup meaning in Markdown, HTML or a shell that a plain sentence never needs. */
export const MARKUP_CHARACTERS = '`*~|<>[]{}$#';

/** Link schemes that run code or hide an address: never in a sentence, whatever a fact holds. */
const ACTIVE_SCHEMES = ['javascript:', 'data:', 'vbscript:', 'file:'];

/** Abbreviations a sentence may use before `. ` without starting a second sentence. */
const ABBREVIATIONS = ['e.g', 'i.e', 'etc', 'vs', 'approx'];

const isLetter = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** The first hidden character: a control (C0, C1, DEL), bidi or zero-width mark, tag, filler, separator or lone surrogate. */
export function hiddenCharacter(text: string): number | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return c;
    if (c >= 0x200b && c <= 0x200f) return c;
    if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f)) return c;
    if (c === 0x061c || c === 0xfeff || c === 0x00ad || c === 0x2028 || c === 0x2029 || c === 0x180e) return c;
    if (c === 0x3164 || c === 0x115f || c === 0x1160 || c === 0xffa0 || (c >= 0xfff0 && c <= 0xfffb)) return c;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return c; // lone high surrogate
      if (c === 0xdb40) return c; // the tag block U+E0000–U+E007F
      i++;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return c; // lone low surrogate
  }
  return undefined;
}

/**
 * Why the text is not one plain sentence (empty: it is): markup characters, an HTML entity, an active
 * link scheme, a list or heading marker, a second sentence, a spaced hyphen, a run of spaces, a
 * backslash outside a Windows path.
 */
export function plainTextProblems(text: string): string[] {
  const problems: string[] = [];
  const marks = [...new Set([...text].filter((ch) => MARKUP_CHARACTERS.includes(ch)))];
  if (marks.length > 0) problems.push(`markup characters ${marks.join(' ')}`);
  const lower = text.toLowerCase();
  for (let i = lower.indexOf('&'); i >= 0; i = lower.indexOf('&', i + 1)) {
    let j = i + 1;
    if (lower[j] === '#') j++;
    const start = j;
    while (j < lower.length && j - start < 32 && (isLetter(lower.charCodeAt(j)) || isDigit(lower.charCodeAt(j)))) j++;
    if (j > start && lower[j] === ';') {
      problems.push('an HTML entity');
      break;
    }
  }
  for (const scheme of ACTIVE_SCHEMES) {
    if (lower.includes(scheme)) problems.push(`the link scheme ${scheme}`);
  }
  const c0 = text.charCodeAt(0);
  // a list marker: `- ` or `+ ` at the start, after a space, or opening a quotation
  for (let i = 0; i < text.length - 1; i++) {
    if (
      (text[i] === '-' || text[i] === '+') &&
      text[i + 1] === ' ' &&
      (i === 0 || ' "“‘(\''.includes(text[i - 1] as string))
    ) {
      problems.push('a list marker or a spaced hyphen');
      break;
    }
  }
  if (isDigit(c0)) {
    let j = 0;
    while (isDigit(text.charCodeAt(j))) j++;
    if ((text[j] === '.' || text[j] === ')') && text[j + 1] === ' ') problems.push('a numbered-list marker');
  }
  if (text.includes('  ')) problems.push('a run of spaces');
  for (const role of ['system:', 'assistant:', 'user:', 'developer:', 'human:']) {
    const at = lower.indexOf(role);
    if (at >= 0 && (at === 0 || !isLetter(lower.charCodeAt(at - 1)))) {
      problems.push(`a chat role marker (${role})`);
      break;
    }
  }
  // a second sentence: `. `, `! ` or `? ` followed by more text, unless after an abbreviation
  for (let i = 0; i < text.length - 2; i++) {
    const ch = text[i];
    if ((ch === '.' || ch === '!' || ch === '?') && text[i + 1] === ' ') {
      let k = i;
      while (k > 0 && text[k - 1] !== ' ') k--;
      const word = lower.slice(k, i);
      if (ch === '.' && ABBREVIATIONS.includes(word)) continue;
      problems.push('more than one sentence');
      break;
    }
  }
  // a backslash only inside a Windows path (C:\…, \\server\…)
  for (const word of text.split(' ')) {
    if (!word.includes('\\')) continue;
    const w = word.replace(/^[("'“‘]+/, '');
    const drive = isLetter(w.charCodeAt(0)) && w[1] === ':' && w[2] === '\\' && isLetter(w.charCodeAt(3));
    const unc = w.startsWith('\\\\') && isLetter(w.charCodeAt(2));
    if (!drive && !unc) {
      problems.push('a backslash outside a Windows path');
      break;
    }
  }
  return problems;
}

const isAlnum = (c: number) => isLetter(c) || isDigit(c);
const JOINERS = '.:-/\\@_';

/** True when `token` is a date or a time (digits with `-` or `:`, and `.`, `T`, `Z`). */
function temporal(token: string): boolean {
  let sep = false;
  for (let i = 0; i < token.length; i++) {
    const ch = token[i] as string;
    if (ch === '-' || ch === ':') sep = true;
    else if (!isDigit(token.charCodeAt(i)) && ch !== '.' && ch !== 'T' && ch !== 'Z') return false;
  }
  return sep;
}

/**
 * True when `token` occurs in `haystack` as a whole value, not as part of a longer one: `T1059` does
 * not occur in `T1059.004`, `198.51.100.7` not in `198.51.100.77`, `example.com` not in
 * `evil.example.com`, `/usr/bin/nc` not in `/usr/bin/nc.traditional`. A date or time may be part of a
 * timestamp (`06:46` occurs in `2025-11-07T06:46:02Z`), but not of a longer number.
 */
export function occursAsToken(haystack: string, token: string): boolean {
  if (token.length === 0) return false;
  const time = temporal(token);
  for (let i = haystack.indexOf(token); i >= 0; i = haystack.indexOf(token, i + 1)) {
    const before = haystack.charCodeAt(i - 1);
    const after = haystack.charCodeAt(i + token.length);
    if (time) {
      if (!isDigit(before) && !isDigit(after)) return true;
      continue;
    }
    const b = haystack[i - 1] ?? '';
    const a = haystack[i + token.length] ?? '';
    const extendsBefore = isAlnum(before) || (b !== '' && JOINERS.includes(b) && isAlnum(haystack.charCodeAt(i - 2)));
    const extendsAfter =
      isAlnum(after) ||
      a === '_' ||
      (a !== '' && JOINERS.includes(a) && isAlnum(haystack.charCodeAt(i + token.length + 1)));
    if (!extendsBefore && !extendsAfter) return true;
  }
  return false;
}
