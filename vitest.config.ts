import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Tests run against the TypeScript sources; the built output is exercised by the CLI and packaging tests. */
const alias = {
  '@tripline/core/testing': src('./packages/core/src/testing.ts'),
  '@tripline/core': src('./packages/core/src/index.ts'),
  '@tripline/detectors-defender': src('./packages/detectors-defender/src/index.ts'),
  '@tripline/reporter-markdown': src('./packages/reporter-markdown/src/index.ts'),
  '@tripline/reporter-sarif': src('./packages/reporter-sarif/src/index.ts'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: 'packages', include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'] },
      },
      {
        resolve: { alias },
        test: {
          name: 'examples',
          include: ['examples/**/*.test.ts', 'examples/**/*.test.mjs'],
          exclude: ['**/node_modules/**'],
        },
      },
      {
        resolve: { alias },
        test: { name: 'repo', include: ['test/**/*.test.ts'] },
      },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
