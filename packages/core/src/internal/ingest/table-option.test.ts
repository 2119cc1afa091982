import { describe, expect, it } from 'vitest';
import { isTriplineError } from '../errors.js';
import { fromFile, fromString, ingest } from './index.js';
import type { RejectedRow } from './types.js';

const AH_API = new URL('./fixtures/ref-ah-api.json', import.meta.url).pathname;

async function read(source: Parameters<typeof ingest>[0], options: Parameters<typeof ingest>[2] = {}) {
  const events: { table: string; reportId: string | undefined }[] = [];
  const rejected: RejectedRow[] = [];
  const stats = await ingest(
    source,
    { event: (e) => events.push({ table: e.table, reportId: e.reportId }), rejected: (r) => rejected.push(r) },
    options,
  );
  return { stats, events, rejected };
}

describe('the table option', () => {
  it('reads a single-table API answer whose columns are too few to infer the table', async () => {
    const inferred = await read(fromFile(AH_API));
    expect(inferred.events).toHaveLength(0);
    expect(inferred.rejected.map((r) => r.code)).toEqual(['ambiguous-table', 'ambiguous-table']);

    const told = await read(fromFile(AH_API), { table: 'DeviceProcessEvents' });
    expect(told.stats).toMatchObject({ format: 'ah-api', rowsRead: 2, events: 2, rejected: 0 });
    expect(told.events.map((e) => e.table)).toEqual(['DeviceProcessEvents', 'DeviceProcessEvents']);
  });

  it('never overrides a table the row names itself', async () => {
    const record = JSON.stringify({
      category: 'AdvancedHunting-DeviceLogonEvents',
      properties: {
        Timestamp: '2025-11-07T06:45:01.943018Z',
        DeviceId: 'd',
        DeviceName: 'n',
        ActionType: 'LogonSuccess',
        ReportId: 'BIG',
      },
    }).replace('"BIG"', '639199803770463703'); // a bare integer beyond 2^53, as Defender writes it
    const typed = JSON.stringify([
      { Type: 'DeviceInfo', Timestamp: '2025-11-07T06:46:02Z', DeviceId: 'd', DeviceName: 'n', ReportId: 5 },
    ]);
    const a = await read(fromString(record), { table: 'DeviceProcessEvents' });
    const b = await read(fromString(typed), { table: 'DeviceProcessEvents' });
    expect(a.events).toEqual([{ table: 'DeviceLogonEvents', reportId: '639199803770463703' }]);
    expect(b.events).toEqual([{ table: 'DeviceInfo', reportId: '5' }]);
  });

  it('rejects an unknown table name up front', async () => {
    await expect(read(fromString('{}'), { table: 'DeviceEventz' as never })).rejects.toSatisfy(
      (e: unknown) => isTriplineError(e, 'option-invalid') && /DeviceEventz/.test((e as Error).message),
    );
  });
});
