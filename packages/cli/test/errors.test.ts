import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, cronLogon, mixedNdjson, tempDir, tripline } from './helpers.js';

// Each test starts Node processes; a loaded CI machine needs more than vitest's 5 s default.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(() => {
  assertBuilt();
  dir = tempDir({
    'events.ndjson': mixedNdjson(),
    'cron.ndjson': `${cronLogon('1', '2025-03-04T11:17:01Z')}\n`,
    'notes.txt': 'Dear diary,\nno events today.\n',
    'hello.txt': 'hello world\n',
    'junk.ndjson': '{"a": 1}\n{"b": 2}\n',
    'bad-detector.yaml': 'detectors:\n  defender/nope:\n    enabled: false\n',
    'bad-key.json': JSON.stringify({ detectors: {}, minSeverity: 'low', colour: 'red' }),
    'bad-severity.yml': 'detectors:\n  defender/root-cron-logon:\n    severity: urgent\n',
    'broken.yaml': 'detectors:\n  defender/root-cron-logon:\n    enabled: false\n   severity: high\n',
    'broken.json': '{ "minSeverity": "low", }',
    'good.yaml': '# raise cron logons\ndetectors:\n  defender/root-cron-logon:\n    severity: high\nevidenceLimit: 5\n',
    'good.json': JSON.stringify({ detectors: { 'defender/root-cron-logon': { enabled: false } } }),
  });
});

/** Every error: exit 2, one `tripline: …` line (ending in a pointer to --help for usage errors), no stack, nothing on stdout. */
function expectUsageError(r: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^tripline: /);
  expect(lines[0]).toMatch(message);
  expect(lines).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe.concurrent('tripline analyze: errors exit 2 with one clear message', () => {
  it('missing file', async () => {
    expectUsageError(
      await tripline(['analyze', file('nope.ndjson')]),
      /cannot read .*nope\.ndjson: no such file or directory/,
    );
  });

  it('a missing file among good ones is named, and the others are analysed (exit 3)', async () => {
    const r = await tripline(['analyze', '-f', 'json', file('missing.json'), file('cron.ndjson')]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).summary.eventsAnalyzed).toBe(1);
    expect(r.stderr).toMatch(/^tripline: error: cannot read .*missing\.json: no such file or directory$/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('directory', async () => {
    expectUsageError(await tripline(['analyze', dir]), /is a directory/);
  });

  it('unreadable format', async () => {
    expectUsageError(await tripline(['analyze', file('hello.txt')]), /hello\.txt: not NDJSON, an Event Hub message/);
  });

  it('a file in which not one row is an event', async () => {
    expectUsageError(
      await tripline(['analyze', file('notes.txt')]),
      /notes\.txt: nothing readable: its only row was rejected \(first: line 2: /,
    );
    // Among readable inputs, it is named and the run goes on (exit 3).
    const r = await tripline(['analyze', file('cron.ndjson'), file('junk.ndjson')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^tripline: error: .*junk\.ndjson: nothing readable: all 2 rows were rejected \(first: line 1: /m,
    );
  });

  it('never writes control characters from file names or contents to the terminal', async () => {
    const hostile = await tripline(['analyze', file('evil\u001b[31m.ndjson')]);
    expectUsageError(hostile, /cannot read .*evil⟪U\+001B⟫\[31m\.ndjson/);
    const content = await tripline(['analyze', '-'], { stdin: '\u001b]0;pwned\u0007\u009b31m\u202e hello\n' });
    expect(content.code).toBe(2);
    expect(content.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
  });

  it('forced format that does not fit', async () => {
    expectUsageError(await tripline(['analyze', '--input-format', 'csv', file('cron.ndjson')]), /cron\.ndjson/);
  });

  it('bad option value', async () => {
    const [format, failOn, inputFormat, generatedAt] = await Promise.all([
      tripline(['analyze', '--format', 'xml', file('cron.ndjson')]),
      tripline(['analyze', '--fail-on', 'severe', file('cron.ndjson')]),
      tripline(['analyze', '--input-format', 'xml', file('cron.ndjson')]),
      tripline(['analyze', '--generated-at', 'yesterday', file('cron.ndjson')]),
    ]);
    expectUsageError(format, /'xml' is invalid.*markdown, json, sarif/);
    expectUsageError(failOn, /--fail-on.*'severe' is invalid.*informational, low, medium, high, critical/);
    expectUsageError(inputFormat, /'xml' is invalid/);
    expectUsageError(generatedAt, /--generated-at.*'yesterday' is invalid/);
  });

  it('missing option value', async () => {
    expectUsageError(
      await tripline(['analyze', file('cron.ndjson'), '--output']),
      /option '-o, --output <path>' argument missing/,
    );
  });

  it('unknown option', async () => {
    expectUsageError(await tripline(['analyze', '--colour', file('cron.ndjson')]), /unknown option '--colour'/);
  });

  it('unknown command', async () => {
    expectUsageError(
      await tripline(['analyse', file('cron.ndjson')]),
      /unknown command 'analyse'.*Did you mean analyze\?/s,
    );
  });

  it('malformed SOURCE_DATE_EPOCH', async () => {
    expectUsageError(
      await tripline(['analyze', file('cron.ndjson')], { env: { SOURCE_DATE_EPOCH: 'soon' } }),
      /SOURCE_DATE_EPOCH/,
    );
  });

  it('output into a folder that does not exist, before reading inputs', async () => {
    expectUsageError(
      await tripline(['analyze', '-o', file('no/such/report.md'), file('cron.ndjson')]),
      /cannot write .*does not exist/,
    );
  });

  it('missing config file', async () => {
    expectUsageError(
      await tripline(['analyze', '--config', file('nope.yaml'), file('cron.ndjson')]),
      /cannot read configuration file .*nope\.yaml: no such file/,
    );
  });

  it('config naming a detector that is not loaded', async () => {
    expectUsageError(
      await tripline(['analyze', '--config', file('bad-detector.yaml'), file('cron.ndjson')]),
      /^tripline: invalid configuration: detectors\.defender\/nope: no detector with this id is loaded/,
    );
  });

  it('config with an unknown key', async () => {
    expectUsageError(
      await tripline(['analyze', '-c', file('bad-key.json'), file('cron.ndjson')]),
      /invalid configuration: colour: unknown key/,
    );
  });

  it('config with a bad value names its key', async () => {
    expectUsageError(
      await tripline(['analyze', '-c', file('bad-severity.yml'), file('cron.ndjson')]),
      /invalid configuration: detectors\.defender\/root-cron-logon\.severity: /,
    );
  });

  it('bad YAML gives the line and column', async () => {
    expectUsageError(
      await tripline(['analyze', '-c', file('broken.yaml'), file('cron.ndjson')]),
      /invalid configuration: .*broken\.yaml: not valid YAML \(line \d+, column \d+\)/,
    );
  });

  it('bad JSON gives the line and column', async () => {
    expectUsageError(
      await tripline(['analyze', '-c', file('broken.json'), file('cron.ndjson')]),
      /invalid configuration: .*broken\.json: not valid JSON \(line 1, column \d+\)/,
    );
  });

  it('--debug adds the stack trace', async () => {
    const r = await tripline(['analyze', '--debug', '-c', file('bad-key.json'), file('cron.ndjson')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tripline: invalid configuration: colour: unknown key/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe.concurrent('tripline analyze --config', () => {
  it('applies a YAML configuration', async () => {
    const r = await tripline(['analyze', '--format', 'json', '-c', file('good.yaml'), file('cron.ndjson')]);
    expect(r.code).toBe(0);
    const alerts = JSON.parse(r.stdout).alerts as { detectorId: string; severity: string }[];
    expect(alerts.find((a) => a.detectorId === 'defender/root-cron-logon')?.severity).toBe('high');
  });

  it('applies a JSON configuration', async () => {
    const r = await tripline(['analyze', '--format', 'json', '-c', file('good.json'), file('cron.ndjson')]);
    expect(r.code).toBe(0);
    const alerts = JSON.parse(r.stdout).alerts as { detectorId: string }[];
    expect(alerts.some((a) => a.detectorId === 'defender/root-cron-logon')).toBe(false);
  });
});
