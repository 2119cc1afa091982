import { describe, expect, it } from 'vitest';
import { inRange, parseCidr, parseIP, parseIPv6 } from './cidr.js';
import { base64, base64offset, utf16 } from './encode.js';
import { compileRegex, liftInlineFlags, regexLiterals } from './regex.js';

describe('cidr', () => {
  it('parses IPv6 with ::, zones, embedded IPv4', () => {
    expect([...parseIPv6('::1')!]).toEqual([...new Array(15).fill(0), 1]);
    expect(parseIPv6('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(parseIPv6('1::2::3')).toBeUndefined();
    expect(parseIPv6('fe80::1%eth0')).toBeDefined();
    expect([...parseIP('::ffff:192.168.1.1')!]).toEqual([192, 168, 1, 1]);
    expect(parseIP('256.1.1.1')).toBeUndefined();
    expect(parseIP('1.2.3')).toBeUndefined();
  });
  it('tests prefixes bit by bit', () => {
    const r = parseCidr('172.16.0.0/12')!;
    expect(inRange(r, parseIP('172.31.255.255')!)).toBe(true);
    expect(inRange(r, parseIP('172.32.0.0')!)).toBe(false);
    expect(inRange(parseCidr('0.0.0.0/0')!, parseIP('8.8.8.8')!)).toBe(true);
    expect(inRange(parseCidr('10.0.0.0/8')!, parseIP('::1')!)).toBe(false);
    expect(inRange(parseCidr('2001:db8::/32')!, parseIP('2001:0DB8:1::5')!)).toBe(true);
    expect(parseCidr('10.0.0.0/x')).toBeUndefined();
  });
});

describe('encodings', () => {
  it('base64offset gives the three shifted fragments (as the specification computes them)', () => {
    // Reference values computed with Python's base64 for b'http://' at offsets 0, 1 and 2.
    expect(base64offset({ kind: 'text', text: 'http://' })).toEqual(['aHR0cDovL', 'h0dHA6Ly', 'odHRwOi8v']);
  });
  it('utf16 variants', () => {
    expect([...(utf16({ kind: 'text', text: 'cmd' }, 'le', false) as { bytes: Uint8Array }).bytes]).toEqual([
      0x63, 0, 0x6d, 0, 0x64, 0,
    ]);
    expect([...(utf16({ kind: 'text', text: 'cmd' }, 'be', false) as { bytes: Uint8Array }).bytes]).toEqual([
      0, 0x63, 0, 0x6d, 0, 0x64,
    ]);
    expect([...(utf16({ kind: 'text', text: 'c' }, 'le', true) as { bytes: Uint8Array }).bytes]).toEqual([
      0xff, 0xfe, 0x63, 0,
    ]);
    expect(base64({ kind: 'text', text: 'hello' })).toBe('aGVsbG8=');
  });
});

describe('regex', () => {
  it('lifts a leading flag group', () => {
    expect(liftInlineFlags('(?i)abc', { i: false, m: false, s: false })).toEqual({
      source: 'abc',
      flags: { i: true, m: false, s: false },
    });
    expect(liftInlineFlags('(?is)a', { i: false, m: false, s: false }).flags).toEqual({ i: true, m: false, s: true });
    expect(liftInlineFlags('(?:a)', { i: false, m: false, s: false }).source).toBe('(?:a)');
  });
  it('keeps the source as written and refuses what RE2 cannot run', () => {
    const r = compileRegex('(?i)\\\\AppData\\\\.*\\.exe$', { i: false, m: false, s: false });
    expect(r.ok && r.regex.source).toBe('(?i)\\\\AppData\\\\.*\\.exe$');
    expect(r.ok && r.regex.test('C:\\USERS\\X\\APPDATA\\Y.EXE')).toBe(true);
    expect(compileRegex('(?<=a)b', { i: false, m: false, s: false }).ok).toBe(false);
  });
  it.each([
    ['\\\\AppData\\\\Roaming\\\\[a-z]+\\.exe', ['\\appdata\\roaming\\', '.exe']],
    ['foo|bar', []],
    ['ab?c', ['a', 'c']],
    ['(?:x|y)zz+', ['zz']],
    ['a\\x41bc', ['bc', 'a']],
    ['net\\s+user', ['user', 'net']],
    ['[abc]def{2,3}', ['def']],
    ['\\Qa.b\\E', []],
    // The counted repetition of a class, `.` or `\d` is no literal text.
    ['://[0-9]{1,3}\\.[0-9]{1,3}', ['://', '.']],
    ['x.{2,40}y\\d{4}z', ['x', 'y', 'z']],
  ])('literals of %j', (source, literals) => {
    expect(regexLiterals(source)).toEqual(literals);
  });
});
