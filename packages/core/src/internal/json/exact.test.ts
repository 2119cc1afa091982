import { describe, expect, it } from 'vitest';
import { hasUnsafeNumber, MAX_JSON_DEPTH, parseJsonExact, parseJsonExactFrozen } from './exact.js';

describe('parseJsonExact', () => {
  it('keeps integers beyond 2^53 exact as decimal strings', () => {
    expect(JSON.parse('{"ReportId":639199803770463703}').ReportId).toBe(639199803770463700);
    expect(parseJsonExact('{"ReportId":639199803770463703}')).toEqual({ ReportId: '639199803770463703' });
    expect(parseJsonExact('[9007199254740993, -9007199254740993, 9007199254740991]')).toEqual([
      '9007199254740993',
      '-9007199254740993',
      9007199254740991,
    ]);
  });

  it('returns the native result when nothing is unsafe', () => {
    const text = '{"a":1,"b":[1.5,"x",null,true],"c":{"d":"\\u00e9\\n"}}';
    expect(parseJsonExact(text)).toEqual(JSON.parse(text));
  });

  it('parses strings, escapes, nesting and floats identically to JSON.parse on the slow path', () => {
    const text = '{"big":12345678901234567890,"s":"a\\"b\\\\c\\u2028","f":-1.25e3,"n":[{"x":{}},[]],"e":""}';
    const exact = parseJsonExact(text) as Record<string, unknown>;
    const native = JSON.parse(text) as Record<string, unknown>;
    expect(exact.big).toBe('12345678901234567890');
    expect({ ...exact, big: 0 }).toEqual({ ...native, big: 0 });
  });

  it('keeps __proto__ as a plain own key (no prototype pollution)', () => {
    const v = parseJsonExact('{"__proto__":{"polluted":1},"id":639199803770463703}') as Record<string, unknown>;
    expect(Object.keys(v)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  it('rejects malformed text with a SyntaxError on both paths', () => {
    expect(() => parseJsonExact('{"a":')).toThrow(SyntaxError);
    expect(() => parseJsonExact('{"a":639199803770463703,}')).toThrow(SyntaxError);
  });

  it('refuses absurd nesting on the exact path instead of overflowing the stack', () => {
    const deep = `${'['.repeat(5000)}639199803770463703${']'.repeat(5000)}`;
    expect(() => parseJsonExact(deep)).toThrow(/nested deeper than 1000 levels/);
  });

  it('detects unsafe numbers', () => {
    expect(hasUnsafeNumber({ a: [1, 2, { b: 2 ** 60 }] })).toBe(true);
    expect(hasUnsafeNumber({ a: [1, 2.5, 'x'] })).toBe(false);
  });
});

describe('parseJsonExactFrozen', () => {
  const allFrozen = (v: unknown): boolean =>
    v === null || typeof v !== 'object' || (Object.isFrozen(v) && Object.values(v).every(allFrozen));

  it('gives what parseJsonExact gives, deeply frozen, with or without big integers', () => {
    for (const text of [
      '{"a":{"b":[1,{"c":"x"}]},"n":null}',
      '{"PosixUserId":0,"Id":{"Big":639199803770463703,"List":[9007199254740993,1]}}',
      '[[[]],{},"s",1.5e300]',
      '639199803770463703',
      '"text"',
      '12',
    ]) {
      const got = parseJsonExactFrozen(text);
      expect(got).toEqual(parseJsonExact(text));
      expect(allFrozen(got), text).toBe(true);
    }
    expect((parseJsonExactFrozen('{"Id":{"Big":639199803770463703}}') as { Id: { Big: unknown } }).Id.Big).toBe(
      '639199803770463703',
    );
  });

  it('throws SyntaxError on invalid JSON, like JSON.parse', () => {
    expect(() => parseJsonExactFrozen('{"a":')).toThrow(SyntaxError);
  });
});

describe('nesting depth', () => {
  const nested = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;

  it('accepts MAX_JSON_DEPTH levels below the top and rejects deeper values, with or without big integers', () => {
    expect(() => parseJsonExact(nested(MAX_JSON_DEPTH + 1))).not.toThrow();
    expect(() => parseJsonExact(nested(MAX_JSON_DEPTH + 2))).toThrow(SyntaxError);
    expect(() => parseJsonExact(`{"a":${nested(MAX_JSON_DEPTH + 1)}}`)).toThrow(/nested deeper than 1000 levels/);
    expect(() => parseJsonExact(`[639199803770463703,${nested(MAX_JSON_DEPTH + 2)}]`)).toThrow(SyntaxError);
    expect(() => parseJsonExactFrozen(nested(100_000))).toThrow(SyntaxError);
  });
});
