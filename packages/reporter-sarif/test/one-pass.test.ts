/**
 * Sizing in one pass: planning a cut compresses each result about once (plus the one block where the
 * limit is crossed, and the small skeleton per probe), instead of gzipping the whole log per probe.
 */
import type * as zlib from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { renderSarif } from '../src/index.js';
import { planSarif } from '../src/internal/plan.js';
import { context } from '../src/internal/units.js';
import { manyDevices } from './fixtures.js';

let compressed = 0;
vi.mock('node:zlib', async (importOriginal) => {
  const z = await importOriginal<typeof import('node:zlib')>();
  const size = (input: unknown) => (typeof input === 'string' ? Buffer.byteLength(input) : (input as Buffer).length);
  return {
    ...z,
    gzipSync: (input: zlib.InputType, options?: zlib.ZlibOptions) => {
      compressed += size(input);
      return z.gzipSync(input, options);
    },
    deflateRawSync: (input: zlib.InputType, options?: zlib.ZlibOptions) => {
      compressed += size(input);
      return z.deflateRawSync(input, options);
    },
  };
});

describe('planning the size of a log', () => {
  const input = manyDevices(300);
  const whole = Buffer.byteLength(renderSarif(input, { limits: { maxGzipBytes: Number.MAX_SAFE_INTEGER } }));

  it('compresses each result once when the log fits, and the skeleton once', () => {
    compressed = 0;
    const plan = planSarif(context(input, {}));
    expect(plan.kept).toBe(300);
    expect(compressed).toBeLessThan(whole * 1.05);
  });

  it('compresses little more than the log once when it cuts (not once per probe)', () => {
    const blockChars = 16_384;
    compressed = 0;
    const plan = planSarif(context(input, { limits: { maxGzipBytes: 30_000 } }), blockChars);
    expect(plan.kept).toBeGreaterThan(0);
    expect(plan.kept).toBeLessThan(300);
    // The results up to the crossing block once each (the pass stops there), that block per probe
    // (~log2 of its results) and the skeleton per probe: less than one gzip of the whole log, where a
    // binary search over the log's prefixes gzips it about ten times.
    expect(compressed).toBeLessThan(whole);
  });
});
