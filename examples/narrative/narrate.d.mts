import type { AnalysisResult } from '@tripline/core';

/** The scripted model's answer: sentences citing fact ids of the wazuh1 fact sheet (one invented address). */
export const SCRIPTED_ANSWER: {
  summary: { text: string; cites: string[] }[];
  alerts: { alertId: string; sentences: { text: string; cites: string[] }[] }[];
};

/** A scripted OpenAI-compatible server on 127.0.0.1 (a free port) answering {@link SCRIPTED_ANSWER}. */
export function scriptedEndpoint(): Promise<{ baseURL: string; close(): Promise<void> }>;

/** Analyse the wazuh1 export, narrate it (through `baseURL`, default a scripted endpoint), render Markdown. */
export function main(options?: { baseURL?: string; model?: string; generatedAt?: string }): Promise<{
  result: AnalysisResult;
  markdown: string;
}>;
