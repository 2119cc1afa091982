import { describe, expect, it } from 'vitest';
import { memoryBroker } from '../src/memory.js';
import { NO_DEVICE_KEY, partitionOf } from '../src/partition.js';
import { deviceIdOf, recordsOf, rekey, rowsOf } from '../src/rekey.js';
import { fleetRecords, until } from './conformance.js';

describe('rowsOf / deviceIdOf', () => {
  it('splits an Event Hubs body into its records, as their exact text (64-bit integers kept)', () => {
    const a =
      '{"category":"AdvancedHunting-DeviceEvents","properties":{"DeviceId":"d1","ReportId":639199803770470015}}';
    const b = '{"properties":{"DeviceId":"d2","Note":"a ] and a } and \\" in text"}}';
    const body = ` {"operationName":"x","records" : [ ${a} ,\n${b}], "more": 1}`;
    expect(recordsOf(body)).toEqual([a, b]);
    expect(rowsOf(new TextEncoder().encode(body))).toEqual([a, b]);
    expect(deviceIdOf(a)).toBe('d1');
  });

  it('reads NDJSON and single rows line by line; finds DeviceId on bare rows', () => {
    expect(rowsOf('{"DeviceId":"x"}\r\n\n{"DeviceId":"y"}\n')).toEqual(['{"DeviceId":"x"}', '{"DeviceId":"y"}']);
    expect(deviceIdOf('{"DeviceId":" x "}')).toBe('x');
    expect(deviceIdOf('{"DeviceId":""}')).toBeUndefined();
    expect(deviceIdOf('not json')).toBeUndefined();
    expect(deviceIdOf('[1]')).toBeUndefined();
    expect(recordsOf('{"records": [1, 2')).toBeUndefined();
  });
});

describe('rekey', () => {
  it('republishes every row in the partition of its device; devices never span partitions', async () => {
    const fleet = fleetRecords();
    // Defender's streaming API: bodies of several records of several devices, on any partition.
    const from = memoryBroker({ partitions: 3, batchSize: 4 });
    const bodies: string[] = [];
    for (let i = 0; i < fleet.length; i += 7)
      bodies.push(
        `{"records":[${fleet
          .slice(i, i + 7)
          .map((r) => r.body)
          .join(',')}]}`,
      );
    bodies.forEach((b, i) => from.append(String(i % 3), [b]));
    // One row without a DeviceId, one element that is not JSON-parsable as a row.
    from.append('1', ['{"records":[{"category":"AdvancedHunting-DeviceEvents","properties":{"ActionType":"X"}}]}']);
    from.append('2', ['not json at all']);
    const to = memoryBroker({ partitions: 4 });
    const controller = new AbortController();
    const done = rekey({ from: from.source({ consumer: 'rekey' }), to: to.sink(), signal: controller.signal });
    await from.drained(120_000);
    controller.abort();
    const stats = await done;
    expect(stats.records).toBe(bodies.length + 2);
    expect(stats.rows).toBe(fleet.length + 2);
    expect(stats.withoutDevice).toBe(2);
    const home = new Map<string, string>();
    let total = 0;
    const received: string[] = [];
    for (const p of ['0', '1', '2', '3']) {
      for (const r of to.records(p)) {
        total++;
        const device = deviceIdOf(String(r.body)) ?? NO_DEVICE_KEY;
        expect(r.key).toBe(device);
        expect(String(partitionOf(device, 4))).toBe(p);
        expect(home.get(device) ?? p).toBe(p);
        home.set(device, p);
        received.push(String(r.body));
      }
    }
    expect(total).toBe(fleet.length + 2);
    // Exact text, every row once.
    expect(received.filter((b) => b !== 'not json at all' && !b.includes('"ActionType":"X"')).sort()).toEqual(
      fleet.map((r) => String(r.body)).sort(),
    );
    expect(home.size).toBeGreaterThan(4);
  });

  it('acknowledges the source only after the sink acknowledged', async () => {
    const from = memoryBroker({ partitions: 1 });
    from.append('0', ['{"DeviceId":"d1"}']);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const published: string[] = [];
    const sink = {
      kind: 'test',
      partitions: 2,
      async publish(records: readonly { key: string; body: string | Uint8Array }[]) {
        await gate;
        for (const r of records) published.push(r.key);
      },
      async close() {},
    };
    const controller = new AbortController();
    const done = rekey({ from: from.source({ consumer: 'r' }), to: sink, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 100));
    expect(from.acknowledged().get('0')).toBe(0);
    release();
    await until(() => from.acknowledged().get('0') === 1, 60_000, 'the ack');
    expect(published).toEqual(['d1']);
    controller.abort();
    await done;
  });
});
