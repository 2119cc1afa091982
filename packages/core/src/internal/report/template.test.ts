import { describe, expect, it } from 'vitest';
import { fillTemplate, parseTemplate, templatePlaceholders } from './template.js';

describe('parseTemplate', () => {
  it('splits text, {name} and {~name} placeholders in order', () => {
    expect(parseTemplate('Logon of {account} from {~origin}: {n} times')).toEqual([
      { kind: 'text', text: 'Logon of ' },
      { kind: 'value', name: 'account', prose: false },
      { kind: 'text', text: ' from ' },
      { kind: 'value', name: 'origin', prose: true },
      { kind: 'text', text: ': ' },
      { kind: 'value', name: 'n', prose: false },
      { kind: 'text', text: ' times' },
    ]);
  });

  it('keeps braces that open no placeholder as text', () => {
    expect(parseTemplate('{ } {1x} {a-b} {{x}}')).toEqual([
      { kind: 'text', text: '{ } {1x} {a-b} {' },
      { kind: 'value', name: 'x', prose: false },
      { kind: 'text', text: '}' },
    ]);
    expect(parseTemplate('')).toEqual([]);
  });

  it('runs in linear time on a long run of unclosed braces', () => {
    const hostile = `${'{a'.repeat(200_000)}`;
    const started = performance.now();
    expect(parseTemplate(hostile)).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('templatePlaceholders', () => {
  it('lists the names, repeats kept', () => {
    expect(templatePlaceholders('{a} {~b} {a}')).toEqual(['a', 'b', 'a']);
  });
});

describe('fillTemplate', () => {
  it('fills own values only and leaves a missing placeholder as written, or the given text', () => {
    const values = { a: 'x', n: 3 };
    expect(fillTemplate('{a}/{~a}/{n}/{constructor}/{~gone}', values)).toBe('x/x/3/{constructor}/{~gone}');
    expect(fillTemplate('{a} {gone}', values, '(value missing)')).toBe('x (value missing)');
  });
});
