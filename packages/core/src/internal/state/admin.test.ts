import { describe, expect, it } from 'vitest';
import { isTriplineError } from '../errors.js';
import type { JsonValue } from '../model/event.js';
import { acknowledge, listState, suppress, unsuppress } from './admin.js';
import { memoryStateStore } from './memory-store.js';
import { deliver } from './outbox.js';
import type { OutboxEntry, StateStore } from './types.js';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const now = () => NOW;

async function opened(): Promise<StateStore> {
  const store = memoryStateStore();
  await store.open();
  await store.write({
    put: [
      {
        ns: 'alerts',
        key: '["default","a1"]',
        value: {
          id: 'a1',
          stream: 'default',
          detector: 'defender/encoded-powershell',
          device: 'dev-1',
          deviceName: 'ws-01.contoso.local',
          key: 'powershell.exe',
          title: 'Encoded PowerShell',
          severity: 'high',
          count: 3,
          firstSeen: '2026-12-01T10:00:00.000Z',
          lastSeen: '2026-12-01T10:05:00.000Z',
          status: 'active',
          revision: 1,
          lastEvidenceAt: '2026-12-01T11:00:00.000Z',
          lastNotifiedAt: '2026-12-01T11:00:00.000Z',
          notifiedRevision: 1,
          handledBy: null,
        },
      },
    ],
  });
  return store;
}

async function message(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    expect(isTriplineError(error, 'option-invalid')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('acknowledge, suppress, unsuppress, listState', () => {
  it('stores suppressions with ids, times in UTC and a duration turned into an expiry', async () => {
    const store = await opened();
    const ack = await acknowledge(store, { alert: 'a1', reason: 'ticket SEC-12', author: 'alice' }, { now });
    expect(ack).toEqual({
      id: 'ack-1',
      action: 'acknowledge',
      match: { alert: 'a1' },
      reason: 'ticket SEC-12',
      author: 'alice',
      created: '2026-12-01T12:00:00.000Z',
    });
    const sup = await suppress(
      store,
      { detector: 'sigma/*', device: 'build-*', reason: 'CI runners', author: 'bot', expires: 'P7D' },
      { now },
    );
    expect(sup.id).toBe('sup-1');
    expect(sup.expires).toBe('2026-12-08T12:00:00.000Z');
    const sup2 = await suppress(
      store,
      { key: '*.tmp', reason: 'r', author: 'bot', expires: '2026-12-02T01:00:00+01:00' },
      { now },
    );
    expect(sup2.id).toBe('sup-2');
    expect(sup2.expires).toBe('2026-12-02T00:00:00.000Z');
    const listing = await listState(store, { now: () => new Date('2026-12-03T00:00:00.000Z') });
    expect(listing.alerts.map((a) => a.id)).toEqual(['a1']);
    expect(listing.suppressions.map((s) => `${s.id}:${s.expired}`)).toEqual([
      'ack-1:false',
      'sup-1:false',
      'sup-2:true',
    ]);
    expect(listing.outbox).toBe(0);
    expect((await unsuppress(store, 'sup-1')).id).toBe('sup-1');
    expect((await listState(store, { now })).suppressions.map((s) => s.id)).toEqual(['ack-1', 'sup-2']);
  });

  it('refuses bad input with one clear message naming the field', async () => {
    const store = await opened();
    expect(await message(suppress(store, { reason: 'r', author: 'a' }))).toBe(
      'suppress: give at least one of alert, detector, device, key',
    );
    expect(await message(suppress(store, { detector: 'x', reason: '  ', author: 'a' }))).toBe(
      'suppress: reason: reason must not be empty',
    );
    expect(await message(suppress(store, { detector: 'x', reason: 'r', author: 'a', colour: 'red' } as never))).toBe(
      'suppress: colour: unknown key',
    );
    expect(await message(acknowledge(store, { alert: 'nope', reason: 'r', author: 'a' }))).toContain(
      'acknowledge: no alert "nope" in this state',
    );
    expect(
      await message(suppress(store, { detector: 'x', reason: 'r', author: 'a', expires: 'tomorrow' }, { now })),
    ).toContain('expires: expected an ISO 8601 time or duration');
    expect(
      await message(
        suppress(store, { detector: 'x', reason: 'r', author: 'a', expires: '2026-01-01T00:00:00Z' }, { now }),
      ),
    ).toBe('suppress: expires: 2026-01-01T00:00:00Z is not in the future');
    expect(await message(unsuppress(store, 'sup-9'))).toBe('unsuppress: no suppression "sup-9" (known: none)');
    expect((await listState(store, { now })).suppressions).toEqual([]);
  });
});

describe('deliver', () => {
  const entry = (key: string): OutboxEntry => ({ key, payload: { key } as JsonValue, queuedAt: NOW.toISOString() });

  it('sends in queue order and marks each delivered; a failure stops there and keeps the rest', async () => {
    const store = await opened();
    await store.write({ outbox: [entry('a:1'), entry('b:1'), entry('c:1')] });
    const sent: string[] = [];
    await expect(
      deliver(store, (e) => {
        if (e.key === 'b:1') throw new Error('webhook answered HTTP 503');
        sent.push(e.key);
      }),
    ).rejects.toThrow('HTTP 503');
    expect(sent).toEqual(['a:1']);
    expect((await store.outbox()).map((e) => e.key)).toEqual(['b:1', 'c:1']);
    expect(await deliver(store, (e) => void sent.push(e.key))).toEqual({ delivered: 2 });
    expect(sent).toEqual(['a:1', 'b:1', 'c:1']);
    expect(await store.outbox()).toEqual([]);
  });
});
