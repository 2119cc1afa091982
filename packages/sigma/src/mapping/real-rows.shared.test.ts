/**
 * The mapping on real Defender exports (../shared/datasets/mde): a registry row as the streaming API
 * writes it, a macOS and Windows process rows, read through core's ingestion.
 */
import { fileURLToPath } from 'node:url';
import { fromFile, type MdeEvent } from '@tripline/core';
import { ingest } from '@tripline/core/unstable';
import { beforeAll, describe, expect, it } from 'vitest';
import { mdeMapping } from './index.js';

const mde = (path: string): string =>
  fileURLToPath(new URL(`../../../../../shared/datasets/mde/${path}`, import.meta.url));
const mapping = mdeMapping();

async function read(path: string): Promise<MdeEvent[]> {
  const events: MdeEvent[] = [];
  await ingest(fromFile(mde(path)), { event: (e) => events.push(e), rejected: () => {} });
  return events;
}

function view(product: 'windows' | 'linux', category: string, field: string) {
  const route = mapping.route({ product, category });
  if (!route.ok) throw new Error(route.reason.message);
  const f = mapping.field(route.route, field);
  if (!f.ok) throw new Error(f.reason.message);
  return f.view;
}

let streaming: MdeEvent[];
let csv: MdeEvent[];
beforeAll(async () => {
  streaming = await read('streaming-graph2otel/device-tables-envelopes.jsonl');
  csv = await read('portal-csv-dafneb/advanced_hunting_test.csv');
});

describe('real rows', () => {
  it('a RegistryValueSet row of the streaming API reads as Sysmon wrote it', () => {
    const row = streaming.find((e) => e.table === 'DeviceRegistryEvents');
    if (!row) throw new Error('no registry row');
    expect(row.str('RegistryKey')).toBe('HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\DataCollection');
    expect(view('windows', 'registry_set', 'TargetObject').get(row)).toBe(
      'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\DataCollection\\LastUpdate',
    );
    expect(view('windows', 'registry_set', 'Details').get(row)).toBe('99c53f16-e4e7-484c-83d2-6d4601bc82c1');
    expect(view('windows', 'registry_set', 'EventType').get(row)).toBe('SetValue');
    expect(mapping.eventPlatform?.(row)).toBe('windows');
  });

  it('tells the macOS process row from the Windows ones', () => {
    const mac = streaming.find((e) => e.str('FolderPath')?.startsWith('/System/'));
    if (!mac) throw new Error('no macOS row');
    expect(mapping.eventPlatform?.(mac)).toBe('posix');
    expect(view('windows', 'process_creation', 'Image').get(mac)).toBe(
      '/System/Library/Frameworks/CryptoTokenKit.framework/UserSelector',
    );
    const kinds = new Set(csv.filter((e) => e.table !== 'DeviceInfo').map((e) => mapping.eventPlatform?.(e)));
    expect(kinds.has('posix')).toBe(false);
    expect(kinds.has('windows')).toBe(true);
  });
});
