import { describe, expect, it } from 'vitest';
import { compareInstants, parseTimestamp } from './time.js';

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
