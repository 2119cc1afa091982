/**
 * The lease table (src/nats/leases.ts) against a real nats-server, at the interleavings a loaded machine
 * produces: a partition released (drained after a revocation) while a heartbeat is renewing its lease.
 */
import { connect, type KV, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseTable, leaseKey } from '../src/nats/leases.js';
import { type NatsServer, natsAvailability, startNatsServer } from './nats-server.js';

const { binary, skip } = natsAvailability();
const WAIT = 120_000;

/** `kv` with a hook called right after each `update` request is sent (before its answer). */
function hooked(kv: KV, onUpdate: (key: string) => void): KV {
  return new Proxy(kv, {
    get(target, property, receiver) {
      if (property === 'update') {
        return (key: string, value: string, revision: number) => {
          const sent = target.update(key, value, revision);
          onUpdate(key);
          return sent;
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe.skipIf(skip !== undefined)('NATS lease table (real nats-server)', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let buckets = 0;

  beforeAll(async () => {
    server = await startNatsServer(binary as string);
    nc = await connect({ servers: server.url });
  }, WAIT);
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it(
    'a lease released while a heartbeat renews it stays released (no owner renewing a lease it gave up)',
    async () => {
      const kv = await nc.jetstream().views.kv(`leases${++buckets}`, { history: 1 });
      let release: Promise<void> | undefined;
      let table: LeaseTable | undefined;
      const hookedKv = hooked(kv, (key) => {
        // The partition's drain ends while the heartbeat's renewal of its lease is on the wire.
        if (key === leaseKey('0') && armed && !release) release = table?.release('0');
      });
      let armed = false;
      table = new LeaseTable(hookedKv, 'b', ['0', '1'], 4000);
      await table.start();
      try {
        const first = await table.heartbeat(new Set(), new Set());
        expect([...first.claimed].sort()).toEqual(['0', '1']);
        armed = true;
        await table.heartbeat(new Set(['0']), new Set(['0', '1']));
        expect(release).toBeDefined();
        await release;
        // Released: not held here, and the key is gone, so the member it is assigned to can create it.
        expect(table.owned()).toEqual(['1']);
        const entry = await kv.get(leaseKey('0'));
        expect(entry === null || entry.operation !== 'PUT').toBe(true);
        // And the next heartbeats neither renew it nor hand it back as this member's to drain.
        armed = false;
        const next = await table.heartbeat(new Set(), new Set(['1']), false);
        expect(next.revoke).toEqual([]);
        expect(table.owned()).toEqual(['1']);
        const after = await kv.get(leaseKey('0'));
        expect(after === null || after.operation !== 'PUT').toBe(true);
      } finally {
        await table.stop();
      }
    },
    WAIT,
  );
});
