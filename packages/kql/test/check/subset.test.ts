/** subsetViolations: every construct outside KQL_SUBSET, read from the language service's syntax tree. */
import { describe, expect, it } from 'vitest';
import { subsetViolations } from '../../src/index.js';

const names = (q: string) => subsetViolations(q).map((v) => `${v.kind}:${v.name}`);

describe('queries inside the subset', () => {
  it.each([
    'DeviceProcessEvents | where FileName =~ "cmd.exe" and ProcessCommandLine has "whoami" | project Timestamp, DeviceId, ReportId',
    'DeviceRegistryEvents | where ActionType in ("RegistryValueSet") | extend TargetObject = replace_regex(RegistryKey, @"^HKEY_LOCAL_MACHINE", @"HKLM") | where TargetObject endswith_cs @"\\Run"',
    'DeviceNetworkEvents | where ipv4_is_in_range(RemoteIP, "10.0.0.0/8") or ipv6_is_in_range(RemoteIP, "fe80::/10") | take 10',
    'DeviceLogonEvents | where ActionType == "LogonFailed" | summarize Failures = count(), Users = dcount(AccountName), arg_max(Timestamp, *) by DeviceId, bin(Timestamp, 10m) | where Failures >= 10 | sort by Failures desc',
    'union (DeviceProcessEvents | where FileName == "a"), (DeviceFileEvents | where FileName == "b") | project-rename When = Timestamp',
    'DeviceProcessEvents | where not(isempty(ProcessCommandLine)) and ProcessId between (1 .. 100) and ProcessId != -1 | extend T = tostring(parse_json(AdditionalFields).Terminal)',
  ])('%s', (q) => {
    expect(subsetViolations(q)).toEqual([]);
  });
});

describe('queries outside the subset', () => {
  it.each([
    ['DeviceProcessEvents | join kind=inner (DeviceNetworkEvents) on DeviceId', ['tabular:join']],
    ['DeviceProcessEvents | top 10 by Timestamp', ['tabular:top']],
    ['DeviceProcessEvents | mv-expand X = split(FileName, ".")', ['tabular:mv-expand']],
    ['DeviceProcessEvents | where ProcessCommandLine has_any ("a", "b")', ['operator:has_any']],
    ['DeviceProcessEvents | where ProcessCommandLine !has "a"', ['operator:!has']],
    [
      'DeviceNetworkEvents | where ipv4_is_in_any_range(RemoteIP, dynamic(["10.0.0.0/8"]))',
      ['function:ipv4_is_in_any_range'],
    ],
    ['DeviceProcessEvents | summarize stdev(ProcessId), count()', ['aggregation:stdev']],
    ['DeviceProcessEvents | extend X = ProcessId * 2', ['operator:*']],
    ['let x = 1; DeviceProcessEvents | take x', ['syntax:LetStatement']],
  ])('%s', (q, expected) => {
    expect(names(q)).toEqual(expected);
  });

  it('gives the position of each construct', () => {
    const q = 'DeviceProcessEvents | where FileName has_any ("a") | extend H = hash_sha256(FileName)';
    expect(subsetViolations(q).map((v) => q.substr(v.start, v.length))).toEqual([
      'FileName has_any ("a")',
      'hash_sha256(FileName)',
    ]);
  });
});
