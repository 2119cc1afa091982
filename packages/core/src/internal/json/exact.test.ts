import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { hasUnsafeNumber, MAX_JSON_DEPTH, parseJsonExact, parseJsonExactFrozen, parseJsonExactSlow } from './exact.js';

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

describe('big integers without a second parse', () => {
  /** The parse, and how many times JSON.parse ran for it. */
  const counted = (text: string): [unknown, number] => {
    const spy = vi.spyOn(JSON, 'parse');
    try {
      const v = parseJsonExact(text);
      return [v, spy.mock.calls.length];
    } finally {
      spy.mockRestore();
    }
  };
  const row = (rid: string, extra = '') =>
    `{"Timestamp":"2026-03-01T10:00:00.1234567Z","DeviceId":"5e1f3c0a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f","DeviceName":"web-01","ActionType":"ProcessCreated","ProcessCommandLine":"bash -c \\"echo \\\\\\"ReportId\\\\\\":900719925474099999\\"",${extra}"ReportId":${rid}}`;

  it('parses a row with a big ReportId with one JSON.parse of the line', () => {
    const text = row('700000000000000001');
    const spy = vi.spyOn(JSON, 'parse');
    try {
      const v = parseJsonExact(text) as Record<string, unknown>;
      expect(v.ReportId).toBe('700000000000000001');
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
    expect(parseJsonExact(text)).toEqual({ ...JSON.parse(text), ReportId: '700000000000000001' });
  });

  it('finds each literal where it stands: envelopes, arrays, escaped and integer-like keys, digits inside strings', () => {
    const text =
      '{"records":[{"category":"AdvancedHunting-DeviceInfo","properties":{"ReportId":9007199254740993,"Small":9007199254740991,"Note":"ReportId\\":12345678901234567890"}},' +
      '{"properties":{"1":18446744073709551615,"a\\"b":-9223372036854775808,"__proto__":{"x":9007199254740995},"list":[1,[2,12345678901234567891]],"f":1.5}}]}';
    const [parsed, calls] = counted(text);
    // The line once, and the one escaped key ("a\"b") decoded alone; no re-parse of the line.
    expect(calls).toBe(2);
    const v = parsed as { records: { properties: Record<string, unknown> }[] };
    const [a, b] = v.records.map((r) => r.properties);
    expect(a).toEqual({
      ReportId: '9007199254740993',
      Small: 9007199254740991,
      Note: 'ReportId":12345678901234567890',
    });
    expect(b!['1']).toBe('18446744073709551615');
    expect(b!['a"b']).toBe('-9223372036854775808');
    expect(Object.getOwnPropertyDescriptor(b, '__proto__')!.value).toEqual({ x: '9007199254740995' });
    expect(b!.list).toEqual([1, [2, '12345678901234567891']]);
    expect(b!.f).toBe(1.5);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('keeps the value JSON.parse keeps for a duplicate key', () => {
    expect(counted('{"a":9007199254740993,"a":9007199254740995}')).toEqual([{ a: '9007199254740995' }, 1]);
    expect(parseJsonExact('{"a":9007199254740993,"a":7}')).toEqual({ a: 7 });
    expect(parseJsonExact('{"a":9007199254740993,"a":"x","b":9007199254740997}')).toEqual({
      a: 'x',
      b: '9007199254740997',
    });
  });

  it('falls back to the exact parser for an integer the scan cannot place (1e20), with the same answer', () => {
    expect(parseJsonExact('{"e":1e20,"b":9007199254740993}')).toEqual({ e: 1e20, b: '9007199254740993' });
    expect(parseJsonExact('{"f":1.5e300,"b":9007199254740993}')).toEqual({ f: 1.5e300, b: '9007199254740993' });
    expect(parseJsonExact('9007199254740993')).toBe('9007199254740993');
    expect(parseJsonExactFrozen('{"Inner":{"Id":9007199254740993},"e":1E+20}')).toEqual({
      Inner: { Id: '9007199254740993' },
      e: 1e20,
    });
  });

  it('keeps no slice of the input: values that outlive the line do not hold it in memory', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const padding = 'x'.repeat(20_000);
    const lines = 1500;
    const kept: unknown[] = [];
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < lines; i++) {
      // Built per line, so that each line is its own string of about 20 KB.
      const text = row(String(700000000000000000n + BigInt(i)), `"Pad":"${padding}${i}",`);
      const v = parseJsonExact(text) as Record<string, unknown>;
      kept.push(v.ReportId, v.DeviceId, v.Timestamp);
    }
    const fallback = parseJsonExact(`{"e":1e20,"DeviceId":"${'d'.repeat(40)}","Pad":"${padding}"}`) as Record<
      string,
      unknown
    >;
    kept.push(fallback.DeviceId);
    gc();
    const retained = process.memoryUsage().heapUsed - before;
    // 1,500 lines of 20 KB are 30 MB; the values kept are about 150 KB.
    expect(retained).toBeLessThan(5e6);
    expect(kept[0]).toBe('700000000000000000');
  });
});

describe('big integers put back by the scan, against the exact parser', () => {
  it('puts back only integer literals: digits in strings, fractions and exponents stay as they are', () => {
    const text = '{"s":"9007199254740992","n":9007199254740993,"t":"-9007199254740993","u":"1.9007199254740993"}';
    expect(parseJsonExact(text)).toEqual({
      s: '9007199254740992',
      n: '9007199254740993',
      t: '-9007199254740993',
      u: '1.9007199254740993',
    });
    expect(parseJsonExact('[9007199254740992.0, 9007199254740993]')).toEqual([9007199254740992, '9007199254740993']);
    // A duplicate key whose last value is a fraction: the earlier literal is not written in its place.
    expect(parseJsonExact('{"a\\"b":700000000000000001,"a\\"b":700000000000000002.0}')).toEqual({
      'a"b': 700000000000000000,
    });
    expect(parseJsonExact('[1e+9007199254740993, 9007199254740993, -9007199254740995]')).toEqual([
      Number.POSITIVE_INFINITY,
      '9007199254740993',
      '-9007199254740995',
    ]);
  });

  /** JSON text of arbitrary shape whose numbers and strings are full of long digit runs. */
  const digitsArb = fc.constantFrom(
    '9007199254740993',
    '9007199254740992',
    '9007199254740994',
    '700000000000000001',
    '700000000000000002',
    '18446744073709551615',
    '12345678901234567890',
    '12345678901234567891',
    '42',
  );
  const numberArb = fc.oneof(
    digitsArb,
    digitsArb.map((d) => `-${d}`),
    digitsArb.map((d) => `${d}.0`),
    digitsArb.map((d) => `${d}e2`),
    digitsArb.map((d) => `1.${d}`),
    digitsArb.map((d) => `1e-${d}`),
    fc.integer().map(String),
  );
  const stringArb = fc
    .array(fc.oneof(digitsArb, fc.constantFrom('-', '.', 'e', '+', 'x', ' ', '\\"', ':', ',', '\\\\')), {
      maxLength: 6,
    })
    .map((parts) => `"${parts.join('')}"`);
  const keyArb = fc.oneof(stringArb, fc.constantFrom('"ReportId"', '"__proto__"', '"a\\"b"', '"1"'));
  const { json } = fc.letrec<{ json: string }>((tie) => ({
    json: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      numberArb,
      stringArb,
      fc.array(tie('json'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
      fc
        .array(fc.tuple(keyArb, tie('json')), { maxLength: 4 })
        .map((entries) => `{${entries.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
    ),
  }));

  it('gives exactly what the exact parser gives, on any text (differential)', () => {
    fc.assert(
      fc.property(json, (text) => {
        const exact = parseJsonExactSlow(text);
        expect(parseJsonExact(text)).toStrictEqual(exact);
        expect(parseJsonExactFrozen(text)).toStrictEqual(exact);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('big integers put back by key (the targeted read), against the exact parser', () => {
  /** Calls of `fn` made while `run` runs. */
  const callsOf = <T extends object>(target: T, name: keyof T & string, run: () => unknown): number => {
    const spy = vi.spyOn(target as Record<string, () => unknown>, name);
    try {
      run();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  };

  it('reads the literal after its key without scanning the line: an escaped key elsewhere is not decoded', () => {
    const text = '{"properties":{"a\\"b":1,"Note":"\\"ReportId","XReportId":2,"ReportId":700000000000000001}}';
    expect(parseJsonExact(text)).toEqual({
      properties: { 'a"b': 1, Note: '"ReportId', XReportId: 2, ReportId: '700000000000000001' },
    });
    // The full scan decodes the escaped key "a\"b" with a second JSON.parse; the targeted read does not.
    expect(callsOf(JSON, 'parse', () => parseJsonExact(text))).toBe(1);
  });

  it('leaves a line with many such keys to the one scan (each lookup searches the whole line)', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `"k${i}":${700000000000000000n + BigInt(i)}`);
    const text = `{"a\\"b":1,${keys.join(',')}}`;
    const v = parseJsonExact(text) as Record<string, unknown>;
    expect(v.k0).toBe('700000000000000000');
    expect(v.k1999).toBe('700000000000001999');
    // The scan decodes the escaped key with JSON.parse: the line was not searched 2,000 times.
    expect(callsOf(JSON, 'parse', () => parseJsonExact(text))).toBe(2);
  });

  it('leaves to the full scan what a key lookup cannot settle', () => {
    // The same key spelt with an escape: JSON.parse keeps the last value, whose literal differs but rounds the same.
    expect(parseJsonExact('{"ReportId":12345678901234567891,"R\\u0065portId":12345678901234567890}')).toEqual({
      ReportId: '12345678901234567890',
    });
    // The key twice (another object), a key the literal is not right after, a key in an array.
    expect(parseJsonExact('{"x":{"Id":12345678901234567891},"y":{"Id":12345678901234567890}}')).toEqual({
      x: { Id: '12345678901234567891' },
      y: { Id: '12345678901234567890' },
    });
    expect(parseJsonExact('{"Id" :\t-12345678901234567891 }')).toEqual({ Id: '-12345678901234567891' });
    expect(parseJsonExact('{"Id":[12345678901234567891]}')).toEqual({ Id: ['12345678901234567891'] });
    expect(parseJsonExact('{"Id":12345678901234567891,"e":1e20}')).toEqual({ Id: '12345678901234567891', e: 1e20 });
    expect(parseJsonExact('{"I\\"d":12345678901234567891}')).toEqual({ 'I"d': '12345678901234567891' });
    // A key that is not a word: `","` also stands between two strings, here before a colon and digits.
    expect(parseJsonExact('{"\\u002c":12345678901234567891,"z":["a",":12345678901234567890"]}')).toEqual({
      ',': '12345678901234567891',
      z: ['a', ':12345678901234567890'],
    });
  });

  /** Row-shaped text: word keys (some spelt with escapes, some repeated or nested), values full of digits. */
  const bigArb = fc.constantFrom(
    '9007199254740993',
    '12345678901234567890',
    '12345678901234567891',
    '700000000000000001',
  );
  const valueArb = fc.oneof(
    bigArb,
    bigArb.map((d) => `-${d}`),
    bigArb.map((d) => `${d}.0`),
    fc.constantFrom('1', '"x"', 'null', '1e20', '"\\"ReportId\\": 12345678901234567892"', '"ReportId"', '"\\\\"'),
  );
  const rowKeyArb = fc.constantFrom(
    '"ReportId"',
    '"R\\u0065portId"',
    '"Id"',
    '"__proto__"',
    '"a\\"b"',
    '"x_1"',
    '"ReportId "',
  );
  const space = fc.constantFrom('', ' ', '\t');
  const objectArb = (inner: fc.Arbitrary<string>) =>
    fc
      .array(fc.tuple(rowKeyArb, space, inner), { maxLength: 5 })
      .map((entries) => `{${entries.map(([k, sp, v]) => `${k}${sp}:${sp}${v}`).join(',')}}`);
  const rowArb = objectArb(
    fc.oneof(
      valueArb,
      valueArb,
      objectArb(valueArb),
      objectArb(valueArb).map((o) => `[${o}]`),
    ),
  );

  it('gives exactly what the exact parser gives on row-shaped text (differential)', () => {
    fc.assert(
      fc.property(rowArb, (text) => {
        const exact = parseJsonExactSlow(text);
        expect(parseJsonExact(text)).toStrictEqual(exact);
        expect(parseJsonExactFrozen(text)).toStrictEqual(exact);
      }),
      { numRuns: 3000 },
    );
  });
});
