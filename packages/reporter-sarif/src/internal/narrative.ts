/**
 * The narrative of a narrated run (`result.narrative`) in the SARIF log: only in `properties` — the
 * run's summary in `runs[0].properties.tripline.narrative`, each narrated alert's paragraph in its
 * result's `properties.tripline.narrative` — never in a message (`message.text` / `message.markdown`),
 * which code-scanning viewers render. It is model output: every string is cleaned like event text.
 */
import type { Narrative, NarrativeSentence } from '@tripline/core';
import { cleanText } from './text.js';

/** Longest sentence kept (a validated sentence is far shorter; the cap bounds a hostile record). */
const SENTENCE_MAX = 2000;
/** Longest fact id, fact text, model name or injection value kept. */
const VALUE_MAX = 500;

/** A narrated alert's paragraph, as a result's properties carry it. */
export interface SarifNarrativeParagraph {
  readonly alertId: string;
  readonly sentences: readonly { readonly text: string; readonly cites: readonly string[] }[];
}

function sentences(list: readonly NarrativeSentence[]): SarifNarrativeParagraph['sentences'] {
  return list.map((s) => ({
    text: cleanText(s.text, { max: SENTENCE_MAX }),
    cites: s.cites.map((c) => cleanText(c, { max: VALUE_MAX })),
  }));
}

/** The narrated alerts' paragraphs by alert id (empty without a narrative). */
export function narrativeParagraphs(narrative: Narrative | undefined): ReadonlyMap<string, SarifNarrativeParagraph> {
  const out = new Map<string, SarifNarrativeParagraph>();
  for (const p of narrative?.alerts ?? []) {
    if (p.sentences.length === 0 || out.has(p.alertId)) continue;
    out.set(p.alertId, { alertId: cleanText(p.alertId, { max: VALUE_MAX }), sentences: sentences(p.sentences) });
  }
  return out;
}

/**
 * `properties.tripline.narrative` of a result: the paragraphs of its alerts (one for an alert's result,
 * those narrated among a fleet finding's alerts), or nothing when none of them was narrated.
 */
export function resultNarrative(
  paragraphs: ReadonlyMap<string, SarifNarrativeParagraph>,
  alertIds: readonly string[],
): { narrative?: readonly SarifNarrativeParagraph[] } {
  const list = alertIds.flatMap((id) => {
    const p = paragraphs.get(id);
    return p === undefined ? [] : [p];
  });
  return list.length > 0 ? { narrative: list } : {};
}

/**
 * `runs[0].properties.tripline.narrative`: who wrote it, the summary, the facts cited, the counts of the
 * check and the injection findings. The rejected sentences' text is left out (as in every report).
 */
export function runNarrative(narrative: Narrative | undefined): { narrative?: Record<string, unknown> } {
  if (narrative === undefined) return {};
  const clean = (v: string) => cleanText(v, { max: VALUE_MAX });
  return {
    narrative: {
      model: clean(narrative.model),
      endpoint: clean(narrative.endpoint),
      generatedAt: cleanText(narrative.generatedAt, { max: 40 }),
      checkedAgainstEvidence: true,
      summary: { source: narrative.summary.source, sentences: sentences(narrative.summary.sentences) },
      facts: narrative.facts.map((f) => ({ id: clean(f.id), text: clean(f.text) })),
      stats: { ...narrative.stats },
      injections: narrative.injections.map((i) => ({
        alertId: clean(i.alertId),
        field: clean(i.field),
        pattern: clean(i.pattern),
        excerpt: clean(i.excerpt),
      })),
    },
  };
}
