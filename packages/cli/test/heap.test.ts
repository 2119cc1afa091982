import { describe, expect, it } from 'vitest';
import { heapFlags } from '../src/internal/heap.js';

describe('the V8 heap setting of the tripline binary', () => {
  it('collects old space earlier than V8 by default', () => {
    expect(heapFlags([])).toEqual(['--heap-growing-percent=30']);
    expect(heapFlags(['--enable-source-maps'])).toEqual(['--heap-growing-percent=30']);
  });

  it('leaves a value given to node alone', () => {
    expect(heapFlags(['--heap-growing-percent=80'])).toEqual([]);
  });
});
