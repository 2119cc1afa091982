import { readFileSync } from 'node:fs';
import type { AnalysisResult, Narrative } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import { goldenNarrated, goldenNarrative, goldenResult } from '../../../test/golden/golden.js';
import { renderMarkdown } from '../src/index.js';
import { forbiddenNodes, headings, INVISIBLE_RAW, parse, raggedTables, structure, text } from './support/mdast.js';
import { PAYLOADS } from './support/payloads.js';

const GOLDEN_MD = readFileSync(new URL('./golden/wazuh1.report.md', import.meta.url), 'utf8');
const GOLDEN_COMPACT = readFileSync(new URL('./golden/wazuh1.compact.md', import.meta.url), 'utf8');

const withNarrative = (narrative: Narrative): AnalysisResult => ({ ...goldenResult(), narrative });

describe('the narrative in the Markdown report', () => {
  it('a result without a narrative renders to the committed golden bytes, full and compact', () => {
    const { narrative: _, ...plain } = goldenNarrated();
    expect(renderMarkdown(plain) === GOLDEN_MD).toBe(true);
    expect(renderMarkdown(plain, { compact: true }) === GOLDEN_COMPACT).toBe(true);
  });

  it('adds its own section after the executive summary and a footer, and nothing else changes', () => {
    const md = renderMarkdown(goldenNarrated());
    const start = md.indexOf('---\n\n## 📝 Narrative');
    const end = md.indexOf('---\n\n## 📋 Alert Overview');
    expect(start).toBeGreaterThan(md.indexOf('## 🎯 Executive Summary'));
    expect(end).toBeGreaterThan(start);
    const footer = md.indexOf('\n\n*The narrative was written by');
    expect(footer).toBeGreaterThan(md.indexOf('**Report End**'));
    // Without the section and the footer, the report is the golden one byte for byte.
    expect(md.slice(footer)).toMatch(/^\n\n\*The narrative was written by [^\n]*\*\n$/);
    expect(`${md.slice(0, start)}${md.slice(end, footer)}\n` === GOLDEN_MD).toBe(true);
  });

  it('shows the summary and each narrated alert with its citations, the injection findings and the facts', () => {
    const md = renderMarkdown(goldenNarrated());
    const tree = parse(md);
    expect(headings(tree).map((h) => h.text)).toContain(
      '📝 Narrative (written by gpt-4.1-mini-2025-04-14, checked against the evidence)',
    );
    expect(md).toContain(
      '**Summary:** One device produced 15 alerts from 53 analysed events; the highest severity is high. \\[F1, F3, F2, F4\\] ' +
        'The activity spans 2025-11-07T06:40:01.587341Z to 2025-11-07T06:55:01.964973Z. \\[F5\\]',
    );
    // Each alert paragraph names the report's alert number and title, in report order.
    const a1 = md.indexOf('**ALERT-001** · Exposed device `wazuh1` in the unassigned group');
    const a4 = md.indexOf('**ALERT-004** · Defender agent exec: `dash` → `lsof`: The Defender agent replaced a shell');
    expect(a1).toBeGreaterThan(0);
    expect(a4).toBeGreaterThan(a1);
    expect(md).toContain('(T1059.004). \\[A4.count, A4.mitre\\]');
    expect(md).toContain(
      '- ALERT-008 · field `evidence.events[0].fields.ProcessCommandLine` · pattern `ignore-previous-instructions` · `ignore previous instructions`',
    );
    expect(md).toContain('- `A4.count` `alert tl-573cca4c45815fbc54df count=2`');
    // A fact whose text names its id (as @tripline/narrative writes them) is shown once.
    const named = renderMarkdown(
      withNarrative({ ...goldenNarrative(), facts: [{ id: 'F2', text: 'F2 = "events analysed: 53"' }] }),
    );
    expect(named).toContain('\n- `F2 = "events analysed: 53"`\n');
    // The rejected sentence is counted, never shown.
    expect(md).not.toContain('203.0.113.7');
    expect(md).toContain(
      '*The narrative was written by the language model `gpt-4.1-mini-2025-04-14` at `http://127.0.0.1:8080` (2025-11-12T09:00:41Z). ' +
        'Every sentence was checked against the evidence before it was kept: 4 of 5 sentences kept, 1 rejected and not shown.',
    );
    expect(forbiddenNodes(tree)).toEqual([]);
  });

  it('says when the summary is the template, counts retries, and leaves out paragraphs of alerts minSeverity hides', () => {
    const n = goldenNarrative();
    const md = renderMarkdown(
      withNarrative({ ...n, summary: { ...n.summary, source: 'template' }, stats: { ...n.stats, retries: 1 } }),
      { minSeverity: 'high' },
    );
    expect(md).toContain("the summary above is tripline's template._");
    expect(md).toContain(
      "1 rejected and not shown, after 1 retry. The executive summary of the narrative is tripline's template.",
    );
    expect(md).toContain('**ALERT-001** · ');
    expect(md).not.toContain('**ALERT-004** · ');
  });

  it('compact form: one labelled paragraph with the summary', () => {
    const md = renderMarkdown(goldenNarrated(), { compact: true });
    expect(md).toContain(
      '📝 _Narrative by `gpt-4.1-mini-2025-04-14`, checked against the evidence, 1 rejected:_ One device produced 15 alerts',
    );
    expect(md).not.toContain('ALERT-004** · ');
    // A budget still cuts between blocks.
    const short = renderMarkdown(goldenNarrated(), { compact: true, budget: 600 });
    expect(short.length).toBeLessThanOrEqual(600);
    expect(forbiddenNodes(parse(short))).toEqual([]);
  });
});

/** Every string of a narrative set to `value` (what a hostile model or a hostile event could put there). */
function everywhere(n: Narrative, value: string): Narrative {
  const sentence = (s: { text: string; cites: readonly string[] }) => ({ text: value, cites: [value, ...s.cites] });
  return {
    ...n,
    model: value,
    endpoint: value,
    generatedAt: value,
    facts: n.facts.map(() => ({ id: value, text: value })),
    summary: { ...n.summary, sentences: n.summary.sentences.map(sentence) },
    alerts: n.alerts.map((a) => ({ ...a, sentences: a.sentences.map(sentence) })),
    injections: n.injections.map((i) => ({ ...i, field: value, pattern: value, excerpt: value })),
  };
}

describe('hostile narrative text (the reporter hardening corpus)', () => {
  const baseline = structure(parse(renderMarkdown(withNarrative(everywhere(goldenNarrative(), 'benign')))));
  const compactBaseline = structure(
    parse(renderMarkdown(withNarrative(everywhere(goldenNarrative(), 'benign')), { compact: true })),
  );

  it.each(PAYLOADS)('%s: no structure, link, HTML or invisible character from the narrative', (_, payload) => {
    const result = withNarrative(everywhere(goldenNarrative(), payload));
    for (const [md, base] of [
      [renderMarkdown(result), baseline],
      [renderMarkdown(result, { compact: true }), compactBaseline],
    ] as const) {
      const tree = parse(md);
      expect(forbiddenNodes(tree)).toEqual([]);
      expect(raggedTables(tree)).toEqual([]);
      expect(structure(tree)).toEqual(base);
      expect(INVISIBLE_RAW.test(md)).toBe(false);
    }
  });

  it('an alert id the result does not hold is shown as code, and its paragraph is left out', () => {
    const n = goldenNarrative();
    const md = renderMarkdown(
      withNarrative({
        ...n,
        alerts: [{ alertId: '[x](https://evil.example)', sentences: [{ text: 'x', cites: [] }] }],
        injections: [{ ...n.injections[0]!, alertId: '<b>id</b>' }],
      }),
    );
    expect(text(parse(md))).toContain('<b>id</b>');
    expect(forbiddenNodes(parse(md))).toEqual([]);
    expect(md).not.toContain('**Alerts:**');
  });
});
