import { describe, expect, it } from 'vitest';
import { ConditionError, expandTarget, MAX_DEPTH, parseCondition, wildcardNameMatch } from './condition.js';

describe('parseCondition', () => {
  it('gives not > and > or precedence', () => {
    expect(parseCondition('a or b and not c')).toEqual({
      type: 'or',
      args: [
        { type: 'id', name: 'a' },
        {
          type: 'and',
          args: [
            { type: 'id', name: 'b' },
            { type: 'not', arg: { type: 'id', name: 'c' } },
          ],
        },
      ],
    });
  });

  it('honours parentheses and is case-insensitive for keywords', () => {
    expect(parseCondition('(a OR b) AND NOT (c)')).toEqual({
      type: 'and',
      args: [
        {
          type: 'or',
          args: [
            { type: 'id', name: 'a' },
            { type: 'id', name: 'b' },
          ],
        },
        { type: 'not', arg: { type: 'id', name: 'c' } },
      ],
    });
  });

  it('parses 1 of / all of / N of / any of with patterns and them', () => {
    expect(parseCondition('1 of selection_*')).toEqual({ type: 'of', quantifier: 1, target: 'selection_*' });
    expect(parseCondition('all of them')).toEqual({ type: 'of', quantifier: 'all', target: 'them' });
    expect(parseCondition('2 of x*')).toEqual({ type: 'of', quantifier: 2, target: 'x*' });
    expect(parseCondition('any of sel')).toEqual({ type: 'of', quantifier: 1, target: 'sel' });
    expect(parseCondition('selection and not 1 of filter_main_* and not 1 of filter_optional_*')).toMatchObject({
      type: 'and',
      args: [{ type: 'id' }, { type: 'not', arg: { type: 'of' } }, { type: 'not', arg: { type: 'of' } }],
    });
  });

  it.each([
    ['a and', 6, 'ends where an identifier'],
    ['a b', 3, 'unexpected "b"'],
    ['(a or b', 8, '")" expected'],
    ['a | count() > 5', 3, 'aggregations'],
    ['sel*', 1, 'needs "1 of"'],
    ['a and $x', 7, 'unexpected character'],
    ['3x of sel', 1, 'expected 1, a number'],
    ['not', 4, 'ends where'],
  ])('refuses %j at column %i', (text, column, message) => {
    let err: unknown;
    try {
      parseCondition(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConditionError);
    expect((err as ConditionError).column).toBe(column);
    expect((err as Error).message).toContain(message);
  });

  it('parses nesting up to MAX_DEPTH and refuses deeper nesting with a column, never a stack overflow', () => {
    const ok = `${'('.repeat(200)}a${')'.repeat(200)}`;
    expect(parseCondition(ok)).toEqual({ type: 'id', name: 'a' });
    for (const text of [`${'('.repeat(100_000)}a${')'.repeat(100_000)}`, `${'not '.repeat(100_000)}a`]) {
      expect(() => parseCondition(text)).toThrow(ConditionError);
      expect(() => parseCondition(text)).toThrow(`nested deeper than ${MAX_DEPTH} levels`);
    }
  });
});

describe('identifier patterns', () => {
  it('them excludes identifiers starting with an underscore', () => {
    expect(expandTarget('them', ['sel', '_helper', 'filter'])).toEqual(['sel', 'filter']);
  });
  it('* matches any run, in detection order', () => {
    expect(expandTarget('selection_*', ['selection_a', 'filter', 'selection_b', 'selection'])).toEqual([
      'selection_a',
      'selection_b',
    ]);
    expect(wildcardNameMatch('*_img', 'sel_img')).toBe(true);
    expect(wildcardNameMatch('a*b*c', 'axxbyyc')).toBe(true);
    expect(wildcardNameMatch('a*b*c', 'axxbyy')).toBe(false);
  });
});
