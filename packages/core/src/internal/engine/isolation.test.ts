/**
 * Plugin output is untrusted data: revoked Proxies, values that change between two reads, throwing
 * conversions. Each case must end as a diagnostic naming the detector, with the run complete and the
 * other detectors' alerts intact.
 */
import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../testing.js';
import { defineDetector } from '../detector/define.js';
import type { AnyDetector, Detector } from '../detector/types.js';
import type { MdeEvent } from '../model/event.js';
import type { AnalysisResult } from '../report/types.js';
import { describeError } from './analyze.js';
import { analyzeEvents } from './entry.js';

const DEVICE = '875524232b2377b606ca585f2a6692b5be921b94';
const NAME = 'wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net';

function rows(): MdeEvent[] {
  return [
    makeEvent('DeviceProcessEvents', {
      Timestamp: '2025-11-07T06:46:38.299848Z',
      DeviceId: DEVICE,
      DeviceName: NAME,
      ActionType: 'ProcessCreated',
      ReportId: 3321,
      FileName: 'lsof',
      FolderPath: '/usr/bin/lsof',
      ProcessId: 415044,
      ProcessCommandLine: 'lsof -a -c java -c javaw',
      InitiatingProcessId: 415044,
      InitiatingProcessFileName: 'dash',
      InitiatingProcessFolderPath: '/usr/bin/dash',
      InitiatingProcessCommandLine: '/bin/sh -c "lsof -a -c java -c javaw"',
    }),
    makeEvent('DeviceProcessEvents', {
      Timestamp: '2025-11-07T06:47:01.22051Z',
      DeviceId: DEVICE,
      DeviceName: NAME,
      ActionType: 'ProcessCreated',
      ReportId: 3322,
      FileName: 'run-parts',
      FolderPath: '/usr/bin/run-parts',
      ProcessId: 415801,
      ProcessCommandLine: 'run-parts --report /etc/cron.hourly',
      InitiatingProcessId: 415801,
      InitiatingProcessFileName: 'dash',
      InitiatingProcessFolderPath: '/usr/bin/dash',
      InitiatingProcessCommandLine: '/bin/sh -c "cd / && run-parts --report /etc/cron.hourly"',
    }),
  ];
}

const meta = (id: string, tables: readonly 'DeviceProcessEvents'[] = ['DeviceProcessEvents']) => ({
  id,
  title: 'Test detector',
  summary: 'summary text',
  rationale: 'rationale text',
  severity: 'low' as const,
  category: 'Test',
  mitre: ['T1059'],
  tables,
  messages: { default: { title: 'T {x}', description: 'D {x}', riskAssessment: 'R' } },
});

/** A well-behaved detector whose alerts must survive every hostile neighbour. */
const healthy = defineDetector({
  meta: {
    ...meta('good/by-file'),
    messages: { default: { title: 'Saw {name}', description: 'D', riskAssessment: 'R' } },
    evidence: { pids: { from: (e: MdeEvent) => e.str('ProcessId'), combine: 'distinct', label: 'PIDs' } },
    values: ['name'],
  },
  match: (e) => ({ key: e.str('FileName') ?? '' }),
  render: (g) => ({ values: { name: g.key } }),
}) as AnyDetector;

const render = (g: { key: string }) => ({ values: { x: g.key }, keyComponents: {} });
function revoked(): object {
  const p = Proxy.revocable({}, {});
  p.revoke();
  return p.proxy;
}
function revokedArray(): object {
  const p = Proxy.revocable([], {});
  p.revoke();
  return p.proxy;
}
/** An object whose property answers `first` on the first read and `later` on every read after it. */
function changing(prop: string, first: unknown, later: () => unknown): Record<string, unknown> {
  let n = 0;
  return Object.defineProperty({}, prop, { enumerable: true, get: () => (n++ ? later() : first) });
}
const throwingToString = () => ({
  toString() {
    throw new Error('late');
  },
});

async function run(d: Partial<Detector> & { meta: ReturnType<typeof meta> }): Promise<AnalysisResult> {
  return analyzeEvents(rows(), {
    detectors: [healthy, d as AnyDetector],
    generatedAt: '2025-01-01T00:00:00Z',
  });
}

async function baseline(): Promise<string[]> {
  const r = await analyzeEvents(rows(), { detectors: [healthy], generatedAt: '2025-01-01T00:00:00Z' });
  return r.alerts.map((a) => `${a.id} ${a.title}`);
}

function healthyAlerts(r: AnalysisResult): string[] {
  return r.alerts.filter((a) => a.detectorId === 'good/by-file').map((a) => `${a.id} ${a.title}`);
}

const CASES: Record<
  string,
  { detector: Partial<Detector> & { meta: ReturnType<typeof meta> }; code: string; partial?: boolean }
> = {
  'match returns a revoked Proxy': {
    detector: { meta: meta('t/a'), render, match: revoked as never },
    code: 'detector-malformed-match',
  },
  'match returns a revoked array Proxy': {
    detector: { meta: meta('t/a2'), render, match: revokedArray as never },
    code: 'detector-malformed-match',
  },
  'match returns an array holding a revoked Proxy': {
    detector: { meta: meta('t/a3'), render, match: (() => [{ key: 'k' }, revoked()]) as never },
    code: 'detector-malformed-match',
    partial: true,
  },
  'match returns a revoked Proxy as evidence': {
    detector: { meta: meta('t/a4'), render, match: (() => ({ key: 'k', evidence: revoked() })) as never },
    code: 'detector-malformed-match',
  },
  'onDevice returns a revoked Proxy': {
    detector: { meta: meta('t/b', []), render, onDevice: revokedArray as never },
    code: 'detector-malformed-match',
  },
  'onDevice returns a match whose events are a revoked Proxy': {
    detector: { meta: meta('t/b2', []), render, onDevice: (() => [{ key: 'k', events: revokedArray() }]) as never },
    code: 'detector-malformed-match',
  },
  'correlate returns a revoked Proxy': {
    detector: { meta: meta('t/c', []), render, correlate: revoked as never },
    code: 'detector-malformed-match',
  },
  'match throws a revoked Proxy': {
    detector: {
      meta: meta('t/d'),
      render,
      match: () => {
        throw revoked();
      },
    },
    code: 'detector-threw',
  },
  'onDevice throws a revoked Proxy': {
    detector: {
      meta: meta('t/d2', []),
      render,
      onDevice: () => {
        throw revoked();
      },
    },
    code: 'detector-threw',
  },
  'render throws a revoked Proxy': {
    detector: {
      meta: meta('t/d3'),
      match: () => ({ key: 'k' }),
      render: () => {
        throw revoked();
      },
    },
    code: 'detector-threw',
  },
  'render returns a revoked Proxy': {
    detector: { meta: meta('t/e0'), match: () => ({ key: 'k' }), render: revoked as never },
    code: 'detector-malformed-render',
  },
  'render values is a revoked Proxy': {
    detector: {
      meta: meta('t/e1'),
      match: () => ({ key: 'k' }),
      render: (() => ({ values: revoked(), keyComponents: {} })) as never,
    },
    code: 'detector-malformed-render',
  },
  'render value is an object with a throwing toString': {
    detector: {
      meta: meta('t/e2'),
      match: () => ({ key: 'k' }),
      render: (() => ({ values: { x: throwingToString() }, keyComponents: {} })) as never,
    },
    code: 'detector-malformed-render',
  },
};

describe('plugin isolation', () => {
  for (const [name, { detector, code, partial }] of Object.entries(CASES)) {
    it(`${name}: a diagnostic, the run completes, the other alerts are intact`, async () => {
      const base = await baseline();
      const result = await run(detector);
      expect(healthyAlerts(result)).toEqual(base);
      expect(result.summary.eventsAnalyzed).toBe(2);
      const mine = result.diagnostics.filter((d) => d.detectorId === detector.meta.id);
      expect(mine.map((d) => d.code)).toContain(code);
      // Only the well-formed part of the output (here: the first of two matches) becomes an alert.
      expect(result.alerts.filter((a) => a.detectorId === detector.meta.id).map((a) => a.key)).toEqual(
        partial ? ['k'] : [],
      );
    });
  }

  it('a render value that changes after it was read is used as first read: never checked then re-read', async () => {
    const base = await baseline();
    const result = await run({
      meta: meta('t/e'),
      match: () => ({ key: 'k' }),
      render: (() => ({ values: changing('x', 'ok', throwingToString), keyComponents: {} })) as never,
    });
    expect(healthyAlerts(result)).toEqual(base);
    const alert = result.alerts.find((a) => a.detectorId === 't/e')!;
    expect(alert.title).toBe('T ok');
    expect(alert.description).toBe('D ok');
    expect(alert.message.values).toMatchObject({ x: 'ok', count: 2 });
  });

  it('render fields that change after being read cannot slip past the checks', async () => {
    let n = 0;
    const shifty = {
      get values() {
        return n++ ? { x: throwingToString() } : { x: 'ok' };
      },
      keyComponents: changing('K', 'v', () => [1, {}, null]),
      get mitre() {
        return n > 1 ? ['T9999'] : ['T1059'];
      },
    };
    const result = await run({ meta: meta('t/f'), match: () => ({ key: 'k' }), render: (() => shifty) as never });
    const alert = result.alerts.find((a) => a.detectorId === 't/f')!;
    expect(alert.title).toBe('T ok');
    expect(alert.evidence.keyComponents).toEqual({ K: 'v' });
    expect(alert.mitre.map((m) => m.id)).toEqual(['T1059']);
    expect(result.diagnostics.filter((d) => d.detectorId === 't/f')).toEqual([]);
  });

  it('evidence values that change after being read enter the engine as read (one read, one copy)', async () => {
    const result = await run({
      meta: { ...meta('t/g'), evidence: { c: { combine: 'distinct', label: 'c' } }, values: ['x'] },
      match: (() => ({ key: 'k', evidence: changing('c', 's', () => [1, {}, null]) })) as never,
      render: (g) => ({ values: { x: (g.evidence.c as unknown as readonly string[]).join(',') } }),
    });
    const alert = result.alerts.find((a) => a.detectorId === 't/g')!;
    expect(alert.title).toBe('T s');
    expect(alert.evidence.keyComponents).toEqual({ c: ['s'] });
  });

  it('an onDevice match whose events are faked (prototype set to MdeEvent.prototype) is refused', async () => {
    const real = rows()[0]!;
    const fake = Object.create(Object.getPrototypeOf(real));
    const result = await run({
      meta: meta('t/h', []),
      render,
      onDevice: (() => [{ key: 'k', events: [fake] }]) as never,
    });
    expect(result.diagnostics.filter((d) => d.detectorId === 't/h').map((d) => d.message)).toEqual([
      'onDevice matches need events: MdeEvent[]',
    ]);
  });

  it('an evidence key named __proto__ cannot change the copy: it is an undeclared name', async () => {
    const result = await run({
      meta: { ...meta('t/i'), evidence: { p: { combine: 'first', label: 'P' } }, values: ['x'] },
      match: () => JSON.parse('{"key":"k","evidence":{"__proto__":"p"}}'),
      render,
    });
    expect(result.alerts.find((a) => a.detectorId === 't/i')).toBeUndefined();
    expect(result.diagnostics.find((d) => d.detectorId === 't/i')?.message).toBe(
      'match.evidence.__proto__ is not declared in meta.evidence',
    );
  });
});

describe('describeError', () => {
  it('never throws, whatever was thrown', () => {
    const p = Proxy.revocable(new Error('x'), {});
    p.revoke();
    expect(describeError(p.proxy)).toBe('unprintable error');
    expect(describeError(new TypeError('bad'))).toBe('TypeError: bad');
    expect(describeError(Object.assign(new Error('m'), { name: throwingToString() }))).toBe('unprintable error');
    const getterError = new Error('m');
    Object.defineProperty(getterError, 'message', {
      get() {
        throw new Error('no');
      },
    });
    expect(describeError(getterError)).toBe('unprintable error');
    expect(describeError(Symbol('s'))).toBe('Symbol(s)');
    expect(describeError(Object.create(null))).toBe('unprintable error');
    expect(describeError('x'.repeat(1000))).toHaveLength(500);
  });
});
