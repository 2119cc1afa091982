import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, cronLogon, execReplacement, ROOT, tempDir, tripline } from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

type Run = (argv: readonly string[], io: object) => Promise<number>;
let run: Run;
let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  assertBuilt();
  ({ run } = (await import(pathToFileURL(`${ROOT}/packages/cli/dist/index.js`).href)) as { run: Run });
  dir = tempDir({
    'exec.ndjson': `${execReplacement('184467440737095516')}\n`,
    'cron.ndjson': `${cronLogon('9007199254740993123', '2025-03-04T10:17:01.0000000Z')}\n`,
    'cron2.ndjson': `${cronLogon('9007199254740993124', '2025-03-04T10:27:01.0000000Z')}\n`,
    'hello.txt': 'hello world\n',
    'junk.ndjson': '{"a": 1}\n{"b": 2}\n',
  });
  mkdirSync(file('exports'));
});

/** Six inputs: three readable exports, a missing file, a folder, a file of no supported format. */
const six = () => [
  file('exec.ndjson'),
  file('missing.json'),
  file('cron.ndjson'),
  file('exports'),
  file('hello.txt'),
  file('cron2.ndjson'),
];

/**
 * Standard streams for `run()`: stdin yields one Defender row, then, when the reader asks for more, the
 * connection drops (ECONNRESET); stdout and stderr are collected into `out`.
 */
function droppedStdin() {
  const out = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') => {
    const s = new PassThrough();
    s.setEncoding('utf8').on('data', (d: string) => {
      out[key] += d;
    });
    return s;
  };
  let reads = 0;
  const stdin = new Readable({
    read() {
      if (reads++ === 0) this.push(`${execReplacement('184467440737095516')}\n`);
      else
        process.nextTick(() =>
          this.destroy(Object.assign(new Error('connection reset by peer'), { code: 'ECONNRESET' })),
        );
    },
  });
  return { out, stdin, stdout: sink('stdout'), stderr: sink('stderr') };
}

describe.concurrent('one bad input never costs the others', () => {
  it('JSON: the unreadable inputs are listed, the others analysed, exit 3', async () => {
    const r = await tripline(['analyze', '-f', 'json', '--no-progress', ...six()]);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout);
    expect(report.summary.eventsAnalyzed).toBe(3);
    const failed = (report.diagnostics as { code: string; level: string; source: string; message: string }[]).filter(
      (d) => d.code === 'input-failed',
    );
    expect(failed.map((d) => [d.level, d.source])).toEqual([
      ['error', file('missing.json')],
      ['error', file('exports')],
      ['error', file('hello.txt')],
    ]);
    expect(failed[1]?.message).toMatch(/directory/);
    expect(failed[2]?.message).toMatch(/not NDJSON/);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('tripline: error: '));
    expect(errors).toEqual([
      `tripline: error: cannot read ${file('missing.json')}: no such file or directory`,
      `tripline: error: cannot read ${file('exports')}: is a directory (give the event files inside it)`,
      expect.stringMatching(/^tripline: error: .*hello\.txt: not NDJSON, an Event Hub message/),
      expect.stringMatching(
        /^tripline: error: 3 of 6 inputs could not be read \(.*missing\.json, .*exports, .*hello\.txt\); the report covers the others/,
      ),
    ]);
    expect(r.stderr).toMatch(
      /^tripline: 3 events read \(3 analysed, 0 rejected\) from 6 inputs \(3 of them could not be read\)/m,
    );
  });

  it('Markdown and SARIF list them too', async () => {
    const md = await tripline(['analyze', '--no-progress', ...six()]);
    expect(md.code).toBe(3);
    expect(md.stdout).toContain('missing.json');
    expect(md.stdout).toMatch(/input-failed/);
    const sarif = await tripline(['analyze', '-f', 'sarif', '--no-progress', ...six()]);
    expect(sarif.code).toBe(3);
    const notes = JSON.parse(sarif.stdout).runs[0].invocations[0].toolExecutionNotifications as {
      level: string;
      message: { text: string };
    }[];
    const texts = notes.filter((n) => n.level === 'error').map((n) => n.message.text);
    expect(texts.some((t) => t.includes('missing.json'))).toBe(true);
    expect(texts.some((t) => t.includes('exports'))).toBe(true);
    expect(texts.some((t) => t.includes('hello.txt'))).toBe(true);
  });

  it('an input in which not one row is an event is listed like an unreadable one', async () => {
    const r = await tripline(['analyze', '-f', 'json', '--no-progress', file('cron.ndjson'), file('junk.ndjson')]);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout);
    expect(report.summary.eventsRejected).toBe(2);
    expect(report.diagnostics).toContainEqual(
      expect.objectContaining({ level: 'error', code: 'input-nothing-readable', source: file('junk.ndjson') }),
    );
  });

  it('--fail-on reached on what was read takes precedence (exit 1), the failures are still named', async () => {
    const r = await tripline(['analyze', '-q', '--fail-on', 'low', ...six()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tripline: error: 3 of 6 inputs could not be read/m);
  });

  it('exit 2 and no report only when nothing at all was readable', async () => {
    const r = await tripline(['analyze', file('missing.json'), file('exports'), file('hello.txt')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      'tripline: nothing readable: none of the 3 inputs could be read',
    );
  });

  it('a stream that fails mid-way keeps the rows read before it, and says so', async () => {
    const { out, stdin, stdout, stderr } = droppedStdin();
    const code = await run(['analyze', '-f', 'json', '-', file('cron.ndjson')], {
      stdin,
      stdout,
      stderr,
      env: {},
    });
    expect(code).toBe(3);
    const report = JSON.parse(out.stdout);
    expect(report.summary.eventsAnalyzed).toBe(2);
    const failed = report.diagnostics.find((d: { code: string }) => d.code === 'input-failed');
    expect(failed).toMatchObject({ level: 'error', source: 'stdin' });
    expect(failed.message).toMatch(/after 1 row\(s\); those are analysed/);
    expect(out.stderr).toMatch(/^tripline: error: cannot read stdin: /m);
  });

  it('a lone stream that fails after some rows still gets the report of those rows (exit 3, not 2)', async () => {
    const { out, stdin, stdout, stderr } = droppedStdin();
    const code = await run(['analyze', '-f', 'json', '-'], {
      stdin,
      stdout,
      stderr,
      env: {},
    });
    expect(code).toBe(3);
    expect(JSON.parse(out.stdout).summary.eventsAnalyzed).toBe(1);
    const errors = out.stderr.split('\n').filter((l) => l.startsWith('tripline: error: '));
    expect(errors).toEqual([
      expect.stringMatching(/^tripline: error: cannot read stdin: .*connection reset by peer/),
      'tripline: error: 1 of 1 inputs could not be read (stdin); the report covers the others and lists these',
    ]);
  });
});
