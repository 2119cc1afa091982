import { z } from 'zod';
import { DETECTOR_ID_RE } from '../detector/define.js';
import { TABLE_NAMES } from '../model/tables.js';
import { SEVERITIES } from '../severity.js';

/** Operators of a field predicate that compare text. */
export const TEXT_OPERATORS = ['equals', 'contains', 'startswith', 'endswith', 'regex', 'cidr'] as const;
/** Operators of a field predicate that compare numbers. */
export const NUMERIC_OPERATORS = ['lt', 'lte', 'gt', 'gte'] as const;
/** How the values of one piece of evidence combine across the matches of one alert. */
export const COMBINES = ['distinct', 'first', 'last', 'count', 'sum', 'min', 'max'] as const;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const oneOrMany = z.union([scalar, z.array(scalar).min(1)]);

/** A field predicate written as an object: operators (ANDed), `match: all` for all-of lists, `caseSensitive`. */
export const predicateSchema = z
  .strictObject({
    equals: oneOrMany.optional(),
    contains: oneOrMany.optional(),
    startswith: oneOrMany.optional(),
    endswith: oneOrMany.optional(),
    regex: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    cidr: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    exists: z.boolean().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    match: z.enum(['any', 'all']).optional(),
    caseSensitive: z.boolean().optional(),
  })
  .refine(
    (p) =>
      [...TEXT_OPERATORS, ...NUMERIC_OPERATORS, 'exists'].some(
        (op) => (p as Record<string, unknown>)[op] !== undefined,
      ),
    {
      message:
        'a predicate needs at least one operator (equals, contains, startswith, endswith, regex, cidr, exists, lt, lte, gt, gte)',
    },
  );

/**
 * A condition: an object whose keys are field paths (ANDed) or the combinators `all` (every condition
 * of a list), `any` (at least one) and `not` (negation). A field's value is a scalar (equals), a list
 * of scalars (equals any of them) or a predicate object.
 */
export type Condition = { readonly [field: string]: unknown };
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z
    .record(z.string().min(1), z.unknown())
    .refine((c) => Object.keys(c).length > 0, { message: 'a condition needs at least one field or all/any/not' }),
);

const evidenceField = z.strictObject({
  from: z.string().min(1),
  combine: z.enum(COMBINES).default('distinct'),
  cap: z.number().int().min(1).max(10_000).optional(),
  label: z.string().min(1).max(100).optional(),
  hidden: z.boolean().optional(),
});

const templates = z.strictObject({
  title: z.string().min(1).max(300),
  description: z.string().min(1).max(5000),
  riskAssessment: z.string().min(1).max(5000),
});

/** `30s`, `10m`, `2h`, `1d`: a window size. */
export const DURATION_RE = /^([1-9]\d{0,6})(s|m|h|d)$/;

/** The rule-file model (YAML and JSON alike). Unknown keys are errors. */
export const ruleSchema = z.strictObject({
  $schema: z.string().optional(),
  id: z.string().regex(DETECTOR_ID_RE, { message: 'an id is <pack>/<name>: lower-case letters, digits and dashes' }),
  title: z.string().min(1).max(200),
  summary: z.string().min(1).max(1000),
  description: z.string().min(1).max(5000),
  category: z.string().min(1).max(100).default('Custom Rules'),
  severity: z.enum(SEVERITIES),
  severityNotes: z.string().min(1).max(2000).optional(),
  mitre: z
    .array(z.string().regex(/^T\d{4}(?:\.\d{3})?$/, { message: 'an ATT&CK id looks like T1059 or T1059.001' }))
    .default([]),
  source: z.strictObject({
    tables: z.array(z.enum(TABLE_NAMES)).min(1),
    actionTypes: z.array(z.string().min(1)).min(1).optional(),
  }),
  where: conditionSchema,
  key: z.array(z.string().min(1)).max(8).default([]),
  evidence: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, { message: 'an evidence name is a letter then letters, digits or _' }),
      evidenceField,
    )
    .default({}),
  escalate: z.array(z.strictObject({ severity: z.enum(SEVERITIES), where: conditionSchema })).default([]),
  messages: templates,
  window: z
    .strictObject({
      size: z.string().regex(DURATION_RE, { message: 'a size is a number and s, m, h or d (10m)' }),
      threshold: z.number().int().min(2).max(1_000_000),
    })
    .optional(),
  threshold: z.number().int().min(2).max(1_000_000).optional(),
  falsePositives: z.array(z.string().min(1)).default([]),
  references: z.array(z.string().url()).default([]),
});

/** A rule as written in a file (before defaults). */
export type RuleInput = z.input<typeof ruleSchema>;
/** A validated rule, defaults applied. */
export type Rule = z.output<typeof ruleSchema>;

function conditionJsonSchema(): Record<string, unknown> {
  const predicate = z.toJSONSchema(predicateSchema, { target: 'draft-2020-12', io: 'input' }) as Record<
    string,
    unknown
  >;
  delete predicate.$schema;
  const scalarJson = { type: ['string', 'number', 'boolean'] };
  return {
    description:
      'Field paths (Column or Column.key.key) mapped to a value (equals), a list (equals any) or a predicate object; all, any and not nest conditions. Every key must hold.',
    type: 'object',
    minProperties: 1,
    properties: {
      all: { type: 'array', minItems: 1, items: { $ref: '#/$defs/condition' } },
      any: { type: 'array', minItems: 1, items: { $ref: '#/$defs/condition' } },
      not: { $ref: '#/$defs/condition' },
    },
    additionalProperties: {
      anyOf: [scalarJson, { type: 'array', minItems: 1, items: scalarJson }, predicate],
    },
  };
}

/** JSON Schema (draft 2020-12) of a rule file, generated from the zod schema the loader validates with (conditions from the predicate schema). */
export const ruleJsonSchema: Readonly<Record<string, unknown>> = (() => {
  const schema = z.toJSONSchema(ruleSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, Record<string, unknown>>;
  } & Record<string, unknown>;
  const ref = { $ref: '#/$defs/condition' };
  schema.properties.where = ref;
  const escalate = schema.properties.escalate as { items: { properties: Record<string, unknown> } };
  escalate.items.properties.where = ref;
  return Object.freeze({
    ...schema,
    $id: 'https://tripline.dev/schemas/rule-1.json',
    title: 'tripline rule file',
    $defs: { condition: conditionJsonSchema() },
  });
})();
