/**
 * Hostile text for the hardening suite: fragments that try to become Markdown structure, HTML, links,
 * terminal escapes or invisible text, and fast-check arbitraries that mix them with random Unicode.
 */
import fc from 'fast-check';

/** Seed of every property in the suite: a failure reproduces with the same cases. */
export const SEED = 0x7219_1e;

/**
 * Cases per property (kept small: the whole suite runs on two cores in CI). `HARDENING_SCALE=10`
 * multiplies them for a longer local hunt.
 */
const SCALE = Number(process.env.HARDENING_SCALE ?? '1') || 1;
export const RUNS = { light: Math.ceil(200 * SCALE), heavy: Math.ceil(100 * SCALE) } as const;

/** Fragments, by the kind of damage they aim at. */
export const FRAGMENTS = {
  markdown: [
    '# heading',
    '\n## injected heading\n',
    'Title\n===',
    'Title\n---',
    '***',
    '- item',
    '1. first',
    '> quote',
    '    indented code',
    '*em* **strong** _u_ __uu__',
    '~~strike~~',
    '$x^2$',
    '$$\nmath\n$$',
    '[^1]',
    '\n\n[^1]: footnote text\n',
    '[ref]\n\n[ref]: https://evil.example',
    '- [ ] task',
    '\\',
    '\\\\',
    '&lt;b&gt; &#x3C;i&#x3E; &#0; &copy;',
  ],
  html: [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<!-- hidden -->',
    '<details><summary>s</summary>d</details>',
    '</code></pre></td></tr></table>',
    '<a href="https://evil.example">x</a>',
    '<https://evil.example>',
    '<admin@evil.example>',
  ],
  links: [
    '[click](https://evil.example/login)',
    '![px](https://evil.example/p.png)',
    'https://evil.example/a?b=c',
    'http://10.0.0.1:8080/x.sh',
    'www.evil.example',
    'admin@evil.example',
    '@octocat',
    'mailto:a@evil.example',
    'xmpp:bot@evil.example',
    'javascript:alert(1)',
    'ftp://evil.example/',
  ],
  code: ['`', '``', '```', '````js\nalert(1)\n````', '`a``b```c', ' ` ', '~~~\nfence\n~~~'],
  table: ['|', 'a | b', '\\|', 'x\\\\|y', '| --- | --- |', '\n| a | b |\n|---|---|\n| c | d |'],
  breaks: ['\n', '\r\n', '\r', '\n\n', '\u2028', '\u2029', '\u0085', '\t', '\v', '\f'],
  ansi: [
    '\u001b[31mred\u001b[0m',
    '\u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007',
    '\u001b[2J\u001b[H',
    '\u009b31m',
    '\u001bc',
    '\u0007',
    '\u001b]0;title\u001b\\',
  ],
  invisible: [
    '\u202e',
    '\u202a\u202b\u202c\u202d',
    '\u2066\u2067\u2068\u2069',
    '\u200e\u200f\u061c',
    '\u200b\u200c\u200d\u2060',
    '\ufeff',
    '\u00ad',
    '\u{e0041}\u{e0042}',
    '\u3164\u115f',
    '\u0000',
    '\u007f',
    '\ud800',
    '\udfff',
    '\udc00\ud800',
  ],
  posix: [
    '/dev/shm/.x',
    '/tmp/a b',
    '../../etc/passwd',
    '"quoted"',
    "'single'",
    '$(id)',
    '`id`',
    '; rm -rf /',
    '&&',
    '||',
  ],
} as const;

/** Every fragment, flat. */
export const ALL_FRAGMENTS: readonly string[] = Object.values(FRAGMENTS).flat();

/** One hostile fragment, weighted towards the families most likely to break a renderer. */
export const fragment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FRAGMENTS.markdown) },
  { weight: 3, arbitrary: fc.constantFrom(...FRAGMENTS.html) },
  { weight: 3, arbitrary: fc.constantFrom(...FRAGMENTS.links) },
  { weight: 3, arbitrary: fc.constantFrom(...FRAGMENTS.code) },
  { weight: 2, arbitrary: fc.constantFrom(...FRAGMENTS.table) },
  { weight: 2, arbitrary: fc.constantFrom(...FRAGMENTS.breaks) },
  { weight: 2, arbitrary: fc.constantFrom(...FRAGMENTS.ansi) },
  { weight: 3, arbitrary: fc.constantFrom(...FRAGMENTS.invisible) },
  { weight: 1, arbitrary: fc.constantFrom(...FRAGMENTS.posix) },
);

/** Any UTF-16 code unit, lone surrogates included (fast-check 3's `unicode`/`char16bits`). */
export const utf16Unit: fc.Arbitrary<string> = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Attacker text: random Unicode (BMP, astral, lone surrogates) interleaved with hostile fragments. */
export const hostileText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fragment },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
      { weight: 1, arbitrary: fc.string({ unit: utf16Unit, maxLength: 8 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }) },
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((parts) => parts.join(''));

/** Code points a terminal must never receive from event data: ESC and C0/C1 except LF, DEL, bidi controls. */
export const TERMINAL_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** Describe the first unsafe character of `text` for an assertion message. */
export function firstUnsafe(text: string): string | undefined {
  const m = TERMINAL_UNSAFE.exec(text);
  if (!m) return undefined;
  const at = m.index;
  return `U+${m[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 30), at + 30))}`;
}
