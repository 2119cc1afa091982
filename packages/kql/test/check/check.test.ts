/**
 * checkKql: the language service's diagnostics against the nine Defender tables of core's catalog, and
 * tripline's own checks of regex literals (RE2), CIDR literals (address family) and required columns.
 */
import { TABLE_COLUMNS, TABLE_NAMES } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import { tableSchema } from '../../src/check/service.js';
import { checkKql } from '../../src/index.js';

const codes = (q: string, options?: Parameters<typeof checkKql>[1]) => checkKql(q, options).map((d) => d.code);

describe('language service', () => {
  it('a valid query over each of the nine tables has no diagnostics', () => {
    for (const t of TABLE_NAMES) expect(checkKql(`${t} | where Timestamp > ago(1h) | take 10`)).toEqual([]);
  });

  it('table symbols are generated from the catalog, JSON columns as advanced hunting types them', () => {
    expect(tableSchema('DeviceProcessEvents')).toContain('ProcessId:long');
    expect(tableSchema('DeviceProcessEvents')).toContain('AdditionalFields:string');
    expect(tableSchema('DeviceInfo')).toContain('IsAzureADJoined:bool');
    const columns = Object.keys(TABLE_COLUMNS.DeviceRegistryEvents);
    expect(tableSchema('DeviceRegistryEvents').split(', ').length).toBe(columns.length);
  });

  it.each([
    ['DeviceProcessEvents | where FileName =~ | take 10', 'KS006'],
    ['DeviceProcessEvents | where FileNme =~ "lsof"', 'KS142'],
    ['DeviceProcesEvents | take 1', 'KS204'],
    ['DeviceProcessEvents | where ProcessId contains "abc"', 'KS106'],
    ['DeviceProcessEvents | where RegistryKey == "x"', 'KS142'],
    ['DeviceProcessEvents | where ipv4_in_range(RemoteIP, "10.0.0.0/8")', 'KS211'],
    ['DeviceProcessEvents | where "whoami" or "net user"', 'KS106'],
  ])('%s → %s', (query, code) => {
    const d = checkKql(query);
    expect(d.map((x) => x.code)).toContain(code);
    expect(d.find((x) => x.code === code)?.severity).toBe('error');
  });

  it('reports positions in the query text', () => {
    const q = 'DeviceProcessEvents | where FileNme =~ "lsof"';
    const d = checkKql(q).find((x) => x.code === 'KS142');
    expect(q.substr(d?.start ?? 0, d?.length ?? 0)).toBe('FileNme');
  });
});

describe('tripline checks', () => {
  it('TL-RE2: regex literals of matches regex, extract and replace_regex must parse in RE2', () => {
    expect(codes('DeviceProcessEvents | where ProcessCommandLine matches regex @"(?i)[-/]enc"')).toEqual([]);
    const q = 'DeviceProcessEvents | where ProcessCommandLine matches regex "(?i)([a-z"';
    const d = checkKql(q);
    expect(d.map((x) => x.code)).toEqual(['TL-RE2']);
    expect(q.substr(d[0]?.start ?? 0, d[0]?.length ?? 0)).toBe('"(?i)([a-z"');
    expect(codes('DeviceProcessEvents | where ProcessCommandLine matches regex @"(?<=a)b"')).toEqual(['TL-RE2']);
    expect(codes('DeviceProcessEvents | extend X = extract(@"(\\w)\\1", 1, FileName)')).toEqual(['TL-RE2']);
    expect(codes('DeviceProcessEvents | extend X = replace_regex(FileName, @"a{1001}", "b")')).toEqual(['TL-RE2']);
  });

  it('TL-CIDR: a range literal must be a range of its function’s family', () => {
    expect(codes('DeviceNetworkEvents | where ipv4_is_in_range(RemoteIP, "10.0.0.0/8")')).toEqual([]);
    expect(codes('DeviceNetworkEvents | where ipv6_is_in_range(RemoteIP, "fe80::/10")')).toEqual([]);
    expect(codes('DeviceNetworkEvents | where ipv4_is_in_range(RemoteIP, "fe80::/10")')).toEqual(['TL-CIDR']);
    expect(codes('DeviceNetworkEvents | where ipv6_is_in_range(RemoteIP, "10.0.0.0/8")')).toEqual(['TL-CIDR']);
    expect(codes('DeviceNetworkEvents | where ipv4_is_in_range(RemoteIP, "10.0.0.0/33")')).toEqual(['TL-CIDR']);
    expect(codes('DeviceNetworkEvents | where ipv4_is_in_range(RemoteIP, "10.0.0/8")')).toEqual(['TL-CIDR']);
  });

  it('TL-COLUMNS: a custom detection returns Timestamp, ReportId and DeviceId', () => {
    const require = ['Timestamp', 'ReportId', 'DeviceId'];
    expect(codes('DeviceProcessEvents | where FileName == "x"', { require })).toEqual([]);
    expect(codes('DeviceProcessEvents | project Timestamp, DeviceId, ReportId, FileName', { require })).toEqual([]);
    const d = checkKql('DeviceProcessEvents | project Timestamp, DeviceName', { require });
    expect(d.map((x) => x.code)).toEqual(['TL-COLUMNS']);
    expect(d[0]?.message).toContain('ReportId, DeviceId');
    expect(codes('DeviceLogonEvents | summarize count() by DeviceId', { require })).toEqual(['TL-COLUMNS']);
  });
});
