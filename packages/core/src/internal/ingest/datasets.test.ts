import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromFile } from './index.js';
import { chunked, digest, prng, run, SHARED } from './testkit.js';

const DATASETS = `${SHARED}datasets/mde/`;
const STREAMING = `${DATASETS}streaming-graph2otel/device-tables-envelopes.jsonl`;
const DAFNEB = `${DATASETS}portal-csv-dafneb/advanced_hunting_test.csv`;
const OTRF = `${DATASETS}otrf-goldensaml-m365d/Microsoft365DefenderEvents.jsonl`;

describe('public datasets in ../shared/datasets/mde', () => {
  it('resolves the shared folder from the repo', () => {
    // The shared folder sits beside the repository root, wherever the checkout is.
    expect(SHARED.endsWith('/shared/')).toBe(true);
    for (const f of [STREAMING, DAFNEB, OTRF]) expect(existsSync(f)).toBe(true);
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

  it('otrf-goldensaml-m365d: 9 union rows; 5 DeviceEvents, 2 IdentityDirectoryEvents + 2 CloudAppEvents rejected', async () => {
    const r = await run(fromFile(OTRF));
    expect(r.stats).toMatchObject({ format: 'ndjson', rowsRead: 9, events: 5, rejected: 4 });
    expect(r.events.map((e) => [e.table, e.actionType, e.source.line])).toEqual([
      ['DeviceEvents', 'LdapSearch', 1],
      ['DeviceEvents', 'LdapSearch', 2],
      ['DeviceEvents', 'LdapSearch', 3],
      ['DeviceEvents', 'LdapSearch', 4],
      ['DeviceEvents', 'LdapSearch', 5],
    ]);
    // union type-split columns are folded back: ReportId_long → ReportId, AdditionalFields_string → AdditionalFields.
    expect(r.events[0]?.reportId).toBe('113597');
    expect(r.events[0]?.additionalFields.ScopeOfSearch).toBe('Base');
    expect(r.rejected.map((x) => [x.line, x.code, x.reason])).toEqual([
      [6, 'unsupported-table', 'row belongs to IdentityDirectoryEvents, which tripline does not analyse'],
      [7, 'unsupported-table', 'row belongs to IdentityDirectoryEvents, which tripline does not analyse'],
      [8, 'unsupported-table', 'row belongs to CloudAppEvents, which tripline does not analyse'],
      [9, 'unsupported-table', 'row belongs to CloudAppEvents, which tripline does not analyse'],
    ]);
  });

  it('gives identical results whatever the chunking (random cuts, multibyte characters included)', async () => {
    const rand = prng(20240917);
    for (const file of [STREAMING, DAFNEB, OTRF]) {
      const bytes = readFileSync(file);
      const reference = digest(await run(fromFile(file)));
      for (let round = 0; round < 10; round++) {
        const cuts = new Set<number>();
        const n = 1 + Math.floor(rand() * 40);
        for (let k = 0; k < n; k++) cuts.add(1 + Math.floor(rand() * (bytes.length - 1)));
        const got = await run(
          chunked(
            bytes,
            [...cuts].sort((a, b) => a - b),
            file,
          ),
        );
        expect(digest(got)).toEqual(reference);
      }
    }
  });
});
