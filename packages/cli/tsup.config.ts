import { defineConfig } from 'tsup';

/**
 * The CLI is ESM only: `dist/cli.js` is the `tripline` binary (its `#!/usr/bin/env node` line comes
 * from `src/cli.ts`; tsup marks the file executable), `dist/index.js` the programmatic `run()`.
 * The @tripline packages and commander/yaml stay external: they are dependencies, not bundled.
 */
export default defineConfig({
  entry: { cli: 'src/cli.ts', index: 'src/index.ts', 'shard-worker': 'src/shard-worker.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  treeshake: true,
});
