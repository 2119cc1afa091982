import { describe, expect, it } from 'vitest';
import { lineDeviceId, shardOf } from './scan.js';

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
  it('is stable and spreads devices over the shards', () => {
    expect(shardOf(ID, 2)).toBe(shardOf(ID, 2));
    const counts = [0, 0];
    for (let i = 0; i < 1000; i++) counts[shardOf(`device-${i}`, 2)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(400);
  });
});
