import type { z } from 'zod';
import type {
  alertSchema,
  analysisResultSchema,
  detectorInfoSchema,
  deviceSummarySchema,
  diagnosticSchema,
  evidenceEventSchema,
  findingSchema,
  inputSummarySchema,
  mitreRefSchema,
  narrativeSchema,
  narrativeSentenceSchema,
  summarySchema,
} from './schema.js';

// The zod schemas in ./schema.ts are the single source of these types: the JSON report is the record
// serialised, so a field exists in the types exactly when the report holds it.

/** An ATT&CK technique reference with its name (from the table core ships). */
export type MitreRef = z.infer<typeof mitreRefSchema>;

/** One evidence event of an alert, as reported: identity columns, source, and the row's kept columns. */
export type EvidenceEvent = z.infer<typeof evidenceEventSchema>;

/**
 * An alert: one detector, one device, one subject, with all its evidence counted and a sample kept.
 * `key` is the subject within the device (what `allowlist[].key` matches); `message` holds the templates
 * and values its texts were made of.
 */
export type Alert = z.infer<typeof alertSchema>;

/**
 * A fleet finding: the alerts of one detector, subject key and severity across devices (`alerts` holds
 * their ids, in report order). Every alert of a result belongs to exactly one finding.
 */
export type Finding = z.infer<typeof findingSchema>;

/** Something the engine wants the user to know: a detector that threw, a malformed finding, a truncated list. */
export type Diagnostic = z.infer<typeof diagnosticSchema>;

/** A device seen in the run. */
export type DeviceSummary = z.infer<typeof deviceSummarySchema>;

/** Counts of a run. `eventsRead = eventsAnalyzed + eventsRejected`, always. */
export type Summary = z.infer<typeof summarySchema>;

/** Metadata of a detector that ran, for reporters (SARIF rules, doc links). */
export type DetectorInfo = z.infer<typeof detectorInfoSchema>;

/** An input read, with its detected format and counts (`error` when it could not be read to its end). */
export type InputSummary = z.infer<typeof inputSummarySchema>;

/** Everything a run produced. Reporters take this; the JSON report is it serialised. */
export type AnalysisResult = z.infer<typeof analysisResultSchema>;

/** A sentence of a narrative and the fact ids it cites. */
export type NarrativeSentence = z.infer<typeof narrativeSentenceSchema>;

/** An LLM-written narrative of a result, every kept sentence checked against the fact sheet (`@tripline/narrative`). */
export type Narrative = z.infer<typeof narrativeSchema>;
