/**
 * Terminal output of the CLI (built: packages/cli/dist) never carries control sequences from event
 * data or file names: no ESC, no C0/C1 control except LF, no bidi override. The CLI's own
 * progress-line redraw (`\r` + `ESC[K`) is the one sequence it writes, and is removed before checking.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type AnalysisResult, analyze, fromString } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
// The built CLI, as users run it (the brief: `node packages/cli/dist/cli.js`).
import { formatProgress, run, summaryLine } from '../../packages/cli/dist/index.js';
import { terminalProblems } from './support/checks.js';
import { FRAGMENTS, hostileText, RUNS, SEED } from './support/payloads.js';
import { CORPUS_DIR, REPO_ROOT } from './support/rows.js';

const CLI = join(REPO_ROOT, 'packages/cli/dist/cli.js');
const REDRAW = /\r\u001b\[K/g;
const tmp = mkdtempSync(join(tmpdir(), 'tripline-hardening-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A fake terminal: a TTY stderr that records what is written. */
function terminal(): { stream: Writable & { isTTY: boolean; columns: number }; text: () => string } {
  let out = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    }),
    { isTTY: true, columns: 120 },
  );
  return { stream, text: () => out };
}

describe('terminal output', () => {
  it('the progress line is clean for any input name and figures', () => {
    fc.assert(
      fc.property(hostileText, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 400 }), (source, bytes, rows, columns) => {
        const line = formatProgress(
          {
            source,
            bytesRead: bytes,
            totalBytes: bytes + 1,
            rowsRead: rows,
            eventsRejected: rows % 7,
            elapsedMs: 1234,
          },
          columns,
        );
        expect(terminalProblems(line)).toEqual([]);
        expect(line).not.toContain('\n');
      }),
      { numRuns: RUNS.light, seed: SEED },
    );
  });

  it('the summary line is clean for any output path', async () => {
    const result: AnalysisResult = await analyze(fromString('', 'empty'), { detectors: defenderDetectors });
    fc.assert(
      fc.property(hostileText, (output) => {
        expect(terminalProblems(summaryLine(result, 12, output))).toEqual([]);
      }),
      { numRuns: RUNS.light, seed: SEED },
    );
  });

  // File names carry the payloads (a name may hold any byte but `/` and NUL), the files carry hostile rows.
  const names = [...FRAGMENTS.ansi, ...FRAGMENTS.invisible, ...FRAGMENTS.breaks]
    .map((f) => f.replace(/[/\u0000]/g, '_'))
    .filter((f) => !/[\ud800-\udfff]/.test(f) && f.trim() !== '');
  const files = [
    'ansi-escapes.ndjson',
    'bidi-zero-width.ndjson',
    'nul-bytes.ndjson',
    'invalid-utf8.ndjson',
    'prototype-keys.ndjson',
  ];

  it.each(files)(
    '`tripline analyze` on %s under a hostile file name: stderr (progress, diagnostics, summary) is clean',
    async (file) => {
      for (const [i, name] of names.entries()) {
        const path = join(tmp, `${i}-${name}.ndjson`);
        copyFileSync(join(CORPUS_DIR, file), path);
        const err = terminal();
        const out = terminal();
        const code = await run(['analyze', path, '--format', 'json', '--output', join(tmp, `out-${name}.json`)], {
          stdin: process.stdin,
          stdout: out.stream,
          stderr: err.stream,
          env: {},
        });
        expect(code).toBe(0);
        const stderr = err.text().replace(REDRAW, '');
        expect(stderr).toContain('tripline:');
        expect(terminalProblems(stderr), `${file} as ${JSON.stringify(name)}`).toEqual([]);
      }
    },
    120_000,
  );

  it('Markdown written to the terminal (stdout) is clean', async () => {
    for (const file of files) {
      const out = terminal();
      const err = terminal();
      const code = await run(['analyze', join(CORPUS_DIR, file)], {
        stdin: process.stdin,
        stdout: out.stream,
        stderr: err.stream,
        env: {},
      });
      expect(code).toBe(0);
      // Markdown keeps its line breaks; nothing else may be a control character.
      expect(terminalProblems(out.text()), file).toEqual([]);
    }
  }, 120_000);

  it('`tripline detectors` lists the detectors without control characters', () => {
    const child = spawnSync(process.execPath, [CLI, 'detectors'], { encoding: 'utf8', timeout: 30_000 });
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/defender\//);
    expect(terminalProblems(child.stdout)).toEqual([]);
    expect(terminalProblems(child.stderr)).toEqual([]);
  });
});
