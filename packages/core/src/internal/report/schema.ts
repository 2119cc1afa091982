import { z } from 'zod';
import { type CodeKind, codesOfKind } from '../catalog.js';
import { TABLE_NAMES } from '../model/tables.js';
import { SEVERITIES } from '../severity.js';

/** Version of the JSON report contract. Bumped on any incompatible change. */
export const REPORT_SCHEMA_VERSION = '1.0';

const severity = z.enum(SEVERITIES);
/**
 * Code fields stay open strings: a later minor release may add codes (the catalog lists today's), and
 * a report it writes must still validate against this contract version.
 */
const OPEN_CODE = (kind: CodeKind) =>
  `a ${kind} code of tripline's code catalog (docs/errors.md; today: ${codesOfKind(kind).join(', ')}); ` +
  'later releases may add codes, so treat an unknown one by its kind';
const iso = z.string().describe('ISO 8601 UTC timestamp, fractional seconds as in the input');
const bySeverity = z.strictObject({
  critical: z.number().int().min(0),
  high: z.number().int().min(0),
  medium: z.number().int().min(0),
  low: z.number().int().min(0),
  informational: z.number().int().min(0),
});
const byTable = z.strictObject(Object.fromEntries(TABLE_NAMES.map((t) => [t, z.number().int().min(0).optional()])));

const evidenceEvent = z.strictObject({
  table: z.enum(TABLE_NAMES),
  timestamp: iso,
  actionType: z.string().optional(),
  reportId: z
    .string()
    .regex(/^-?\d+$/)
    .optional()
    .describe('exact 64-bit ReportId as a decimal string'),
  source: z.strictObject({
    source: z.string(),
    line: z.number().int().min(1).optional(),
    record: z.number().int().min(1).optional(),
  }),
  fields: z.record(z.string(), z.unknown()).describe('the normalised row; JSON-in-text columns parsed'),
});

const alert = z.strictObject({
  id: z.string().describe('stable across runs for the same detector, device and subject'),
  detectorId: z.string(),
  title: z.string(),
  severity,
  category: z.string(),
  mitre: z.array(z.strictObject({ id: z.string().regex(/^T\d{4}(\.\d{3})?$/), name: z.string() })),
  description: z.string(),
  riskAssessment: z.string(),
  device: z.strictObject({ id: z.string(), name: z.string() }),
  firstSeen: iso,
  lastSeen: iso,
  evidence: z.strictObject({
    eventCount: z.number().int().min(1),
    keyComponents: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
    events: z.array(evidenceEvent),
  }),
  relatedAlerts: z.array(z.string()).optional(),
});

const rejected = z.strictObject({
  source: z.string(),
  line: z.number().int().min(1).optional(),
  record: z.number().int().min(1).optional(),
  code: z.string().describe(OPEN_CODE('rejection')),
  reason: z.string(),
});

const diagnostic = z.strictObject({
  level: z.enum(['info', 'warning', 'error']),
  code: z.string().describe(OPEN_CODE('diagnostic')),
  message: z.string(),
  detectorId: z.string().optional(),
  source: z.string().optional(),
  line: z.number().int().min(1).optional(),
  record: z.number().int().min(1).optional(),
  reportId: z.string().optional(),
});

/** zod schema of the canonical JSON report (contract version {@link REPORT_SCHEMA_VERSION}). */
export const jsonReportSchema = z.strictObject({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.strictObject({ name: z.literal('tripline'), version: z.string() }),
  generatedAt: iso,
  summary: z.strictObject({
    eventsRead: z.number().int().min(0),
    eventsAnalyzed: z.number().int().min(0),
    eventsRejected: z.number().int().min(0),
    duplicateEvents: z.number().int().min(0),
    alertCount: z.number().int().min(0),
    highestSeverity: severity.nullable(),
    bySeverity,
    devices: z.number().int().min(0),
    timeRange: z.strictObject({ start: iso, end: iso }).nullable(),
    byTable,
  }),
  alerts: z.array(alert),
  rejected: z.array(rejected),
  diagnostics: z.array(diagnostic),
});

/** The canonical JSON report. */
export type JsonReport = z.infer<typeof jsonReportSchema>;

/** JSON Schema (draft 2020-12) of the canonical JSON report, generated from the zod types. */
export const reportJsonSchema: Readonly<Record<string, unknown>> = Object.freeze({
  ...(z.toJSONSchema(jsonReportSchema, { target: 'draft-2020-12' }) as Record<string, unknown>),
  $id: 'https://tripline.dev/schemas/report-1.0.json',
  title: 'tripline JSON report',
});
