import fc from 'fast-check';
import type { Paragraph, Root, Table } from 'mdast';
import { toString as mdToString } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { codeSpan, defangText, escapeMarkdownText, mermaidText, sanitizeText } from './escape.js';

const parse = (md: string): Root => unified().use(remarkParse).use(remarkGfm).parse(md);

/** Pieces that matter to Markdown, GFM, terminals and Unicode rendering, mixed with random text. */
const PIECES = [
  '`',
  '``',
  '```',
  '\\',
  '|',
  '\n',
  '\r\n',
  '\r',
  ' ',
  '  ',
  '\t',
  '#',
  '>',
  '-',
  '+',
  '=',
  '*',
  '_',
  '~',
  '[',
  ']',
  '(',
  ')',
  '!',
  '<',
  '>',
  '&',
  '&lt;',
  '&#x3C;',
  '$',
  '^',
  ':',
  '@',
  '.',
  '1.',
  'http://',
  'https://x.io',
  'www.',
  'mailto:',
  'a@b.co',
  '<b>',
  '<!--',
  '-->',
  '[^1]',
  '[x]: /y',
  '\u001b[31m',
  '\u0000',
  '\u202E',
  '\u200B',
  '\uFEFF',
  '\u2028',
  '\uD800',
  '\u0085',
  'x',
  'abc',
  'é',
  '👍',
];
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 24 })
  .map((parts) => parts.join(''));

describe('sanitizeText', () => {
  it('makes controls, bidi and zero-width characters visible', () => {
    expect(sanitizeText('a\u202Eb')).toBe('a⟪U+202E⟫b');
    expect(sanitizeText('\u001b[31mred')).toBe('⟪U+001B⟫[31mred');
    expect(sanitizeText('n\u0000\u200B\uFEFF')).toBe('n⟪U+0000⟫⟪U+200B⟫⟪U+FEFF⟫');
    expect(sanitizeText('a\u{E0041}')).toBe('a⟪U+E0041⟫');
    expect(sanitizeText('x\uD800')).toBe('x⟪U+D800⟫');
  });

  it('turns line breaks into ↵ (or keeps them) and tabs into spaces', () => {
    expect(sanitizeText('a\r\nb\rc\nd\te')).toBe('a↵b↵c↵d e');
    expect(sanitizeText('a\r\nb', { newlines: 'keep' })).toBe('a\nb');
  });

  it('truncates by code points with a visible marker', () => {
    expect(sanitizeText('abcdef', { maxLength: 4 })).toBe('abcd…⟪+2 chars⟫');
    expect(sanitizeText('👍👍👍', { maxLength: 2 })).toBe('👍👍…⟪+1 chars⟫');
    expect(sanitizeText('abc', { maxLength: 3 })).toBe('abc');
  });

  it('never outputs invisible or control characters', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        expect(sanitizeText(s)).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u);
      }),
    );
  });
});

describe('codeSpan', () => {
  it('uses a longer fence than any backtick run and pads per CommonMark', () => {
    expect(codeSpan('a')).toBe('`a`');
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`x')).toBe('`` `x ``');
    expect(codeSpan('a```b')).toBe('````a```b````');
    expect(codeSpan(' a ')).toBe('`  a  `');
    expect(codeSpan('')).toBe('_(empty)_');
  });

  it('escapes pipes in table cells and falls back to text for a backslash before a pipe', () => {
    expect(codeSpan('a|b', { inTable: true })).toBe('`a\\|b`');
    expect(codeSpan('a\\|b', { inTable: true })).toBe('a\\\\\\|b');
  });

  it('parses back to exactly the sanitised value (property)', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const expected = sanitizeText(s);
        fc.pre(expected.length > 0);
        const tree = parse(`x ${codeSpan(s)} y`);
        expect(tree.children).toHaveLength(1);
        const para = tree.children[0] as Paragraph;
        const codes = para.children.filter((c) => c.type === 'inlineCode');
        expect(codes).toHaveLength(1);
        expect(codes[0]?.type === 'inlineCode' && codes[0].value).toBe(expected);
        expect(para.children.map((c) => c.type)).toEqual(['text', 'inlineCode', 'text']);
      }),
      { numRuns: 250 },
    );
  }, 60_000);

  it('keeps a table cell a single cell holding the value (property)', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const tree = parse(`| a | b |\n| --- | --- |\n| ${codeSpan(s, { inTable: true })} | z |\n`);
        expect(tree.children).toHaveLength(1);
        const table = tree.children[0] as Table;
        expect(table.type).toBe('table');
        expect(table.children.map((r) => r.children.length)).toEqual([2, 2]);
        const cell = table.children[1]?.children[0];
        expect(cell && mdToString(cell)).toBe(
          /\\\|/.test(sanitizeText(s)) ? defangText(sanitizeText(s)).trim() : sanitizeText(s) || '(empty)',
        );
        expect(mdToString(table.children[1]?.children[1] ?? table)).toBe('z');
      }),
      { numRuns: 250 },
    );
  }, 60_000);
});

describe('escapeMarkdownText', () => {
  it('defangs links GFM would autolink', () => {
    expect(escapeMarkdownText('see http://evil.io')).toBe('see http\\[:\\]//evil.io');
    expect(escapeMarkdownText('www.evil.io')).toBe('www\\[.\\]evil.io');
    expect(escapeMarkdownText('a@b.io')).toBe('a\\[@\\]b.io');
  });

  it('guards the start of a line', () => {
    expect(escapeMarkdownText('- x')).toBe('\\- x');
    expect(escapeMarkdownText('12. x')).toBe('12\\. x');
    expect(escapeMarkdownText('    code')).toBe('code');
    expect(escapeMarkdownText('# h')).toBe('\\# h');
    expect(escapeMarkdownText('=== ')).toBe('\\===');
  });

  it('is one paragraph of plain text equal to the defanged, sanitised value (property)', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const md = escapeMarkdownText(s);
        const expected = defangText(sanitizeText(s).trim());
        fc.pre(expected.length > 0);
        const tree = parse(md);
        expect(tree.children).toHaveLength(1);
        const para = tree.children[0] as Paragraph;
        expect(para.type).toBe('paragraph');
        expect(para.children.every((c) => c.type === 'text')).toBe(true);
        expect(mdToString(para)).toBe(expected);
      }),
      { numRuns: 250 },
    );
  }, 60_000);

  it('stays plain text after a list marker and inside headings (property)', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const md = escapeMarkdownText(s);
        fc.pre(md.length > 0);
        for (const doc of [`- **k:** ${md}`, `### A ${md}`]) {
          const tree = parse(doc);
          expect(tree.children).toHaveLength(1);
          let types: string[] = [];
          const walk = (n: { type: string; children?: unknown[] }) => {
            types.push(n.type);
            for (const c of n.children ?? []) walk(c as never);
          };
          walk(tree.children[0] as never);
          types = [...new Set(types)].sort();
          expect(types.every((t) => ['heading', 'list', 'listItem', 'paragraph', 'strong', 'text'].includes(t))).toBe(
            true,
          );
        }
      }),
      { numRuns: 250 },
    );
  }, 60_000);
});

describe('mermaidText', () => {
  it('keeps only the safe character set', () => {
    expect(mermaidText('a:b;c#d%%{init}%% <br> `x`')).toBe('a b c d init br x');
    expect(mermaidText('\u202E')).toBe('U 202E');
    expect(mermaidText('%%')).toBe('-');
    expect(mermaidText('x'.repeat(100), 10)).toBe('xxxxxxx...');
  });

  it('never emits characters outside the set (property)', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        expect(mermaidText(s)).toMatch(/^[A-Za-z0-9 ._,/-]+$/);
      }),
    );
  }, 60_000);
});
