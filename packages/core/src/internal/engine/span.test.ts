import { describe, expect, it } from 'vitest';
import { FIRST, LAST, TimeSpan } from './span.js';

const at = (time: number, ticks: number, timestamp: string) => ({ time, ticks, timestamp });

describe('TimeSpan', () => {
  it('keeps the first and last instant with their text, ticks deciding within a millisecond', () => {
    const s = new TimeSpan();
    expect(s.first).toBe('');
    expect(s.add(at(1000, 5, 'b'))).toBe(FIRST | LAST);
    expect(s.add(at(1000, 4, 'a'))).toBe(FIRST);
    expect(s.add(at(1000, 6, 'c'))).toBe(LAST);
    expect(s.add(at(1000, 5, 'mid'))).toBe(0);
    expect([s.first, s.last]).toEqual(['a', 'c']);
  });

  it('on a tie the earlier row stays first and the later row becomes last', () => {
    const s = new TimeSpan();
    s.add(at(2000, 0, '…:02.0Z'));
    expect(s.add(at(2000, 0, '…:02.0000000Z'))).toBe(LAST);
    expect([s.first, s.last]).toEqual(['…:02.0Z', '…:02.0000000Z']);
  });
});
