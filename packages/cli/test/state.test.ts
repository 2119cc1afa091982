import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, cronLogon, execReplacement, tempDir, tripline } from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

// `tripline analyze --state` and `tripline state …` against the built CLI, with a JSON-file store.

let dir: string;
let state: string;

beforeAll(() => {
  assertBuilt();
  dir = tempDir({
    'batch-1.ndjson': `${execReplacement('7205759403792793601')}\n${cronLogon('7205759403792793602', '2025-03-04T10:15:00.1234567Z')}\n`,
    'batch-2.ndjson': `${cronLogon('7205759403792793603', '2025-03-04T11:15:00.1234567Z')}\n`,
  });
  state = join(dir, 'bot-state.json');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Report {
  summary: { alertCount: number };
  alerts: { id: string; detectorId: string; severity: string }[];
  findings: unknown[];
}

const analyzeArgs = (file: string, ...more: string[]) => [
  'analyze',
  '--state',
  state,
  '--format',
  'json',
  '--generated-at',
  '2025-03-04T12:00:00Z',
  ...more,
  join(dir, file),
];

describe('tripline analyze --state', () => {
  let ids: string[] = [];

  it('first batch: every alert is new, in the report; --fail-on fails on a new alert', async () => {
    const run = await tripline(analyzeArgs('batch-1.ndjson', '--fail-on', 'medium'));
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    const n = report.alerts.length;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(report.summary.alertCount).toBe(n);
    ids = report.alerts.map((a) => a.id);
    expect(run.stderr).toContain(`tripline: state ${state} (json-file): ${n} changes (${n} new), ${n} notifying`);
    const medium = report.alerts.filter((a) => a.severity !== 'low' && a.severity !== 'informational').length;
    expect(medium).toBeGreaterThan(0);
    expect(run.stderr).toContain(
      `tripline: failing: ${medium} new or escalated alert${medium === 1 ? '' : 's'} at or above medium (--fail-on medium)`,
    );
    const saved = JSON.parse(readFileSync(state, 'utf8')) as unknown;
    expect(JSON.stringify(saved)).toContain(ids[0]);
  });

  it('the same batch again: nothing changed, an empty report, --fail-on does not fail again', async () => {
    const run = await tripline(analyzeArgs('batch-1.ndjson', '--fail-on', 'medium'));
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.alerts).toEqual([]);
    expect(report.summary.alertCount).toBe(0);
    expect(run.stderr).toContain(': 0 changes, 0 notifying');
  });

  it('a new batch with more of the same: updated, not notified, not in the report', async () => {
    const run = await tripline(analyzeArgs('batch-2.ndjson', '--fail-on', 'informational'));
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as Report).alerts).toEqual([]);
    expect(run.stderr).toContain(': 1 change (1 updated), 0 notifying');
    // The Markdown form of an incremental run with nothing to notify.
    const md = await tripline(['analyze', '--state', state, join(dir, 'batch-2.ndjson')]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('tripline');
  });

  it('state list, ack, suppress, unsuppress', async () => {
    const list = await tripline(['state', 'list', '--state', state, '--format', 'json']);
    expect(list.code, list.stderr).toBe(0);
    const listing = JSON.parse(list.stdout) as { alerts: { id: string; count: number }[]; outbox: number };
    expect(listing.alerts.map((a) => a.id).sort()).toEqual([...ids].sort());
    expect(listing.outbox).toBe(0);

    const ack = await tripline([
      'state',
      'ack',
      '--state',
      state,
      '--alert',
      ids[0]!,
      '--reason',
      'ticket SEC-12',
      '--author',
      'alice',
    ]);
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toBe(`ack-1  acknowledge  alert=${ids[0]}  until removed  by alice: ticket SEC-12\n`);

    const sup = await tripline(
      [
        'state',
        'suppress',
        '--state',
        state,
        '--detector',
        'defender/*',
        '--reason',
        'CI',
        '--expires',
        'P1D',
        '--format',
        'json',
      ],
      { env: { USER: 'bob' } },
    );
    expect(sup.code, sup.stderr).toBe(0);
    expect(JSON.parse(sup.stdout)).toMatchObject({
      id: 'sup-1',
      action: 'suppress',
      author: 'bob',
      match: { detector: 'defender/*' },
    });

    const text = await tripline(['state', 'list', '--state', state]);
    expect(text.stdout).toMatch(
      new RegExp(
        `^${ids.length} alerts \\(${ids.length} active, 0 resolved\\); 2 suppressions; 0 notifications waiting\n`,
      ),
    );
    expect(text.stdout).toContain('  ack-1  acknowledge  alert=');
    expect(text.stdout).toContain('  sup-1  suppress  detector=defender/*  until ');

    const un = await tripline(['state', 'unsuppress', '--state', state, 'sup-1']);
    expect(un.code, un.stderr).toBe(0);
    expect(un.stdout).toMatch(/^removed sup-1 {2}suppress/);
  });

  it('errors are one line and exit 2', async () => {
    const unknown = await tripline(['state', 'unsuppress', '--state', state, 'sup-9']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('tripline: unsuppress: no suppression "sup-9" (known: ack-1)\n');
    const noAlert = await tripline(['state', 'ack', '--state', state, '--alert', 'nope', '--reason', 'r']);
    expect(noAlert.code).toBe(2);
    expect(noAlert.stderr).toMatch(/^tripline: acknowledge: no alert "nope" in this state/);
    const noMatch = await tripline(['state', 'suppress', '--state', state, '--reason', 'r']);
    expect(noMatch.code).toBe(2);
    expect(noMatch.stderr).toBe('tripline: suppress: give at least one of alert, detector, device, key\n');
    const damaged = join(dir, 'damaged.json');
    writeFileSync(damaged, '{"not": "a state"');
    const bad = await tripline(['analyze', '--state', damaged, join(dir, 'batch-1.ndjson')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^tripline: --state .*damaged\.json: /);
    expect(bad.stdout).toBe('');
  });

  it('--state with --workers is refused before any reading: an incremental run keeps one engine state', async () => {
    const other = join(dir, 'workers-state.json');
    const run = await tripline(['analyze', '--state', other, '--workers', '2', join(dir, 'batch-1.ndjson')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'tripline: --state and --workers cannot be used together: an incremental run keeps one engine state (run it without --workers)\n',
    );
    expect(run.stdout).toBe('');
    expect(() => readFileSync(other)).toThrow();
  });
});
