/**
 * Detector authoring mistakes that once passed silently: a placeholder `render` does not fill (shown
 * as `{actor}` in a title), and a fixture file whose name is neither `fires.*` nor `ignores.*` (never run).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineDetector } from './internal/detector/define.js';
import type { AnyDetector, Detector } from './internal/detector/types.js';
import { isTriplineError } from './internal/errors.js';
import { type Fixture, loadFixtures, testDetector } from './testing.js';

const firing: Fixture = {
  name: 'fires.root-logon-by-cron.json',
  description: 'cron logs root on, as on every Ubuntu host each hour.',
  records: [
    {
      time: '2025-11-07T07:17:01.1234567Z',
      tenantId: 'd3b2c1a0-0000-4000-8000-000000000000',
      operationName: 'Publish',
      category: 'AdvancedHunting-DeviceLogonEvents',
      properties: {
        Timestamp: '2025-11-07T07:17:01.0386Z',
        DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
        DeviceName: 'wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net',
        ActionType: 'LogonSuccess',
        LogonType: 'Batch',
        AccountName: 'root',
        AccountDomain: 'wazuh1',
        InitiatingProcessFileName: 'cron',
        InitiatingProcessFolderPath: '/usr/sbin/cron',
        InitiatingProcessId: 1187,
        ReportId: 7211,
      },
    },
  ],
};
const silent: Fixture = { ...firing, name: 'ignores.no-rows.json', description: 'No rows at all.', records: [] };

function logons(overrides: Omit<Partial<Detector>, 'meta'> & { meta?: Partial<Detector['meta']> }): AnyDetector {
  const { meta, ...rest } = overrides;
  return defineDetector({
    meta: {
      id: 'test/logons',
      title: 'Logons by account',
      summary: 'One alert per account that logged on.',
      rationale: 'Exercises the authoring checks.',
      severity: 'low',
      category: 'Testing',
      mitre: [],
      tables: ['DeviceLogonEvents'],
      messages: {
        default: { title: 'Logon by {actor}', description: '{count} logon(s) by {actor}', riskAssessment: 'Low.' },
      },
      ...meta,
    },
    match: (e) => ({ key: e.str('AccountName') ?? '' }),
    render: (g) => ({ values: { account: g.key, count: g.count }, keyComponents: { AccountName: g.key } }),
    ...rest,
  } as Detector) as AnyDetector;
}

describe('placeholders render does not fill', () => {
  it('are a load-time error when the detector declares its values', () => {
    let error: unknown;
    try {
      logons({ meta: { values: ['account', 'count'] } });
    } catch (e) {
      error = e;
    }
    expect(isTriplineError(error) && error.code).toBe('detector-invalid');
    expect((error as Error).message).toBe(
      'detector test/logons: meta.messages.default.title: uses {actor}, which meta.values does not declare (declared: account, count)',
    );
    // The correct declaration loads.
    expect(() =>
      logons({
        meta: {
          values: ['account', 'count'],
          messages: {
            default: { title: 'Logon by {account}', description: '{count} by {~account}', riskAssessment: 'Low.' },
          },
        },
      }),
    ).not.toThrow();
  });

  it('fail testDetector, and never reach an alert as {actor}', async () => {
    const detector = logons({});
    await expect(testDetector(detector, { fires: [firing], ignores: [silent] })).rejects.toThrow(
      /diagnostic detector-unfilled-placeholder: \{actor\} in the title; \{actor\} in the description of variant "default" has no value/,
    );
    const report = await testDetector(detector, { fires: [firing], ignores: [silent] }).catch(() => undefined);
    expect(report).toBeUndefined();
  });

  it('show "(value missing)" in the alert and its message values, with an error diagnostic', async () => {
    const { runFixture } = await import('./testing.js');
    const result = await runFixture(logons({}), firing);
    const alert = result.alerts[0]!;
    expect(alert.title).toBe('Logon by (value missing)');
    expect(alert.description).toBe('1 logon(s) by (value missing)');
    expect(alert.message.values).toMatchObject({ actor: '(value missing)', account: 'root' });
    // The templates keep their placeholders (reporters fill them from the values); no filled text has one.
    for (const text of [alert.title, alert.description, alert.riskAssessment]) expect(text).not.toMatch(/\{~?\w+\}/);
    expect(result.diagnostics.map((d) => [d.level, d.code, d.detectorId])).toEqual([
      ['error', 'detector-unfilled-placeholder', 'test/logons'],
    ]);
  });

  it('do not take values from Object.prototype ({constructor}, {toString})', async () => {
    const { runFixture } = await import('./testing.js');
    const detector = logons({
      meta: {
        messages: { default: { title: 'Logon {constructor}', description: '{toString}', riskAssessment: 'Low.' } },
      },
    });
    const alert = (await runFixture(detector, firing)).alerts[0]!;
    expect(alert.title).toBe('Logon (value missing)');
    expect(alert.description).toBe('(value missing)');
  });
});

describe('loadFixtures', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const folder = (files: Record<string, Fixture | string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-fixtures-'));
    dirs.push(dir);
    mkdirSync(dir, { recursive: true });
    for (const [name, content] of Object.entries(files))
      writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    return dir;
  };

  it('refuses a fixture whose name matches neither fires.* nor ignores.*', () => {
    const dir = folder({
      'fires.root-logon-by-cron.json': firing,
      'ignore.sshd-logon.json': silent,
      'fires.typo.jsonc': firing,
    });
    let error: unknown;
    try {
      loadFixtures(dir);
    } catch (e) {
      error = e;
    }
    expect(isTriplineError(error) && error.code).toBe('fixture-invalid');
    expect((error as Error).message).toContain('"fires.typo.jsonc", "ignore.sshd-logon.json" are not named');
  });

  it('loads fires.* and ignores.* and allows dotfiles and a README', () => {
    const dir = folder({
      'fires.root-logon-by-cron.json': firing,
      'ignores.no-rows.json': silent,
      '.gitkeep': '',
      'README.md': '# fixtures',
    });
    const { fires, ignores } = loadFixtures(dir);
    expect(fires.map((f) => f.name)).toEqual(['fires.root-logon-by-cron.json']);
    expect(ignores.map((f) => f.name)).toEqual(['ignores.no-rows.json']);
  });
});
