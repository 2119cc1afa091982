import { describe, expect, it } from 'vitest';
import { compareInstants, isDisplayTime, parseTimestamp, TimeZone } from './time.js';

describe('parseTimestamp', () => {
  it.each([
    ['2025-11-07T06:40:09.38102Z', '2025-11-07T06:40:09.38102Z'],
    ['2025-11-07T06:46:02.9561661Z', '2025-11-07T06:46:02.9561661Z'],
    ['2025-11-07T06:40:09Z', '2025-11-07T06:40:09Z'],
    ['2024-12-04T13:38:20.360851', '2024-12-04T13:38:20.360851Z'],
    ['2026-07-18T14:08:56.0000000', '2026-07-18T14:08:56.0000000Z'],
    ['2025-11-07 06:40:09.5', '2025-11-07T06:40:09.5Z'],
    ['2025-11-07T08:40:09.5+02:00', '2025-11-07T06:40:09.5Z'],
    ['Oct 9, 2024 2:40:09 PM', '2024-10-09T14:40:09Z'],
    ['Oct 10, 2024 9:36:30 AM', '2024-10-10T09:36:30Z'],
    ['Dec 1, 2024 12:05:00 AM', '2024-12-01T00:05:00Z'],
    ['10/9/2024 2:40:09 PM', '2024-10-09T14:40:09Z'],
  ])('%s → %s', (input, iso) => {
    expect(parseTimestamp(input)?.iso).toBe(iso);
  });

  it('keeps sub-millisecond order that Date loses', () => {
    const a = parseTimestamp('2025-11-07T06:46:38.2969511Z')!;
    const b = parseTimestamp('2025-11-07T06:46:38.2969519Z')!;
    expect(a.ms).toBe(b.ms);
    expect(compareInstants(a.ms, a.ticks, b.ms, b.ticks)).toBeLessThan(0);
    const c = parseTimestamp('2025-11-07T06:46:38.381Z')!;
    const d = parseTimestamp('2025-11-07T06:46:38.3810001Z')!;
    expect(compareInstants(c.ms, c.ticks, d.ms, d.ticks)).toBeLessThan(0);
  });

  it.each(['', 'Invalid date', 'yesterday', '2025-02-30T00:00:00Z', '2025-13-01T00:00:00Z', '12345'])(
    'rejects %j',
    (input) => {
      expect(parseTimestamp(input)).toBeUndefined();
    },
  );
});

describe('parseTimestamp: years and offsets', () => {
  it.each([
    ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00Z'],
    ['0050-06-15T00:00:00Z', '0050-06-15T00:00:00Z'],
    ['0099-12-31T23:59:59Z', '0099-12-31T23:59:59Z'],
    ['0100-01-01T00:00:00Z', '0100-01-01T00:00:00Z'],
    ['0004-02-29T12:00:00.5Z', '0004-02-29T12:00:00.5Z'],
    ['0099-12-31T23:30:00-01:00', '0100-01-01T00:30:00Z'],
    ['1/2/0042 3:04:05 PM', '0042-01-02T15:04:05Z'],
    ['9999-12-31T23:59:59.9999999Z', '9999-12-31T23:59:59.9999999Z'],
  ])('keeps year %s as written → %s', (input, iso) => {
    expect(parseTimestamp(input)?.iso).toBe(iso);
  });

  it('orders years 0000–0099 before 0100 and after each other', () => {
    const a = parseTimestamp('0050-01-01T00:00:00Z')!;
    const b = parseTimestamp('0099-12-31T23:59:59Z')!;
    const c = parseTimestamp('0100-01-01T00:00:00Z')!;
    expect(a.ms).toBe(new Date('0050-01-01T00:00:00Z').getTime());
    expect(a.ms).toBeLessThan(b.ms);
    expect(c.ms - b.ms).toBe(1000);
  });

  it.each([
    ['2025-11-07T06:46:38+23:59', '2025-11-06T06:47:38Z'],
    ['2025-11-07T06:46:38-23:59', '2025-11-08T06:45:38Z'],
    ['2025-11-07T06:46:38+14:00', '2025-11-06T16:46:38Z'],
    ['2025-11-07T06:46:38+0530', '2025-11-07T01:16:38Z'],
    ['2025-11-07T06:46:38-00:00', '2025-11-07T06:46:38Z'],
  ])('accepts the RFC 3339 offset of %s', (input, iso) => {
    expect(parseTimestamp(input)?.iso).toBe(iso);
  });

  it.each([
    '2025-11-07T06:46:38+99:99',
    '2025-11-07T06:46:38+24:00',
    '2025-11-07T06:46:38-24:00',
    '2025-11-07T06:46:38+01:60',
    '2025-11-07T06:46:38+0199',
    '0000-01-01T00:30:00+01:00',
    '9999-12-31T23:30:00-01:00',
    '2025-11-07T24:00:00Z',
    '2025-02-29T00:00:00Z',
  ])('rejects %s', (input) => {
    expect(parseTimestamp(input)).toBeUndefined();
  });
});

describe('TimeZone', () => {
  const berlin = TimeZone.of('Europe/Berlin')!;
  const local = (zone: TimeZone, text: string) => {
    const r = zone.parse(text);
    return 'time' in r ? [r.kind, r.time.iso] : [r.kind];
  };

  it('knows IANA names in any case and rejects others', () => {
    expect(berlin.name).toBe('Europe/Berlin');
    expect(TimeZone.of('europe/berlin')?.name).toBe('Europe/Berlin');
    expect(TimeZone.of('UTC')?.name).toBe('UTC');
    for (const bad of ['Mars/Base', 'Europe/Berlin ', '', '+01:00', 'CEST2', 'x'.repeat(100)]) {
      expect(TimeZone.of(bad)).toBeUndefined();
    }
  });

  it.each<[string, string, string?]>([
    // Winter (CET, +01:00) and summer (CEST, +02:00), Log Analytics and portal display forms.
    ['11/7/2025, 6:40:09.381 AM', 'exact', '2025-11-07T05:40:09.381Z'],
    ['7/1/2025, 12:00:00.000 AM', 'exact', '2025-06-30T22:00:00.000Z'],
    ['Oct 9, 2024 2:40:09 PM', 'exact', '2024-10-09T12:40:09Z'],
    ['2025-01-15T10:00:00.1234567', 'exact', '2025-01-15T09:00:00.1234567Z'],
    // Spring forward, 2025-03-30: 02:00 CET becomes 03:00 CEST; 02:00–02:59 never happens.
    ['3/30/2025, 1:59:59.999 AM', 'exact', '2025-03-30T00:59:59.999Z'],
    ['3/30/2025, 2:00:00.000 AM', 'skipped'],
    ['3/30/2025, 2:30:00.000 AM', 'skipped'],
    ['3/30/2025, 3:00:00.000 AM', 'exact', '2025-03-30T01:00:00.000Z'],
    // Fall back, 2025-10-26: 03:00 CEST becomes 02:00 CET; 02:00–02:59 happens twice.
    ['10/26/2025, 1:59:59.000 AM', 'exact', '2025-10-25T23:59:59.000Z'],
    ['10/26/2025, 2:00:00.000 AM', 'ambiguous', '2025-10-26T00:00:00.000Z'],
    ['10/26/2025, 2:59:59.999 AM', 'ambiguous', '2025-10-26T00:59:59.999Z'],
    ['10/26/2025, 3:00:00.000 AM', 'exact', '2025-10-26T02:00:00.000Z'],
    // A time that names its zone is read as written.
    ['2025-03-30T02:30:00Z', 'zoned', '2025-03-30T02:30:00Z'],
    ['2025-10-26T02:30:00+05:00', 'zoned', '2025-10-25T21:30:00Z'],
    ['2/30/2025, 1:00:00 AM', 'invalid'],
    ['not a date', 'invalid'],
  ])('Europe/Berlin %s → %s %s', (text, kind, iso) => {
    expect(local(berlin, text)).toEqual(iso === undefined ? [kind] : [kind, iso]);
  });

  it('converts every 29 minutes of a year and back (America/New_York, Australia/Lord_Howe, Asia/Kathmandu)', () => {
    for (const name of ['America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Europe/Berlin']) {
      const zone = TimeZone.of(name)!;
      const wallOf = new Intl.DateTimeFormat('sv-SE', {
        timeZone: name,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      });
      // Every 29 minutes through 2025: each real instant, written as its local wall time, comes back.
      for (let ms = Date.UTC(2025, 0, 1); ms < Date.UTC(2026, 0, 1); ms += 29 * 60_000) {
        const wall = wallOf.format(ms).replace(' ', 'T');
        const r = zone.parse(wall);
        expect(r.kind === 'exact' || r.kind === 'ambiguous').toBe(true);
        if (r.kind === 'exact') expect(r.time.ms).toBe(ms);
        // The repeated hour reads as its first occurrence: the instant itself or one change earlier.
        if (r.kind === 'ambiguous') expect(r.time.ms <= ms).toBe(true);
      }
    }
  });

  it('converts years before 0100 without reading them as 19xx', () => {
    const utc = TimeZone.of('UTC')!;
    expect(local(utc, '0050-06-15T12:00:00')).toEqual(['exact', '0050-06-15T12:00:00Z']);
  });
});

describe('isDisplayTime', () => {
  it.each([
    ['Oct 9, 2024 2:40:09 PM', true],
    ['11/7/2025, 6:40:09.381 AM', true],
    ['10/9/2024 2:40:09 PM', true],
    ['2025-11-07T06:40:09Z', false],
    ['2025-11-07 06:40:09', false],
    ['Invalid date', false],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(isDisplayTime(text)).toBe(expected);
  });
});
