import { afterEach, describe, expect, it } from 'vitest';
import { parseIsoTime } from '../src/internal/generated-at.js';

describe('--generated-at', () => {
  const saved = process.env.TZ;
  afterEach(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it('reads a time without a zone as UTC, whatever the host time zone', () => {
    for (const zone of ['UTC', 'Asia/Tokyo', 'America/Los_Angeles']) {
      process.env.TZ = zone;
      expect(parseIsoTime('2025-01-31T12:00'), zone).toBe('2025-01-31T12:00:00.000Z');
      expect(parseIsoTime('2025-01-31 12:00:05.5'), zone).toBe('2025-01-31T12:00:05.500Z');
    }
  });

  it('reads dates, UTC times and offsets as before', () => {
    expect(parseIsoTime('2025-01-31')).toBe('2025-01-31T00:00:00.000Z');
    expect(parseIsoTime(' 2025-01-31T12:00:00Z ')).toBe('2025-01-31T12:00:00.000Z');
    expect(parseIsoTime('2025-01-31T12:00:00+01:00')).toBe('2025-01-31T11:00:00.000Z');
    expect(parseIsoTime('2025-01-31T12:00:00.1234567Z')).toBe('2025-01-31T12:00:00.123Z');
  });

  it('refuses what is not an ISO time', () => {
    for (const text of [
      'yesterday',
      '',
      '2025-13-01',
      '2025-02-30T00:00:00Z',
      'Oct 9, 2024 2:40:09 PM',
      '2025-01-31T12:00:00+99:99',
    ])
      expect(parseIsoTime(text), text).toBeUndefined();
  });
});
