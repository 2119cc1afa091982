import {
  type AnalysisResult,
  ERROR_CODES,
  type Narrative,
  type NarrativeSentence,
  TriplineError,
} from '@tripline/core';
import type { NarrativeProvider } from './client.js';
import { buildFactSheet, type FactSheet } from './facts.js';
import { detectInjections } from './injection.js';
import {
  ANSWER_JSON_SCHEMA,
  ANSWER_SCHEMA_NAME,
  type Answer,
  type Audience,
  answerSchema,
  buildMessages,
  type ChatMessage,
  MAX_ALERT_SENTENCES,
  MAX_SUMMARY_SENTENCES,
  retryMessage,
} from './prompt.js';
import { templateSummary } from './template.js';
import { type AnswerSentence, validateSentences } from './validate.js';

/** Options of {@link narrate}. */
export interface NarrateOptions {
  /** The model endpoint (see `openAICompatible`). */
  readonly provider: NarrativeProvider;
  /** Who reads it. Default `analyst`. */
  readonly audience?: Audience;
  /** How many alerts (report order) get facts and a paragraph. Default 20. */
  readonly maxAlerts?: number;
  /** Cancels the requests. */
  readonly signal?: AbortSignal;
  /** The clock for `generatedAt` (default the system clock). */
  readonly now?: () => Date;
}

type Rejected = Narrative['rejected'][number];

/** Parses a model's answer text: schema-valid JSON, or undefined. */
export function parseAnswer(content: string): Answer | undefined {
  let json: unknown;
  try {
    json = JSON.parse(content.trim());
  } catch {
    return undefined;
  }
  const parsed = answerSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

interface Evaluation {
  readonly summary: NarrativeSentence[];
  readonly summaryFirstKept: boolean;
  readonly alerts: Map<string, NarrativeSentence[]>;
  readonly rejected: Rejected[];
  readonly sentences: number;
}

const capText = (text: string) => (text.length > 2000 ? `${text.slice(0, 2000)}…` : text);

function evaluate(answer: Answer, sheet: FactSheet): Evaluation {
  const rejected: Rejected[] = [];
  let sentences = 0;
  const judge = (list: readonly AnswerSentence[], max: number, section: 'summary' | 'alert', alertId?: string) => {
    sentences += list.length;
    const verdicts = validateSentences(list.slice(0, max), sheet);
    const kept: (NarrativeSentence & { index: number })[] = [];
    for (const [index, v] of verdicts.entries()) {
      if (v.kept) kept.push({ text: v.text, cites: [...v.cites], index });
      else
        rejected.push({
          section,
          ...(alertId ? { alertId } : {}),
          text: capText(v.text),
          cites: [...v.cites].slice(0, 32),
          reasons: [...v.reasons],
        });
    }
    for (const extra of list.slice(max)) {
      rejected.push({
        section,
        ...(alertId ? { alertId } : {}),
        text: capText(String(extra.text)),
        cites: [...extra.cites].slice(0, 32),
        reasons: [`more than ${section === 'summary' ? MAX_SUMMARY_SENTENCES : MAX_ALERT_SENTENCES} sentences`],
      });
    }
    return kept;
  };
  const summaryKept = judge(answer.summary, MAX_SUMMARY_SENTENCES, 'summary');
  const byLabel = new Map(
    sheet.alerts.flatMap((a) => [[a.label, a.alertId] as const, [a.alertId, a.alertId] as const]),
  );
  const alerts = new Map<string, NarrativeSentence[]>();
  for (const entry of answer.alerts) {
    const alertId = byLabel.get(entry.alertId);
    if (alertId === undefined) {
      sentences += entry.sentences.length;
      for (const s of entry.sentences) {
        rejected.push({
          section: 'alert',
          text: capText(s.text),
          cites: s.cites.slice(0, 32),
          reasons: [
            `the answer names alert ${JSON.stringify(entry.alertId.slice(0, 60))}, which is not a narrated alert`,
          ],
        });
      }
      continue;
    }
    const already = alerts.get(alertId) ?? [];
    const kept = judge(entry.sentences, Math.max(0, MAX_ALERT_SENTENCES - already.length), 'alert', alertId);
    alerts.set(alertId, [...already, ...kept.map(({ text, cites }) => ({ text, cites }))]);
  }
  return {
    summary: summaryKept.map(({ text, cites }) => ({ text, cites })),
    summaryFirstKept: answer.summary.length > 0 && summaryKept[0]?.index === 0,
    alerts,
    rejected,
    sentences,
  };
}

/** The origin of an endpoint, whatever a custom provider gives: never a path, query or credentials. */
function originOf(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return url.origin === 'null' ? '(unknown)' : url.origin;
  } catch {
    return '(unknown)';
  }
}

function unparseable(content: string): Rejected {
  return {
    section: 'summary',
    text: capText(content),
    cites: [],
    reasons: ['the answer is not a JSON object of the answer schema'],
  };
}

/**
 * Writes the narrative of a result with a language model, bound to the evidence: builds the fact
 * sheet, asks the provider for sentences citing its facts, keeps only the sentences the validator
 * accepts, and lists the others with their reasons. When the summary's first sentence is rejected (or
 * the answer is not schema-valid), it asks once more with the validator's reasons; when that fails
 * too, the summary is the deterministic template (`summary.source: 'template'`). Injection attempts in
 * the alerts' event values are reported whatever the model writes. A provider failure throws the
 * provider's `TriplineError` (`llm-request-failed`); nothing is sent anywhere unless this is called.
 */
export async function narrate(result: AnalysisResult, options: NarrateOptions): Promise<Narrative> {
  const { provider } = options;
  if (!provider || typeof provider.complete !== 'function') {
    throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'narrate: a provider is required (see openAICompatible)');
  }
  const audience = options.audience ?? 'analyst';
  if (audience !== 'executive' && audience !== 'analyst') {
    throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'narrate: audience must be executive or analyst');
  }
  let sheet: FactSheet;
  try {
    sheet = buildFactSheet(result, options.maxAlerts === undefined ? {} : { maxAlerts: options.maxAlerts });
  } catch (error) {
    throw new TriplineError(ERROR_CODES.OPTION_INVALID, `narrate: ${(error as Error).message}`);
  }
  const injections = detectInjections(result);
  const messages = buildMessages(sheet, audience);
  const ask = (msgs: readonly ChatMessage[]) =>
    provider.complete({
      messages: msgs,
      schemaName: ANSWER_SCHEMA_NAME,
      schema: ANSWER_JSON_SCHEMA,
      accepts: (content) => parseAnswer(content) !== undefined,
      ...(options.signal ? { signal: options.signal } : {}),
    });

  const first = await ask(messages);
  let model = first.model;
  let answer = parseAnswer(first.content);
  let evaluation = answer ? evaluate(answer, sheet) : undefined;
  const earlier: Rejected[] = [];
  let retries = 0;
  if (!evaluation?.summaryFirstKept) {
    retries = 1;
    const reasons = evaluation
      ? evaluation.rejected.filter((r) => r.section === 'summary')
      : [{ text: first.content.slice(0, 200), reasons: ['the answer is not a JSON object of the answer schema'] }];
    earlier.push(...(evaluation ? evaluation.rejected : [unparseable(first.content)]));
    const second = await ask([
      ...messages,
      { role: 'assistant', content: first.content.slice(0, 20_000) },
      retryMessage(reasons),
    ]);
    const answer2 = parseAnswer(second.content);
    if (answer2) {
      model = second.model;
      answer = answer2;
      evaluation = evaluate(answer2, sheet);
    } else if (evaluation) {
      earlier.length = 0; // the first answer stays the one used: its rejections are listed once
      earlier.push(unparseable(second.content));
    } else {
      earlier.push(unparseable(second.content));
    }
  }

  const rejected: Rejected[] = [...earlier, ...(evaluation?.rejected ?? [])];
  let summary: Narrative['summary'];
  if (evaluation?.summaryFirstKept) summary = { source: 'model', sentences: evaluation.summary };
  else {
    summary = { source: 'template', sentences: templateSummary(result, sheet) };
    for (const s of evaluation?.summary ?? []) {
      rejected.push({
        section: 'summary',
        text: s.text,
        cites: s.cites,
        reasons: ["the summary's first sentence was rejected twice: the template summary replaces the model's"],
      });
    }
  }
  const alerts: Narrative['alerts'] = sheet.alerts
    .map(({ alertId }) => ({ alertId, sentences: evaluation?.alerts.get(alertId) ?? [] }))
    .filter((a) => a.sentences.length > 0);
  const modelSentences = [
    ...(summary.source === 'model' ? summary.sentences : []),
    ...alerts.flatMap((a) => a.sentences),
  ];
  const cited = new Set([...summary.sentences, ...alerts.flatMap((a) => a.sentences)].flatMap((s) => s.cites));
  return {
    model: model.slice(0, 200),
    endpoint: originOf(provider.endpoint),
    generatedAt: (options.now?.() ?? new Date()).toISOString(),
    facts: sheet.facts.filter((f) => cited.has(f.id)).map((f) => ({ id: f.id, text: f.text })),
    summary,
    alerts,
    rejected,
    injections,
    stats: {
      sentences: modelSentences.length + rejected.length,
      kept: modelSentences.length,
      rejected: rejected.length,
      retries,
    },
  };
}
