import { describe, expect, it } from 'vitest';
import type { MdeEvent } from './event.js';
import { normalizeRow } from './normalize.js';
import { POSIX_MEMO_ENTRIES, POSIX_MEMO_TEXT, posixMemoSize } from './posix.js';

const base = {
  Timestamp: '2025-11-07T06:46:38.29932Z',
  DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
  DeviceName: 'wazuh1',
  ActionType: 'ProcessCreated',
  ReportId: 4711,
};

const row = (extra: Record<string, unknown>): MdeEvent =>
  normalizeRow({ ...base, ...extra }, 'DeviceProcessEvents', { source: 't' }) as MdeEvent;

const af = (uid: number, group = 'mdatp'): string =>
  JSON.stringify({
    InitiatingProcessPosixEffectiveUser: { Name: `u${uid}`, PosixUserId: uid },
    InitiatingProcessPosixEffectiveGroup: { Name: group, PosixGroupId: 997 },
    InitiatingProcessPosixProcessGroupId: 1029,
  });

describe('the POSIX view shared per AdditionalFields text', () => {
  it('gives rows with the same text one frozen view, equal to what the row alone gives', () => {
    const text = af(4242);
    const first = row({ AdditionalFields: text });
    const second = row({ AdditionalFields: ` ${text}`.slice(1) });
    expect(second.posix).toBe(first.posix);
    expect(first.posix.initiatingProcess).toEqual({
      effectiveUser: { name: 'u4242', uid: 4242 },
      effectiveGroup: { name: 'mdatp', gid: 997 },
      processGroupId: 1029,
    });
    expect(Object.isFrozen(first.posix.initiatingProcess.effectiveUser)).toBe(true);
    expect(row({ AdditionalFields: af(4243) }).posix.initiatingProcess.effectiveUser?.uid).toBe(4243);
  });

  it('never shares a view with a row whose own columns override the text', () => {
    const text = af(4244);
    expect(row({ AdditionalFields: text }).posix.initiatingProcess.effectiveGroup?.name).toBe('mdatp');
    // The same text, with an extended column that wins over AdditionalFields.
    const extended = row({
      AdditionalFields: text,
      InitiatingProcessPosixEffectiveGroup: '{"Name":"wheel","PosixGroupId":0}',
    });
    expect(extended.posix.initiatingProcess.effectiveGroup).toEqual({ name: 'wheel', gid: 0 });
    expect(extended.posix.initiatingProcess.effectiveUser?.uid).toBe(4244);
    const logon = row({ AdditionalFields: text, PosixUserId: 7 });
    expect(logon.posix.logon.uid).toBe(7);
    // …and the shared view of the text is still the text's own.
    expect(row({ AdditionalFields: text }).posix.initiatingProcess.effectiveGroup?.name).toBe('mdatp');
  });

  it('is the same view whether or not a detector parsed AdditionalFields first', () => {
    const text = af(4245, 'staff');
    const parsedFirst = row({ AdditionalFields: text });
    expect(parsedFirst.get('AdditionalFields')).toBeTypeOf('object');
    const plain = row({ AdditionalFields: text });
    expect(plain.posix).toBe(parsedFirst.posix);
    expect(plain.posix.initiatingProcess.effectiveGroup).toEqual({ name: 'staff', gid: 997 });
  });

  it('stays bounded, and leaves long texts out', () => {
    for (let i = 0; i < POSIX_MEMO_ENTRIES * 3; i++) row({ AdditionalFields: af(10_000 + i) }).posix;
    expect(posixMemoSize()).toBeLessThanOrEqual(POSIX_MEMO_ENTRIES);
    const long = JSON.stringify({
      InitiatingProcessPosixEffectiveUser: { Name: 'x'.repeat(POSIX_MEMO_TEXT), PosixUserId: 5 },
    });
    const a = row({ AdditionalFields: long });
    const b = row({ AdditionalFields: long });
    expect(a.posix).not.toBe(b.posix);
    expect(a.posix).toEqual(b.posix);
    expect(a.posix.initiatingProcess.effectiveUser?.uid).toBe(5);
  });

  it('keeps texts that differ only between sampled characters apart, and exact', () => {
    // Texts of one length that differ in one digit the set hash does not read: they share a set.
    const text = (uid: number, pad: number): string =>
      JSON.stringify({ InitiatingProcessPosixEffectiveUser: { Name: 'svc', PosixUserId: uid }, Pad: 'p'.repeat(pad) });
    let pad = 200;
    for (;;) {
      const t = text(5551, pad);
      const at = t.indexOf('5551') + 3;
      const step = Math.floor(t.length / 48);
      if ((t.length - 1 - at) % step !== 0) break;
      pad++;
    }
    const uids = [5551, 5552, 5553, 5554];
    const views = uids.map((uid) => row({ AdditionalFields: text(uid, pad) }).posix);
    for (let round = 0; round < 3; round++) {
      for (const [i, uid] of uids.entries()) {
        const view = row({ AdditionalFields: text(uid, pad) }).posix;
        expect(view.initiatingProcess.effectiveUser?.uid).toBe(uid);
        expect(view).toEqual(views[i]);
      }
    }
    // Two texts alternating in one set both stay kept.
    const a = row({ AdditionalFields: text(5551, pad) }).posix;
    const b = row({ AdditionalFields: text(5552, pad) }).posix;
    expect(row({ AdditionalFields: text(5551, pad) }).posix).toBe(a);
    expect(row({ AdditionalFields: text(5552, pad) }).posix).toBe(b);
  });
});
