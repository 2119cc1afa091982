import { Writable } from 'node:stream';
import { stringifyReport } from '@tripline/core';
import { renderMarkdown } from '@tripline/reporter-markdown';
import { stringifySarif, toSarif } from '@tripline/reporter-sarif';
import { describe, expect, it } from 'vitest';
import { goldenResult } from '../../../test/golden/golden.js';
import { writeReport } from '../src/index.js';

/** A slow sink with a small buffer: every write waits for a drain. */
function sink(): { stream: Writable; text: () => string; writes: () => number } {
  const parts: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: 256,
    write(chunk: Buffer, _enc, callback) {
      parts.push(chunk);
      setTimeout(callback, 0);
    },
  });
  return { stream, text: () => Buffer.concat(parts).toString('utf8'), writes: () => parts.length };
}

describe('writeReport', () => {
  it('writes the bytes of the string functions, in every format (JSON by default)', async () => {
    const result = goldenResult();
    const cases: [Parameters<typeof writeReport>[2], string][] = [
      [undefined, stringifyReport(result)],
      [{ format: 'json', compact: true }, stringifyReport(result, { compact: true })],
      [{ format: 'markdown' }, renderMarkdown(result)],
      [{ format: 'markdown', markdown: { compact: true } }, renderMarkdown(result, { compact: true })],
      [{ format: 'sarif' }, stringifySarif(toSarif(result))],
    ];
    for (const [options, expected] of cases) {
      const s = sink();
      await writeReport(result, s.stream, options);
      expect(s.text(), JSON.stringify(options)).toBe(expected);
      expect(s.stream.writableEnded).toBe(false);
    }
  });

  it('rejects with the stream error', async () => {
    const failing = new Writable({
      write(_chunk, _enc, callback) {
        callback(Object.assign(new Error('EPIPE: broken pipe, write'), { code: 'EPIPE' }));
      },
    });
    failing.on('error', () => undefined);
    await expect(writeReport(goldenResult(), failing, { format: 'markdown' })).rejects.toMatchObject({ code: 'EPIPE' });
  });
});
