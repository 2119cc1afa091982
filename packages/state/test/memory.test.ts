import { memoryStateStore } from '@tripline/core';
import { conformance } from './conformance.js';

conformance({
  name: 'memory',
  concurrency: 'separate',
  async fresh() {
    return { store: memoryStateStore() };
  },
});
