import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it, vi } from 'vitest';
import correlationSchema from '../schema/sigma-correlation-rules-schema.json';
import ruleSchema from '../schema/sigma-detection-rule-schema.json';
import filterSchema from '../schema/sigma-filters-schema.json';
import { isUuid, linearRegExp, SCHEMA_PATTERNS, validateDocument } from './schema.js';

const rule = (extra: Record<string, unknown>) => ({
  title: 'x',
  logsource: { category: 'process_creation' },
  detection: { sel: { Image: 'a' }, condition: 'sel' },
  ...extra,
});

describe('schema validation', () => {
  it('runs the schema patterns by hand (their own) or through re2js (any other), never RegExp', () => {
    const spy = vi.spyOn(RE2JS, 'compile');
    expect(validateDocument('rule', rule({ date: '2024-13-01' }))).toMatchObject({ path: ['date'] });
    expect(validateDocument('rule', rule({ date: '2024-12-01', tags: ['attack.t1059'] }))).toBeUndefined();
    expect(validateDocument('rule', rule({ tags: ['Not A Tag'] }))).toMatchObject({ path: ['tags', 0] });
    expect(spy.mock.calls.some(([p]) => String(p).includes('\\d{4}'))).toBe(false);
    const other = linearRegExp('^a+b$', 'u');
    expect(spy.mock.calls.some(([p]) => p === '^a+b$')).toBe(true);
    expect([other.test('aab'), other.test('ab\n'), other.test('b')]).toEqual([true, false, false]);
    spy.mockRestore();
  });
  it('compiles the validator of a kind only when a document of that kind is validated', async () => {
    vi.resetModules();
    const Ajv = (await import('ajv/dist/2020.js')).default;
    const spy = vi.spyOn(Ajv.prototype, 'compile');
    const fresh = await import('./schema.js');
    expect(fresh.validateDocument('rule', rule({}))).toBeUndefined();
    expect(fresh.validateDocument('rule', rule({ date: '2024-01-01' }))).toBeUndefined();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(fresh.validateDocument('filter', { title: 'x' })).toBeDefined();
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });
  it('checks uuids by hand', () => {
    expect(isUuid('ec570e53-4c76-45a9-804d-DC3F355FF7A7')).toBe(true);
    expect(isUuid('ec570e53-4c76-45a9-804d-dc3f355ff7a')).toBe(false);
    expect(isUuid('ec570e53x4c76-45a9-804d-dc3f355ff7a7')).toBe(false);
    expect(validateDocument('rule', rule({ id: 'not-a-uuid' }))).toMatchObject({ path: ['id'] });
  });
});

describe('the schemas’ patterns checked by hand', () => {
  it('answer as RE2 does, on random text and near misses', () => {
    for (const [pattern, check] of SCHEMA_PATTERNS) {
      const re = RE2JS.compile(pattern);
      const unit = fc.constantFrom('0', '1', '2', '3', '9', '-', '.', '_', 'a', 'z', 'A', ' ', '\n', '٣');
      fc.assert(
        fc.property(fc.array(unit, { maxLength: 12 }), (u) => {
          const s = u.join('');
          expect(check(s)).toBe(re.matcher(s).find());
        }),
        { numRuns: 5000 },
      );
      for (const s of [
        '2024-01-31',
        '2024-02-30',
        '2024-12-01',
        '2024-13-01',
        '2024-00-10',
        '2024-10-00',
        '2024-10-32',
        '2024-10-3',
        '2024-10-31\n',
        'attack.t1059.001',
        'attack.execution',
        'cve.2021-44228',
        '.attack',
        'attack.',
        'Attack.t1059',
        'attack..x',
        'a.b.c',
      ])
        expect(check(s), `${pattern} on ${JSON.stringify(s)}`).toBe(re.matcher(s).find());
    }
  });

  it('cover every pattern of the copied schemas', () => {
    const patterns = new Set<string>();
    const walk = (x: unknown): void => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (x && typeof x === 'object')
        for (const [k, v] of Object.entries(x)) k === 'pattern' && typeof v === 'string' ? patterns.add(v) : walk(v);
    };
    [ruleSchema, correlationSchema, filterSchema].forEach(walk);
    expect([...patterns].sort()).toEqual([...SCHEMA_PATTERNS.keys()].sort());
  });
});
