import { describe, expect, it } from 'vitest';
import { sarifResultCount, toSarif } from '../src/index.js';
import { manyDevices, result, wazuh1 } from './fixtures.js';

describe('sarifResultCount: how many alerts a log holds, so that a caller can say it', () => {
  it('says how many of the alerts were kept and why, when the result-count limit cuts', () => {
    const log = toSarif(manyDevices(30), { limits: { maxResults: 10 } });
    expect(sarifResultCount(log)).toEqual({ kept: 10, total: 30, reason: 'limit of 10 results per run' });
    expect(log.runs[0]!.properties?.tripline).toMatchObject({
      alertsInLog: 10,
      alertsLeftOut: 20,
      alertsTotal: 30,
      alertsLeftOutReason: 'limit of 10 results per run',
    });
  });

  it('says so when the gzip size limit cuts', () => {
    const log = toSarif(manyDevices(40), { limits: { maxGzipBytes: 6_000 } });
    const count = sarifResultCount(log);
    expect(count.total).toBe(40);
    expect(count.kept).toBe(log.runs[0]!.results!.length);
    expect(count.kept).toBeLessThan(40);
    expect(count.reason).toBe('limit of 6000 bytes of gzip-compressed SARIF');
  });

  it('reports every alert kept, and no reason, when nothing was cut', () => {
    const all = wazuh1();
    expect(sarifResultCount(toSarif(all))).toEqual({ kept: all.alerts.length, total: all.alerts.length });
    expect(sarifResultCount(toSarif(result([])))).toEqual({ kept: 0, total: 0 });
  });
});
