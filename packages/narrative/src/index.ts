/**
 * `@tripline/narrative`: optional LLM-written summaries of a tripline result, bound to the evidence.
 * The model only phrases facts of a deterministic fact sheet built from the result; a deterministic
 * validator keeps a sentence only when every claim in it is a fact it cites. The record of a narrative
 * (`Narrative`) is part of `@tripline/core`'s report contract.
 */
export type { Narrative, NarrativeSentence } from '@tripline/core';
