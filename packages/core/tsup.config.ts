import { defineConfig } from 'tsup';
import { baseOptions } from '../../tsup.base';

// Code splitting: the `.`, `./testing` and `./unstable` entries share one copy of MdeEvent and the engine, so
// events made with the testing helpers are the same class the engine checks for.
export default defineConfig({
  ...baseOptions({ index: 'src/index.ts', testing: 'src/testing.ts', unstable: 'src/unstable.ts' }),
  splitting: true,
});
