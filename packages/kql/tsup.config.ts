import { defineConfig } from 'tsup';
import { baseOptions } from '../../tsup.base';

// `check-worker` is the worker thread of checkKqlAll (src/check/pool.ts), found next to the bundle.

export default defineConfig(baseOptions({ index: 'src/index.ts', 'check-worker': 'src/check/worker.ts' }));
