import { defineConfig } from 'tsup';
import { baseOptions } from '../../tsup.base';

export default defineConfig({
  ...baseOptions({ index: 'src/index.ts', nats: 'src/nats/index.ts' }),
  // The broker clients are peer dependencies, loaded from the user's install.
  external: ['nats'],
});
