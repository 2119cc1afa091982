import { z } from 'zod';
import { type CodeKind, codesOfKind, type DiagnosticCode, type ErrorCode, type RejectCode } from '../catalog.js';
import type { FieldValue } from '../model/event.js';
import { TABLE_NAMES } from '../model/tables.js';
import { SEVERITIES } from '../severity.js';

/**
 * Version of the JSON report contract: the major part is bumped on an incompatible change, the minor
 * part when fields are added. 1.1 added each alert's `key` and `message`, and the run's `devices`,
 * `detectors` and `inputs`: the report is the whole {@link AnalysisResult}, so a saved report can be
 * rendered again (`tripline render`) to the same bytes. 1.2 added `findings`, the fleet rollup of the
 * alerts (the same detector, key and severity on many devices is one finding). 1.3 added the optional
 * `narrative` (`@tripline/narrative`), absent when the run was not narrated.
 */
export const REPORT_SCHEMA_VERSION = '1.3';

/** The earlier contract versions this release still reads (their missing fields are derived on reading). */
export const READABLE_REPORT_VERSIONS = ['1.1', '1.2', REPORT_SCHEMA_VERSION] as const;

const severity = z.enum(SEVERITIES);
/**
 * Code fields stay open strings in the contract: a later minor release may add codes (the catalog lists
 * today's), and a report it writes must still validate against this contract version. The TypeScript
 * type names the catalog's codes, which are the only ones this release writes.
 */
function openCode<C extends string>(kind: CodeKind): z.ZodType<C> {
  return z
    .string()
    .describe(
      `a ${kind} code of tripline's code catalog (docs/errors.md; today: ${codesOfKind(kind).join(', ')}); ` +
        'later releases may add codes, so treat an unknown one by its kind',
    ) as unknown as z.ZodType<C>;
}
const count = () => z.number().int().min(0);
const iso = z.string().describe('ISO 8601 UTC timestamp, fractional seconds as in the input');
const line = z.number().int().min(1);

/** An ATT&CK technique reference with its name (from the table core ships). */
export const mitreRefSchema = z
  .strictObject({ id: z.string().regex(/^T\d{4}(\.\d{3})?$/), name: z.string() })
  .readonly();

/** One evidence event of an alert, as reported. */
export const evidenceEventSchema = z
  .strictObject({
    table: z.enum(TABLE_NAMES),
    timestamp: iso,
    actionType: z.string().optional(),
    reportId: z
      .string()
      .optional()
      .describe(
        "the row's ReportId: a 64-bit integer as an exact decimal string (what Defender writes); any other text kept as written",
      ),
    /** Where the row came from. */
    source: z
      .strictObject({ source: z.string(), line: line.optional(), record: line.optional() })
      .readonly()
      .describe('the input the row came from, with its 1-based line (line formats) or record (array formats)'),
    /** The normalised row (JSON-in-text columns parsed); which columns it holds depends on the run. */
    fields: z
      .record(z.string(), z.unknown() as unknown as z.ZodType<FieldValue>)
      .readonly()
      .describe('the normalised row, or the columns of it the run keeps; JSON-in-text columns parsed'),
  })
  .readonly();

const templates = z
  .strictObject({ title: z.string(), description: z.string(), riskAssessment: z.string() })
  .readonly()
  .describe('the message templates of the variant the alert uses, `{name}` / `{~name}` placeholders unfilled');

/** An alert: one detector, one device, one subject, with all its evidence counted and a sample kept. */
export const alertSchema = z
  .strictObject({
    /** Stable across runs for the same detector, device and subject. */
    id: z.string().describe('stable across runs for the same detector, device and subject'),
    detectorId: z.string(),
    title: z.string(),
    severity,
    category: z.string(),
    mitre: z.array(mitreRefSchema).readonly(),
    description: z.string(),
    riskAssessment: z.string(),
    device: z.strictObject({ id: z.string(), name: z.string() }).readonly(),
    firstSeen: iso,
    lastSeen: iso,
    evidence: z
      .strictObject({
        eventCount: z.number().int().min(1),
        keyComponents: z.record(z.string(), z.union([z.string(), z.array(z.string()).readonly()])).readonly(),
        events: z.array(evidenceEventSchema).readonly(),
      })
      .readonly(),
    /** Alert ids this alert correlates. */
    relatedAlerts: z.array(z.string()).readonly().describe('ids of the alerts this alert correlates'),
    /** Subject key within the device (what grouped the events; what `allowlist[].key` matches). */
    key: z
      .string()
      .describe('subject key within the device: what grouped the events, and what allowlist[].key matches'),
    /**
     * The templates and values the texts were made of. Reporters that format text richly (Markdown,
     * SARIF message strings) use them to put every value from event data in a safe, escaped form.
     */
    message: z
      .strictObject({
        templates,
        values: z
          .record(z.string(), z.union([z.string(), z.number()]))
          .readonly()
          .describe('the value of each placeholder; event text here is escaped by every reporter'),
      })
      .readonly(),
  })
  .readonly();

/**
 * A fleet finding: the alerts of one detector, subject key and severity across devices. Every alert
 * belongs to exactly one finding.
 */
export const findingSchema = z
  .strictObject({
    id: z.string().describe('stable across runs for the same detector, key and severity'),
    detectorId: z.string(),
    key: z.string().describe("the alerts' subject key (the same on every device)"),
    severity,
    title: z.string().describe("the detector's title (device-independent), not an alert's rendered title"),
    devices: z.number().int().min(1).describe('distinct devices among its alerts'),
    alerts: z
      .array(z.string())
      .min(1)
      .readonly()
      .describe("ids of its alerts, in the report's alert order (at least one)"),
    count: z.number().int().min(1).describe("the sum of its alerts' event counts"),
    firstSeen: iso.describe("the earliest of its alerts' first-seen times"),
    lastSeen: iso.describe("the latest of its alerts' last-seen times"),
  })
  .readonly();

export const rejectedRowSchema = z
  .strictObject({
    /** The input's name (file path, `stdin`, or the name given to the source). */
    source: z.string(),
    /** 1-based line of the row in line-oriented inputs (NDJSON, CSV: the line the record starts on). */
    line: line.optional(),
    /** 1-based index of the row in array-shaped inputs (`records`, `Results`, a Sentinel array). */
    record: line.optional(),
    /** Machine-readable reason. */
    code: openCode<RejectCode>('rejection'),
    /** Human-readable reason. */
    reason: z.string(),
  })
  .readonly();

/** Something the engine wants the user to know: a detector that threw, a malformed finding, a truncated list. */
export const diagnosticSchema = z
  .strictObject({
    /** The level; always the one the code catalog gives the code. */
    level: z.enum(['info', 'warning', 'error']),
    /** What happened; see the code catalog and `docs/errors.md`. */
    code: openCode<DiagnosticCode>('diagnostic'),
    message: z.string(),
    detectorId: z.string().optional(),
    source: z.string().optional(),
    line: line.optional(),
    record: line.optional(),
    reportId: z.string().optional(),
  })
  .readonly();

/** Counts of a run. `eventsRead = eventsAnalyzed + eventsRejected`, always. */
export const summarySchema = z
  .strictObject({
    eventsRead: count(),
    eventsAnalyzed: count(),
    eventsRejected: count(),
    /** Rows whose `(DeviceId, Timestamp, ReportId)` repeated an earlier row: analysed once, counted here. */
    duplicateEvents: count(),
    alertCount: count(),
    highestSeverity: severity.nullable(),
    bySeverity: z
      .strictObject({
        critical: count(),
        high: count(),
        medium: count(),
        low: count(),
        informational: count(),
      })
      .readonly(),
    devices: count(),
    timeRange: z.strictObject({ start: iso, end: iso }).readonly().nullable(),
    byTable: z
      .strictObject(
        Object.fromEntries(TABLE_NAMES.map((t) => [t, count().optional()])) as {
          [T in (typeof TABLE_NAMES)[number]]: z.ZodOptional<z.ZodNumber>;
        },
      )
      .readonly(),
  })
  .readonly();

/** A device seen in the run. */
export const deviceSummarySchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    eventCount: count(),
    firstSeen: iso,
    lastSeen: iso,
    osPlatform: z.string().optional(),
    publicIp: z.string().optional(),
    machineGroup: z.string().optional(),
    alertCount: count(),
    highestSeverity: severity.nullable(),
  })
  .readonly();

/** Metadata of a detector that ran, for reporters (SARIF rules, doc links). */
export const detectorInfoSchema = z
  .strictObject({
    id: z.string(),
    title: z.string(),
    summary: z.string(),
    rationale: z.string(),
    severity: severity.describe('the default severity in this run (a configured override included)'),
    severityNotes: z.string().optional(),
    category: z.string(),
    mitre: z.array(mitreRefSchema).readonly(),
    mitreNotes: z.string().optional(),
    references: z.array(z.string()).readonly(),
    falsePositives: z.array(z.string()).readonly(),
    tables: z.array(z.enum(TABLE_NAMES)).readonly(),
    actionTypes: z.array(z.string()).readonly().optional(),
  })
  .readonly();

/** An input read, with its detected format and counts. */
export const inputSummarySchema = z
  .strictObject({
    source: z.string(),
    format: z.string(),
    rowsRead: count(),
    events: count(),
    rejected: count(),
    /** Set when the input could not be read to its end (its format is then `unknown`). */
    error: z
      .strictObject({ code: openCode<ErrorCode>('thrown'), message: z.string() })
      .readonly()
      .optional()
      .describe('set when the input could not be read to its end (its format is then `unknown`)'),
  })
  .readonly();

/** One sentence of a narrative, with the ids of the facts it cites (`F3`, `A2.count`, …). */
export const narrativeSentenceSchema = z
  .strictObject({
    text: z.string(),
    cites: z.array(z.string()).readonly().describe('ids of the facts of `narrative.facts` the sentence states'),
  })
  .readonly();

/**
 * An optional narrative written by a language model (`@tripline/narrative`), kept only sentence by
 * sentence where every claim is a fact of the fact sheet built from this record. Model output: render it
 * as untrusted text, like event text.
 */
export const narrativeSchema = z
  .strictObject({
    /** The model that wrote it, as the endpoint named it (or as asked for). */
    model: z.string(),
    /** The endpoint's origin (`scheme://host[:port]`): never a path, query or key. */
    endpoint: z.string(),
    generatedAt: iso,
    /** The facts the kept sentences cite (id and its text as the model was given it), in fact-sheet order. */
    facts: z.array(z.strictObject({ id: z.string(), text: z.string() }).readonly()).readonly(),
    /** The executive summary: the model's kept sentences, or the deterministic template when it failed. */
    summary: z
      .strictObject({
        source: z.enum(['model', 'template']),
        sentences: z.array(narrativeSentenceSchema).readonly(),
      })
      .readonly(),
    /** One paragraph per alert narrated (alerts in report order; the narrated ones are capped). */
    alerts: z
      .array(z.strictObject({ alertId: z.string(), sentences: z.array(narrativeSentenceSchema).readonly() }).readonly())
      .readonly(),
    /** Sentences the validator rejected, with its reasons (none of them is rendered elsewhere). */
    rejected: z
      .array(
        z
          .strictObject({
            section: z.enum(['summary', 'alert']),
            alertId: z.string().optional(),
            text: z.string(),
            cites: z.array(z.string()).readonly(),
            reasons: z.array(z.string()).readonly(),
          })
          .readonly(),
      )
      .readonly(),
    /** Event values that read like instructions to a model (an injection attempt is itself a finding). */
    injections: z
      .array(
        z
          .strictObject({
            alertId: z.string(),
            field: z.string(),
            /** Which pattern matched (`ignore-previous-instructions`, `chat-template-token`, …). */
            pattern: z.string(),
            /** The matching part of the value, capped. */
            excerpt: z.string(),
          })
          .readonly(),
      )
      .readonly(),
    /** Sentences the model wrote, kept and rejected, and the retries made. */
    stats: z.strictObject({ sentences: count(), kept: count(), rejected: count(), retries: count() }).readonly(),
  })
  .readonly();

/** The fields of a run's result, in the order the JSON report writes them. */
const resultShape = {
  tool: z.strictObject({ name: z.literal('tripline'), version: z.string() }).readonly(),
  generatedAt: iso,
  summary: summarySchema,
  /** Sorted by severity (highest first), then first-seen time, then id. */
  alerts: z.array(alertSchema).readonly().describe('sorted by severity (highest first), then first-seen time, then id'),
  /** The fleet rollup of `alerts`: severity (highest first), device count (most first), detector id, key. */
  findings: z
    .array(findingSchema)
    .readonly()
    .describe(
      'the fleet rollup of `alerts` (one finding per detector, key and severity; every alert in exactly one), ' +
        'sorted by severity (highest first), device count (most first), detector id, then key',
    ),
  /** Rejected rows (the list is capped by `maxRejectedListed`; `summary.eventsRejected` is exact). */
  rejected: z.array(rejectedRowSchema).readonly(),
  diagnostics: z.array(diagnosticSchema).readonly(),
  /** Devices seen, sorted by name then id. */
  devices: z.array(deviceSummarySchema).readonly().describe('devices seen, sorted by name then id'),
  /** The detectors that ran (enabled ones), sorted by id. */
  detectors: z.array(detectorInfoSchema).readonly().describe('the detectors that ran (enabled ones), sorted by id'),
  /** Inputs read, in order, with their detected format and counts. */
  inputs: z
    .array(inputSummarySchema)
    .readonly()
    .describe('inputs read, in order, with their detected format and counts'),
  /** The narrative of the run (since 1.3): absent unless the run was narrated (`tripline analyze --narrate`). */
  narrative: narrativeSchema
    .optional()
    .describe(
      'since 1.3: an LLM-written narrative whose every kept sentence cites facts of this record; ' +
        'absent unless the run was narrated. Model output: render it as untrusted text',
    ),
};

/** zod schema of everything a run produced (the record reporters take). */
export const analysisResultSchema = z.strictObject(resultShape).readonly();

/** zod schema of the canonical JSON report (contract version {@link REPORT_SCHEMA_VERSION}): the result and its version. */
export const jsonReportSchema = z
  .strictObject({ schemaVersion: z.literal(REPORT_SCHEMA_VERSION), ...resultShape })
  .readonly();

/** zod schema of a JSON report of version 1.2 (no `narrative`). */
export const jsonReportSchema12 = (() => {
  const { narrative: _, ...shape } = resultShape;
  return z.strictObject({ schemaVersion: z.literal('1.2'), ...shape }).readonly();
})();

/** zod schema of a JSON report of version 1.1 (no `findings`: they are derived from its alerts on reading; no `narrative`). */
export const jsonReportSchema11 = (() => {
  const { findings: _, narrative: __, ...shape } = resultShape;
  return z.strictObject({ schemaVersion: z.literal('1.1'), ...shape }).readonly();
})();

/** The canonical JSON report. */
export type JsonReport = z.infer<typeof jsonReportSchema>;

/** JSON Schema (draft 2020-12) of the canonical JSON report, generated from the zod types. */
export const reportJsonSchema: Readonly<Record<string, unknown>> = Object.freeze({
  ...(z.toJSONSchema(jsonReportSchema, { target: 'draft-2020-12' }) as Record<string, unknown>),
  $id: `https://tripline.dev/schemas/report-${REPORT_SCHEMA_VERSION}.json`,
  title: 'tripline JSON report',
});
