import { types } from 'node:util';
import { z } from 'zod';
import { isKnownTechnique } from '../attack/index.js';
import { ERROR_CODES, TriplineError } from '../errors.js';
import { TABLE_NAMES } from '../model/tables.js';
import { PLACEHOLDER_NAME_RE, templatePlaceholders } from '../report/template.js';
import { SEVERITIES } from '../severity.js';
import { readMetaFast } from './meta-fast.js';
import { rememberValidated, validatedBefore } from './settled.js';
import { shareMetaParts } from './shared-forms.js';
import type { AnyDetector, Detector, DetectorMeta, EvidenceDecl, MessageTemplates } from './types.js';

/** Detector ids: `<pack>/<name>`, lower-case letters, digits and dashes. */
export const DETECTOR_ID_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\/[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** Template values the engine always fills, whatever the detector declares. */
export const BUILTIN_VALUES: readonly string[] = Object.freeze(['count', 'device', 'firstSeen', 'lastSeen']);

/** The ways evidence values combine. */
export const COMBINES = ['distinct', 'first', 'last', 'count', 'sum', 'min', 'max'] as const;

/** Distinct values kept per `distinct` field by default, and the largest cap a detector may ask for. */
export const DISTINCT_CAP = 200;
export const MAX_DISTINCT_CAP = 10_000;

const evidenceField = z.strictObject({
  from: z
    .union([z.string().min(1), z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function')])
    .optional(),
  combine: z.enum(COMBINES),
  cap: z.number().int().min(1).max(MAX_DISTINCT_CAP).optional(),
  label: z.string().min(1).max(120).optional(),
  hidden: z.boolean().optional(),
});

const templates = z.object({
  title: z.string().min(1).max(200),
  description: z.string().min(1),
  riskAssessment: z.string().min(1),
});

/** The schema of detector metadata (exported for the differential test of `meta-fast.ts`). */
export const metaSchema = z.object({
  id: z.string().regex(DETECTOR_ID_RE, 'must look like "pack/name": lower-case letters, digits and dashes'),
  title: z.string().min(3).max(120),
  summary: z.string().min(10),
  rationale: z.string().min(10),
  severity: z.enum(SEVERITIES),
  severityNotes: z.string().min(1).optional(),
  category: z.string().min(2).max(80),
  mitre: z.array(z.string()).readonly(),
  mitreNotes: z.string().min(1).optional(),
  references: z.array(z.string().url()).optional(),
  falsePositives: z.array(z.string().min(1)).optional(),
  tables: z.array(z.enum(TABLE_NAMES)),
  actionTypes: z.array(z.string().min(1)).min(1).optional(),
  options: z.any().optional(),
  messages: z.record(z.string(), templates).refine((m) => 'default' in m, 'needs a "default" variant'),
  values: z
    .array(z.string().regex(PLACEHOLDER_NAME_RE, 'must be a placeholder name (letters, digits, underscores)'))
    .optional(),
  evidence: z.record(z.string(), evidenceField).optional(),
  columns: z.array(z.string().min(1)).optional(),
});

/** Each template of each variant with the placeholders it uses: `[variant, field, names]`. */
export function templateUses(
  messages: DetectorMeta['messages'],
): readonly (readonly [variant: string, field: keyof MessageTemplates, names: readonly string[]])[] {
  const out: [string, keyof MessageTemplates, readonly string[]][] = [];
  for (const variant of Object.keys(messages).sort()) {
    const t = messages[variant]!;
    for (const field of ['title', 'description', 'riskAssessment'] as const) {
      out.push([variant, field, placeholderNames(t[field])]);
    }
  }
  return out;
}

/** Templates read lately, with their distinct placeholders: a rule family's members share theirs. */
const namesOfTemplate = new Map<string, readonly string[]>();
const NAMES_KEPT = 256;

/** The distinct placeholders of a template, in order (a frozen list, shared by equal templates). */
function placeholderNames(template: string): readonly string[] {
  let names = namesOfTemplate.get(template);
  if (names === undefined) {
    names = Object.freeze([...new Set(templatePlaceholders(template))]);
    if (namesOfTemplate.size >= NAMES_KEPT) namesOfTemplate.clear();
    namesOfTemplate.set(template, names);
  }
  return names;
}

/**
 * Validate a detector's metadata; throws a `detector-invalid` {@link TriplineError} naming the
 * detector and the bad key. Called by the engine for every detector it loads. Returns a frozen copy
 * of the metadata, read once: the engine uses the copy, never the plugin's object again. A detector
 * frozen all the way down gets the copy made the first time (see `settled.ts`).
 */
export function validateDetector(detector: AnyDetector): DetectorMeta {
  // A detector frozen all the way down validates to the same copy every time (`settled.ts`).
  const known = validatedBefore(detector);
  if (known !== undefined) return known;
  const id = typeof detector?.meta?.id === 'string' ? detector.meta.id : '(no id)';
  const fail = (message: string, key?: string): never => {
    throw new TriplineError(ERROR_CODES.DETECTOR_INVALID, `detector ${id}: ${key ? `${key}: ` : ''}${message}`, {
      details: { detectorId: id, ...(key ? { key } : {}) },
    });
  };
  if (detector === null || typeof detector !== 'object' || typeof detector.meta !== 'object')
    fail('not a detector object');
  // Plainly valid metadata is read by hand (the same output); the schema reads the rest and words every error.
  let meta = readMetaFast(detector.meta, DETECTOR_ID_RE) as DetectorMeta | undefined;
  if (meta === undefined) {
    const parsed = metaSchema.safeParse(detector.meta);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      fail(issue.message, `meta.${issue.path.join('.')}`);
    }
    meta = parsed.data as unknown as DetectorMeta;
  }
  meta.mitre.forEach((t, i) => {
    if (!isKnownTechnique(t)) fail(`"${t}" is not an active ATT&CK Enterprise technique`, `meta.mitre.${i}`);
  });
  const evidence = meta.evidence;
  if (detector.render !== undefined && typeof detector.render !== 'function') fail('must be a function', 'render');
  if (evidence !== undefined) checkEvidence(evidence, fail);
  if (!detector.match && !detector.onDevice && !detector.correlate) fail('needs match, onDevice or correlate');
  if (detector.match && meta.tables.length === 0)
    fail('a detector with match must route at least one table', 'meta.tables');
  if (detector.match !== undefined && typeof detector.match !== 'function') fail('must be a function', 'match');
  if (detector.onDevice !== undefined && typeof detector.onDevice !== 'function')
    fail('must be a function', 'onDevice');
  if (detector.correlate !== undefined && typeof detector.correlate !== 'function')
    fail('must be a function', 'correlate');
  if (meta.options !== undefined && typeof (meta.options as { safeParse?: unknown }).safeParse !== 'function') {
    fail('must be a zod schema', 'meta.options');
  }
  // Declared render values: every placeholder of every template must be one of them, so a typo or a
  // value render never fills fails here, where the detector is defined, not as `{actor}` in a report.
  if (meta.values !== undefined || evidence !== undefined) {
    const declared = new Set(meta.values ?? []);
    if (evidence !== undefined) for (const n of [...Object.keys(evidence), ...BUILTIN_VALUES]) declared.add(n);
    for (const [variant, field, names] of templateUses(meta.messages)) {
      const missing = names.filter((n) => !declared.has(n));
      if (missing.length)
        fail(
          evidence === undefined
            ? `uses ${missing.map((n) => `{${n}}`).join(', ')}, which meta.values does not declare (declared: ${[...declared].join(', ') || 'none'})`
            : `uses ${missing.map((n) => `{${n}}`).join(', ')}, which is neither evidence, a built-in value (${BUILTIN_VALUES.join(', ')}) nor in meta.values`,
          `meta.messages.${variant}.${field}`,
        );
    }
  }
  // A template object frozen by defineDetector is kept by reference, so `alert.message.templates ===
  // detector.meta.messages.<variant>` tells which variant an alert used; any other is used as copied.
  const original = detector.meta.messages as Record<string, unknown>;
  const messages: Record<string, MessageTemplates> = {};
  for (const [variant, copy] of Object.entries(meta.messages)) {
    const given = Object.hasOwn(original, variant) ? original[variant] : undefined;
    Object.defineProperty(messages, variant, {
      value: sameFrozenTemplate(given, copy) ? given : copy,
      enumerable: true,
    });
  }
  (meta as { messages: unknown }).messages = messages;
  // Equal evidence records and lists are one frozen object across the detectors that declare them.
  shareMetaParts(meta);
  // The options schema is the author's zod object, evidence functions are the author's code: kept by reference.
  for (const [k, v] of Object.entries(meta)) if (k !== 'options' && k !== 'evidence') deepFreeze(v);
  if (meta.evidence !== undefined) {
    for (const f of Object.values(meta.evidence)) Object.freeze(f);
    Object.freeze(meta.evidence);
  }
  Object.freeze(meta);
  rememberValidated(detector, meta);
  return meta;
}

/** Load-time checks of a declared evidence that the schema cannot express. */
function checkEvidence(evidence: EvidenceDecl, fail: (message: string, key?: string) => never): void {
  const labels = new Map<string, string>();
  for (const name of Object.keys(evidence)) {
    const key = `meta.evidence.${name}`;
    if (!PLACEHOLDER_NAME_RE.test(name))
      fail('an evidence name must be a placeholder name (letters, digits, underscores)', key);
    if (BUILTIN_VALUES.includes(name)) fail(`"${name}" is a built-in template value; choose another name`, key);
    const field = evidence[name]!;
    if (field.cap !== undefined && field.combine !== 'distinct')
      fail('cap applies only to combine "distinct"', `${key}.cap`);
    if (field.hidden === true) continue;
    const label = field.label ?? (typeof field.from === 'string' ? field.from : undefined);
    if (label === undefined) fail('needs a label: from is not a column', `${key}.label`);
    const other = labels.get(label!);
    if (other !== undefined) fail(`label "${label}" is also the label of ${other}`, `${key}.label`);
    labels.set(label!, name);
  }
}

/** A frozen plain object whose template fields are data properties equal to the validated copy's. */
const { isProxy } = types;

function sameFrozenTemplate(given: unknown, copy: MessageTemplates): given is MessageTemplates {
  if (given === null || typeof given !== 'object' || isProxy(given) || !Object.isFrozen(given)) return false;
  for (const field of ['title', 'description', 'riskAssessment'] as const) {
    const d = Object.getOwnPropertyDescriptor(given, field);
    if (!d || !('value' in d) || d.value !== copy[field]) return false;
  }
  return true;
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  for (const v of Object.values(value)) deepFreeze(v);
  Object.freeze(value);
}

/**
 * Declare a detector. Identity at run time; it gives type inference for options (from `meta.options`)
 * and evidence (from `meta.evidence`, so `group.evidence.<name>` is typed in `render`), and validates
 * the metadata right away, so a broken detector fails where it is defined.
 */
export function defineDetector<O = Record<string, never>, const E extends EvidenceDecl = EvidenceDecl>(
  detector: Detector<O, E>,
): Detector<O, E> {
  validateDetector(detector);
  // The message templates become immutable with the detector (the engine keeps them by reference).
  const messages = detector.meta.messages as Record<string, object>;
  for (const variant of Object.keys(messages)) Object.freeze(messages[variant]);
  Object.freeze(messages);
  return Object.freeze(detector);
}
