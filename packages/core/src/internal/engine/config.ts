import { z } from 'zod';
import type { DetectorOrFamily } from '../detector/family.js';
import type { AnyDetector } from '../detector/types.js';
import { ERROR_CODES, TriplineError } from '../errors.js';
import { TimeZone } from '../model/time.js';
import { SEVERITIES } from '../severity.js';
import { flattenDetectors } from './detectors.js';
import type { RunConfig } from './types.js';

const detectorConfig = z.strictObject({
  enabled: z.boolean().optional(),
  severity: z.enum(SEVERITIES).optional(),
  options: z.unknown().optional(),
});

const allowlistEntry = z
  .strictObject({
    detector: z.string().min(1).optional(),
    device: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    reason: z.string().min(1),
  })
  .refine((e) => e.detector !== undefined || e.device !== undefined || e.key !== undefined, {
    message: 'an allowlist entry needs at least one of detector, device, key',
  });

/** zod schema of a {@link RunConfig} (the `--config` file). Unknown keys are errors. */
export const runConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  detectors: z.record(z.string(), detectorConfig).optional(),
  allowlist: z.array(allowlistEntry).optional(),
  minSeverity: z.enum(SEVERITIES).optional(),
  evidence: z
    .strictObject({
      rows: z.enum(['full', 'declared']).optional(),
      sample: z.number().int().min(1).max(1000).optional(),
    })
    .optional(),
  /** Deprecated alias of `evidence.sample`. */
  evidenceLimit: z.number().int().min(1).max(1000).optional(),
  timezone: z
    .string()
    .refine((name) => TimeZone.of(name) !== undefined, {
      message: 'unknown time zone: give an IANA name such as Europe/Berlin, America/New_York or UTC',
    })
    .optional(),
});

/** A validated run configuration with each detector's options parsed by its own schema. */
export interface ResolvedConfig {
  readonly config: RunConfig;
  /** Parsed options per detector id (defaults applied). */
  readonly options: ReadonlyMap<string, unknown>;
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The zod 4 definition of a schema, read without trusting its shape (vendors bring their own schemas). */
function defOf(schema: unknown): Record<string, unknown> | undefined {
  const def = (schema as { _zod?: { def?: unknown } } | null | undefined)?._zod?.def;
  return typeof def === 'object' && def !== null ? (def as Record<string, unknown>) : undefined;
}

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'nonoptional', 'catch']);

/**
 * The first key of `value` that an object schema inside `schema` would silently drop: zod's plain
 * `z.object` strips unknown keys, so a typo in a detector's options would be ignored. Object schemas
 * that declare a catch-all (`z.looseObject`, `.catchall()`) accept extra keys on purpose and are left
 * alone. Nested objects and arrays of objects are checked too. Returns the dotted path, or undefined.
 */
function strayKey(schema: unknown, value: unknown, depth = 0): string | undefined {
  let def = defOf(schema);
  for (let i = 0; def && WRAPPERS.has(def.type as string) && i < 16; i++) def = defOf(def.innerType);
  if (!def || depth > 32) return undefined;
  if (def.type === 'array' && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const inner = strayKey(def.element, value[i], depth + 1);
      if (inner !== undefined) return `${i}.${inner}`;
    }
    return undefined;
  }
  if (def.type !== 'object' || !isPlainObject(value)) return undefined;
  const shape = def.shape;
  if (typeof shape !== 'object' || shape === null) return undefined;
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(shape, key)) {
      if (def.catchall === undefined) return key;
      continue;
    }
    const inner = strayKey((shape as Record<string, unknown>)[key], value[key], depth + 1);
    if (inner !== undefined) return `${key}.${inner}`;
  }
  return undefined;
}

/**
 * Validate a run configuration against the loaded detectors. Throws a `config-invalid`
 * {@link TriplineError} whose message names the bad key (`detectors.defender/x.options.threshold: …`).
 */
export function validateRunConfig(config: unknown, list: readonly DetectorOrFamily[]): ResolvedConfig {
  const detectors: readonly AnyDetector[] = flattenDetectors(list);
  const fail = (key: string, message: string): never => {
    throw new TriplineError(ERROR_CODES.CONFIG_INVALID, `invalid configuration: ${key ? `${key}: ` : ''}${message}`, {
      details: { key },
    });
  };
  const parsed = runConfigSchema.safeParse(config ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key =
      issue.code === 'unrecognized_keys' ? pathOf([...issue.path, (issue.keys as string[])[0]!]) : pathOf(issue.path);
    fail(key, issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message);
  }
  const cfg = parsed.data as RunConfig;
  const byId = new Map(detectors.map((d) => [d.meta.id, d]));
  // The ids as written: a `__proto__` key (JSON.parse and YAML both make it an own key) is not a
  // property of the parsed record, so it is looked for in the input itself.
  const rawDetectors = (config as { detectors?: unknown } | undefined)?.detectors;
  const ids = isPlainObject(rawDetectors) ? Object.keys(rawDetectors) : Object.keys(cfg.detectors ?? {});
  for (const id of ids) {
    if (!byId.has(id))
      fail(`detectors.${id}`, `no detector with this id is loaded (known: ${[...byId.keys()].sort().join(', ')})`);
  }
  const options = new Map<string, unknown>();
  for (const detector of detectors) {
    const schema = detector.meta.options as z.ZodType | undefined;
    const given = cfg.detectors?.[detector.meta.id]?.options;
    if (!schema) {
      if (given !== undefined && !(typeof given === 'object' && given !== null && Object.keys(given).length === 0)) {
        fail(`detectors.${detector.meta.id}.options`, 'this detector takes no options');
      }
      options.set(detector.meta.id, {});
      continue;
    }
    const result = schema.safeParse(given ?? {});
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const key =
        issue.code === 'unrecognized_keys' ? pathOf([...issue.path, (issue.keys as string[])[0]!]) : pathOf(issue.path);
      fail(
        `detectors.${detector.meta.id}.options${key ? `.${key}` : ''}`,
        issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message,
      );
    }
    const stray = strayKey(schema, given);
    if (stray !== undefined) fail(`detectors.${detector.meta.id}.options.${stray}`, 'unknown key');
    options.set(detector.meta.id, result.data);
  }
  return { config: cfg, options };
}
