import { isTriplineError } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import { FakeEventHub } from '../../test/eventhubs-fake.js';
import { partitionOf } from '../partition.js';
import { eventHubsSink } from './index.js';

const KEY = 'c2luay1rZXktb2YtdGhlLW5hbWVzcGFjZS0xMjM0NTY=';
const CONNECTION = `Endpoint=sb://tripline-test.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=${KEY};EntityPath=mde-bydevice`;

describe('eventHubsSink', () => {
  it('sends each record to partition partitionOf(DeviceId), as bytes, with the key as an application property', async () => {
    const hub = new FakeEventHub('mde-bydevice', 4);
    hub.maxEventsPerBatch = 3;
    const sink = await eventHubsSink({ connectionString: CONNECTION, sdk: hub.sdk() });
    expect(sink.partitions).toBe(4);
    expect(sink.target).toBe('tripline-test.servicebus.windows.net/mde-bydevice');
    const devices = Array.from({ length: 12 }, (_, i) => `${(i * 7919).toString(16).padStart(8, '0')}deadbeef${i}`);
    const records = devices.flatMap((d, i) => [
      { key: d, body: JSON.stringify({ DeviceId: d, ReportId: i, ActionType: 'ProcessCreated' }) },
      { key: d, body: new TextEncoder().encode(JSON.stringify({ DeviceId: d, ReportId: 100 + i })) },
    ]);
    await sink.publish(records);
    for (const d of devices) {
      const p = partitionOf(d, 4);
      const events = hub.partitions[p]!.filter((e) => e.properties?.['tripline-key'] === d);
      expect(events.map((e) => JSON.parse(Buffer.from(e.body as Uint8Array).toString('utf8')).DeviceId)).toEqual([
        d,
        d,
      ]);
      for (let q = 0; q < 4; q++)
        if (q !== p) expect(hub.partitions[q]!.some((e) => e.properties?.['tripline-key'] === d)).toBe(false);
    }
    expect(hub.partitions.reduce((n, p) => n + p.length, 0)).toBe(24);
    // Batches are filled as the SDK sizes them: more than one send for a partition with more than 3 events.
    expect(hub.batchesSent).toBeGreaterThan(4);
    await sink.close();
  });

  it("keeps the order of a device's records", async () => {
    const hub = new FakeEventHub('mde-bydevice', 2);
    hub.maxEventsPerBatch = 2;
    const sink = await eventHubsSink({ connectionString: CONNECTION, sdk: hub.sdk() });
    await sink.publish(
      Array.from({ length: 9 }, (_, i) => ({ key: 'dev-a', body: JSON.stringify({ DeviceId: 'dev-a', ReportId: i }) })),
    );
    const p = partitionOf('dev-a', 2);
    expect(
      hub.partitions[p]!.map((e) => JSON.parse(Buffer.from(e.body as Uint8Array).toString('utf8')).ReportId),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('an unreadable hub is broker-unusable with the key redacted; no credentials is broker-credentials-missing', async () => {
    const hub = new FakeEventHub('mde-bydevice', 2);
    hub.failPartitionIds = new Error(`The messaging entity could not be found. ${CONNECTION}`);
    const error = await eventHubsSink({ connectionString: CONNECTION, sdk: hub.sdk() }).catch((e: unknown) => e);
    expect(isTriplineError(error, 'broker-unusable')).toBe(true);
    expect((error as Error).message).not.toContain(KEY);
    await expect(eventHubsSink({ eventHubName: 'mde', sdk: hub.sdk() })).rejects.toMatchObject({
      code: 'broker-credentials-missing',
    });
  });
});
