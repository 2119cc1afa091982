import type { AnalysisResult, Narrative } from '@tripline/core';
import { goldenNarrative } from '../../../test/golden/golden.js';
import { fleet, HOSTILE } from './fixtures.js';

export { goldenNarrative };

/** The golden narrative with hostile text (links, HTML, controls, bidi) in every string. */
export function hostileNarrative(): Narrative {
  const n = goldenNarrative();
  const bad = `[x](https://evil.example) <img src=x> \u202Eevil\u001B[31m\n# heading ${HOSTILE.slice(0, 300)}`;
  const sentence = (s: { text: string; cites: readonly string[] }) => ({
    text: `${s.text} ${bad}`,
    cites: [...s.cites, bad],
  });
  return {
    ...n,
    model: bad,
    endpoint: bad,
    facts: n.facts.map((f) => ({ id: `${f.id}${bad}`, text: `${f.text}${bad}` })),
    summary: { ...n.summary, sentences: n.summary.sentences.map(sentence) },
    alerts: n.alerts.map((a) => ({ ...a, sentences: a.sentences.map(sentence) })),
    injections: n.injections.map((i) => ({ ...i, field: bad, pattern: bad, excerpt: bad })),
  };
}

/** A dense fleet whose first three alerts are narrated (they are rolled up into fleet findings). */
export function narratedFleet(n: number): AnalysisResult {
  const result = fleet(n);
  const narrated = result.alerts.slice(0, 3);
  return {
    ...result,
    narrative: {
      model: 'test-model',
      endpoint: 'http://127.0.0.1:8080',
      generatedAt: '2025-11-07T07:00:00Z',
      facts: narrated.map((a, i) => ({ id: `A${i + 1}.count`, text: `alert ${a.id} count=${a.evidence.eventCount}` })),
      summary: { source: 'template', sentences: [{ text: `${n} devices raised alerts.`, cites: [] }] },
      alerts: narrated.map((a, i) => ({
        alertId: a.id,
        sentences: [{ text: `It counts ${a.evidence.eventCount} events.`, cites: [`A${i + 1}.count`] }],
      })),
      rejected: [],
      injections: [],
      stats: { sentences: 4, kept: 4, rejected: 0, retries: 1 },
    },
  };
}
