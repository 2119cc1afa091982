import { describe, expect, it } from 'vitest';
import { type ParsedDocument, parseSigmaSource, parseTimespan } from './parse.js';

const RULE = `title: Whoami run by a service account
id: 8a1e5c0e-1f0b-4d6c-9a51-0d1f1c2b3a4d
status: experimental
description: Finds whoami.
author: A. Author
date: 2024-01-31
modified: 2025-02-01
tags:
    - attack.discovery
    - attack.t1033
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\whoami.exe'
        CommandLine|contains|all:
            - '/all'
            - '/fo'
    keywords:
        - 'x'
    condition: selection
level: low
`;

function one(text: string): ParsedDocument {
  const docs = parseSigmaSource(text, 'rules/x.yml');
  expect(docs).toHaveLength(1);
  return docs[0]!;
}

describe('parseSigmaSource', () => {
  it('reads a rule: dates stay strings, items keep modifiers, values and positions', () => {
    const d = one(RULE);
    if (d.kind !== 'rule') throw new Error(JSON.stringify(d));
    const r = d.rule;
    expect(r.date).toBe('2024-01-31');
    expect(r.modified).toBe('2025-02-01');
    expect(r.level).toBe('low');
    expect(r.tags).toEqual(['attack.discovery', 'attack.t1033']);
    expect(r.source).toEqual({ file: 'rules/x.yml', line: 1, column: 1 });
    const sel = r.selections.get('selection')!;
    expect(sel.alternatives[0]).toEqual([
      {
        field: 'Image',
        modifiers: ['endswith'],
        values: ['\\whoami.exe'],
        position: { file: 'rules/x.yml', line: 16, column: 9 },
      },
      {
        field: 'CommandLine',
        modifiers: ['contains', 'all'],
        values: ['/all', '/fo'],
        position: { file: 'rules/x.yml', line: 17, column: 9 },
      },
    ]);
    expect(r.selections.get('keywords')).toMatchObject({
      keyword: true,
      alternatives: [[{ field: undefined, values: ['x'] }]],
    });
    expect(r.condition).toEqual({ type: 'id', name: 'selection' });
  });

  it('names the line and column of a condition error', () => {
    const d = one(RULE.replace('condition: selection', 'condition: selection and (keywords'));
    expect(d).toMatchObject({
      kind: 'invalid',
      reasons: [{ code: 'condition-invalid', position: { line: 22, column: 39 } }],
    });
    const missing = one(RULE.replace('condition: selection', 'condition: selection and nothere'));
    expect(missing).toMatchObject({
      kind: 'invalid',
      reasons: [{ code: 'condition-invalid', message: expect.stringContaining('"nothere"') }],
    });
    const pattern = one(RULE.replace('condition: selection', 'condition: 1 of filter_*'));
    expect(pattern).toMatchObject({ kind: 'invalid', reasons: [{ code: 'condition-invalid' }] });
  });

  it('reports schema violations where they are', () => {
    const d = one(RULE.replace('level: low', 'level: severe'));
    expect(d).toMatchObject({
      kind: 'invalid',
      docKind: 'rule',
      reasons: [{ code: 'schema-invalid', at: 'level', position: { line: 23, column: 8 } }],
    });
    expect(one('title: no logsource\ndetection:\n  s: {a: 1}\n  condition: s\n')).toMatchObject({
      kind: 'invalid',
      reasons: [{ code: 'schema-invalid', message: expect.stringContaining('logsource') }],
    });
    expect(one('just: a map\n')).toMatchObject({
      kind: 'invalid',
      docKind: 'unknown',
      reasons: [{ code: 'schema-invalid' }],
    });
    expect(one('- a list\n')).toMatchObject({ kind: 'invalid', reasons: [{ code: 'schema-invalid' }] });
  });

  it('reports YAML errors with line and column', () => {
    expect(one('title: x\ndetection: [a, b\n')).toMatchObject({
      kind: 'invalid',
      reasons: [{ code: 'yaml-invalid', position: { file: 'rules/x.yml' } }],
    });
  });

  it('refuses unknown modifiers at parse time', () => {
    const d = one(RULE.replace('Image|endswith', 'Image|endswithx'));
    expect(d).toMatchObject({
      kind: 'invalid',
      reasons: [{ code: 'modifier-unsupported', at: 'selection.Image|endswithx' }],
    });
  });

  it('parses a multi-document file: rules, a correlation and a filter', () => {
    const text = `${RULE}---
title: Many whoami
id: 9b2e5c0e-1f0b-4d6c-9a51-0d1f1c2b3a4d
correlation:
    type: value_count
    rules:
        - 8a1e5c0e-1f0b-4d6c-9a51-0d1f1c2b3a4d
    group-by:
        - ComputerName
    timespan: 15m
    condition:
        field: User
        gte: 3
    aliases:
        host:
            rule_a: ComputerName
level: high
---
title: Not on build servers
logsource:
    category: process_creation
    product: windows
filter:
    rules:
        - 8a1e5c0e-1f0b-4d6c-9a51-0d1f1c2b3a4d
    selection:
        ComputerName|startswith: 'BUILD'
    condition: selection
`;
    const docs = parseSigmaSource(text, 'm.yml');
    expect(docs.map((d) => d.kind)).toEqual(['rule', 'correlation', 'filter']);
    const c = docs[1]!;
    if (c.kind !== 'correlation') throw new Error('no');
    expect(c.correlation.correlation).toEqual({
      type: 'value_count',
      rules: ['8a1e5c0e-1f0b-4d6c-9a51-0d1f1c2b3a4d'],
      groupBy: ['ComputerName'],
      timespanMs: 900_000,
      timespanText: '15m',
      condition: { field: 'User', gte: 3 },
      aliases: { host: { rule_a: 'ComputerName' } },
      generate: false,
    });
    expect(c.correlation.source.line).toBe(25);
    const f = docs[2]!;
    expect(f).toMatchObject({
      kind: 'filter',
      filter: { rules: ['8a1e5c0e-1f0b-4d6c-9a51-0d1f1c2b3a4d'], condition: { type: 'id', name: 'selection' } },
    });
  });

  it('a condition list is accepted (the OR of its entries)', () => {
    const d = one(RULE.replace('condition: selection', 'condition:\n        - selection\n        - keywords'));
    expect(d).toMatchObject({
      kind: 'rule',
      rule: { condition: { type: 'or', args: [{ name: 'selection' }, { name: 'keywords' }] } },
    });
  });

  it('never throws on hostile input', () => {
    const deep = `title: x\nlogsource: {category: a}\ndetection:\n  sel: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n  condition: sel\n`;
    expect(parseSigmaSource(deep, 'deep.yml')[0]).toMatchObject({ kind: 'invalid' });
    const cond = `title: x\nlogsource: {category: a}\ndetection:\n  sel: {a: 1}\n  condition: ${'not '.repeat(10_000)}sel\n`;
    expect(parseSigmaSource(cond, 'cond.yml')[0]).toMatchObject({
      kind: 'invalid',
      reasons: [{ code: 'condition-invalid' }],
    });
    for (const text of [
      '',
      '---\n---\n',
      '&a [*a]',
      'a: &x\n  b: *x\nc: *x\n',
      '\u0000\u0001',
      '{{{{',
      'title: x\nid: 1\n'.repeat(3),
    ])
      expect(() => parseSigmaSource(text, 'h.yml')).not.toThrow();
  });
});

describe('parseTimespan', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['90m', 5_400_000],
  ])('%s → %i ms', (t, ms) => expect(parseTimespan(t)).toBe(ms));
  it.each(['', '5', 'm', '5M', '1w', '-1h', '0s', '1.5h', '99999999999999d'])('refuses %j', (t) =>
    expect(parseTimespan(t)).toBeUndefined(),
  );
});
