import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, ROOT, tempDir, tripline } from './helpers.js';

// One run of a few seconds of analysis plus the SARIF size search on a 30 MB log.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

let dir: string;

/**
 * 800 exec-replacement alerts of 10 events each, whose command lines, folders and account names are
 * random text (which compresses badly): the SARIF log is over GitHub's 10 MB gzip-compressed limit,
 * so the log keeps only a part of the alerts.
 */
function alertDense(): string {
  let seed = 7;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-.:@%';
  const word = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) {
      // mulberry32: a small seeded generator whose output does not compress.
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      s += alphabet[((t ^ (t >>> 14)) >>> 0) % alphabet.length];
    }
    return s;
  };
  const lines: string[] = [];
  let n = 0;
  for (let k = 0; k < 800; k++) {
    for (let j = 0; j < 10; j++) {
      n++;
      const properties = {
        Timestamp: `2025-11-07T06:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}.${String(n).padStart(7, '0')}Z`,
        DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
        DeviceName: 'h1',
        ActionType: 'ProcessCreated',
        ReportId: n,
        FileName: `tool${k}`,
        FolderPath: `/usr/bin/tool${k}/${word(1000)}`,
        SHA256: word(64),
        AccountName: word(200),
        ProcessId: 4000 + n,
        InitiatingProcessId: 4000 + n,
        InitiatingProcessFileName: 'dash',
        InitiatingProcessFolderPath: '/usr/bin/dash',
        ProcessCommandLine: `tool${k} --token ${word(1000)}`,
        InitiatingProcessCommandLine: `/bin/sh -c 'tool${k} ${word(1000)}'`,
      };
      lines.push(JSON.stringify({ category: 'AdvancedHunting-DeviceProcessEvents', properties }));
    }
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(() => {
  assertBuilt();
  dir = tempDir();
  writeFileSync(join(dir, 'dense.ndjson'), alertDense());
  // Every event of every alert, whole rows, as evidence (the default keeps 5, trimmed): the log must outgrow the limit.
  writeFileSync(join(dir, 'all-evidence.json'), JSON.stringify({ evidence: { sample: 10, rows: 'full' } }));
});

describe('tripline analyze --format sarif: a cut log is never silent', () => {
  it('says on stderr (even with --quiet) and in the file how many of the alerts the log holds', async () => {
    const out = join(dir, 'report.sarif');
    const [loud, quiet] = await Promise.all([
      tripline(['analyze', '-f', 'sarif', '-c', join(dir, 'all-evidence.json'), '-o', out, join(dir, 'dense.ndjson')]),
      tripline(['analyze', '-q', '-f', 'sarif', '-c', join(dir, 'all-evidence.json'), join(dir, 'dense.ndjson')]),
    ]);
    expect(loud.code).toBe(0);
    const log = JSON.parse(readFileSync(out, 'utf8'));
    const run = log.runs[0];
    const kept = run.results.length as number;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(800);
    expect(run.properties.tripline).toMatchObject({
      alertsInLog: kept,
      alertsTotal: 800,
      alertsLeftOut: 800 - kept,
      alertsLeftOutReason: 'limit of 10000000 bytes of gzip-compressed SARIF',
    });
    expect(run.invocations[0].toolExecutionNotifications[0].descriptor.id).toBe('tripline/results-cut');
    const warning = `tripline: warning: the SARIF log holds ${kept} of 800 alerts (limit of 10000000 bytes of gzip-compressed SARIF); it keeps the highest severities, and the JSON and Markdown reports list every alert`;
    expect(loud.stderr.split('\n')).toContain(warning);
    expect(loud.stderr).toMatch(
      new RegExp(`; 800 alerts \\(800 medium\\), of which the SARIF log holds ${kept}; report written to `),
    );
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe(`${warning}\n`);
  });

  it('says so too when the reader closes stdout before the end of the log (| head)', async () => {
    type Run = (argv: readonly string[], io: object) => Promise<number>;
    const { run } = (await import(pathToFileURL(`${ROOT}/packages/cli/dist/index.js`).href)) as { run: Run };
    let writes = 0;
    const stdout = new Writable({
      write(_chunk, _encoding, callback) {
        writes++;
        callback(Object.assign(new Error('EPIPE: broken pipe, write'), { code: 'EPIPE' }));
      },
    });
    let stderr = '';
    const errStream = new Writable({
      write(chunk, _encoding, callback) {
        stderr += String(chunk);
        callback();
      },
    });
    const code = await run(
      ['analyze', '-q', '-f', 'sarif', '-c', join(dir, 'all-evidence.json'), join(dir, 'dense.ndjson')],
      {
        stdin: process.stdin,
        stdout,
        stderr: errStream,
        env: {},
      },
    );
    expect(code).toBe(0);
    expect(writes).toBeGreaterThan(0);
    expect(stderr).toMatch(
      /^tripline: warning: the SARIF log holds \d+ of 800 alerts \(limit of 10000000 bytes of gzip-compressed SARIF\); it keeps the highest severities, and the JSON and Markdown reports list every alert\n$/,
    );
  });
});
