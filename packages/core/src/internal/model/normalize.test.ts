import { describe, expect, it } from 'vitest';
import { MdeEvent } from './event.js';
import { isRowProblem, normalizeRow } from './normalize.js';

const base = {
  Timestamp: '2025-11-07T06:46:38.29932Z',
  DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
  DeviceName: 'wazuh1',
  ActionType: 'ProcessCreated',
  ReportId: 4711,
};

describe('normalizeRow', () => {
  it('normalises nulls, integers, booleans and datetimes, keeping unknown columns', () => {
    const e = normalizeRow(
      {
        ...base,
        ProcessId: '415044',
        InitiatingProcessId: 415044,
        IsProcessRemoteSession: '0',
        IsInitiatingProcessRemoteSession: 'true',
        ProcessCreationTime: '2025-11-07T06:46:38.29932',
        AccountUpn: '',
        AccountObjectId: null,
        MyExtendedColumn: 'kept',
      },
      'DeviceProcessEvents',
      { source: 't' },
    ) as MdeEvent;
    expect(e).toBeInstanceOf(MdeEvent);
    expect(e.get('ProcessId')).toBe(415044);
    expect(e.get('IsProcessRemoteSession')).toBe(false);
    expect(e.get('IsInitiatingProcessRemoteSession')).toBe(true);
    expect(e.get('ProcessCreationTime')).toBe('2025-11-07T06:46:38.29932Z');
    expect(e.has('AccountUpn')).toBe(false);
    expect(e.has('AccountObjectId')).toBe(false);
    expect(e.get('MyExtendedColumn')).toBe('kept');
    expect(e.reportId).toBe('4711');
    expect(e.get('ReportId')).toBe('4711');
  });

  it('keeps 64-bit integers exact from text', () => {
    const e = normalizeRow(
      { ...base, ReportId: '639199803770463703', ProcessId: '9007199254740993' },
      'DeviceProcessEvents',
      {
        source: 't',
      },
    ) as MdeEvent;
    expect(e.reportId).toBe('639199803770463703');
    expect(e.get('ProcessId')).toBe('9007199254740993');
  });

  it('treats None as null only when the reader says so (az CLI), since macOS writes a real "None"', () => {
    const row = { ...base, ProcessTokenElevation: 'None' };
    const plain = normalizeRow(row, 'DeviceProcessEvents', { source: 't' }) as MdeEvent;
    const az = normalizeRow(row, 'DeviceProcessEvents', { source: 't' }, { noneIsNull: true }) as MdeEvent;
    expect(plain.get('ProcessTokenElevation')).toBe('None');
    expect(az.has('ProcessTokenElevation')).toBe(false);
  });

  it('rejects rows without a usable Timestamp or device', () => {
    const noTs = normalizeRow({ ...base, Timestamp: 'Invalid date' }, 'DeviceProcessEvents', { source: 't' });
    const badTs = normalizeRow({ ...base, Timestamp: 'soon' }, 'DeviceProcessEvents', { source: 't' });
    const noDevice = normalizeRow({ ...base, DeviceId: '', DeviceName: null }, 'DeviceProcessEvents', { source: 't' });
    expect(isRowProblem(noTs) && noTs.code).toBe('missing-timestamp');
    expect(isRowProblem(badTs) && badTs.code).toBe('invalid-timestamp');
    expect(isRowProblem(noDevice) && noDevice.code).toBe('missing-device');
  });

  it('parses JSON-in-text columns lazily, tolerating objects, "", "[]", "{}" and double encoding', () => {
    const mk = (v: unknown) =>
      normalizeRow({ ...base, AdditionalFields: v }, 'DeviceProcessEvents', { source: 't' }) as MdeEvent;
    expect(mk('{"a":1}').get('AdditionalFields')).toEqual({ a: 1 });
    expect(mk({ a: 1 }).get('AdditionalFields')).toEqual({ a: 1 });
    expect(mk('').has('AdditionalFields')).toBe(false);
    expect(mk('[]').get('AdditionalFields')).toEqual([]);
    expect(mk('{}').get('AdditionalFields')).toEqual({});
    expect(mk(JSON.stringify(JSON.stringify({ a: 1 }))).get('AdditionalFields')).toEqual({ a: 1 });
    expect(mk('{"answers":"[\\"52.184.216.174\\"]"}').additional('answers')).toEqual(['52.184.216.174']);
    expect(mk('not json').get('AdditionalFields')).toBe('not json');
  });

  it('exposes POSIX fields from AdditionalFields and from extended columns', () => {
    const af = {
      InitiatingProcessPosixEffectiveUser: {
        Name: 'root',
        PosixUserId: 0,
        PrimaryPosixGroup: { Name: 'root', PosixGroupId: 0 },
      },
      InitiatingProcessPosixEffectiveGroup: { Name: 'mdatp', PosixGroupId: 997 },
      InitiatingProcessCurrentWorkingDirectory: '/',
      InitiatingProcessPosixAttachedTerminal: '/dev/pts/0',
      ProcessPosixEffectiveUser: { Name: 'www-data', PosixUserId: 33 },
    };
    const e = normalizeRow({ ...base, AdditionalFields: JSON.stringify(af) }, 'DeviceProcessEvents', {
      source: 't',
    }) as MdeEvent;
    expect(e.posix.initiatingProcess.effectiveUser).toEqual({
      name: 'root',
      uid: 0,
      primaryGroup: { name: 'root', gid: 0 },
    });
    expect(e.posix.initiatingProcess.effectiveGroup).toEqual({ name: 'mdatp', gid: 997 });
    expect(e.posix.initiatingProcess.workingDirectory).toBe('/');
    expect(e.posix.initiatingProcess.terminal).toBe('/dev/pts/0');
    expect(e.posix.process.effectiveUser?.uid).toBe(33);
    const extended = normalizeRow(
      { ...base, InitiatingProcessPosixEffectiveGroup: '{"Name":"mdatp","PosixGroupId":997}' },
      'DeviceProcessEvents',
      { source: 't' },
    ) as MdeEvent;
    expect(extended.posix.initiatingProcess.effectiveGroup).toEqual({ name: 'mdatp', gid: 997 });
  });

  it('produces frozen events that detectors cannot change', () => {
    const e = normalizeRow({ ...base, AdditionalFields: '{"a":{"b":1}}' }, 'DeviceProcessEvents', {
      source: 't',
    }) as MdeEvent;
    expect(() => {
      (e as unknown as { table: string }).table = 'X';
    }).toThrow(TypeError);
    const af = e.get('AdditionalFields') as { a: { b: number } };
    expect(() => {
      af.a.b = 2;
    }).toThrow(TypeError);
    expect((e.get('AdditionalFields') as { a: { b: number } }).a.b).toBe(1);
  });
});
