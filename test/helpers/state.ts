import type { JsonValue, OutboxEntry, StateNamespace, StateStore, StateWrite } from '@tripline/core';

/** A Map-backed store for the split tests: records copied on write and read, like a file would. */
export function memoryStore(): StateStore {
  const data = new Map<StateNamespace, Map<string, string>>();
  const ns = (n: StateNamespace) => {
    let m = data.get(n);
    if (!m) data.set(n, (m = new Map()));
    return m;
  };
  return {
    kind: 'test-memory',
    open: async () => {},
    close: async () => {},
    read: async (n) =>
      new Map([...ns(n)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, JSON.parse(v)])),
    get: async (n, k) => {
      const v = ns(n).get(k);
      return v === undefined ? undefined : (JSON.parse(v) as JsonValue);
    },
    write: async (w: StateWrite) => {
      for (const n of w.replace ?? []) ns(n).clear();
      for (const d of w.delete ?? []) ns(d.ns).delete(d.key);
      for (const p of w.put ?? []) ns(p.ns).set(p.key, JSON.stringify(p.value));
    },
    outbox: async (): Promise<readonly OutboxEntry[]> => [],
  };
}
