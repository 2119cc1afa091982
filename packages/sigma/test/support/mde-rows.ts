/**
 * Realistic Defender rows for the mapping tests, spelled as MDE writes them: full process paths in
 * `FolderPath`, lower-cased initiating paths, split accounts, long hive names, DWORDs in decimal.
 */
import type { MdeEvent, TableName } from '@tripline/core';
import { makeEvent } from '@tripline/core/testing';

const DEVICE = {
  DeviceId: '4a1f0c6e2b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f',
  DeviceName: 'ws-fin-042.contoso.local',
  MachineGroup: 'Finance',
};

const INITIATING_WINDOWS = {
  InitiatingProcessAccountDomain: 'contoso',
  InitiatingProcessAccountName: 'j.doe',
  InitiatingProcessAccountSid: 'S-1-5-21-1004336348-1177238915-682003330-1106',
  InitiatingProcessIntegrityLevel: 'Medium',
  InitiatingProcessTokenElevation: 'TokenElevationTypeLimited',
  InitiatingProcessSHA1: '8dd3a3f5c8f0c2f0f5a1e0d9b8c7a6f5e4d3c2b1',
  InitiatingProcessMD5: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  InitiatingProcessFileName: 'powershell.exe',
  InitiatingProcessFolderPath: 'c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe',
  InitiatingProcessId: 7344,
  InitiatingProcessCommandLine: '"powershell.exe" -NoProfile -ExecutionPolicy Bypass -File C:\\Users\\j.doe\\run.ps1',
  InitiatingProcessCreationTime: '2026-11-30T09:14:02.1180000Z',
  InitiatingProcessParentId: 6120,
  InitiatingProcessParentFileName: 'explorer.exe',
  InitiatingProcessParentCreationTime: '2026-11-30T08:01:44.9030000Z',
};

let report = 4200;

/** A Windows row of `table` with the initiating block above, `extra` on top. */
export function windowsRow(table: TableName, actionType: string, extra: Record<string, unknown>): MdeEvent {
  report += 1;
  return makeEvent(table, {
    Timestamp: '2026-11-30T09:14:05.2210000Z',
    ...DEVICE,
    ActionType: actionType,
    ReportId: report,
    ...INITIATING_WINDOWS,
    ...extra,
  });
}

const LINUX_AF = JSON.stringify({
  ProcessPosixEffectiveUser: { Name: 'root', DomainName: 'web-01', LogonId: 0, PosixUserId: 0 },
  ProcessCurrentWorkingDirectory: '/var/opt/microsoft/scx/tmp',
  InitiatingProcessCurrentWorkingDirectory: '/',
});

/** A Linux row: synthesised SIDs, host name as account domain, lower-cased initiating path. */
export function linuxRow(table: TableName, actionType: string, extra: Record<string, unknown>): MdeEvent {
  report += 1;
  return makeEvent(table, {
    Timestamp: '2026-11-30T10:02:11.4410000Z',
    DeviceId: '9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b',
    DeviceName: 'web-01',
    ActionType: actionType,
    ReportId: report,
    InitiatingProcessAccountDomain: 'web-01',
    InitiatingProcessAccountName: 'root',
    InitiatingProcessAccountSid: 'S-1-5-18',
    InitiatingProcessFileName: 'bash',
    InitiatingProcessFolderPath: '/usr/bin/bash',
    InitiatingProcessId: 2211,
    InitiatingProcessCommandLine: 'bash -c "/opt/omi/bin/omiagent"',
    InitiatingProcessParentFileName: 'omiagent',
    InitiatingProcessLogonId: 0,
    InitiatingProcessTokenElevation: 'None',
    ...(table === 'DeviceProcessEvents' ? { AdditionalFields: LINUX_AF } : {}),
    ...extra,
  });
}
