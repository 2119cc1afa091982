import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromFile } from './index.js';
import { expectChunkingIrrelevant, run, SHARED } from './testkit.js';

// Shared-data suite (vitest project `shared`): these exports are copyleft (GPL-3.0, AGPL-3.0), so they
// are never copied into the repository; they are read from ../shared/datasets/mde beside it. The MIT
// one (OTRF) is vendored and tested by the default suite in datasets.test.ts.
const DATASETS = `${SHARED}datasets/mde/`;
const STREAMING = `${DATASETS}streaming-graph2otel/device-tables-envelopes.jsonl`;
const DAFNEB = `${DATASETS}portal-csv-dafneb/advanced_hunting_test.csv`;

describe('public copyleft datasets in ../shared/datasets/mde', () => {
  it('resolves the shared folder from the repo', () => {
    // The shared folder sits beside the repository root, wherever the checkout is.
    expect(SHARED.endsWith('/shared/')).toBe(true);
    for (const f of [STREAMING, DAFNEB]) expect(existsSync(f)).toBe(true);
  });

  it('streaming-graph2otel: 10 records, 9 supported tables, DeviceFileCertificateInfo unsupported', async () => {
    const r = await run(fromFile(STREAMING));
    expect(r.stats).toMatchObject({ format: 'ndjson', rowsRead: 10, events: 9, rejected: 1, bytesRead: 21384 });
    expect(r.events.map((e) => e.table)).toEqual([
      'DeviceProcessEvents',
      'DeviceEvents',
      'DeviceFileEvents',
      'DeviceImageLoadEvents',
      'DeviceInfo',
      'DeviceLogonEvents',
      'DeviceNetworkEvents',
      'DeviceNetworkInfo',
      'DeviceRegistryEvents',
    ]);
    expect(r.events.map((e) => e.source.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.rejected).toEqual([
      {
        source: STREAMING,
        line: 10,
        code: 'unsupported-table',
        reason: 'row belongs to DeviceFileCertificateInfo, which tripline does not analyse',
      },
    ]);
    // 64-bit ReportIds beyond 2^53 survive exactly.
    expect(r.events.find((e) => e.table === 'DeviceInfo')?.reportId).toBe('639199803770463703');
    expect(r.events.find((e) => e.table === 'DeviceNetworkInfo')?.reportId).toBe('639199916335081329');
    const proc = r.events[0];
    expect(proc?.posix.initiatingProcess.effectiveUser).toMatchObject({ name: 'rob', uid: 503 });
  });

  it('portal-csv-dafneb: 26 rows of a 3-table union, all analysed, tables inferred from ActionType', async () => {
    const r = await run(fromFile(DAFNEB));
    expect(r.stats).toMatchObject({ format: 'csv', rowsRead: 26, events: 26, rejected: 0 });
    const byTable: Record<string, number> = {};
    for (const e of r.events) byTable[e.table] = (byTable[e.table] ?? 0) + 1;
    expect(byTable).toEqual({ DeviceEvents: 17, DeviceNetworkEvents: 8, DeviceProcessEvents: 1 });
    // One record per physical line here: header is line 1.
    expect(r.events.map((e) => e.source.line)).toEqual(Array.from({ length: 26 }, (_, i) => i + 2));
    const dns = r.events.find((e) => e.actionType === 'DnsConnectionInspected');
    expect(dns?.table).toBe('DeviceNetworkEvents');
    expect(r.events.find((e) => e.actionType === 'ProcessCreated')?.table).toBe('DeviceProcessEvents');
    expect(r.events.find((e) => e.actionType === 'AntivirusScanCompleted')?.additionalFields.ScanTypeIndex).toBe(
      'Quick',
    );
  });

  it('gives identical results whatever the chunking (random cuts, multibyte characters included)', async () => {
    await expectChunkingIrrelevant([STREAMING, DAFNEB], 20240917);
  });
});
