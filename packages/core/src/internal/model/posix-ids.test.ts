import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type JsonValue, type MdeEvent, type PosixInfo, parseJsonColumn } from './event.js';
import { normalizeRow } from './normalize.js';
import { buildPosix } from './posix.js';

const base = {
  Timestamp: '2025-11-07T06:46:38.29932Z',
  DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
  DeviceName: 'web-062',
  ActionType: 'ProcessCreated',
  ReportId: 4711,
};
const row = (text: string): MdeEvent =>
  normalizeRow({ ...base, AdditionalFields: text }, 'DeviceProcessEvents', { source: 't' }) as MdeEvent;

/** The view as the row alone gives it: the text parsed, nothing shared. */
function alone(text: string): PosixInfo {
  const parsed = row(text).json('AdditionalFields');
  return buildPosix(() => undefined, parsed === null ? undefined : (parsed as JsonValue), parseJsonColumn);
}

function deeplyFrozen(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  return Object.isFrozen(value) && Object.values(value).every(deeplyFrozen);
}

const ID_KEYS = [
  'InitiatingProcessPosixProcessGroupId',
  'InitiatingProcessPosixSessionId',
  'ProcessPosixProcessGroupId',
  'ProcessPosixSessionId',
];
const user = (name: string, uid: number): string =>
  `{"Sid":"S-1-5-18","Name":"${name}","DomainName":"web-062","LogonId":0,"PosixUserId":${uid},"PrimaryPosixGroup":{"Name":"${name}","PosixGroupId":${uid}}}`;

/** A slot where each row of a family writes its own literal (`#`): an id, or one that must not be read as one. */
const NUMBER = '#';
const member = fc.oneof(
  // An id key and a value: plain, or written so that it must not be read from the text.
  fc.record({
    key: fc.constantFrom(
      ...ID_KEYS,
      // Not the key, though a scan for its name finds it; and the key spelt with an escape.
      'a\\"InitiatingProcessPosixSessionId',
      '\\u0049nitiatingProcessPosixSessionId',
    ),
    colon: fc.constantFrom(':', ':', ':', ' :', ': '),
    value: fc.constantFrom(
      NUMBER,
      NUMBER,
      NUMBER,
      `-${NUMBER}`,
      `${NUMBER}.5`,
      `"${NUMBER}"`,
      `${NUMBER} `,
      '0',
      `{"InitiatingProcessPosixSessionId":${NUMBER}}`,
    ),
  }),
  fc.record({
    key: fc.constantFrom(
      'InitiatingProcessPosixEffectiveUser',
      'ProcessPosixEffectiveUser',
      'InitiatingProcessCurrentWorkingDirectory',
      'X',
    ),
    colon: fc.constant(':'),
    value: fc.constantFrom(
      user('root', 0),
      user('azureuser', 1000),
      '"/"',
      '"C:\\\\temp"',
      `{"ProcessPosixProcessGroupId":${NUMBER}}`,
      '"ProcessPosixSessionId"',
      `"a\\"ProcessPosixSessionId\\":${NUMBER}"`,
    ),
  }),
);
/** Mostly a few small ids, so that the rows of a family often repeat one; and literals that look like ids. */
const literal = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }).map(String) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 2 ** 40 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('05', '00', '0e5', '3e5', '1.5', '9007199254740993', '99999999999999999') },
);
/** A text with numbered slots: rows of one family differ in those numbers alone. */
const family = fc.record({
  members: fc.array(member, { minLength: 1, maxLength: 7 }),
  lead: fc.constantFrom('', '', ' '),
  numbers: fc.array(fc.array(literal, { minLength: 12, maxLength: 12 }), {
    minLength: 1,
    maxLength: 4,
  }),
});
function spell(
  members: readonly { key: string; colon: string; value: string }[],
  lead: string,
  numbers: string[],
): string {
  let n = 0;
  const body = members.map((m) => `"${m.key}"${m.colon}${m.value}`).join(',');
  return `${lead}{${body}}`.replaceAll(NUMBER, () => numbers[n++ % numbers.length] as string);
}

describe('the POSIX view shared by texts that differ in their process-group and session ids', () => {
  it('gives every row the view its own text gives, frozen, whatever the spelling', () => {
    fc.assert(
      fc.property(fc.array(family, { minLength: 1, maxLength: 6 }), (families) => {
        // Every family twice, interleaved: the second pass meets texts kept by the first.
        for (let pass = 0; pass < 2; pass++) {
          for (const f of families) {
            for (const numbers of f.numbers) {
              const text = spell(f.members, f.lead, numbers);
              const view = row(text).posix;
              expect(view).toEqual(alone(text));
              expect(deeplyFrozen(view)).toBe(true);
            }
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it("shares the accounts of one identity, and reads each row's ids from its own text", () => {
    const text = (pgid: number, sid: number): string =>
      `{"InitiatingProcessPosixEffectiveUser":${user('root', 0)},"InitiatingProcessPosixProcessGroupId":${pgid},"InitiatingProcessPosixSessionId":${sid},"ProcessPosixEffectiveUser":${user('root', 0)},"ProcessPosixSessionId":${sid + 1},"ProcessPosixProcessGroupId":${pgid + 1}}`;
    const first = row(text(164401, 164402)).posix;
    const second = row(text(70765, 9)).posix;
    expect(second).toEqual(alone(text(70765, 9)));
    expect(second.initiatingProcess).toMatchObject({ processGroupId: 70765, sessionId: 9 });
    expect(second.process).toMatchObject({ processGroupId: 70766, sessionId: 10 });
    // The key order of the row alone (the view may be written out).
    expect(Object.keys(second.process)).toEqual(Object.keys(alone(text(70765, 9)).process));
    expect(second.initiatingProcess.effectiveUser).toBe(first.initiatingProcess.effectiveUser);
    expect(row(text(164401, 164402)).posix).toBe(first);
  });

  it('reads nothing from the text when a nested object holds the key', () => {
    const text = (n: number): string =>
      `{"InitiatingProcessPosixEffectiveUser":{"Name":"svc","PosixUserId":7,"InitiatingProcessPosixSessionId":${n}}}`;
    expect(row(text(5)).posix.initiatingProcess.sessionId).toBeUndefined();
    expect(row(text(6)).posix.initiatingProcess.sessionId).toBeUndefined();
    expect(row(text(6)).posix).toEqual(alone(text(6)));
  });

  const K = 'InitiatingProcessPosixSessionId';
  it.each([
    ['an id of 16 digits', `{"${K}":5}`, `{"${K}":9007199254740993}`],
    ['a literal with an exponent', `{"${K}":0e5}`, `{"${K}":3e5}`],
    ['a literal with a leading zero', `{"${K}":5}`, `{"${K}":05}`],
    ['the key again in a nested object', `{"${K}":1,"X":{"${K}":1}}`, `{"${K}":1,"X":{"${K}":2}}`],
    [
      'the key spelt with an escape, and a key that ends like it',
      `{"\\u0049${K.slice(1)}":1,"a\\"${K}":1}`,
      `{"\\u0049${K.slice(1)}":1,"a\\"${K}":2}`,
    ],
  ])('gives the row its own view after a text that differs in %s', (_, kept, text) => {
    expect(row(kept).posix).toEqual(alone(kept));
    const view = row(text).posix;
    expect(view).toEqual(alone(text));
    expect(view.initiatingProcess.sessionId).toBe(alone(text).initiatingProcess.sessionId);
  });
});
