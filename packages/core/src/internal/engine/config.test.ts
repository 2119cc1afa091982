import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineDetector } from '../detector/define.js';
import type { AnyDetector } from '../detector/types.js';
import { isTriplineError } from '../errors.js';
import { validateRunConfig } from './config.js';

function vendorDetector(id: string, options: z.ZodType): AnyDetector {
  return defineDetector({
    meta: {
      id,
      title: 'Vendor detector',
      summary: 'A detector from a vendor package with its own options schema.',
      rationale: 'Exercises option validation in tests.',
      severity: 'low',
      category: 'Testing',
      mitre: ['T1059.004'],
      tables: ['DeviceProcessEvents'],
      options,
      messages: { default: { title: 'Process {name}', description: 'Saw {name}', riskAssessment: 'Low risk.' } },
    },
    match: (e) => ({ key: e.str('FileName') ?? '' }),
    render: (g) => ({ values: { name: g.key }, keyComponents: {} }),
  }) as AnyDetector;
}

/** A plain (stripping) zod object, the way a vendor may write it. */
const loose = vendorDetector(
  'vendor/threshold',
  z
    .object({
      threshold: z.number().int().default(5),
      paths: z.array(z.object({ prefix: z.string() })).default([]),
      nested: z.object({ level: z.number() }).optional(),
    })
    .default({ threshold: 5, paths: [] }),
);
/** A schema that accepts extra keys on purpose. */
const passthrough = vendorDetector('vendor/labels', z.looseObject({ label: z.string().optional() }));

function errorOf(config: unknown, detectors: readonly AnyDetector[] = [loose, passthrough]): string {
  try {
    validateRunConfig(config, detectors);
  } catch (error) {
    if (isTriplineError(error) && error.code === 'config-invalid') return error.message;
    throw error;
  }
  return 'accepted';
}

describe('validateRunConfig', () => {
  it('makes an unknown option key an error even when the detector schema would strip it', () => {
    expect(errorOf({ detectors: { 'vendor/threshold': { options: { treshold: 3 } } } })).toBe(
      'invalid configuration: detectors.vendor/threshold.options.treshold: unknown key',
    );
    expect(errorOf({ detectors: { 'vendor/threshold': { options: { nested: { level: 1, levle: 2 } } } } })).toBe(
      'invalid configuration: detectors.vendor/threshold.options.nested.levle: unknown key',
    );
    expect(
      errorOf({
        detectors: { 'vendor/threshold': { options: { paths: [{ prefix: '/a' }, { prefix: '/b', prefx: '/b' }] } } },
      }),
    ).toBe('invalid configuration: detectors.vendor/threshold.options.paths.1.prefx: unknown key');
    expect(errorOf(JSON.parse('{"detectors":{"vendor/threshold":{"options":{"__proto__":{"threshold":1}}}}}'))).toBe(
      'invalid configuration: detectors.vendor/threshold.options.__proto__: unknown key',
    );
  });

  it('accepts the known keys, and extra keys where the schema asks for them', () => {
    const resolved = validateRunConfig(
      {
        detectors: {
          'vendor/threshold': { options: { threshold: 3, paths: [{ prefix: '/a' }], nested: { level: 2 } } },
          'vendor/labels': { options: { label: 'x', colour: 'blue' } },
        },
      },
      [loose, passthrough],
    );
    expect(resolved.options.get('vendor/threshold')).toEqual({
      threshold: 3,
      paths: [{ prefix: '/a' }],
      nested: { level: 2 },
    });
    expect(resolved.options.get('vendor/labels')).toEqual({ label: 'x', colour: 'blue' });
  });

  it('says "no detector with this id" for detectors.__proto__ (JSON.parse and YAML make it an own key)', () => {
    const config = JSON.parse('{"detectors":{"__proto__":{"enabled":false}}}');
    expect(errorOf(config)).toMatch(/^invalid configuration: detectors\.__proto__: no detector with this id is loaded/);
    expect(errorOf(JSON.parse('{"detectors":{"constructor":{"enabled":false}}}'))).toMatch(
      /^invalid configuration: detectors\.constructor: no detector with this id is loaded/,
    );
  });
});
