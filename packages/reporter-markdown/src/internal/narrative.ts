/**
 * The narrative of a narrated run (`result.narrative`, written by a language model through
 * `@tripline/narrative`): its own labelled section, a warning for instruction-like event text, and a
 * footer saying which model wrote it and that every sentence was checked against the evidence.
 *
 * The narrative is model output, and the model read event text: every string of it (sentences, fact
 * ids, facts, the model's name, the endpoint, the injection findings) goes through the same escaping
 * as event text — `ctx.text` in plain-text positions, `ctx.code` as code spans.
 */
import type { Narrative, NarrativeSentence } from '@tripline/core';
import type { Block } from './blocks.js';
import type { RenderContext } from './context.js';
import { escapeMarkdownText } from './escape.js';
import { int, plural } from './format.js';

/** Citations shown after a sentence; more are counted (`+N`). */
const CITES_SHOWN = 6;
/** Longest citation id shown. */
const CITE_MAX = 40;

/** The section's heading text: `📝 Narrative (written by <model>, checked against the evidence)`. */
export function narrativeHeading(ctx: RenderContext, narrative: Narrative): string {
  return `📝 Narrative (written by ${ctx.code(narrative.model)}, checked against the evidence)`;
}

/**
 * A sentence's citations, compactly: `\[F1, A2.count\]` (escaped brackets: literal, never a link);
 * each id escaped like event text.
 */
function cites(sentence: NarrativeSentence): string {
  const ids = Array.isArray(sentence.cites) ? sentence.cites : [];
  if (ids.length === 0) return '';
  const shown = ids.slice(0, CITES_SHOWN).map((id) => escapeMarkdownText(String(id), { maxLength: CITE_MAX }));
  const more = ids.length > CITES_SHOWN ? `, +${int(ids.length - CITES_SHOWN)}` : '';
  return ` \\[${shown.join(', ')}${more}\\]`;
}

/** Sentences as one paragraph of escaped text, each followed by its citations. */
export function sentences(ctx: RenderContext, list: readonly NarrativeSentence[]): string {
  return list.map((s) => `${ctx.text(s.text)}${cites(s)}`).join(' ');
}

/** The alert paragraphs to show: alerts the report shows (at `minSeverity` or above), in report order. */
function shownParagraphs(ctx: RenderContext, narrative: Narrative): { label: string; text: string }[] {
  const shown = new Map(ctx.shown.map((n) => [n.alert.id, n]));
  const out: { label: string; text: string; at: number }[] = [];
  const order = new Map(ctx.shown.map((n, i) => [n.alert.id, i]));
  for (const p of narrative.alerts) {
    const n = shown.get(p.alertId);
    if (n === undefined || p.sentences.length === 0) continue;
    const fleet = ctx.fleetOf.get(n.alert);
    const where = fleet ? ` (in ${fleet.number})` : '';
    out.push({
      label: `**${n.number}**${where} · ${ctx.alertTitle(n.alert)}`,
      text: sentences(ctx, p.sentences),
      at: order.get(p.alertId)!,
    });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The injection findings as list items: alert, field, pattern, the escaped excerpt. */
function injectionRows(ctx: RenderContext, narrative: Narrative): string[] {
  return narrative.injections.map((i) => {
    const alert = ctx.numberById.get(i.alertId) ?? ctx.code(i.alertId);
    return `- ${alert} · field ${ctx.code(i.field)} · pattern ${ctx.code(i.pattern)} · ${ctx.code(i.excerpt)}`;
  });
}

/** The 📝 Narrative section of the full report; nothing when the run was not narrated. */
export function narrativeSection(ctx: RenderContext): Block[] {
  const narrative = ctx.result.narrative;
  if (narrative === undefined) return [];
  const blocks: Block[] = [{ head: `## ${narrativeHeading(ctx, narrative)}`, keepWithNext: true }];
  const summary = narrative.summary.sentences;
  if (summary.length > 0) blocks.push({ head: `**Summary:** ${sentences(ctx, summary)}` });
  if (narrative.summary.source === 'template') {
    blocks.push({
      head: "_The model's summary did not pass the check against the evidence: the summary above is tripline's template._",
    });
  }
  const paragraphs = shownParagraphs(ctx, narrative);
  if (paragraphs.length > 0) {
    blocks.push({ head: '**Alerts:**', keepWithNext: true });
    for (const p of paragraphs) blocks.push({ head: `${p.label}: ${p.text}` });
  }
  if (narrative.injections.length > 0) {
    blocks.push({
      head:
        `⚠️ **Instruction-like text in event values** (${plural(narrative.injections.length, 'finding')}): ` +
        'these values read like instructions to a language model. The model was given them only as data, ' +
        'and an injection attempt is itself worth investigating.',
      rows: injectionRows(ctx, narrative),
    });
  }
  if (narrative.facts.length > 0) {
    blocks.push({
      head: '**Facts cited:**',
      // A fact's text usually names its id (`F2 = "events analysed: 53"`): then it is shown once.
      rows: narrative.facts.map((f) =>
        f.text.startsWith(`${f.id} `) ? `- ${ctx.code(f.text)}` : `- ${ctx.code(f.id)} ${ctx.code(f.text)}`,
      ),
    });
  }
  return blocks;
}

/** The closing note on the narrative (the reference report's footer, made true): who wrote it, and the check. */
export function narrativeFooter(ctx: RenderContext): Block[] {
  const narrative = ctx.result.narrative;
  if (narrative === undefined) return [];
  const { stats } = narrative;
  const retries = stats.retries > 0 ? `, after ${plural(stats.retries, 'retry', 'retries')}` : '';
  const template =
    narrative.summary.source === 'template' ? " The executive summary of the narrative is tripline's template." : '';
  return [
    {
      head:
        `*The narrative was written by the language model ${ctx.code(narrative.model)} at ${ctx.code(narrative.endpoint)} ` +
        `(${ctx.text(narrative.generatedAt)}). Every sentence was checked against the evidence before it was kept: ` +
        `${int(stats.kept)} of ${plural(stats.sentences, 'sentence')} kept, ${int(stats.rejected)} rejected and not shown${retries}.${template} ` +
        'Each kept sentence cites the facts it states; the findings themselves come from the rule-based detectors.*',
    },
  ];
}

/** The compact (chat) form: one paragraph with the summary, labelled with the model. */
export function compactNarrative(ctx: RenderContext): Block[] {
  const narrative = ctx.result.narrative;
  if (narrative === undefined || narrative.summary.sentences.length === 0) return [];
  const rejected = narrative.stats.rejected > 0 ? `, ${int(narrative.stats.rejected)} rejected` : '';
  return [
    {
      head:
        `📝 _Narrative by ${ctx.code(narrative.model)}, checked against the evidence${rejected}:_ ` +
        sentences(ctx, narrative.summary.sentences),
    },
  ];
}
