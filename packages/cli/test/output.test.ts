import { spawn } from 'node:child_process';
import {
  closeSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { type OutputFs, planOutput } from '../src/internal/output.js';
import { assertBuilt, CLI, cronLogon, ROOT, tempDir, tripline } from './helpers.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

type Run = (argv: readonly string[], io: object) => Promise<number>;
let run: Run;
let dir: string;
const file = (name: string) => join(dir, name);

/**
 * `n` process creations with distinct image names and 1 KB command lines: one alert per event
 * (an alert flood), so that the reports are large.
 */
function flood(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const properties = {
      Timestamp: `2025-11-07T06:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i).padStart(7, '0')}Z`,
      DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
      DeviceName: 'h1',
      ActionType: 'ProcessCreated',
      ReportId: i + 1,
      FileName: `tool${i}`,
      FolderPath: `/usr/bin/tool${i}`,
      ProcessId: 4000 + i,
      InitiatingProcessId: 4000 + i,
      InitiatingProcessFileName: 'dash',
      InitiatingProcessFolderPath: '/usr/bin/dash',
      ProcessCommandLine: `tool${i} ${'A'.repeat(1000)}`,
      InitiatingProcessCommandLine: `/bin/sh -c tool${i}`,
    };
    lines.push(JSON.stringify({ category: 'AdvancedHunting-DeviceProcessEvents', properties }));
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  assertBuilt();
  ({ run } = (await import(pathToFileURL(`${ROOT}/packages/cli/dist/index.js`).href)) as { run: Run });
  dir = tempDir({
    'cron.ndjson': `${cronLogon('9007199254740993123', '2025-03-04T10:17:01.0000000Z')}\n`,
    'flood2k.ndjson': flood(2000),
    'flood8k.ndjson': flood(8000),
  });
});

/** Spawn the built CLI; `onStdout` sees the child's stdout stream (to close it early). */
function spawnCli(
  args: readonly string[],
  stdio: { stdout?: 'pipe' | number; stdin?: 'pipe' | 'ignore' } = {},
  onSpawn?: (child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((done, fail) => {
    const env: Record<string, string | undefined> = { ...process.env, SOURCE_DATE_EPOCH: '0' };
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env,
      stdio: [stdio.stdin ?? 'ignore', stdio.stdout ?? 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stderr }));
    onSpawn?.(child);
  });
}

describe.concurrent('stdout errors: one line, exit 2; run() never throws', () => {
  it('a full disk on stdout (/dev/full) is one line and exit 2, never the --fail-on status', async () => {
    for (const format of ['markdown', 'json', 'sarif']) {
      const fd = openSync('/dev/full', 'w');
      try {
        const r = await spawnCli(['analyze', '--fail-on', 'low', '-f', format, file('cron.ndjson')], { stdout: fd });
        expect(r.code).toBe(2);
        expect(r.stderr).toBe('tripline: cannot write to stdout: no space left on device\n');
      } finally {
        closeSync(fd);
      }
    }
  });

  it('run() returns 2 on a Writable that errors, and leaves no unhandled error event', async () => {
    const stdout = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      },
    });
    let stderr = '';
    const errStream = new Writable({
      write(chunk, _encoding, callback) {
        stderr += String(chunk);
        callback();
      },
    });
    const code = await run(['analyze', '--fail-on', 'low', file('cron.ndjson')], {
      stdin: process.stdin,
      stdout,
      stderr: errStream,
      env: {},
    });
    await new Promise((r) => setTimeout(r, 50)); // let the stream's error event fire
    expect(code).toBe(2);
    expect(stderr).toBe('tripline: cannot write to stdout: no space left on device\n');
    expect(stdout.destroyed).toBe(true);
  });

  it('run() keeps its exit status when stderr itself fails', async () => {
    const failing = () =>
      new Writable({
        write(_chunk, _encoding, callback) {
          callback(Object.assign(new Error('EBADF: bad file descriptor, write'), { code: 'EBADF' }));
        },
      });
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const code = await run(['analyze', '--fail-on', 'low', file('cron.ndjson')], {
      stdin: process.stdin,
      stdout: sink,
      stderr: failing(),
      env: {},
    });
    expect(code).toBe(1);
    expect(
      await run(['analyze', file('nope.ndjson')], { stdin: process.stdin, stdout: sink, stderr: failing(), env: {} }),
    ).toBe(2);
  });

  it('the --fail-on status survives a reader that closes stdout early (| head), in every format', async () => {
    for (const format of ['markdown', 'json', 'sarif']) {
      const r = await spawnCli(['analyze', '--fail-on', 'low', '-f', format, file('flood2k.ndjson')], {}, (child) => {
        child.stdout?.once('data', () => child.stdout?.destroy());
      });
      expect(r.code, format).toBe(1);
      expect(r.stderr, format).toMatch(/^tripline: failing: 2,000 alerts at or above low \(--fail-on low\)$/m);
      expect(r.stderr, format).not.toMatch(/\n\s+at /);
    }
  });
});

describe('reports written as streams', () => {
  it('writes a large report to stdout in bounded writes, waiting for a slow reader (back-pressure)', async () => {
    let most = 0;
    let writes = 0;
    const received: Buffer[] = [];
    const stdout = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        most = Math.max(most, this.writableLength);
        writes++;
        received.push(chunk);
        setTimeout(callback, 0);
      },
    });
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    for (const format of ['markdown', 'json']) {
      received.length = 0;
      writes = 0;
      most = 0;
      const code = await run(
        ['analyze', '-q', '-f', format, '--generated-at', '2025-11-12T09:00:36Z', file('flood2k.ndjson')],
        {
          stdin: process.stdin,
          stdout,
          stderr: sink,
          env: {},
        },
      );
      expect(code).toBe(0);
      const text = Buffer.concat(received).toString('utf8');
      expect(text.length, format).toBeGreaterThan(2_000_000);
      // Many writes, none holding more than one batch (64 K characters) in the stream's buffer.
      expect(writes, format).toBeGreaterThan(20);
      expect(most, format).toBeLessThanOrEqual(4 * 64 * 1024);
      const direct = await tripline([
        'analyze',
        '-q',
        '-f',
        format,
        '--generated-at',
        '2025-11-12T09:00:36Z',
        file('flood2k.ndjson'),
      ]);
      expect(text === direct.stdout, format).toBe(true);
    }
  });

  it('--compact writes the JSON report on one line (the same value), to stdout and to --output', async () => {
    const pretty = await tripline([
      'analyze',
      '-f',
      'json',
      '--generated-at',
      '2025-11-12T09:00:36Z',
      file('cron.ndjson'),
    ]);
    const compact = await tripline([
      'analyze',
      '-f',
      'json',
      '--compact',
      '--generated-at',
      '2025-11-12T09:00:36Z',
      file('cron.ndjson'),
    ]);
    expect(compact.code).toBe(0);
    expect(compact.stdout).toBe(`${JSON.stringify(JSON.parse(pretty.stdout))}\n`);
    expect(compact.stdout.trimEnd()).not.toContain('\n');
    const out = join(tempDir(), 'report.json');
    const saved = join(tempDir(), 'saved.json');
    writeFileSync(saved, pretty.stdout);
    const rendered = await tripline(['render', saved, '-f', 'json', '--compact', '-o', out]);
    expect(rendered.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(compact.stdout);
  });

  it('--compact with another format is a usage error (exit 2)', async () => {
    const r = await tripline(['analyze', '-f', 'markdown', '--compact', file('cron.ndjson')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('tripline: --compact applies to --format json, not markdown\n');
  });
});

describe.concurrent('--output', () => {
  it('replaces an existing file atomically and keeps its mode', async () => {
    const out = join(tempDir(), 'report.md');
    writeFileSync(out, 'previous report\n', { mode: 0o600 });
    const r = await tripline(['analyze', '-o', out, file('cron.ndjson')]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^# /);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(out, '..'))).toEqual(['report.md']);
  });

  it('through a symbolic link: the target is replaced atomically, the link stays', async () => {
    const folder = tempDir({ 'victim.json': '{"previous":"report"}\n' });
    symlinkSync('victim.json', join(folder, 'lnk.json'));
    const r = await tripline(['analyze', '-f', 'json', '-o', join(folder, 'lnk.json'), file('cron.ndjson')]);
    expect(r.code).toBe(0);
    expect(lstatSync(join(folder, 'lnk.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(folder, 'victim.json'), 'utf8')).summary.eventsAnalyzed).toBe(1);
    expect(readdirSync(folder).sort()).toEqual(['lnk.json', 'victim.json']);
  });

  it('a dangling symbolic link is refused', async () => {
    const folder = tempDir();
    symlinkSync('nowhere/report.md', join(folder, 'dangling.md'));
    const r = await tripline(['analyze', '-o', join(folder, 'dangling.md'), file('cron.ndjson')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^tripline: cannot write .*dangling\.md: it is a symbolic link to a file that does not exist\n$/,
    );
  });

  it('naming an input (same path, a symbolic link or a hard link to it) is refused before reading', async () => {
    const folder = tempDir({ 'events.ndjson': `${cronLogon('1', '2025-03-04T11:17:01Z')}\n` });
    const input = join(folder, 'events.ndjson');
    const before = readFileSync(input, 'utf8');
    symlinkSync('events.ndjson', join(folder, 'sym.ndjson'));
    linkSync(input, join(folder, 'hard.ndjson'));
    for (const out of [
      input,
      join(folder, 'sym.ndjson'),
      join(folder, 'hard.ndjson'),
      join(folder, '.', 'events.ndjson'),
    ]) {
      const r = await tripline(['analyze', '-o', out, file('cron.ndjson'), input]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^tripline: refusing to write the report to .*: it is the input .*events\.ndjson \(the report would replace the events it is about\)\n$/,
      );
      expect(readFileSync(input, 'utf8')).toBe(before);
    }
  });

  it('an output folder that cannot exist is reported before reading (stdin left open)', async () => {
    // A path under a file: ENOTDIR. stdin stays open: the run would wait for it if it read anything.
    const r = await spawnCli(['analyze', '-o', join(file('cron.ndjson'), 'report.md'), '-'], { stdin: 'pipe' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tripline: cannot write .*report\.md: a part of the path is not a directory\n$/);
  });

  it('an output folder that is not writable is reported before the analysis (checked with access W_OK)', async () => {
    // Tests run as root, for whom a 0555 folder is writable: the check is exercised with an injected fs.
    const denied = Object.assign(new Error('EACCES: permission denied, access'), { code: 'EACCES' });
    const fs: OutputFs = {
      stat: async (path) => {
        if (path === '/reports') {
          return { isFile: () => false, isDirectory: () => true, dev: 1, ino: 2, mode: 0o40555, uid: 0, gid: 0 };
        }
        throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      },
      lstat: async () => {
        throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      },
      realpath: async (p) => p,
      access: async () => {
        throw denied;
      },
    };
    await expect(planOutput('/reports/r.md', [], fs)).rejects.toThrow(
      'cannot write /reports/r.md: the folder /reports is not writable (permission denied)',
    );
  });

  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} while the report is being written leaves neither a half report nor a temporary file`, async () => {
      const folder = tempDir({ 'victim.json': '{"previous":"report"}\n' });
      symlinkSync('victim.json', join(folder, 'lnk.json'));
      let sent = false;
      const r = await spawnCli(
        ['analyze', '-q', '-f', 'json', '-o', join(folder, 'lnk.json'), file('flood8k.ndjson')],
        {},
        (child) => {
          const poll = () => {
            if (child.exitCode !== null) return;
            if (readdirSync(folder).some((n) => n.endsWith('.tmp'))) {
              sent = true;
              child.kill(signal);
              return;
            }
            setImmediate(poll);
          };
          poll();
        },
      );
      expect(sent).toBe(true);
      expect(r.code).toBe(status);
      expect(readdirSync(folder).sort()).toEqual(['lnk.json', 'victim.json']);
      expect(lstatSync(join(folder, 'lnk.json')).isSymbolicLink()).toBe(true);
      const text = readFileSync(join(folder, 'victim.json'), 'utf8');
      expect(text).toBe('{"previous":"report"}\n');
    });
  }
});

describe('--output /dev/stdout', () => {
  it('writes through to the file stdout is redirected to (appending with >>), instead of replacing it', async () => {
    const out = join(tempDir({ 'log.txt': 'previous line\n' }), 'log.txt');
    const fd = openSync(out, 'a');
    try {
      const r = await spawnCli(['analyze', '-f', 'json', '-o', '/dev/stdout', file('cron.ndjson')], { stdout: fd });
      expect(r.code).toBe(0);
    } finally {
      closeSync(fd);
    }
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith('previous line\n{')).toBe(true);
    expect(JSON.parse(text.slice('previous line\n'.length)).summary.eventsAnalyzed).toBe(1);
  });
});
