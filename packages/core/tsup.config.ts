import { defineConfig } from 'tsup';
import { baseOptions } from '../../tsup.base';

// Code splitting: the `.`, `./testing` and `./unstable` entries share one copy of MdeEvent and the engine, so
// events made with the testing helpers are the same class the engine checks for.
export default defineConfig({
  // `shard-worker` is the worker thread of analyze({ workers }) (src/internal/parallel/library.ts), found next to the bundle.
  ...baseOptions({
    index: 'src/index.ts',
    testing: 'src/testing.ts',
    unstable: 'src/unstable.ts',
    'shard-worker': 'src/shard-worker.ts',
  }),
  splitting: true,
});
