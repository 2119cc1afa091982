import { RE2JS } from 're2js';
import { describe, expect, it, vi } from 'vitest';
import { isUuid, validateDocument } from './schema.js';

const rule = (extra: Record<string, unknown>) => ({
  title: 'x',
  logsource: { category: 'process_creation' },
  detection: { sel: { Image: 'a' }, condition: 'sel' },
  ...extra,
});

describe('schema validation', () => {
  it('runs the schema patterns through re2js, not RegExp', () => {
    const spy = vi.spyOn(RE2JS, 'compile');
    expect(validateDocument('rule', rule({ date: '2024-13-01' }))).toMatchObject({ path: ['date'] });
    expect(validateDocument('rule', rule({ date: '2024-12-01', tags: ['attack.t1059'] }))).toBeUndefined();
    expect(validateDocument('rule', rule({ tags: ['Not A Tag'] }))).toMatchObject({ path: ['tags', 0] });
    expect(spy.mock.calls.some(([p]) => String(p).includes('\\d{4}'))).toBe(true);
    spy.mockRestore();
  });
  it('checks uuids by hand', () => {
    expect(isUuid('ec570e53-4c76-45a9-804d-DC3F355FF7A7')).toBe(true);
    expect(isUuid('ec570e53-4c76-45a9-804d-dc3f355ff7a')).toBe(false);
    expect(isUuid('ec570e53x4c76-45a9-804d-dc3f355ff7a7')).toBe(false);
    expect(validateDocument('rule', rule({ id: 'not-a-uuid' }))).toMatchObject({ path: ['id'] });
  });
});
