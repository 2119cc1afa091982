/**
 * The rule files docs/rules.md shows in full (the YAML blocks that start with an `id:`) load and compile
 * as written, and its `where:` snippets are valid in place of the complete rule's `where`: a reader who
 * copies them gets a rule that works, not one the loader refuses.
 */
import { readFileSync } from 'node:fs';
import { parseRule, ruleToDetector } from '@tripline/core';
import { describe, expect, it } from 'vitest';

const DOC = readFileSync(new URL('../docs/rules.md', import.meta.url), 'utf8');
const blocks = [...DOC.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
const whole = blocks.filter((b) => /^id: /m.test(b));
const base = whole[0] ?? '';

/** The full example with one top-level key replaced by a snippet of the doc. */
function withSnippet(snippet: string): string {
  const key = snippet.match(/^([A-Za-z]+):/m)?.[1];
  if (key !== 'where') return base;
  const lines = base.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${key}:`));
  let end = start + 1;
  while (end < lines.length && (lines[end]!.startsWith(' ') || lines[end] === '')) end++;
  return [...lines.slice(0, start), snippet.trimEnd(), ...lines.slice(end)].join('\n');
}

describe('docs/rules.md', () => {
  it('shows at least one complete rule', () => {
    expect(whole.length).toBeGreaterThan(0);
  });

  it.each(whole.map((b, i) => [i, b] as const))('complete rule %i loads and compiles', (_i, text) => {
    const loaded = parseRule(text, 'docs/rules.md');
    expect(ruleToDetector(loaded.rule).meta.id).toMatch(/\//);
  });

  const snippets = blocks.filter((b) => /^where:/m.test(b) && !/^id: /m.test(b));
  it('shows a where snippet', () => {
    expect(snippets.length).toBeGreaterThan(0);
  });
  it.each(snippets.map((b, i) => [i, b] as const))('where snippet %i is valid in the complete rule', (_i, snippet) => {
    const loaded = parseRule(withSnippet(snippet), 'docs/rules.md');
    expect(() => ruleToDetector(loaded.rule)).not.toThrow();
  });
});
