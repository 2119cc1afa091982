/**
 * What an event keeps of its input: values that outlive a row (ids, times, command lines held by
 * alerts) must not keep the line, chunk or record text they were read from alive. Each input here
 * is about 30 MB of rows with a 20 KB column nobody keeps; only short values are held afterwards.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { fromIterable, ingest } from './index.js';

const ROWS = 1500;
const DEVICE = '5e1f3c0a9b8d7e6f5a4b3c2d1e0f9a8b7c6d';
const PAD = 'p'.repeat(20_000);

/** Held values, and the heap they keep after a full collection (bytes). */
async function retainedBy(chunks: Iterable<string>): Promise<{ held: string[]; retained: number }> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const held: string[] = [];
  gc();
  const before = process.memoryUsage().heapUsed;
  const stats = await ingest(fromIterable(chunks, 'input'), {
    event: (e) => {
      held.push(e.deviceId, e.str('FolderPath')!, e.reportId!);
    },
    rejected: () => undefined,
  });
  expect(stats.events).toBe(ROWS);
  gc();
  return { held, retained: process.memoryUsage().heapUsed - before };
}

describe('values do not keep their input alive', () => {
  it('NDJSON with a ReportId beyond 2^53 on every row (one chunk per line)', async () => {
    function* lines(): Generator<string> {
      for (let i = 0; i < ROWS; i++)
        yield `{"Timestamp":"2026-03-14T09:26:53.1234567Z","DeviceId":"${DEVICE}${String(i).padStart(4, '0')}","DeviceName":"web-01.contoso.example","ActionType":"ProcessCreated","FileName":"bash","FolderPath":"/usr/bin/bash-${i}","ProcessCommandLine":"${PAD}","ReportId":${700000000000000000n + BigInt(i)}}\n`;
    }
    const { held, retained } = await retainedBy(lines());
    expect(held[2]).toBe('700000000000000000');
    expect(retained).toBeLessThan(5e6);
  });

  it('CSV (one chunk per record)', async () => {
    function* records(): Generator<string> {
      yield 'Timestamp,DeviceId,DeviceName,ActionType,FileName,FolderPath,ProcessCommandLine,ReportId\n';
      for (let i = 0; i < ROWS; i++)
        yield `2026-03-14T09:26:53.1234567Z,${DEVICE}${String(i).padStart(4, '0')},web-01.contoso.example,ProcessCreated,bash,/usr/bin/bash-${i},${PAD},${700000000000000000n + BigInt(i)}\n`;
    }
    const { held, retained } = await retainedBy(records());
    expect(held[0]).toBe(`${DEVICE}0000`);
    expect(retained).toBeLessThan(5e6);
  });
});
