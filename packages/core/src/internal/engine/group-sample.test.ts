import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../testing.js';
import { prng as random } from '../ingest/testkit.js';
import type { MdeEvent } from '../model/event.js';
import { GroupAcc } from './group.js';

const DEVICE = '875524232b2377b606ca585f2a6692b5be921b94';

function event(second: number, fraction: number, n: number): MdeEvent {
  return makeEvent('DeviceProcessEvents', {
    Timestamp: `2025-11-07T00:00:${String(second).padStart(2, '0')}.${String(fraction).padStart(7, '0')}Z`,
    DeviceId: DEVICE,
    DeviceName: 'srv',
    ActionType: 'ProcessCreated',
    FileName: `f${n}`,
    ReportId: 1000 + n,
  });
}

describe('the evidence sample', () => {
  it('keeps the earliest events (input order on ties) in any arrival order, also across save and restore (property)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      const limit = 1 + Math.floor(next() * 4);
      const n = Math.floor(next() * 30);
      // Few distinct instants, sub-millisecond ticks included, so that ties and tick order matter.
      const events = Array.from({ length: n }, (_, i) =>
        event(Math.floor(next() * 6), Math.floor(next() * 3) * 1234, i),
      );
      const cut = Math.floor(next() * (n + 1));
      const match = { key: 'k' };
      let g = new GroupAcc('t/d', DEVICE, 'k', 'low', limit, false);
      for (let i = 0; i < n; i++) {
        if (i === cut) {
          // A later batch goes on from the saved sample as if it had seen the earlier matches itself.
          const kept = new Map(g.events.map((e) => [e.reportId!, e]));
          const saved = g.save((e) => e.reportId as never);
          g = new GroupAcc('t/d', DEVICE, 'k', 'low', limit, false);
          g.restore(saved, (id) => kept.get(id as unknown as string)!);
        }
        g.addOne(match, events[i]!);
      }
      const want = events
        .map((e, i) => ({ e, i }))
        .sort((a, b) => a.e.time - b.e.time || a.e.ticks - b.e.ticks || a.i - b.i)
        .slice(0, limit)
        .map(({ e }) => e.reportId);
      expect({ seed, kept: g.events.map((e) => e.reportId) }).toEqual({ seed, kept: want });
    }
  });
});
