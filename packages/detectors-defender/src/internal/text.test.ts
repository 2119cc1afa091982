import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { basename, joinImagePath, MAX_COMMAND_LINE, splitCommandLine } from './text.js';

/** The character-by-character splitter that the fast path must agree with, kept as the reference. */
function reference(commandLine: string | undefined, maxWords = 512): string[] {
  if (!commandLine) return [];
  const s = commandLine.length > MAX_COMMAND_LINE ? commandLine.slice(0, MAX_COMMAND_LINE) : commandLine;
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length && (s[i + 1] === '"' || s[i + 1] === '\\'))
        cur += s[++i]!;
      else cur += c;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) {
        words.push(cur);
        if (words.length >= maxWords) return words;
        cur = '';
        inWord = false;
      }
      continue;
    }
    inWord = true;
    if (c === '"' || c === "'") quote = c;
    else if (c === '\\' && i + 1 < s.length) cur += s[++i]!;
    else cur += c;
  }
  if (inWord) words.push(cur);
  return words;
}

describe('splitCommandLine', () => {
  it('splits, quotes and escapes like a POSIX shell', () => {
    expect(splitCommandLine(`/bin/sh -c "lsof -a -c java" 'a b' c\\ d "" x"y"z \\`)).toEqual([
      '/bin/sh',
      '-c',
      'lsof -a -c java',
      'a b',
      'c d',
      '',
      'xyz',
      '\\',
    ]);
    expect(splitCommandLine('  a\t\tb\r\nc  ', 2)).toEqual(['a', 'b']);
    expect(splitCommandLine(`"unterminated 'x`)).toEqual([`unterminated 'x`]);
    expect(splitCommandLine(`"a \\" b \\\\ c \\d"`)).toEqual(['a " b \\ c \\d']);
  });

  it('agrees with the character-by-character reference on arbitrary text and word limits', () => {
    const alphabet = fc.constantFrom('a', 'b', '-', '/', ' ', '\t', '\n', '\r', '"', "'", '\\', 'é', '😀');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 80 }), fc.integer({ min: 1, max: 20 }), (chars, max) => {
        const text = chars.join('');
        expect(splitCommandLine(text, max)).toEqual(reference(text, max));
      }),
      { numRuns: 3000, seed: 20261128 },
    );
  });

  it('agrees with the reference beyond the length cap', () => {
    const long = `${'word "quoted part" esc\\ aped '.repeat(Math.ceil(MAX_COMMAND_LINE / 20))}`;
    expect(splitCommandLine(long)).toEqual(reference(long));
  });
});

describe('image paths', () => {
  it('joins and splits Windows paths on backslashes, POSIX paths on slashes only', () => {
    expect(joinImagePath('c:\\windows\\system32\\vssadmin.exe', 'vssadmin.exe')).toBe(
      'c:\\windows\\system32\\vssadmin.exe',
    );
    expect(joinImagePath('C:\\Program Files\\Contoso', 'cbagent.exe')).toBe('C:\\Program Files\\Contoso\\cbagent.exe');
    expect(basename('c:\\windows\\system32\\vssadmin.exe')).toBe('vssadmin.exe');
    expect(basename('\\\\fs01\\tools\\psexec.exe')).toBe('psexec.exe');
    // A backslash in a POSIX file name is part of the name.
    expect(basename('/tmp/a\\b')).toBe('a\\b');
    expect(joinImagePath('/usr/bin/dash', 'dash')).toBe('/usr/bin/dash');
    expect(joinImagePath('/usr/bin', 'dash')).toBe('/usr/bin/dash');
  });
});
