/**
 * Defender rows for the correlation tests: failed logons, a recon chain of process creations and file
 * writes, as MDE exports them (Microsoft's column names and spellings).
 */
import type { MdeEvent } from '@tripline/core';
import { makeEvent } from '@tripline/core/testing';

export const DC = { DeviceId: 'c3f5a7e2b91d4e6f8a0b1c2d3e4f5a6b7c8d9e0f', DeviceName: 'dc01.contoso.local' };
export const WS = { DeviceId: '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b', DeviceName: 'ws-finance-07.contoso.local' };

let report = 70_000;

/** `2026-11-03T09:00:00Z` plus `seconds` (fractions to 100 ns), as Defender writes it (7 digits). */
export function at(seconds: number): string {
  const whole = Math.floor(seconds);
  const ticks = Math.round((seconds - whole) * 10_000_000);
  const d = new Date(Date.UTC(2026, 10, 3, 9, 0, 0) + whole * 1000);
  return `${d.toISOString().slice(0, 19)}.${String(ticks).padStart(7, '0')}Z`;
}

/** A DeviceLogonEvents row: `LogonFailed` unless `action` says otherwise. */
export function logon(
  seconds: number,
  account: string | undefined,
  extra: Record<string, unknown> = {},
  device = DC,
): MdeEvent {
  return makeEvent('DeviceLogonEvents', {
    Timestamp: at(seconds),
    ...device,
    ActionType: 'LogonFailed',
    LogonType: 'Network',
    AccountDomain: 'contoso',
    ...(account === undefined ? {} : { AccountName: account }),
    Protocol: 'NTLM',
    FailureReason: 'InvalidUserNameOrPassword',
    RemoteIP: '203.0.113.45',
    RemoteIPType: 'Public',
    RemotePort: 51234,
    ReportId: report++,
    ...extra,
  });
}

/** A DeviceProcessEvents `ProcessCreated` row of `cmd.exe` starting `file` with `commandLine`. */
export function proc(seconds: number, file: string, commandLine: string, account = 'jdoe', device = WS): MdeEvent {
  return makeEvent('DeviceProcessEvents', {
    Timestamp: at(seconds),
    ...device,
    ActionType: 'ProcessCreated',
    FileName: file,
    FolderPath: `C:\\Windows\\System32\\${file}`,
    ProcessCommandLine: commandLine,
    ProcessId: 7000 + (report % 1000),
    AccountDomain: 'contoso',
    AccountName: account,
    InitiatingProcessFileName: 'cmd.exe',
    InitiatingProcessFolderPath: 'c:\\windows\\system32\\cmd.exe',
    InitiatingProcessCommandLine: 'cmd.exe',
    InitiatingProcessId: 6100,
    ReportId: report++,
  });
}

/** A DeviceFileEvents `FileCreated` row: `bytes` written to `path` by `robocopy.exe`. */
export function fileWrite(seconds: number, name: string, bytes: number | undefined, device = WS): MdeEvent {
  return makeEvent('DeviceFileEvents', {
    Timestamp: at(seconds),
    ...device,
    ActionType: 'FileCreated',
    FileName: name,
    FolderPath: `E:\\backup\\${name}`,
    ...(bytes === undefined ? {} : { FileSize: bytes }),
    InitiatingProcessFileName: 'robocopy.exe',
    InitiatingProcessFolderPath: 'c:\\windows\\system32\\robocopy.exe',
    InitiatingProcessCommandLine: 'robocopy C:\\Users\\jdoe\\Documents E:\\backup /E',
    InitiatingProcessAccountDomain: 'contoso',
    InitiatingProcessAccountName: 'jdoe',
    ReportId: report++,
  });
}
