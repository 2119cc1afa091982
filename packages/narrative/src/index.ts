/**
 * `@tripline/narrative`: optional LLM-written summaries of a tripline result, bound to the evidence.
 * The model only phrases facts of a deterministic fact sheet built from the result; a deterministic
 * validator keeps a sentence only when every claim in it is a fact it cites. The record of a narrative
 * (`Narrative`) is part of `@tripline/core`'s report contract.
 */
export type { Narrative, NarrativeSentence } from '@tripline/core';
export {
  type CompletionRequest,
  type CompletionResult,
  type NarrativeProvider,
  type OpenAICompatibleOptions,
  openAICompatible,
  retryAfterMs,
  type StructuredMode,
} from './client.js';
export {
  buildFactSheet,
  encodeValue,
  type Fact,
  type FactSheet,
  type FactSheetAlert,
  type FactSheetOptions,
} from './facts.js';
export { detectInjections, findInjections, INJECTION_PATTERNS } from './injection.js';
export { type NarrateOptions, narrate, parseAnswer } from './narrate.js';
export {
  ANSWER_JSON_SCHEMA,
  ANSWER_SCHEMA_NAME,
  type Answer,
  type Audience,
  answerSchema,
  buildMessages,
  type ChatMessage,
  MAX_ALERT_SENTENCES,
  MAX_SUMMARY_SENTENCES,
  systemPrompt,
} from './prompt.js';
export { templateSummary } from './template.js';
export {
  ADVICE_WORDS,
  type AnswerSentence,
  checkSentence,
  IMPERATIVE_VERBS,
  MAX_CITES,
  MAX_SENTENCE_CHARS,
  type SentenceVerdict,
  validateSentences,
} from './validate.js';
