import { describe, expect, expectTypeOf, it } from 'vitest';
import { makeEvent, testDetector } from '../../testing.js';
import { defineDetector, validateDetector } from '../detector/define.js';
import type { AlertGroup, AnyDetector, Detector, DetectorMeta, EvidenceDecl } from '../detector/types.js';
import { isTriplineError } from '../errors.js';
import type { MdeEvent } from '../model/event.js';
import { analyzeEvents } from './entry.js';
import { compareEvidence } from './group.js';

const DEVICE = '875524232b2377b606ca585f2a6692b5be921b94';
const NAME = 'wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net';
let report = 5000;

function logon(ts: string, extra: Record<string, unknown> = {}): MdeEvent {
  return makeEvent('DeviceLogonEvents', {
    Timestamp: ts,
    DeviceId: DEVICE,
    DeviceName: NAME,
    ActionType: 'LogonFailed',
    AccountName: 'admin',
    AccountDomain: 'wazuh1',
    LogonType: 'Network',
    Protocol: 'ssh',
    RemoteIP: '203.0.113.50',
    RemoteIPType: 'Public',
    RemotePort: 50112,
    InitiatingProcessFileName: 'sshd',
    InitiatingProcessId: 41522,
    AdditionalFields: '{"PosixUserId":1001}',
    ReportId: report++,
    ...extra,
  });
}

const BASE_META = {
  id: 'test/evidence',
  title: 'Failed logons by address',
  summary: 'Groups failed logons by remote address.',
  rationale: 'Exercises declared evidence in tests.',
  severity: 'low',
  category: 'Testing',
  mitre: ['T1110'],
  tables: ['DeviceLogonEvents'],
  actionTypes: ['LogonFailed'],
  messages: {
    default: {
      title: 'Failed logons from {ip}',
      description: '{count} failed logon(s) on {device} as {accounts} between {firstSeen} and {lastSeen}.',
      riskAssessment: 'Check {ip}.',
    },
    root: { title: 'Failed root logons from {ip}', description: 'As root.', riskAssessment: 'Check.' },
  },
} as const;

const EVIDENCE = {
  ip: { from: 'RemoteIP', combine: 'first' },
  accounts: { from: 'AccountName', combine: 'distinct' },
  ports: { from: 'RemotePort', combine: 'distinct', cap: 2 },
  firstPort: { from: 'RemotePort', combine: 'first', hidden: true },
  lastPort: { from: 'RemotePort', combine: 'last', label: 'Last port' },
  attempts: { from: 'ReportId', combine: 'count', label: 'Attempts' },
  portSum: { from: 'RemotePort', combine: 'sum', label: 'Port sum' },
  earliest: { from: (e: MdeEvent) => e.timestamp, combine: 'min', label: 'Earliest' },
  latest: { from: (e: MdeEvent) => e.timestamp, combine: 'max', label: 'Latest' },
  uid: { from: (e: MdeEvent) => e.posix.logon.uid, combine: 'first', label: 'PosixUserId' },
  root: { combine: 'first', label: 'Root' },
} as const;

function detector(overrides: Partial<Detector> = {}, meta: Partial<DetectorMeta> = {}): AnyDetector {
  return defineDetector({
    meta: { ...BASE_META, evidence: EVIDENCE, columns: ['AdditionalFields'], ...meta },
    match: (e) => ({
      key: e.str('RemoteIP'),
      ...(e.str('AccountName') === 'root'
        ? { severity: 'medium' as const, variant: 'root', evidence: { root: true } }
        : { evidence: { root: false } }),
    }),
    ...overrides,
  } as Detector);
}

function run(d: AnyDetector, events: MdeEvent[], extra: object = {}) {
  return analyzeEvents(events, { detectors: [d], generatedAt: 'x', ...extra });
}

function invalid(d: () => unknown): { code: string; key: unknown; message: string } {
  try {
    d();
  } catch (error) {
    if (isTriplineError(error)) return { code: error.code, key: error.details?.key, message: error.message };
    throw error;
  }
  throw new Error('expected a detector-invalid error');
}

describe('declared evidence', () => {
  it('types group.evidence from meta.evidence', () => {
    defineDetector({
      meta: {
        ...BASE_META,
        evidence: {
          pids: { from: (e: MdeEvent) => e.num('InitiatingProcessId'), combine: 'distinct', label: 'PIDs' },
          ip: { from: 'RemoteIP', combine: 'first' },
          n: { from: 'RemoteIP', combine: 'count', label: 'N' },
          flag: { combine: 'last', label: 'Flag' },
          accounts: { from: 'AccountName', combine: 'distinct' },
        },
      },
      match: () => ({ evidence: { flag: true } }),
      render(group) {
        expectTypeOf(group.evidence.pids).toEqualTypeOf<readonly number[]>();
        expectTypeOf(group.evidence.ip).toEqualTypeOf<string | number | boolean | undefined>();
        expectTypeOf(group.evidence.n).toEqualTypeOf<number>();
        // @ts-expect-error: not declared
        group.evidence.nope;
        return undefined;
      },
    });
    expectTypeOf<AlertGroup<{ x: { combine: 'sum'; label: 'X' } }>['evidence']['x']>().toEqualTypeOf<number>();
  });

  it('rejects a bad declaration at load, naming the key', () => {
    const bad = (evidence: unknown, messages?: unknown) =>
      invalid(() =>
        validateDetector(
          detector({}, {
            evidence: evidence as EvidenceDecl,
            ...(messages ? { messages } : {}),
          } as Partial<DetectorMeta>),
        ),
      );
    expect(bad({ ...EVIDENCE, ip: { from: 'RemoteIP', combine: 'average' } })).toMatchObject({
      code: 'detector-invalid',
      key: 'meta.evidence.ip.combine',
    });
    expect(bad({ ...EVIDENCE, root: { combine: 'first' } })).toMatchObject({
      code: 'detector-invalid',
      key: 'meta.evidence.root.label',
    });
    expect(bad({ ...EVIDENCE, uid: { from: (e: MdeEvent) => e.str('x'), combine: 'first' } })).toMatchObject({
      key: 'meta.evidence.uid.label',
    });
    // Hidden fields need no label.
    expect(() =>
      validateDetector(detector({}, { evidence: { ...EVIDENCE, root: { combine: 'first', hidden: true } } })),
    ).not.toThrow();
    expect(bad({ ...EVIDENCE, count: { from: 'RemoteIP', combine: 'count', label: 'N' } })).toMatchObject({
      key: 'meta.evidence.count',
    });
    expect(bad({ ...EVIDENCE, other: { from: 'AccountName', combine: 'last' } })).toMatchObject({
      key: 'meta.evidence.other.label',
    });
    const typo = bad(EVIDENCE, {
      default: { ...BASE_META.messages.default, description: 'as {acounts}' },
    });
    expect(typo).toMatchObject({ code: 'detector-invalid', key: 'meta.messages.default.description' });
    expect(typo.message).toContain('{acounts}');
    // meta.values still declares hook-only names.
    expect(() =>
      validateDetector(
        detector(
          {},
          { values: ['extra'], messages: { default: { ...BASE_META.messages.default, riskAssessment: '{extra}' } } },
        ),
      ),
    ).not.toThrow();
    // render is optional; when given it must be a function.
    const noHook = { meta: { ...BASE_META, evidence: EVIDENCE }, match: () => ({}) };
    expect(() => validateDetector(noHook as unknown as AnyDetector)).not.toThrow();
    expect(invalid(() => validateDetector({ ...noHook, render: 'x' } as unknown as AnyDetector))).toMatchObject({
      key: 'render',
    });
  });

  it('combines values across matches and derives key components and template values', async () => {
    const result = await run(detector(), [
      logon('2025-11-07T06:46:10Z', { RemotePort: 50003, AccountName: 'oracle' }),
      logon('2025-11-07T06:46:05Z', { RemotePort: 50001 }),
      logon('2025-11-07T06:46:20Z', { RemotePort: 50002 }),
      logon('2025-11-07T06:46:20Z', { RemotePort: 50004, AdditionalFields: '{"PosixUserId":0}' }),
    ]);
    expect(result.diagnostics).toEqual([]);
    const alert = result.alerts[0]!;
    expect(alert.evidence.keyComponents).toEqual({
      RemoteIP: '203.0.113.50',
      AccountName: ['oracle', 'admin'],
      RemotePort: ['50003', '50001'],
      'Last port': '50004',
      Attempts: '4',
      'Port sum': '200010',
      Earliest: '2025-11-07T06:46:05Z',
      Latest: '2025-11-07T06:46:20Z',
      PosixUserId: '1001',
      Root: 'false',
    });
    // Declaration order, hidden fields left out.
    expect(Object.keys(alert.evidence.keyComponents)[0]).toBe('RemoteIP');
    expect(alert.title).toBe('Failed logons from 203.0.113.50');
    expect(alert.description).toBe(
      `4 failed logon(s) on ${NAME} as oracle, admin between 2025-11-07T06:46:05Z and 2025-11-07T06:46:20Z.`,
    );
    expect(alert.message.values).toMatchObject({ accounts: 'oracle, admin', portSum: 200010, firstPort: 50001 });
  });

  it('orders min/max values: numbers numerically, ISO times as instants, other text by code unit', () => {
    expect(compareEvidence(9, 10)).toBeLessThan(0);
    expect(compareEvidence('2025-11-07T08:00:00+02:00', '2025-11-07T07:00:00Z')).toBeLessThan(0);
    expect(compareEvidence('2025-11-07T06:46:05.5Z', '2025-11-07T06:46:05.25Z')).toBeGreaterThan(0);
    expect(compareEvidence('b', 'a')).toBeGreaterThan(0);
    expect(compareEvidence(false, 0)).toBeLessThan(0);
    expect(compareEvidence(5, 'a')).toBeLessThan(0);
  });

  it('gives render the combined, typed evidence and merges its hook over the derived alert', async () => {
    let seen: AlertGroup | undefined;
    const d = detector({
      render(group: AlertGroup) {
        seen = group;
        return { values: { ip: 'hook ip' }, keyComponents: { Extra: ['a', 'b'] }, mitre: ['T1110.001'] };
      },
    });
    const result = await run(d, [
      logon('2025-11-07T06:46:05Z', { RemotePort: 1 }),
      logon('2025-11-07T06:46:06Z', { RemotePort: 2 }),
      logon('2025-11-07T06:46:07Z', { RemotePort: 3 }),
    ]);
    expect(seen!.evidence).toMatchObject({ ports: [1, 2], attempts: 3, portSum: 6, root: false, firstPort: 1 });
    expect([...seen!.truncated]).toEqual(['ports']);
    const alert = result.alerts[0]!;
    expect(alert.title).toBe('Failed logons from hook ip');
    expect(alert.evidence.keyComponents.Extra).toEqual(['a', 'b']);
    expect(alert.evidence.keyComponents.RemoteIP).toBe('203.0.113.50');
    expect(alert.mitre.map((m) => m.id)).toEqual(['T1110.001']);
  });

  it('takes the variant of the most severe match; a hook returning null emits no alert', async () => {
    const events = [
      logon('2025-11-07T06:46:05Z'),
      logon('2025-11-07T06:46:06Z', { AccountName: 'root' }),
      logon('2025-11-07T06:46:07Z'),
    ];
    const result = await run(detector(), events);
    expect(result.alerts[0]!.title).toBe('Failed root logons from 203.0.113.50');
    expect(result.alerts[0]!.severity).toBe('medium');
    expect(result.alerts[0]!.evidence.keyComponents.Root).toBe('false');
    const none = await run(detector({ render: () => null }), events);
    expect(none.alerts).toEqual([]);
  });

  it('a value supplied by match wins over from', async () => {
    const d = detector({ match: () => ({ evidence: { ip: '198.51.100.1', root: true } }) });
    const result = await run(d, [logon('2025-11-07T06:46:05Z')]);
    expect(result.alerts[0]!.evidence.keyComponents).toMatchObject({ RemoteIP: '198.51.100.1', Root: 'true' });
    // Nothing supplied a value: a count or sum is 0 in the text, and not a key component.
    expect(result.alerts[0]!.message.values).toMatchObject({ attempts: 1, portSum: 50112 });
    const none = await run(
      detector(
        { match: () => ({ evidence: { ip: 'x' } }) },
        {
          evidence: {
            ...EVIDENCE,
            attempts: { combine: 'count', label: 'Attempts' },
            portSum: { combine: 'sum', label: 'Port sum' },
          },
        },
      ),
      [logon('2025-11-07T06:46:05Z')],
    );
    expect(none.alerts[0]!.message.values).toMatchObject({ attempts: 0, portSum: 0 });
    expect(none.alerts[0]!.evidence.keyComponents.Attempts).toBeUndefined();
  });

  it('guards plugin values: malformed and throwing evidence is a diagnostic, never a crash', async () => {
    const events = [logon('2025-11-07T06:46:05Z')];
    const cases: [Record<string, unknown>, Record<string, unknown>, string, RegExp][] = [
      [
        { match: () => ({ evidence: { nope: 'x' } }) },
        {},
        'detector-malformed-match',
        /match\.evidence\.nope is not declared/,
      ],
      [{ match: () => ({ evidence: { root: Number.NaN } }) }, {}, 'detector-malformed-match', /root: NaN/],
      [
        { match: () => ({ evidence: { root: { a: 1 } } }) },
        {},
        'detector-malformed-match',
        /root: a value of type object/,
      ],
      [{ match: () => ({ evidence: { root: ['a', {}] } }) }, {}, 'detector-malformed-match', /element 1/],
      [{ match: () => ({ evidence: 'root' }) }, {}, 'detector-malformed-match', /must be an object/],
      [{ match: () => ({ variant: 'loud' }) }, {}, 'detector-malformed-match', /variant "loud"/],
      [
        { match: () => ({ evidence: { portSum: 'ten' } }) },
        {},
        'detector-malformed-match',
        /portSum: sum needs numbers/,
      ],
      [
        {},
        {
          evidence: {
            ...EVIDENCE,
            uid: {
              from: () => {
                throw new Error('boom');
              },
              combine: 'first',
              label: 'U',
            },
          },
        },
        'detector-threw',
        /evidence\.uid\.from threw: Error: boom/,
      ],
      [
        {},
        { evidence: { ...EVIDENCE, uid: { from: () => ({}) as never, combine: 'first', label: 'U' } } },
        'detector-malformed-match',
        /evidence\.uid\.from returned a value of type object/,
      ],
      [{ render: () => ({ values: { ip: {} } }) }, {}, 'detector-malformed-render', /render\.values/],
    ];
    for (const [overrides, meta, code, message] of cases) {
      const result = await run(detector(overrides as Partial<Detector>, meta as Partial<DetectorMeta>), events);
      const d = result.diagnostics.find((x) => x.code === code);
      expect(d?.message, `${code} ${message}`).toMatch(message);
    }
  });

  it('reads each plugin value once (a getter cannot pass the check and then change)', async () => {
    let reads = 0;
    const d = detector({
      match: () => ({
        get evidence() {
          reads++;
          return (reads === 1 ? { root: true } : { root: {} }) as never;
        },
      }),
    });
    const result = await run(d, [logon('2025-11-07T06:46:05Z')]);
    expect(reads).toBe(1);
    expect(result.alerts[0]!.evidence.keyComponents.Root).toBe('true');
  });

  it('a placeholder with no value is an error diagnostic and never reaches the alert as {name}', async () => {
    const d = detector(
      { match: () => ({ key: 'k' }) },
      {
        evidence: { ...EVIDENCE, ip: { combine: 'first', label: 'IP' } },
      },
    );
    const result = await run(d, [logon('2025-11-07T06:46:05Z')]);
    expect(result.diagnostics.map((x) => x.code)).toContain('detector-unfilled-placeholder');
    expect(result.alerts[0]!.title).toBe('Failed logons from (value missing)');
  });

  it('evidence events keep identity and declared columns; rows "full" keeps whole rows; the sample is bounded', async () => {
    const events = Array.from({ length: 8 }, (_, i) => logon(`2025-11-07T06:46:0${i}Z`));
    const trimmed = await run(detector(), events);
    const ev = trimmed.alerts[0]!.evidence;
    expect(ev.eventCount).toBe(8);
    expect(ev.events).toHaveLength(5);
    expect(Object.keys(ev.events[0]!.fields).sort()).toEqual(
      [
        'AccountName',
        'ActionType',
        'AdditionalFields',
        'DeviceId',
        'DeviceName',
        'RemoteIP',
        'RemotePort',
        'ReportId',
        'Timestamp',
      ].sort(),
    );
    const full = await run(detector(), events, { evidence: { rows: 'full', sample: 2 } });
    expect(full.alerts[0]!.evidence.events).toHaveLength(2);
    expect(full.alerts[0]!.evidence.events[0]!.fields).toMatchObject({ LogonType: 'Network', Protocol: 'ssh' });
    const viaConfig = await run(detector(), events, { config: { evidence: { sample: 3, rows: 'full' } } });
    expect(viaConfig.alerts[0]!.evidence.events).toHaveLength(3);
    expect(viaConfig.alerts[0]!.evidence.events[0]!.fields.LogonType).toBe('Network');
    const alias = await run(detector(), events, { config: { evidenceLimit: 7 } });
    expect(alias.alerts[0]!.evidence.events).toHaveLength(7);
    await expect(run(detector(), events, { evidence: { rows: 'some' } })).rejects.toThrow(/rows must be/);
    await expect(run(detector(), events, { config: { evidence: { sample: 0 } } })).rejects.toThrow(/evidence\.sample/);
  });

  it('testDetector fails a detector whose match reads a column it declares nowhere', async () => {
    const record = (props: Record<string, unknown>) => ({
      category: 'AdvancedHunting-DeviceLogonEvents',
      properties: props,
    });
    const row = {
      Timestamp: '2025-11-07T06:46:05Z',
      DeviceId: DEVICE,
      DeviceName: NAME,
      ActionType: 'LogonFailed',
      AccountName: 'admin',
      RemoteIP: '203.0.113.50',
      LogonType: 'Network',
      ReportId: 77,
    };
    const fixtures = {
      fires: [{ name: 'fires.x.json', description: 'a failed logon', records: [record(row)] }],
      ignores: [{ name: 'ignores.x.json', description: 'nothing', records: [] }],
    };
    const reads = (extra: (e: MdeEvent) => unknown) =>
      detector({
        match: (e: MdeEvent) => {
          extra(e);
          return { key: e.str('RemoteIP') ?? '' };
        },
      });
    await expect(
      testDetector(
        reads(() => undefined),
        fixtures,
      ),
    ).resolves.toBeDefined();
    await expect(
      testDetector(
        reads((e) => e.str('LogonType')),
        fixtures,
      ),
    ).rejects.toThrow(/match reads LogonType, declared neither/);
    await expect(
      testDetector(
        reads((e) => e.toRecord()),
        fixtures,
      ),
    ).rejects.toThrow(/match reads every column/);
    await expect(
      testDetector(
        detector(
          {
            match: (e: MdeEvent) => {
              e.str('LogonType');
              return {};
            },
          },
          { columns: ['AdditionalFields', 'LogonType'] },
        ),
        fixtures,
      ),
    ).resolves.toBeDefined();
  });
});
