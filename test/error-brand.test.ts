import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = (file: string) => fileURLToPath(new URL(`../packages/core/dist/${file}`, import.meta.url));

type Core = typeof import('@tripline/core');

/**
 * A program can hold both builds of @tripline/core (an ESM app that uses a CJS dependency of tripline, or
 * two installs of it): an error thrown by one must be recognised by the other. Runs against the built
 * output (`npm run build`), which the CLI tests need too.
 */
describe.skipIf(!existsSync(dist('index.cjs')))('TriplineError across the ESM and CJS builds', () => {
  const load = async (): Promise<{ esm: Core; cjs: Core }> => ({
    esm: (await import(pathToFileURL(dist('index.js')).href)) as Core,
    cjs: createRequire(import.meta.url)(dist('index.cjs')) as Core,
  });

  it('loads two distinct module instances', async () => {
    const { esm, cjs } = await load();
    expect(esm.TriplineError).not.toBe(cjs.TriplineError);
  });

  it('isTriplineError of one build recognises an error made by the other, with its code', async () => {
    const { esm, cjs } = await load();
    const fromCjs = new cjs.TriplineError('config-invalid', 'minSeverity: bad severity "urgent"');
    const fromEsm = new esm.TriplineError('input-unreadable', 'cannot read events.ndjson: no such file');
    expect(esm.isTriplineError(fromCjs)).toBe(true);
    expect(esm.isTriplineError(fromCjs, 'config-invalid')).toBe(true);
    expect(esm.isTriplineError(fromCjs, 'input-unreadable')).toBe(false);
    expect(cjs.isTriplineError(fromEsm)).toBe(true);
    expect(cjs.isTriplineError(fromEsm, esm.ERROR_CODES.INPUT_UNREADABLE)).toBe(true);
  });

  it('instanceof TriplineError holds across the builds too', async () => {
    const { esm, cjs } = await load();
    expect(new cjs.TriplineError('option-invalid', 'x') instanceof esm.TriplineError).toBe(true);
    expect(new esm.TriplineError('option-invalid', 'x') instanceof cjs.TriplineError).toBe(true);
  });

  it('an error thrown inside one build (an invalid run configuration) is recognised by the other', async () => {
    const { esm, cjs } = await load();
    let thrown: unknown;
    try {
      cjs.validateRunConfig({ minSeverity: 'urgent' }, []);
    } catch (error) {
      thrown = error;
    }
    expect(esm.isTriplineError(thrown, 'config-invalid')).toBe(true);
  });

  it('a look-alike without the brand is not a TriplineError', async () => {
    const { esm, cjs } = await load();
    const fake = Object.assign(new Error('x'), { name: 'TriplineError', code: 'config-invalid', details: {} });
    expect(esm.isTriplineError(fake)).toBe(false);
    expect(cjs.isTriplineError(fake)).toBe(false);
    expect(fake instanceof esm.TriplineError).toBe(false);
    expect(esm.isTriplineError(null)).toBe(false);
    expect(esm.isTriplineError('config-invalid')).toBe(false);
  });
});
