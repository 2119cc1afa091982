import { describe, expect, it } from 'vitest';
import { kqlNumber, kqlString, regexEscape } from '../../src/emit/literal.js';

/** Kusto's reading of a string literal (the documented escapes), to prove the round trip. */
function readLiteral(lit: string): string {
  if (lit.startsWith('@"')) {
    expect(lit.endsWith('"')).toBe(true);
    const body = lit.slice(2, -1);
    expect(body.replaceAll('""', '')).not.toContain('"');
    return body.replaceAll('""', '"');
  }
  expect(lit.startsWith('"') && lit.endsWith('"')).toBe(true);
  let out = '';
  const body = lit.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    expect(c).not.toBe('"');
    expect(c.charCodeAt(0)).toBeGreaterThanOrEqual(0x20);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i]!;
    if (n === 'u') {
      out += String.fromCharCode(Number.parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else out += ({ n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"' } as Record<string, string>)[n] ?? `?${n}`;
  }
  return out;
}

describe('Kusto string literals', () => {
  it('writes verbatim literals when the value has no quote and no control character', () => {
    expect(kqlString('C:\\Windows\\System32\\')).toBe('@"C:\\Windows\\System32\\"');
  });

  it.each([
    ['"); drop table x; //'],
    ['a\nb\r\nc\td'],
    ['\\"\\'],
    ['\u0000\u001f\u007f\u2028\u2029'],
    ['end with backslash\\'],
    ['"'],
    [''],
    ['\ud800 lone surrogate'],
  ])('keeps %j inside its literal', (value) => {
    const lit = kqlString(value);
    expect(lit).not.toMatch(/[\n\r]/);
    expect(readLiteral(lit)).toBe(value);
  });

  it('spells numbers Kusto reads the same, and nothing else', () => {
    expect(kqlNumber(443)).toBe('443');
    expect(kqlNumber(-1.5)).toBe('-1.5');
    expect(kqlNumber(1e21)).toBeUndefined();
    expect(kqlNumber(Number.NaN)).toBeUndefined();
  });

  it('escapes regex metacharacters and control characters', () => {
    expect(regexEscape('a.b*c\\d(e)[f]{g}|h^$+?')).toBe('a\\.b\\*c\\\\d\\(e\\)\\[f\\]\\{g\\}\\|h\\^\\$\\+\\?');
    expect(regexEscape('x\ny\u0001')).toBe('x\\ny\\x{1}');
  });
});
