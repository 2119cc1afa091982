import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CALLING_THREAD_SHARE, DeviceScanner, lineDeviceId, shardOf } from './scan.js';

const ID = '69969d2461e9a57bd4740c46fd27c5b4680c18b4';
const record = (properties: string, before = '"category":"AdvancedHunting-DeviceLogonEvents",') =>
  `{"time":"2025-11-07T00:03:42.9016146Z","tenantId":"5d0c7f3e",${before}"properties":{${properties}},"Tenant":"DefaultTenant"}`;

describe('lineDeviceId', () => {
  it('reads the DeviceId of a streaming record and of a bare row', () => {
    expect(lineDeviceId(record(`"DeviceId":"${ID}","DeviceName":"srv0000"`))).toBe(ID);
    expect(lineDeviceId(`{"Timestamp":"2025-11-07T00:03:42Z","DeviceId" : " ${ID} ","DeviceName":"srv0000"}`)).toBe(ID);
  });

  it('leaves to the parser every line whose text does not settle the device exactly', () => {
    // Several DeviceIds: an envelope of records.
    expect(
      lineDeviceId(`{"records":[${record(`"DeviceId":"${ID}"`)},${record('"DeviceId":"other"')}]}`),
    ).toBeUndefined();
    // Escaped, blank, null-like, not a string.
    expect(lineDeviceId(record('"DeviceId":"\\u0036996"'))).toBeUndefined();
    expect(lineDeviceId(record('"DeviceId":"  "'))).toBeUndefined();
    expect(lineDeviceId(record('"DeviceId":"None"'))).toBeUndefined();
    expect(lineDeviceId(record('"DeviceId":12345'))).toBeUndefined();
    // Nested deeper than the row (the row's device is then its DeviceName).
    expect(lineDeviceId(`{"Timestamp":"x","AdditionalFields":{"DeviceId":"${ID}"}}`)).toBeUndefined();
    // A record whose category comes after its properties, or repeats.
    expect(lineDeviceId(`{"properties":{"DeviceId":"${ID}"},"category":"AdvancedHunting-DeviceInfo"}`)).toBeUndefined();
    expect(lineDeviceId(record(`"DeviceId":"${ID}"`, '"category":"A","category":"B",'))).toBeUndefined();
    // A bare row beside a properties object; a bare row while the input's withsource column is unknown.
    expect(lineDeviceId(`{"DeviceId":"${ID}","properties":{}}`)).toBeUndefined();
    expect(lineDeviceId(`{"Timestamp":"x","DeviceId":"${ID}"}`, false)).toBeUndefined();
    // The key inside a string value is no key.
    expect(lineDeviceId(`{"Timestamp":"x","Note":"{\\"DeviceId\\":\\"${ID}\\"}"}`)).toBeUndefined();
  });
});

describe('shardOf', () => {
  const spread = (shards: number): number[] => {
    const counts = new Array<number>(shards).fill(0);
    for (let i = 0; i < 30_000; i++) counts[shardOf(`${(i * 2654435761) >>> 0}`.padStart(40, 'a'), shards)]!++;
    return counts.map((c) => c / 30_000);
  };

  it('is stable, and one shard takes every device', () => {
    expect(shardOf(ID, 2)).toBe(shardOf(ID, 2));
    expect(shardOf(ID, 1)).toBe(0);
  });

  it('gives the calling thread (shard 0) CALLING_THREAD_SHARE of what each other shard gets', () => {
    for (const shards of [2, 3, 8]) {
      const share = spread(shards);
      const other = 1 / (CALLING_THREAD_SHARE + shards - 1);
      expect(share[0]).toBeCloseTo(CALLING_THREAD_SHARE * other, 1);
      for (let s = 1; s < shards; s++) expect(share[s]).toBeCloseTo(other, 1);
    }
  });

  it('spreads ids that differ only in their first characters', () => {
    const counts = [0, 0];
    for (let i = 0; i < 1000; i++) counts[shardOf(`${i}-device`, 2)]!++;
    expect(counts[0]).toBeGreaterThan(250);
    expect(counts[1]).toBeGreaterThan(550);
  });
});

// The reading of the text this module replaced (the main thread decoded every line and read it as a
// string): the scan of bytes must give the same answer on every line.
const KEY = '"DeviceId"';

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09;

function once(line: string, text: string): boolean {
  const at = line.indexOf(text);
  return at !== -1 && line.indexOf(text, at + text.length) === -1;
}

/**
 * The `DeviceId` the event of this line will have, when the text alone says it exactly: one
 * `"DeviceId"` in the whole line, a string without escapes, not blank, the key of a bare row (no
 * `properties` in the line) or of a streaming record's `properties` (with its `category` before it).
 * Undefined otherwise: envelopes of many records, escaped or odd values, nested copies, rows without
 * the column (whose device is their DeviceName) — the caller then parses the line.
 *
 * `bareRows`: whether a bare row may be settled here (false while the input's `union withsource=`
 * column is unknown: such rows are read in order by the one reader that settles it).
 */
function oracle(line: string, bareRows = true): string | undefined {
  const at = line.indexOf(KEY);
  if (at === -1 || line.indexOf(KEY, at + KEY.length) !== -1) return undefined;
  // The value: optional blanks, a colon, optional blanks, a string without escapes.
  let i = at + KEY.length;
  while (i < line.length && isSpace(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 0x3a /* : */) return undefined;
  i++;
  while (i < line.length && isSpace(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 0x22 /* " */) return undefined;
  const end = line.indexOf('"', i + 1);
  if (end === -1) return undefined;
  const value = line.slice(i + 1, end);
  if (value.includes('\\')) return undefined;
  const id = value.trim();
  // Blank (the event's device is then its DeviceName) or the az CLI's null: parse to be sure.
  if (id === '' || id === 'None') return undefined;
  const where = keyContext(line, at);
  if (where === 'row') return bareRows && !line.includes('"properties"') ? id : undefined;
  // A record whose keys repeat (the last one wins in JSON.parse) is left to the parser.
  return where === 'properties' && once(line, '"properties"') && once(line, '"category"') ? id : undefined;
}

/**
 * Where the key at `at` stands: a key of the top-level object (`row`), a key of the object that is the
 * value of a top-level `"properties"` whose top-level object also has a string `"category"` before it
 * (`properties`: a streaming record), or somewhere else. One pass over the text before the key.
 */
function keyContext(line: string, at: number): 'row' | 'properties' | undefined {
  let depth = 0;
  let inString = false;
  let stringStart = -1;
  /** The last top-level key read, and whether a top-level `category` with a string value was seen. */
  let lastKey = '';
  let category = false;
  let inProperties = false;
  for (let i = 0; i < at; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22) {
        inString = false;
        if (depth === 1) {
          // A top-level string: a key when a colon follows.
          let j = i + 1;
          while (j < at && isSpace(line.charCodeAt(j))) j++;
          if (line.charCodeAt(j) === 0x3a) lastKey = line.slice(stringStart + 1, i);
          else if (lastKey === 'category') category = true;
        }
      }
      continue;
    }
    if (c === 0x22) {
      inString = true;
      stringStart = i;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth === 2) inProperties = c === 0x7b && lastKey === 'properties';
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      if (depth < 2) inProperties = false;
    }
  }
  if (inString) return undefined;
  if (depth === 1) return 'row';
  return depth === 2 && inProperties && category ? 'properties' : undefined;
}

const pieces = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  ' ',
  '\\',
  '"',
  '\\"',
  '"DeviceId"',
  '"properties"',
  '"category"',
  '"records"',
  '"x"',
  'DeviceId"',
  '"DeviceId',
  'properties"',
  '"category',
  `"${ID}"`,
  '"None"',
  '"  "',
  '"é ü"',
  '"\\u0036"',
  '12',
  'null',
  '"AdvancedHunting-DeviceInfo"',
  '\t',
  '\r',
];
/** Lines made of JSON-ish pieces (valid or not) and real shapes with their keys moved about. */
const lineArb = fc.oneof(
  fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((p) => p.join('')),
  fc
    .record({
      before: fc.constantFrom('', '"category":"AdvancedHunting-DeviceLogonEvents",', '"category":"A","category":"B",'),
      props: fc.array(
        fc.constantFrom(
          `"DeviceId":"${ID}"`,
          '"DeviceId" : " a-b "',
          '"DeviceName":"srv"',
          '"DeviceId":"é"',
          '"properties":{}',
        ),
        { maxLength: 3 },
      ),
      after: fc.constantFrom('', ',"category":"C"', ',"properties":{}', ',"Note":"\\"DeviceId\\""'),
    })
    .map(({ before, props, after }) => `{"time":"t",${before}"properties":{${props.join(',')}}${after}}`),
  fc
    .array(
      fc.constantFrom(
        `"DeviceId":"${ID}"`,
        '"Timestamp":"x"',
        '"properties":1',
        '"DeviceId":"other"',
        '"A":{"DeviceId":"n"}',
      ),
      { maxLength: 4 },
    )
    .map((p) => `{${p.join(',')}}`),
);

describe('DeviceScanner: the bytes say what the text said', () => {
  it('counts a key that shares its opening quote with the end of another', () => {
    // A bare row; its "properties" begins at the closing quote of the value "category".
    const line = `{"DeviceId":"${ID}","z":"category"properties":1}`;
    expect(oracle(line, true)).toBeUndefined();
    expect(lineDeviceId(line)).toBeUndefined();
  });

  it('gives the answer of the text on every line, alone or among other lines of one chunk', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 8 }), fc.boolean(), (lines, bare) => {
        // Every line alone, then all of them in one buffer scanned in order by one scanner (its
        // remembered searches must never answer for a neighbouring line).
        for (const line of lines) expect(lineDeviceId(line, bare)).toBe(oracle(line, bare));
        const buf = Buffer.from(lines.join('\n'), 'utf8');
        const scanner = new DeviceScanner();
        let start = 0;
        for (const line of lines) {
          const end = start + Buffer.byteLength(line, 'utf8');
          expect(scanner.deviceId(buf, start, end, bare)).toBe(oracle(line, bare));
          start = end + 1;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
