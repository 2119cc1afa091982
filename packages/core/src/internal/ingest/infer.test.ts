import { describe, expect, it } from 'vitest';
import { foldUnionColumns, inferTable, resolveTableName, unionBase } from './infer.js';

const table = (row: Record<string, unknown>, noneIsNull = false): string => {
  const r = inferTable(row, noneIsNull);
  return 'table' in r ? r.table : `${r.code}: ${r.reason}`;
};

describe('inferTable', () => {
  it('maps known ActionTypes to their tables, anything else to DeviceEvents', () => {
    const cases: Array<[string, string]> = [
      ['ProcessCreated', 'DeviceProcessEvents'],
      ['OpenProcess', 'DeviceProcessEvents'],
      ['FileRenamed', 'DeviceFileEvents'],
      ['LogonAttempted', 'DeviceLogonEvents'],
      ['ConnectionSuccess', 'DeviceNetworkEvents'],
      ['NtlmAuthenticationInspected', 'DeviceNetworkEvents'],
      ['RdpConnectionInspected', 'DeviceNetworkEvents'],
      ['RegistryValueSet', 'DeviceRegistryEvents'],
      ['RegistryKeyRenamed', 'DeviceRegistryEvents'],
      ['ImageLoaded', 'DeviceImageLoadEvents'],
      ['ScriptContent', 'DeviceEvents'],
      ['DnsQueryResponse', 'DeviceEvents'],
      ['ProcessCreatedUsingWmiQuery', 'DeviceEvents'],
      ['SomethingNew', 'DeviceEvents'],
    ];
    for (const [ActionType, want] of cases) expect(table({ ActionType, DeviceId: 'd' }), ActionType).toBe(want);
  });

  it('without ActionType: adapter columns → DeviceNetworkInfo, inventory columns → DeviceInfo', () => {
    expect(table({ DeviceId: 'd', MacAddress: '00-11-22-33-44-55', ActionType: '' })).toBe('DeviceNetworkInfo');
    expect(table({ DeviceId: 'd', NetworkAdapterName: 'eth0' })).toBe('DeviceNetworkInfo');
    expect(table({ DeviceId: 'd', OSPlatform: 'Linux' })).toBe('DeviceInfo');
    expect(table({ DeviceId: 'd', LoggedOnUsers: '[]', PublicIP: '' })).toBe('DeviceInfo');
    expect(table({ DeviceId: 'd', ClientVersion: '101.24' })).toBe('DeviceInfo');
  });

  it('without ActionType: columns exclusive to one table decide, shared ones are ambiguous, none is unknown', () => {
    expect(table({ RegistryValueType: 'String', RegistryKey: 'HKLM' })).toBe('DeviceRegistryEvents');
    expect(table({ LogonType: 'Network', AccountName: 'a' })).toBe('DeviceLogonEvents');
    expect(table({ PreviousFileName: 'a.txt', FileName: 'b.txt' })).toBe('DeviceFileEvents');
    expect(table({ ProcessCommandLine: 'x', ProcessIntegrityLevel: 'High' })).toBe('DeviceProcessEvents');
    const ambiguous = table({ Timestamp: 't', FileName: 'csc.exe', InitiatingProcessFileName: 'powershell.exe' });
    expect(ambiguous).toMatch(/^ambiguous-table: /);
    expect(ambiguous).toContain('DeviceProcessEvents, DeviceEvents, DeviceFileEvents, DeviceImageLoadEvents');
    expect(table({ Timestamp: 't', DeviceId: 'd' })).toMatch(/^unknown-table: /);
    expect(table({ Foo: 'bar' })).toMatch(/^unknown-table: /);
  });

  it('foreign tables by their columns: unsupported-table naming the table', () => {
    expect(table({ DeviceId: 'd', Signer: 'Microsoft', IsSigned: true, SHA1: 'x' })).toBe(
      'unsupported-table: row belongs to DeviceFileCertificateInfo, which tripline does not analyse',
    );
    expect(
      table({
        ActionType: 'LogonSuccess',
        DeviceName: 'dc',
        LogonType: 'Kerberos',
        Application: 'Active Directory',
        DestinationDeviceName: 'dc01',
        IPAddress: '1.2.3.4',
      }),
    ).toMatch(/^unsupported-table: row belongs to (IdentityLogonEvents|one of .*IdentityLogonEvents.*)/);
    expect(table({ NetworkMessageId: 'n', SenderFromAddress: 'a@b', Subject: 's' })).toContain('EmailEvents');
    expect(table({ CveId: 'CVE-2024-1', OSPlatform: 'Linux', SoftwareName: 'openssl' })).toContain(
      'DeviceTvmSoftwareVulnerabilities',
    );
  });

  it('one odd extended column does not make a known Device row foreign', () => {
    expect(table({ ActionType: 'ProcessCreated', DeviceId: 'd', Application: 'my extend' })).toBe(
      'DeviceProcessEvents',
    );
    expect(table({ ActionType: 'LdapSearch', DeviceId: 'd', IPAddress: '1.2.3.4' })).toMatch(/^unsupported-table/);
  });

  it('az "None" counts as empty when asked', () => {
    expect(table({ ActionType: 'None', OSPlatform: 'Linux' }, true)).toBe('DeviceInfo');
    expect(table({ ActionType: 'None', OSPlatform: 'Linux' }, false)).toBe('DeviceEvents');
  });

  it('notices union type-split columns', () => {
    const r = inferTable({ ActionType: 'LdapSearch', ReportId_long: 5, ReportId_string: '' });
    expect(r).toEqual({ table: 'DeviceEvents', unionSuffixes: true });
  });
});

describe('helpers', () => {
  it('resolveTableName: supported (any case), foreign-looking, other', () => {
    expect(resolveTableName('DeviceEvents')).toEqual({ table: 'DeviceEvents' });
    expect(resolveTableName('deviceprocessevents')).toEqual({ table: 'DeviceProcessEvents' });
    expect(resolveTableName('IdentityLogonEvents')).toEqual({ foreign: 'IdentityLogonEvents' });
    expect(resolveTableName('DeviceTvmSecureConfigurationAssessment')).toEqual({
      foreign: 'DeviceTvmSecureConfigurationAssessment',
    });
    expect(resolveTableName('PrimaryResult')).toBeUndefined();
  });

  it('unionBase and foldUnionColumns', () => {
    expect(unionBase('ReportId_long')).toBe('ReportId');
    expect(unionBase('AdditionalFields_dynamic')).toBe('AdditionalFields');
    expect(unionBase('Some_Name')).toBeUndefined();
    expect(unionBase('_long')).toBeUndefined();
    expect(
      foldUnionColumns(
        {
          ReportId_long: 7,
          ReportId_string: '',
          AdditionalFields_string: '',
          AdditionalFields_dynamic: { a: 1 },
          UserAgent_string: 'x',
          DeviceId: 'd',
        },
        'DeviceEvents',
      ),
    ).toEqual({ ReportId: 7, AdditionalFields: { a: 1 }, UserAgent_string: 'x', DeviceId: 'd' });
    // The table's own column wins when present.
    expect(foldUnionColumns({ ReportId: 1, ReportId_long: 2 }, 'DeviceEvents')).toEqual({ ReportId: 1 });
  });
});
