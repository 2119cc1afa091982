import { defineConfig } from 'tsup';
import { baseOptions } from '../../tsup.base';

export default defineConfig(
  baseOptions({
    index: 'src/index.ts',
    'eventhubs/index': 'src/eventhubs/index.ts',
    'kafka/index': 'src/kafka/index.ts',
  }),
);
