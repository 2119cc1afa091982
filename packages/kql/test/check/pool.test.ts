/**
 * checkKqlAll from the sources: no worker script beside them, so the queries are checked in this thread,
 * with checkKql's answers in the order of the queries. The worker threads themselves are exercised
 * from the built package by the CLI's export tests (packages/cli/test/export-kql.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { checkKql, checkKqlAll, checkWorkerCount, QUERIES_PER_WORKER } from '../../src/index.js';

describe('checkKqlAll', () => {
  it('answers each query at its index, as checkKql does, options included', async () => {
    const jobs = [
      { text: 'DeviceProcessEvents | where FileNme =~ "lsof"' },
      { text: 'DeviceProcessEvents | take 1' },
      { text: 'DeviceProcessEvents | project FileName', options: { require: ['Timestamp'] } },
      { text: 'DeviceProcesEvents | take 1' },
    ];
    const all = await checkKqlAll(jobs, { workers: 4 });
    expect(all).toEqual(jobs.map((j) => checkKql(j.text, j.options ?? {})));
    expect(all.map((d) => d.map((x) => x.code))).toEqual([['KS142'], [], ['TL-COLUMNS'], ['KS204']]);
  });

  it('starts two or more workers only when each has enough queries', () => {
    expect(checkWorkerCount(10, 8)).toBe(0);
    expect(checkWorkerCount(QUERIES_PER_WORKER * 2, 8)).toBe(2);
    expect(checkWorkerCount(QUERIES_PER_WORKER * 2 - 1, 8)).toBe(0);
    expect(checkWorkerCount(QUERIES_PER_WORKER * 100, 3)).toBe(3);
    expect(checkWorkerCount(QUERIES_PER_WORKER * 100, 1)).toBe(0);
  });
});
