import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeEvent } from '../../testing.js';
import { defineDetector } from '../detector/define.js';
import { analyzeEvents } from '../engine/entry.js';
import { canonicalAlert } from './canonical.js';
import { alertSchema } from './schema.js';
import { jsonReportChunks } from './stream.js';

/** The schema's text of an alert: what the report wrote before the hand-written check. */
function schemaText(value: unknown): string | undefined {
  const parsed = alertSchema.safeParse(value);
  return parsed.success ? JSON.stringify(parsed.data, null, 2) : undefined;
}

/** The claim under test: when the hand-written check answers, the schema accepts and writes the same text. */
function agrees(value: unknown): boolean {
  const fast = canonicalAlert(value);
  if (fast === undefined) return true;
  expect(JSON.stringify(fast, null, 2)).toBe(schemaText(value));
  return true;
}

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '__proto__', '0', '10', 'a\u0000b'),
);
const tableName = fc.constantFrom('DeviceProcessEvents', 'DeviceLogonEvents', 'DeviceInfo', 'NotATable');
const severity = fc.constantFrom('informational', 'low', 'medium', 'high', 'critical', 'severe');
const anyValue = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.oneof(text, fc.constant(undefined)), { maxLength: 3 }),
  fc.dictionary(text, fc.oneof(text, fc.integer())),
);
/** A field of the contract's type most of the time, anything now and then. */
const or = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 60, arbitrary: good }, { weight: 1, arbitrary: anyValue });
const line = or(fc.oneof(fc.integer({ min: 1 }), fc.constant(undefined), fc.constant(0), fc.constant(2 ** 60)));
/** Mostly nothing odd; now and then a key too many, a key missing, an own `__proto__`, a symbol key or a class. */
const oddity = fc.oneof(
  { weight: 40, arbitrary: fc.constant('none') },
  { weight: 1, arbitrary: fc.constantFrom('extra', 'drop', 'proto', 'symbol', 'class') },
);

/** An object of these entries in a shuffled key order, now and then with an oddity. */
function shuffled(entries: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc.tuple(fc.record(entries), fc.integer(), oddity).map(([o, seed, odd]) => {
    const order = (k: string) => [...k].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), seed);
    const keys = Object.keys(o).sort((a, b) => order(a) - order(b) || (a < b ? -1 : 1));
    if (odd === 'drop') keys.pop();
    const out: Record<string | symbol, unknown> =
      odd === 'class' ? (new (class Box {})() as Record<string | symbol, unknown>) : {};
    for (const k of keys) out[k] = (o as Record<string, unknown>)[k];
    if (odd === 'extra') out.extra = 1;
    if (odd === 'proto') Object.defineProperty(out, '__proto__', { value: 1, enumerable: true });
    if (odd === 'symbol') out[Symbol('s')] = 1;
    return out;
  });
}

function recordOf(value: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return or(
    fc.tuple(fc.dictionary(text, value, { maxKeys: 4 }), oddity).map(([o, odd]) => {
      const out: Record<string | symbol, unknown> = { ...o };
      if (odd === 'proto') Object.defineProperty(out, '__proto__', { value: 'x', enumerable: true });
      if (odd === 'symbol') out[Symbol('s')] = 'x';
      return out;
    }),
  );
}

const mitre = shuffled({ id: or(fc.constantFrom('T1059', 'T1059.004', 'T10', 'T1059.04', 'x')), name: or(text) });
const evidenceEvent = shuffled({
  table: or(tableName),
  timestamp: or(text),
  actionType: or(fc.option(text, { nil: undefined })),
  reportId: or(fc.option(text, { nil: undefined })),
  source: shuffled({ source: or(text), line, record: line }),
  fields: recordOf(anyValue),
});
const alert = shuffled({
  id: or(text),
  detectorId: or(text),
  title: or(text),
  severity: or(severity),
  category: or(text),
  mitre: or(fc.array(mitre, { maxLength: 2 })),
  description: or(text),
  riskAssessment: or(text),
  device: shuffled({ id: or(text), name: or(text) }),
  firstSeen: or(text),
  lastSeen: or(text),
  evidence: shuffled({
    eventCount: or(fc.oneof(fc.integer({ min: 1 }), fc.constant(0), fc.constant(1.5))),
    keyComponents: recordOf(fc.oneof(text, fc.array(text, { maxLength: 2 }))),
    events: or(fc.array(evidenceEvent, { maxLength: 2 })),
  }),
  relatedAlerts: or(fc.array(text, { maxLength: 2 })),
  key: or(text),
  message: shuffled({
    templates: shuffled({ title: or(text), description: or(text), riskAssessment: or(text) }),
    values: recordOf(fc.oneof(text, fc.integer(), fc.double())),
  }),
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('canonicalAlert', () => {
  it('answers only for alerts the schema accepts, with the schema text (property)', () => {
    fc.assert(fc.property(alert, agrees), { numRuns: 3000 });
  });

  it('answers for most generated alerts, so the property above tests the fast path', () => {
    const samples = fc.sample(alert, { numRuns: 2000, seed: 7 });
    const answered = samples.filter((a) => canonicalAlert(a) !== undefined).length;
    expect(answered).toBeGreaterThan(50);
  });

  it('leaves to the schema what it is not sure of', () => {
    const good = {
      id: 'tl-1',
      detectorId: 'x/y',
      title: 't',
      severity: 'low',
      category: 'c',
      mitre: [{ id: 'T1059.004', name: 'Unix Shell' }],
      description: 'd',
      riskAssessment: 'r',
      device: { id: 'd1', name: 'web01' },
      firstSeen: '2025-11-07T06:40:09Z',
      lastSeen: '2025-11-07T06:40:09Z',
      evidence: {
        eventCount: 1,
        keyComponents: { AccountName: ['root'] },
        events: [{ table: 'DeviceLogonEvents', timestamp: 't', source: { source: 's', line: 1 }, fields: { a: 1 } }],
      },
      relatedAlerts: [],
      key: 'root',
      message: { templates: { title: 't', description: 'd', riskAssessment: 'r' }, values: { n: 1 } },
    };
    expect(canonicalAlert(good)).toBeDefined();
    const fields = { a: 1 };
    Object.defineProperty(fields, '__proto__', { value: 2, enumerable: true });
    const odd: unknown[] = [
      { ...good, extra: 1 },
      { ...good, severity: 'severe' },
      { ...good, mitre: [{ id: 'T1', name: 'n' }] },
      // biome-ignore lint/suspicious/noSparseArray: a hole is what is tested
      { ...good, relatedAlerts: [, 'a'] },
      { ...good, evidence: { ...good.evidence, eventCount: 0 } },
      { ...good, evidence: { ...good.evidence, events: [{ ...good.evidence.events[0], fields }] } },
      { ...good, message: { ...good.message, values: { n: Number.NaN } } },
      { ...good, device: Object.assign(Object.create({ inherited: 1 }), { id: 'd', name: 'n' }) },
    ];
    for (const o of odd) {
      expect(canonicalAlert(o)).toBeUndefined();
      agrees(o);
    }
  });

  it('answers for the alerts the engine builds, and the report is the schema path text', async () => {
    const detector = defineDetector({
      meta: {
        id: 'test/logon',
        title: 'Logon',
        summary: 'A logon on a device.',
        rationale: 'Logons are evidence of access.',
        severity: 'low',
        category: 'Credential Access',
        mitre: ['T1078'],
        tables: ['DeviceLogonEvents'],
        messages: { default: { title: 'Logon as {account}', description: '{count} logons', riskAssessment: 'r' } },
        evidence: { account: { from: 'AccountName', combine: 'first' } },
      },
      match: (e) => ({ key: e.str('AccountName') ?? '' }),
    });
    const events = [1, 2, 3].map((i) =>
      makeEvent('DeviceLogonEvents', {
        DeviceId: `d${i}`,
        DeviceName: `host${i}`,
        AccountName: i === 3 ? '__proto__' : 'root',
        ActionType: 'LogonSuccess',
        AdditionalFields: '{"a":1}',
        ReportId: i,
        Timestamp: `2025-11-07T06:40:0${i}Z`,
      }),
    );
    const result = await analyzeEvents(events, { detectors: [detector], generatedAt: '2025-11-07T12:00:00.000Z' });
    expect(result.alerts.length).toBe(3);
    for (const a of result.alerts) {
      expect(canonicalAlert(a)).toBeDefined();
      agrees(a);
    }
    // The whole report through the hand-written path is the schema's text of every alert, indented;
    // the schema is not asked about any of them.
    const texts = result.alerts.map((a) => schemaText(a)!.replaceAll('\n', '\n    '));
    const parse = vi.spyOn(alertSchema, 'safeParse');
    const report = [...jsonReportChunks(result)].join('');
    expect(parse).not.toHaveBeenCalled();
    for (const t of texts) expect(report).toContain(t);
    const compact = [...jsonReportChunks(result, { compact: true })].join('');
    expect(compact).toBe(`${JSON.stringify(JSON.parse(report))}\n`);
    // An alert the check is not sure of goes through the schema, which writes it in its key order.
    const odd = { ...result.alerts[0]!, [Symbol('odd')]: 1 };
    expect(canonicalAlert(odd)).toBeUndefined();
    const withOdd = { ...result, alerts: [odd, ...result.alerts.slice(1)] };
    expect([...jsonReportChunks(withOdd)].join('')).toBe(report);
    expect(parse).toHaveBeenCalledTimes(1);
  });
});
