import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import type { Reporter } from 'vitest/reporters';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Tests run against the TypeScript sources; the built output is exercised by the CLI and packaging tests. */
const alias = {
  '@tripline/core/testing': src('./packages/core/src/testing.ts'),
  '@tripline/core/unstable': src('./packages/core/src/unstable.ts'),
  '@tripline/core': src('./packages/core/src/index.ts'),
  '@tripline/detectors-defender': src('./packages/detectors-defender/src/index.ts'),
  '@tripline/reporter-markdown': src('./packages/reporter-markdown/src/index.ts'),
  '@tripline/reporter-sarif': src('./packages/reporter-sarif/src/index.ts'),
  '@tripline/sigma': src('./packages/sigma/src/index.ts'),
  '@tripline/sigmahq': src('./packages/sigmahq/src/index.ts'),
  '@tripline/kql': src('./packages/kql/src/index.ts'),
  '@tripline/state': src('./packages/state/src/index.ts'),
  '@tripline/stream/eventhubs': src('./packages/stream/src/eventhubs/index.ts'),
  '@tripline/stream/kafka': src('./packages/stream/src/kafka/index.ts'),
  '@tripline/stream/nats': src('./packages/stream/src/nats/index.ts'),
  '@tripline/stream': src('./packages/stream/src/index.ts'),
  '@tripline/narrative': src('./packages/narrative/src/index.ts'),
};

/**
 * The shared-data suite: `*.shared.test.ts` files read data that cannot live in the repository (copyleft
 * datasets, large corpora) from `../shared` beside it. It runs as the vitest project `shared` when that
 * folder exists; without it the default run passes and says, in one line at the end, that it was skipped.
 * `.ci/run` fails when the folder is missing. TRIPLINE_SKIP_SHARED=1 skips it on purpose.
 */
const SHARED_TESTS = [
  'packages/*/src/**/*.shared.test.ts',
  'packages/*/test/**/*.shared.test.ts',
  'test/**/*.shared.test.ts',
  'examples/**/*.shared.test.ts',
];
const sharedDir = src('../shared');
const skipShared =
  process.env.TRIPLINE_SKIP_SHARED === '1'
    ? 'TRIPLINE_SKIP_SHARED=1'
    : existsSync(sharedDir)
      ? undefined
      : `${sharedDir} not found (it holds the copyleft datasets and corpora that cannot be in the repository)`;

/** Prints the one line that says the shared-data suite did not run, after vitest's own summary. */
const sharedNotice: Reporter = {
  onTestRunEnd() {
    process.stdout.write(`\nshared-data suite not run: ${skipShared}; .ci/run runs it\n`);
  },
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        extends: true,
        resolve: { alias },
        test: {
          name: 'packages',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, '**/*.shared.test.ts'],
        },
      },
      {
        extends: true,
        resolve: { alias },
        test: {
          name: 'examples',
          include: ['examples/**/*.test.ts', 'examples/**/*.test.mjs'],
          exclude: [...configDefaults.exclude, '**/*.shared.test.ts'],
        },
      },
      {
        extends: true,
        resolve: { alias },
        test: {
          name: 'repo',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, '**/*.shared.test.ts'],
        },
      },
      ...(skipShared === undefined
        ? [
            {
              extends: true as const,
              resolve: { alias },
              test: { name: 'shared', include: SHARED_TESTS, exclude: [...configDefaults.exclude] },
            },
          ]
        : []),
    ],
    // vitest's own defaults (plus GitHub annotations on Actions), then the notice.
    ...(skipShared === undefined
      ? {}
      : { reporters: ['default', ...(process.env.GITHUB_ACTIONS === 'true' ? ['github-actions'] : []), sharedNotice] }),
    // Every project inherits these (`extends: true`): without it, each ran with vitest's 5 s default.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
