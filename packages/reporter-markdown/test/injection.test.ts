import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../src/index.js';
import { FIELDS, type Field, hostileRun } from './fixtures/hostile.js';
import {
  codeBlocks,
  forbiddenNodes,
  INVISIBLE_RAW,
  MERMAID_LINE,
  parse,
  raggedTables,
  structure,
} from './support/mdast.js';
import { PAYLOADS } from './support/payloads.js';

/**
 * Every payload in every attacker-controlled field: the report must have exactly the structure it
 * has with a benign value there (same headings, lists, tables, rows, cells, emphasis…), no link,
 * image, HTML, footnote or definition node (except the report's own ATT&CK links), no raw control,
 * bidi or zero-width character, and a Mermaid chart made only of safe lines.
 */
function check(md: string, baseline: Record<string, number>, label: string) {
  const tree = parse(md);
  expect(forbiddenNodes(tree), label).toEqual([]);
  expect(raggedTables(tree), label).toEqual([]);
  expect(structure(tree), label).toEqual(baseline);
  expect(INVISIBLE_RAW.test(md), `${label}: raw invisible character`).toBe(false);
  for (const chart of codeBlocks(tree, 'mermaid')) {
    for (const line of chart.split('\n')) expect(line, label).toMatch(MERMAID_LINE);
  }
}

/** Structure without the report's own ATT&CK links, which a hostile technique id legitimately removes. */
function baselineFor(fields: readonly Field[] | 'all', options = {}): Record<string, number> {
  return structure(parse(renderMarkdown(hostileRun(fields, 'benign-value'), options)));
}

const attackLinks = (md: string) => (md.match(/\]\(https:\/\/attack\.mitre\.org\//g) ?? []).length;

describe('injection corpus', () => {
  it(`has at least 40 payloads (${PAYLOADS.length})`, () => {
    expect(PAYLOADS.length).toBeGreaterThanOrEqual(40);
  });

  describe.each(FIELDS.map((f) => [f] as const))('in %s', (field) => {
    const baseline = baselineFor([field]);
    const benignAttackLinks = attackLinks(renderMarkdown(hostileRun([field], 'benign-value')));
    it.each(PAYLOADS.map(([name, payload]) => [name, payload] as const))(
      '%s',
      (name, payload) => {
        const md = renderMarkdown(hostileRun([field], payload));
        const expected = { ...baseline };
        // A technique id that is not a valid ATT&CK id is shown as text, not linked.
        if (field === 'alertMeta') {
          const lost = benignAttackLinks - attackLinks(md);
          expected.link = (expected.link ?? 0) - lost;
          if (expected.link === 0) delete expected.link;
        }
        check(md, expected, `${field} / ${name}`);
      },
      30_000,
    );
  });

  const modes = [{}, { compact: true }];
  const allBaselines = modes.map((options) => baselineFor('all', options));
  it.each(PAYLOADS.map(([name, payload]) => [name, payload] as const))(
    'in all fields at once, full and compact: %s',
    (name, payload) => {
      modes.forEach((options, i) => {
        const md = renderMarkdown(hostileRun('all', payload), options);
        const tree = parse(md);
        expect(forbiddenNodes(tree), name).toEqual([]);
        expect(raggedTables(tree), name).toEqual([]);
        expect(INVISIBLE_RAW.test(md), name).toBe(false);
        const s = structure(tree);
        const base = allBaselines[i] ?? {};
        for (const key of [
          'heading1',
          'heading2',
          'heading3',
          'heading4',
          'list',
          'listItem',
          'table',
          'tableRow',
          'tableCell',
          'blockquote',
          'strong',
          'emphasis',
          'delete',
          'break',
        ]) {
          expect(s[key] ?? 0, `${name} ${key} ${JSON.stringify(options)}`).toBe(base[key] ?? 0);
        }
      }, 60_000);
    },
  );

  it('keeps hostile values readable: code spans hold the sanitised text', () => {
    const md = renderMarkdown(hostileRun(['deviceName'], 'evil`host\u202E|x'));
    expect(md).toContain('**DeviceName:** ``evil`host⟪U+202E⟫|x``');
    expect(md).toContain('| ``evil`host⟪U+202E⟫\\|x`` |');
  });

  it('defangs URLs in plain-text fallbacks', () => {
    const md = renderMarkdown(
      hostileRun(['plainText'], 'visit https://evil.example or www.evil.example, mail a@evil.example'),
    );
    expect(md).toContain('visit https\\[:\\]//evil.example or www\\[.\\]evil.example, mail a\\[@\\]evil.example');
  });
});
