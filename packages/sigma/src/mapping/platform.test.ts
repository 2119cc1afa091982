import { describe, expect, it } from 'vitest';
import { linuxRow, windowsRow } from '../../test/support/mde-rows.js';
import { mdeMapping } from './index.js';
import { eventPlatform, platformAccepts } from './platform.js';

const macos = windowsRow('DeviceProcessEvents', 'ProcessCreated', {
  DeviceName: 'mbp14',
  FileName: 'UserSelector',
  FolderPath: '/System/Library/Frameworks/CryptoTokenKit.framework/UserSelector',
  ProcessCommandLine: '/System/Library/Frameworks/CryptoTokenKit.framework/UserSelector -o anybind',
  AccountDomain: 'mbp14',
  AccountName: 'rob',
  InitiatingProcessFileName: 'ctkahp',
  InitiatingProcessFolderPath:
    '/system/library/frameworks/cryptotokenkit.framework/ctkahp.bundle/contents/macos/ctkahp',
  InitiatingProcessVersionInfoCompanyName: '(APPLE)',
});
const windowsProcess = windowsRow('DeviceProcessEvents', 'ProcessCreated', {
  FileName: 'cmd.exe',
  FolderPath: 'C:\\Windows\\System32\\cmd.exe',
});
const uncPath = windowsRow('DeviceFileEvents', 'FileCreated', {
  FileName: 'a.exe',
  FolderPath: '\\\\fs01\\share\\a.exe',
  InitiatingProcessFolderPath: undefined,
});
const linuxProcess = linuxRow('DeviceProcessEvents', 'ProcessCreated', {
  FileName: 'curl',
  FolderPath: '/usr/bin/curl',
});
const registry = windowsRow('DeviceRegistryEvents', 'RegistryValueSet', {
  RegistryKey: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso',
  InitiatingProcessFolderPath: undefined,
});
// A connection without a process: no path, no POSIX keys.
const bare = windowsRow('DeviceNetworkEvents', 'ConnectionSuccess', {
  RemoteIP: '203.0.113.7',
  RemotePort: 443,
  InitiatingProcessFolderPath: undefined,
  InitiatingProcessFileName: undefined,
});
const posixKeysOnly = linuxRow('DeviceNetworkEvents', 'InboundConnectionAccepted', {
  InitiatingProcessFolderPath: undefined,
  AdditionalFields: JSON.stringify({ InitiatingProcessPosixSessionId: 1 }),
});

describe('eventPlatform', () => {
  it.each([
    ['Windows process', windowsProcess, 'windows'],
    ['UNC path', uncPath, 'windows'],
    ['registry row', registry, 'windows'],
    ['Linux process', linuxProcess, 'posix'],
    ['macOS process', macos, 'posix'],
    ['POSIX keys, no path', posixKeysOnly, 'posix'],
    ['no path, no POSIX keys', bare, undefined],
  ] as const)('%s → %s', (_name, event, kind) => {
    expect(eventPlatform(event)).toBe(kind);
    expect(mdeMapping().eventPlatform?.(event)).toBe(kind);
  });
});

describe('platformAccepts', () => {
  const windows = { table: 'DeviceProcessEvents', platform: 'windows' } as const;
  const linux = { table: 'DeviceProcessEvents', platform: 'linux' } as const;
  const any = { table: 'DeviceProcessEvents', platform: undefined } as const;

  it('keeps Windows rules off POSIX rows and Linux rules off Windows rows', () => {
    // The macOS row that made a Windows rule ("image without a backslash") fire on benign data.
    expect(platformAccepts(windows, eventPlatform(macos))).toBe(false);
    expect(platformAccepts(linux, eventPlatform(windowsProcess))).toBe(false);
    expect(platformAccepts(windows, eventPlatform(windowsProcess))).toBe(true);
    expect(platformAccepts(linux, eventPlatform(linuxProcess))).toBe(true);
  });

  it('offers everything when the route or the event does not say', () => {
    expect(platformAccepts(any, 'posix')).toBe(true);
    expect(platformAccepts(windows, undefined)).toBe(true);
    expect(platformAccepts(linux, undefined)).toBe(true);
  });
});
