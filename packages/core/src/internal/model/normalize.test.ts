import { describe, expect, it } from 'vitest';
import { MdeEvent, releaseParseCaches } from './event.js';
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

  it.each([
    [['2025-11-07T06:46:38Z'], 'an array'],
    [{ value: '2025-11-07T06:46:38Z' }, 'an object'],
    [1762497998000, 'a number'],
    [true, 'a boolean'],
  ])('rejects a Timestamp that is not text: %j', (value, what) => {
    const r = normalizeRow({ ...base, Timestamp: value }, 'DeviceProcessEvents', { source: 't' });
    expect(isRowProblem(r) && r.code).toBe('invalid-timestamp');
    expect(isRowProblem(r) && r.reason).toBe(`Timestamp is ${what}, not a date`);
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

  it('hands out a POSIX view frozen all the way down (one detector cannot change what the next sees)', () => {
    const e = normalizeRow(
      {
        ...base,
        AdditionalFields: JSON.stringify({
          InitiatingProcessPosixEffectiveUser: {
            Name: 'www-data',
            PosixUserId: 33,
            PrimaryPosixGroup: { Name: 'www-data', PosixGroupId: 33 },
          },
          InitiatingProcessPosixEffectiveGroup: { Name: 'www-data', PosixGroupId: 33 },
          PosixUserId: 33,
          PosixPrimaryGroupName: 'www-data',
        }),
      },
      'DeviceProcessEvents',
      { source: 't' },
    ) as MdeEvent;
    const p = e.posix;
    const user = p.initiatingProcess.effectiveUser as { uid?: number; primaryGroup?: { gid?: number } };
    const attempts: (() => void)[] = [
      () => {
        user.uid = 0;
      },
      () => {
        (user.primaryGroup as { gid?: number }).gid = 0;
      },
      () => {
        (p.initiatingProcess.effectiveGroup as { name?: string }).name = 'root';
      },
      () => {
        (p.logon as { uid?: number }).uid = 0;
      },
      () => {
        (p.logon.primaryGroup as { name?: string }).name = 'root';
      },
    ];
    for (const attempt of attempts) expect(attempt).toThrow(TypeError);
    expect(e.posix.initiatingProcess.effectiveUser?.uid).toBe(33);
    expect(e.posix.logon).toEqual({ uid: 33, primaryGroup: { name: 'www-data' } });
  });

  it('reads POSIX fields without handing out or changing AdditionalFields, which stays exact and frozen', () => {
    const text =
      '{"InitiatingProcessPosixEffectiveUser":{"Name":"svc","PosixUserId":9007199254740993,' +
      '"PrimaryPosixGroup":{"Name":"svc","PosixGroupId":1001}},"ProcessPosixEffectiveUser":{"Name":"root","PosixUserId":0},' +
      '"ProcessPosixSessionId":12345678901234567890,"Marker":18446744073709551615}';
    const e = normalizeRow({ ...base, AdditionalFields: text }, 'DeviceProcessEvents', { source: 't' }) as MdeEvent;
    // POSIX first (the order most detectors read in): an id beyond 2^53 lost digits, so it is not reported.
    expect(e.posix.initiatingProcess.effectiveUser).toEqual({ name: 'svc', primaryGroup: { name: 'svc', gid: 1001 } });
    expect(e.posix.process.effectiveUser).toEqual({ name: 'root', uid: 0 });
    expect(e.posix.process.sessionId).toBeUndefined();
    // Then the whole value: exact 64-bit integers, frozen all the way down.
    const af = e.additionalFields;
    expect(af.Marker).toBe('18446744073709551615');
    expect((af.InitiatingProcessPosixEffectiveUser as Record<string, unknown>).PosixUserId).toBe('9007199254740993');
    expect(Object.isFrozen(af)).toBe(true);
    expect(Object.isFrozen(af.InitiatingProcessPosixEffectiveUser)).toBe(true);
    expect(e.json('AdditionalFields')).toBe(af);
    // The other order gives the same answers.
    const f = normalizeRow({ ...base, AdditionalFields: text }, 'DeviceProcessEvents', { source: 't' }) as MdeEvent;
    expect(f.additionalFields).toEqual(af);
    expect(f.posix).toEqual(e.posix);
  });

  it('normalises columns when they are read: the record is the same as an eager copy would be', () => {
    const csvRow = {
      ...base,
      ReportId: '00639199803770463703',
      ProcessCreationTime: 'Invalid date',
      InitiatingProcessCreationTime: '2025-11-07 06:46:38.2',
      ProcessId: '+0042',
      IsProcessRemoteSession: 'FALSE',
      FileSize: '',
      AccountName: 'None',
    };
    const e = normalizeRow(csvRow, 'DeviceProcessEvents', { source: 't' }, { invalidDateIsNull: true }) as MdeEvent;
    expect(e.toRecord()).toEqual({
      Timestamp: '2025-11-07T06:46:38.29932Z',
      DeviceId: base.DeviceId,
      DeviceName: 'wazuh1',
      ActionType: 'ProcessCreated',
      ReportId: '639199803770463703',
      InitiatingProcessCreationTime: '2025-11-07T06:46:38.2Z',
      ProcessId: 42,
      IsProcessRemoteSession: false,
      AccountName: 'None',
    });
    expect(e.columns()).toEqual(Object.keys(e.toRecord()));
    expect(e.has('ProcessCreationTime')).toBe(false);
    expect(e.str('ProcessId')).toBe('42');
    expect(e.num('ProcessId')).toBe(42);
    // Names that only Object.prototype has are not columns.
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(e.has(name)).toBe(false);
      expect(e.get(name)).toBeUndefined();
    }
  });

  it("keeps the caller's row apart: changing it later does not change the event", () => {
    const row: Record<string, unknown> = { ...base, FileName: 'bash' };
    const e = normalizeRow(row, 'DeviceProcessEvents', { source: 't' }) as MdeEvent;
    row.FileName = 'changed';
    row.FolderPath = '/added';
    expect(e.get('FileName')).toBe('bash');
    expect(e.has('FolderPath')).toBe(false);
  });

  it('keeps a "__proto__" column as a column in the record, without touching any prototype', () => {
    const row = JSON.parse(
      `{"Timestamp":"2025-11-07T06:46:38Z","DeviceId":"d","ActionType":"X","ReportId":1,"__proto__":{"DeviceId":"evil"}}`,
    );
    const e = normalizeRow(row, 'DeviceProcessEvents', { source: 't' }) as MdeEvent;
    const record = e.toRecord();
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.hasOwn(record, '__proto__')).toBe(true);
    expect(record.DeviceId).toBe('d');
    expect(({} as Record<string, unknown>).DeviceId).toBeUndefined();
  });

  it('parses again, to equal values, what it released (evidence kept by the engine)', () => {
    const e = normalizeRow(
      { ...base, AdditionalFields: '{"InitiatingProcessPosixEffectiveUser":{"Name":"root","PosixUserId":0}}' },
      'DeviceProcessEvents',
      { source: 't' },
    ) as MdeEvent;
    const before = e.get('AdditionalFields');
    const posix = e.posix;
    releaseParseCaches(e);
    expect(e.get('AdditionalFields')).not.toBe(before);
    expect(e.get('AdditionalFields')).toEqual(before);
    expect(e.posix).toEqual(posix);
    expect(e.posix.initiatingProcess.effectiveUser).toEqual({ name: 'root', uid: 0 });
  });
});
