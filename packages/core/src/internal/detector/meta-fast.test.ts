import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DETECTOR_ID_RE, metaSchema } from './define.js';
import { isPlainUrl, readMetaFast } from './meta-fast.js';

const from = (): string => 'x';
const options = z.object({ n: z.number().optional() });

/** Metadata every field of which is plainly valid (the shape a rule compiler makes). */
function valid(): Record<string, unknown> {
  return {
    id: 'sigma/5b2bd0c6-0c52-4f0f-9a52-f5d1b0b8e3a1',
    title: 'A title',
    summary: 'A summary of the detector.',
    rationale: 'Why it matters, at some length.',
    severity: 'high',
    category: 'Sigma windows/process_creation',
    mitre: ['T1059.001'],
    references: ['https://example.org/a?b=c#d', 'http://x.example.com/'],
    falsePositives: ['Admins'],
    tables: ['DeviceProcessEvents'],
    actionTypes: ['ProcessCreated'],
    options,
    evidence: {
      matched: { combine: 'distinct', cap: 50, label: 'Why it matched' },
      FileName: { from: 'FileName', combine: 'distinct' },
      fn: { from, combine: 'first', label: 'Computed', hidden: false },
    },
    columns: ['FolderPath'],
    values: ['ruleTitle', 'level'],
    messages: Object.freeze({
      default: Object.freeze({ title: '{~ruleTitle}', description: 'D {count}', riskAssessment: 'R {device}' }),
    }),
  };
}

/** Values a field may be given: valid ones, near misses, and values of the wrong kind. */
const ODD: readonly unknown[] = [
  undefined,
  null,
  '',
  'ab',
  'x'.repeat(121),
  ' padded ',
  'https://example.org/ok',
  ' https://example.org/',
  'https://exa\nmple.org/',
  'http:example.org',
  'https://1.2.3.999/',
  'https://xn--a.com/',
  'not a url',
  'medium',
  'Bad/Id',
  'pack/name',
  'DeviceFileEvents',
  0,
  1.5,
  10_001,
  3,
  true,
  [],
  [''],
  ['a', 1],
  ['https://example.org/', 'ftp://x'],
  {},
  { default: { title: 't', description: 'd', riskAssessment: 'r' } },
  { default: { title: 't', description: 'd', riskAssessment: 'r', extra: 1 } },
  { other: { title: 't', description: 'd', riskAssessment: 'r' } },
  { combine: 'sum' },
  { combine: 'count', unknown: true },
  { x: { combine: 'nope' } },
  { x: { combine: 'max', cap: 0 } },
  { x: { combine: 'distinct', label: '' } },
  { x: { from: '', combine: 'first' } },
  from,
  new Date(0),
  Object.create({ title: 'inherited title' }),
];

/** A comparable picture of a value: key order, frozen flags, functions and schemas by identity. */
function picture(v: unknown, refs: unknown[]): unknown {
  if (typeof v === 'function' || v instanceof z.ZodType) {
    if (!refs.includes(v)) refs.push(v);
    return `ref:${refs.indexOf(v)}`;
  }
  if (Array.isArray(v)) return { array: v.map((x) => picture(x, refs)), frozen: Object.isFrozen(v) };
  if (v !== null && typeof v === 'object') {
    const keys = Reflect.ownKeys(v).map(String);
    return {
      keys,
      proto: Object.getPrototypeOf(v) === Object.prototype,
      values: keys.map((k) => picture((v as Record<string, unknown>)[k], refs)),
      frozen: Object.isFrozen(v),
    };
  }
  return v === undefined ? 'undefined' : v;
}

let accepted = 0;

/** What the schema makes of `meta` and what the fast reading makes of it agree, or the fast one declines. */
function agree(meta: unknown): boolean {
  const fast = readMetaFast(meta, DETECTOR_ID_RE);
  const schema = metaSchema.safeParse(meta);
  if (fast === undefined) return true;
  accepted++;
  expect(schema.success).toBe(true);
  const refs: unknown[] = [];
  expect(picture(fast, refs)).toEqual(picture(schema.data, refs));
  return true;
}

describe('reading detector metadata by hand', () => {
  it('reads plainly valid metadata as the schema does', () => {
    const meta = valid();
    expect(readMetaFast(meta, DETECTOR_ID_RE)).toBeDefined();
    agree(meta);
    // Fresh objects and arrays: freezing the result must not freeze the detector's own.
    const read = readMetaFast(meta, DETECTOR_ID_RE)!;
    expect(read.references).not.toBe(meta.references);
    expect(read.evidence).not.toBe(meta.evidence);
    expect(read.options).toBe(options);
  });

  it('drops keys the schema does not know, as the schema does', () => {
    agree({ ...valid(), surplus: 1 });
    expect(readMetaFast({ ...valid(), surplus: 1 }, DETECTOR_ID_RE)).toBeDefined();
  });

  it('gives the schema’s output or declines, whatever a field holds (differential)', () => {
    accepted = 0;
    const keys = Object.keys(valid());
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...keys, 'surplus'), fc.constantFrom(...ODD), fc.boolean()), {
          maxLength: 4,
        }),
        (edits) => {
          const meta = valid();
          for (const [key, value, remove] of edits) {
            if (remove) delete meta[key];
            else meta[key] = value;
          }
          return agree(meta);
        },
      ),
      { numRuns: 3000 },
    );
    // The comparison is not empty: many of the edited metadata are read by hand.
    expect(accepted).toBeGreaterThan(300);
  });

  it('gives the schema’s output or declines for evidence and message variants (differential)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('a', 'b', '__proto__', 'default'), fc.constantFrom(...ODD), { maxKeys: 3 }),
        fc.constantFrom('evidence', 'messages'),
        (record, key) => agree({ ...valid(), [key]: record }),
      ),
      { numRuns: 2000 },
    );
  });

  it('takes a URL for plain only when the URL parser accepts it', () => {
    const label = fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/);
    const url = fc
      .tuple(
        fc.constantFrom('http://', 'https://', 'HTTP://', 'https:/'),
        fc.array(label, { minLength: 0, maxLength: 3 }),
        fc.oneof(fc.stringMatching(/^[A-Za-z]{1,64}$/), fc.stringMatching(/^[0-9]{1,3}$/), label),
        fc.oneof(fc.constant(''), fc.string({ maxLength: 20 }), fc.stringMatching(/^\/[\x21-\x7e]{0,30}$/)),
      )
      .map(([scheme, labels, last, rest]) => `${scheme}${[...labels, last].join('.')}${rest}`);
    let plain = 0;
    fc.assert(
      fc.property(fc.oneof(url, fc.string({ maxLength: 40 })), (s) => {
        if (!isPlainUrl(s)) return true;
        plain++;
        return URL.canParse(s) && s.trim() === s && !/[\t\n\r]/.test(s);
      }),
      { numRuns: 20_000 },
    );
    expect(plain).toBeGreaterThan(500);
    for (const s of [
      'https://1.2.3.999/',
      'https://xn--a.com/',
      'https://a..com/',
      'https://a.c0m/',
      'https://a.com x',
    ])
      expect(isPlainUrl(s)).toBe(false);
  });
});
