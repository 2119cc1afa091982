import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, mixedNdjson, ROOT, tempDir } from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

type Run = (argv: readonly string[], io: object) => Promise<number>;
let run: Run;

beforeAll(async () => {
  assertBuilt();
  ({ run } = (await import(pathToFileURL(`${ROOT}/packages/cli/dist/index.js`).href)) as { run: Run });
});

/** In-memory streams; `tty` makes stderr look like a terminal. */
function memoryIo(stdin: string, tty = false) {
  const out = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') => {
    const s = new PassThrough();
    s.setEncoding('utf8').on('data', (d: string) => {
      out[key] += d;
    });
    return Object.assign(s, { isTTY: tty && key === 'stderr', columns: 120 });
  };
  return {
    io: {
      stdin: Readable.from([stdin]),
      stdout: sink('stdout'),
      stderr: sink('stderr'),
      env: { SOURCE_DATE_EPOCH: '0' },
    },
    out,
  };
}

describe('run() from the package entry point', () => {
  it('returns the exit status instead of exiting, and writes to the given streams', async () => {
    const { io, out } = memoryIo(mixedNdjson());
    expect(await run(['analyze', '--format', 'json', '-'], io)).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report.generatedAt).toBe('1970-01-01T00:00:00.000Z');
    expect(report.summary.eventsRead).toBe(4);
    expect(out.stderr).toMatch(/^tripline: 4 events read/);
  });

  it('returns 2 for errors without throwing', async () => {
    const { io, out } = memoryIo('');
    expect(await run(['analyze', '/no/such/file.ndjson'], io)).toBe(2);
    expect(out.stderr).toBe('tripline: cannot read /no/such/file.ndjson: no such file or directory\n');
  });

  it('draws and erases the progress line when stderr is a terminal', async () => {
    const { io, out } = memoryIo(mixedNdjson(), true);
    const reportPath = join(tempDir(), 'report.md');
    expect(await run(['analyze', '--fail-on', 'low', '-o', reportPath, '-'], io)).toBe(1);
    expect(out.stderr).toMatch(/^\r\u001b\[Kstdin {2}[\d.]+ (?:B|kB) · 4 events \(1 rejected\)/);
    expect(out.stderr).toContain('\r\u001b[Ktripline: 4 events read');
  });
});
