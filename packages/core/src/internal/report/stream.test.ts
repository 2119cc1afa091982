import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isTriplineError } from '../errors.js';
import { parseJsonReport, stringifyReport, toJsonReport } from './json.js';
import { jsonReportChunks, writeChunks } from './stream.js';
import type { AnalysisResult } from './types.js';

const GOLDEN = new URL('../../../../../test/golden/wazuh1.report.json', import.meta.url);
const goldenText = readFileSync(GOLDEN, 'utf8');
const golden = (): AnalysisResult => parseJsonReport(JSON.parse(goldenText));

/** A sink that records every write and can hold its buffer "full" until told to drain. */
class SlowSink extends Writable {
  readonly writes: string[] = [];
  constructor(highWaterMark: number) {
    super({ highWaterMark, decodeStrings: false });
  }
  override _write(chunk: string, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes.push(String(chunk));
    setTimeout(callback, 1);
  }
}

describe('jsonReportChunks', () => {
  it('joined, is the golden report byte for byte', () => {
    const chunks = [...jsonReportChunks(golden())];
    expect(chunks.join('')).toBe(goldenText);
    expect(stringifyReport(golden())).toBe(goldenText);
    // The same as the whole object stringified at once.
    expect(chunks.join('')).toBe(`${JSON.stringify(toJsonReport(golden()), null, 2)}\n`);
  });

  it('is byte-identical to JSON.stringify for empty lists, a result without alerts, and keys out of order', () => {
    const g = golden();
    const empty: AnalysisResult = { ...g, alerts: [], findings: [], devices: [], detectors: [] };
    expect(stringifyReport(empty)).toBe(`${JSON.stringify(toJsonReport(empty), null, 2)}\n`);
    const reversed = Object.fromEntries(Object.entries(g).reverse()) as unknown as AnalysisResult;
    expect(stringifyReport(reversed)).toBe(goldenText);
  });

  it('gathers list items into chunks of about 64 K characters, not one chunk per alert', () => {
    const g = golden();
    // Many alerts (copies of the golden's, ids made distinct), so that the report spans many chunks.
    const alerts = Array.from({ length: 300 }, (_, i) => ({ ...g.alerts[i % g.alerts.length]!, id: `tl-${i}` }));
    const big: AnalysisResult = { ...g, alerts };
    const largest = Math.max(...alerts.map((a) => JSON.stringify([[a]], null, 2).length));
    for (const compact of [false, true]) {
      const chunks = [...jsonReportChunks(big, { compact })];
      const text = compact ? JSON.stringify(toJsonReport(big)) : JSON.stringify(toJsonReport(big), null, 2);
      expect(chunks.join('')).toBe(`${text}\n`);
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.length).toBeLessThan(alerts.length / 4);
      for (const chunk of chunks.slice(0, -1)) {
        expect(chunk.length).toBeGreaterThanOrEqual(64 * 1024);
        expect(chunk.length).toBeLessThan(64 * 1024 + largest + 1024);
      }
    }
  });

  it('compact: one line and a newline, the same value', () => {
    const text = stringifyReport(golden(), { compact: true });
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.slice(0, -1)).not.toContain('\n');
    expect(text).toBe(`${JSON.stringify(JSON.parse(goldenText))}\n`);
    expect(text.length).toBeLessThan(goldenText.length * 0.8);
  });

  it('throws report-invalid naming the field, the list item included, and an unknown top-level key', () => {
    const g = golden();
    const bad = { ...g, findings: [g.findings[0], { ...g.findings[1], devices: 0 }] } as unknown as AnalysisResult;
    let error: unknown;
    try {
      stringifyReport(bad);
    } catch (e) {
      error = e;
    }
    expect(isTriplineError(error, 'report-invalid')).toBe(true);
    expect((error as Error).message).toMatch(/: findings\[1\]\.devices: /);
    expect(() => stringifyReport({ ...g, extra: 1 } as unknown as AnalysisResult)).toThrow(/Unrecognized key: "extra"/);
    const { findings: _, ...noFindings } = g;
    expect(() => stringifyReport(noFindings as AnalysisResult)).toThrow(/: findings: /);
  });
});

describe('writeChunks', () => {
  it('writes every chunk, in order, gathered into writes, waiting for drain when the buffer is full', async () => {
    const sink = new SlowSink(1024);
    let waited = 0;
    sink.on('drain', () => waited++);
    const chunks = Array.from({ length: 400 }, (_, i) => `${String(i).padStart(4, '0')}${'x'.repeat(996)}`);
    await writeChunks(chunks, sink);
    expect(sink.writes.join('')).toBe(chunks.join(''));
    // 400 KB in writes of ~64 K characters, each over the 1 KB high-water mark: a drain after each.
    expect(sink.writes.length).toBeGreaterThanOrEqual(6);
    expect(sink.writes.length).toBeLessThanOrEqual(8);
    expect(waited).toBeGreaterThanOrEqual(sink.writes.length - 1);
    expect(sink.writableLength).toBe(0);
  });

  it('gathers up to the batch size given', async () => {
    const sink = new SlowSink(1 << 20);
    const chunks = Array.from({ length: 100 }, () => 'b'.repeat(1000));
    await writeChunks(chunks, sink, { batch: 10_000 });
    expect(sink.writes.map((w) => w.length)).toEqual(Array.from({ length: 10 }, () => 10_000));
  });

  it('never lets more than one batch wait in the stream buffer (back-pressure)', async () => {
    const sink = new SlowSink(16);
    let most = 0;
    const chunks = function* () {
      for (let i = 0; i < 50; i++) {
        most = Math.max(most, sink.writableLength);
        yield 'y'.repeat(10_000);
      }
    };
    await writeChunks(chunks(), sink);
    expect(sink.writes.join('').length).toBe(500_000);
    expect(most).toBeLessThanOrEqual(70_000);
  });

  it('rejects with the first write error and stops reading the chunks', async () => {
    let read = 0;
    const failing = new Writable({
      highWaterMark: 16,
      write(_chunk, _enc, callback) {
        callback(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      },
    });
    failing.on('error', () => undefined);
    const chunks = function* () {
      for (let i = 0; i < 100; i++) {
        read++;
        yield 'z'.repeat(70_000);
      }
    };
    await expect(writeChunks(chunks(), failing)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(read).toBeLessThan(5);
  });

  it('rejects with the error a chunk generator throws, and takes a plain object with write(chunk, callback)', async () => {
    const boom = function* () {
      yield 'a';
      throw new Error('generator failed');
    };
    await expect(writeChunks(boom(), new SlowSink(16))).rejects.toThrow('generator failed');
    let out = '';
    await writeChunks(['a', 'b', 'c'], {
      write(chunk: string, callback?: (error?: Error | null) => void) {
        out += chunk;
        callback?.();
        return true;
      },
    });
    expect(out).toBe('abc');
  });
});
