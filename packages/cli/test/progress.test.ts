import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { formatProgress, ProgressLine } from '../src/internal/progress.js';
import { assertBuilt, CLI, cronLogon, tempDir } from './helpers.js';

// Each test starts Node processes; a loaded CI machine needs more than vitest's 5 s default.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

describe('progress line', () => {
  const state = {
    source: 'events.ndjson',
    bytesRead: 5_000_000,
    totalBytes: 20_000_000,
    rowsRead: 12_345,
    eventsRejected: 2,
    elapsedMs: 2_000,
  };

  it('shows bytes, events, rate and ETA for inputs of known size', () => {
    const line = formatProgress(state, 200);
    expect(line).toContain('events.ndjson');
    expect(line).toContain(' 25%');
    expect(line).toContain('5.0 MB / 20.0 MB');
    expect(line).toContain('12,345 events (2 rejected)');
    expect(line).toContain('6,173/s');
    expect(line).toContain('ETA 0:06');
  });

  it('has no percentage or ETA when the size is unknown (stdin)', () => {
    const { totalBytes: _, ...noTotal } = state;
    const line = formatProgress({ ...noTotal, source: 'stdin' }, 200);
    expect(line).not.toMatch(/%|ETA/);
    expect(line).toContain('5.0 MB');
  });

  it('fits narrow terminals and shows hostile file names safely', () => {
    for (const columns of [30, 50, 80]) {
      expect(formatProgress(state, columns).length).toBeLessThan(columns);
    }
    const line = formatProgress({ ...state, source: 'evil\u001b[2J\u202e.ndjson' }, 200);
    expect(line).not.toMatch(/[\u001b\u202e]/);
    expect(line).toContain('⟪U+001B⟫');
  });

  it('redraws at most every 100 ms and erases itself', () => {
    let now = 0;
    const writes: string[] = [];
    const bar = new ProgressLine({ write: (s: string) => writes.push(s) > 0, isTTY: true, columns: 100 }, () => now);
    bar.update(state);
    now = 50;
    bar.update(state);
    now = 120;
    bar.update(state);
    expect(writes).toHaveLength(2);
    bar.clear();
    expect(writes.at(-1)).toBe('\r\u001b[K');
    bar.clear();
    expect(writes).toHaveLength(3);
  });
});

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasScript)('progress on a terminal', () => {
  it('draws on a TTY stderr and clears the line before the summary', () => {
    assertBuilt();
    const lines = Array.from({ length: 2000 }, (_, i) =>
      cronLogon(String(10_000 + i), new Date(Date.UTC(2025, 2, 4, 0, 0, i)).toISOString()),
    );
    const dir = tempDir({ 'many.ndjson': `${lines.join('\n')}\n` });
    const out = join(dir, 'report.json');
    // `script` runs the command on a pseudo-terminal: stdout and stderr are both TTYs.
    const typescript = execFileSync(
      'script',
      ['-qec', `${process.execPath} ${CLI} analyze -f json -o ${out} ${join(dir, 'many.ndjson')}`, '/dev/null'],
      {
        encoding: 'utf8',
      },
    );
    expect(typescript).toContain('\r\u001b[K');
    expect(typescript).toMatch(/many\.ndjson {2}(\[[█░]+\] )?[ \d]{3}% · /);
    const afterClear = typescript.slice(typescript.lastIndexOf('\r\u001b[K') + 4);
    expect(afterClear).toMatch(/^tripline: 2,000 events read/);
    expect(JSON.parse(readFileSync(out, 'utf8')).summary.eventsRead).toBe(2000);
  });
});
