import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { shareStrings } from './share.js';

/** Alert-shaped values: evidence rows that repeat one long command line, as a dense fleet's do. */
function alerts(count: number, commandLine: string): unknown[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `alert-${i}`,
    title: 'Reverse shell',
    severity: 'high',
    device: { id: `device-${i % 7}`, name: `host-${i % 7}` },
    mitre: ['T1059', 'T1059.004'],
    evidence: [
      { ProcessCommandLine: commandLine, ProcessId: 4242 + i, AccountName: 'root', Extra: null },
      { ProcessCommandLine: commandLine, Nested: { Path: '/usr/bin/bash', Args: ['-c', commandLine] } },
    ],
  }));
}

describe('shareStrings', () => {
  it('changes no value: the clones read exactly as before, nested arrays and objects included', () => {
    const original = alerts(20, `bash -c "${'x'.repeat(300)}"`);
    const cloned = structuredClone(original);
    shareStrings(cloned);
    expect(cloned).toEqual(original);
    expect(JSON.stringify(cloned)).toBe(JSON.stringify(original));
  });

  it('keeps an own __proto__ key of evidence a plain value (the prototype is not set)', () => {
    const row = structuredClone(JSON.parse('{"__proto__":"text","a":"text","b":{"__proto__":"text"}}')) as Record<
      string,
      unknown
    >;
    shareStrings([row]);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('text');
    expect(JSON.stringify(row)).toBe('{"__proto__":"text","a":"text","b":{"__proto__":"text"}}');
  });

  it('leaves frozen objects as they are, without throwing', () => {
    const frozen = Object.freeze({ a: 'text', b: Object.freeze(['text']) });
    const open = { a: 'text', inner: frozen };
    const values: unknown[] = [frozen, open, 'text', 7];
    shareStrings(values);
    expect(values).toEqual([frozen, { a: 'text', inner: frozen }, 'text', 7]);
    expect(values[1]).toBe(open);
  });

  it('makes equal texts of cloned alerts one string: the clones stop holding a copy per occurrence', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // 64 alerts, 3 occurrences each of a 100 KB text: 19 MB as clones, 0.1 MB shared.
    const original = alerts(64, `bash -c "${'y'.repeat(100_000)}"`);
    gc();
    const before = process.memoryUsage().heapUsed;
    const cloned = structuredClone(original);
    shareStrings(cloned);
    gc();
    const retained = process.memoryUsage().heapUsed - before;
    expect(retained).toBeLessThan(4e6);
    expect(cloned).toHaveLength(64);
  });
});
