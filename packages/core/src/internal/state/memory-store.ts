/**
 * The in-memory {@link StateStore}: for tests, and for a long-running process that keeps its state
 * only while it runs. Records are deep-copied on write and on read, so a caller that mutates a record
 * it wrote or read does not change the store. The records outlive `close()`: the same store opened
 * again has them (as a file store would), which is how tests share one store between analyzers.
 */
import type { JsonValue } from '../model/event.js';
import {
  checkKey,
  checkNamespace,
  checkOutboxKeys,
  checkWrite,
  compareKeys,
  copyJsonValue,
  notOpen,
} from './checks.js';
import { type OutboxEntry, STATE_NAMESPACES, type StateNamespace, type StateStore, type StateWrite } from './types.js';

/**
 * A {@link StateStore} in memory. Nothing survives the process; use `jsonFileStateStore` or
 * `sqliteStateStore` of `@tripline/state` to keep state between runs.
 *
 * ```ts
 * const store = memoryStateStore();
 * const analyzer = createAnalyzer({ detectors, state: { store } });
 * ```
 */
export function memoryStateStore(): StateStore {
  return new MemoryStateStore();
}

class MemoryStateStore implements StateStore {
  readonly kind = 'memory';
  #open = false;
  readonly #records = new Map<StateNamespace, Map<string, JsonValue>>(STATE_NAMESPACES.map((ns) => [ns, new Map()]));
  #outbox: OutboxEntry[] = [];

  async open(): Promise<void> {
    this.#open = true;
  }

  async read(ns: StateNamespace): Promise<ReadonlyMap<string, JsonValue>> {
    this.#check('read');
    const records = this.#namespace(checkNamespace(ns, 'read'));
    const keys = [...records.keys()].sort(compareKeys);
    return new Map(keys.map((k) => [k, copyJsonValue(records.get(k), `read ${ns}/${k}`)]));
  }

  async get(ns: StateNamespace, key: string): Promise<JsonValue | undefined> {
    this.#check('get');
    const value = this.#namespace(checkNamespace(ns, 'get')).get(checkKey(key, 'get'));
    return value === undefined ? undefined : copyJsonValue(value, `get ${ns}/${key}`);
  }

  async write(batch: StateWrite): Promise<void> {
    this.#check('write');
    // Everything that can fail happens before the first change: the check and copy of the values.
    const w = checkWrite(batch);
    const pending = new Set(this.#outbox.map((o) => o.key));
    checkOutboxKeys(w, (key) => pending.has(key));
    for (const ns of w.replace) this.#namespace(ns).clear();
    for (const d of w.delete) this.#namespace(d.ns).delete(d.key);
    for (const p of w.put) this.#namespace(p.ns).set(p.key, p.value);
    const delivered = new Set(w.delivered);
    this.#outbox = [...this.#outbox.filter((o) => !delivered.has(o.key)), ...w.outbox];
  }

  async outbox(): Promise<readonly OutboxEntry[]> {
    this.#check('outbox');
    return this.#outbox.map((o) => ({
      key: o.key,
      payload: copyJsonValue(o.payload, `outbox ${o.key}`),
      queuedAt: o.queuedAt,
    }));
  }

  async close(): Promise<void> {
    this.#open = false;
  }

  #check(method: string): void {
    if (!this.#open) throw notOpen(this.kind, method);
  }

  #namespace(ns: StateNamespace): Map<string, JsonValue> {
    return this.#records.get(ns) as Map<string, JsonValue>;
  }
}
