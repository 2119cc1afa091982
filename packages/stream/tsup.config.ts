import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { baseOptions } from '../../tsup.base';

/** The broker adapters, each its own entry (`@tripline/stream/nats`, …), built once its folder exists. */
const adapters = ['nats', 'eventhubs', 'kafka'].filter((a) => existsSync(`src/${a}/index.ts`));

export default defineConfig(
  baseOptions({
    index: 'src/index.ts',
    ...Object.fromEntries(adapters.map((a) => [`${a}/index`, `src/${a}/index.ts`])),
  }),
);
