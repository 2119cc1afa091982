import type { AnalysisResult, Summary } from '@tripline/core';

/** Options of {@link main}. */
export interface MainOptions {
  /** The export to read (default: the bundled `../wazuh1/events.ndjson`). */
  readonly input?: string;
  /** Where report.md, report.json and report.sarif go (default `./out`). */
  readonly outDir?: string;
  /** Fix the reports' `generatedAt` (ISO 8601) for byte-identical output. */
  readonly generatedAt?: string;
}

/** Analyse the input with the Defender preset and write the three reports. */
export function main(options?: MainOptions): Promise<{
  result: AnalysisResult;
  files: { markdown: string; json: string; sarif: string };
}>;

/** `1 high, 3 medium, 10 low`: the severities that have alerts. */
export function severityLine(summary: Summary): string;
