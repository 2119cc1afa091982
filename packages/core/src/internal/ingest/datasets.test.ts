import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromFile } from './index.js';
import { expectChunkingIrrelevant, run } from './testkit.js';

// A real advanced-hunting API answer, vendored with its MIT licence (fixtures/datasets/…/SOURCE.md).
// The copyleft public exports are tested by the shared-data suite: datasets.shared.test.ts.
const OTRF = fileURLToPath(
  new URL('./fixtures/datasets/otrf-goldensaml-m365d/Microsoft365DefenderEvents.jsonl', import.meta.url),
);

describe('public datasets vendored in the repository', () => {
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
    await expectChunkingIrrelevant([OTRF], 20240917);
  });
});
