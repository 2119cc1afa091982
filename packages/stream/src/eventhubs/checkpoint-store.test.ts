/**
 * The blob checkpoint store on Azurite (the Blob API on loopback): the real
 * `@azure/eventhubs-checkpointstore-blob` over `@azure/storage-blob`, driven by the source through the
 * SDK-typed client double (the Event Hubs service itself does not run here).
 */
import { ContainerClient } from '@azure/storage-blob';
import { isTriplineError } from '@tripline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Azurite,
  azuriteAvailability,
  connectionStringFor,
  DEV_KEY,
  freePort,
  startAzurite,
} from '../../test/azurite.js';
import { FakeEventHub } from '../../test/eventhubs-fake.js';
import { RecordingHandler, until } from '../../test/recording-handler.js';
import { blobCheckpointStore, type EventHubsCheckpointStore, eventHubsSource } from './index.js';

const availability = azuriteAvailability();
const KEY = 'a2V5LW9mLXRoZS1ldmVudC1odWItbmFtZXNwYWNlLTk4NzY1';
const CONNECTION = `Endpoint=sb://tripline-test.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=${KEY}`;

const row = (device: string, i: number) =>
  JSON.stringify({
    Timestamp: `2026-01-10T12:00:${String(i % 60).padStart(2, '0')}.0000000Z`,
    DeviceId: device,
    ActionType: 'ConnectionSuccess',
    RemoteIP: '203.0.113.7',
    RemotePort: 443,
    ReportId: i,
  });

describe.skipIf(availability.skip !== undefined)('blob checkpoint store on Azurite', () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite(availability.script!);
  }, 90_000);
  afterAll(async () => {
    await azurite?.stop();
  }, 30_000);

  it('creates the container; ownership claims and checkpoints round-trip through blobs', async () => {
    const store = await blobCheckpointStore({ connectionString: azurite.connectionString, containerName: 'roundtrip' });
    const container = new ContainerClient(azurite.connectionString, 'roundtrip');
    expect(await container.exists()).toBe(true);
    const ns = 'tripline-test.servicebus.windows.net';
    const claimed = (await store.claimOwnership([
      {
        fullyQualifiedNamespace: ns,
        eventHubName: 'mde',
        consumerGroup: 'tripline',
        partitionId: '0',
        ownerId: 'owner-a',
      },
    ] as never[])) as { ownerId: string; etag?: string }[];
    expect(claimed).toHaveLength(1);
    expect(claimed[0]!.etag).toBeTruthy();
    const owned = { fullyQualifiedNamespace: ns, eventHubName: 'mde', consumerGroup: 'tripline', partitionId: '0' };
    const renewed = (await store.claimOwnership([
      { ...owned, ownerId: 'owner-a', etag: claimed[0]!.etag },
    ] as never[])) as {
      etag?: string;
    }[];
    expect(renewed).toHaveLength(1);
    expect(renewed[0]!.etag).not.toBe(claimed[0]!.etag);
    // A claim with a stale etag loses (HTTP 412 on the blob): the store makes ownership exclusive.
    const stale = await store.claimOwnership([{ ...owned, ownerId: 'owner-b', etag: claimed[0]!.etag }] as never[]);
    expect(stale).toEqual([]);
    await store.updateCheckpoint({
      fullyQualifiedNamespace: ns,
      eventHubName: 'mde',
      consumerGroup: 'tripline',
      partitionId: '0',
      sequenceNumber: 41,
      offset: '41000',
    } as never);
    const again = await blobCheckpointStore({ connectionString: azurite.connectionString, containerName: 'roundtrip' });
    expect((await again.listOwnership(ns, 'mde', 'tripline')) as unknown[]).toMatchObject([
      { partitionId: '0', ownerId: 'owner-a' },
    ]);
    expect((await again.listCheckpoints(ns, 'mde', 'tripline')) as unknown[]).toMatchObject([
      { partitionId: '0', sequenceNumber: 41, offset: '41000' },
    ]);
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat()) names.push(blob.name);
    expect(names.sort()).toEqual([`${ns}/mde/tripline/checkpoint/0`, `${ns}/mde/tripline/ownership/0`]);
  });

  it('the source claims partitions and checkpoints committed batches in blobs; a second instance resumes from them', async () => {
    const hub = new FakeEventHub('mde-bydevice', 2);
    hub.loopMs = 50;
    hub.expiryMs = 20_000;
    for (let i = 0; i < 12; i++) hub.send(String(i % 2), row(`dev${i % 2}`, i), `dev${i % 2}`);
    const make = (store: EventHubsCheckpointStore) =>
      eventHubsSource({
        connectionString: CONNECTION,
        eventHubName: hub.eventHubName,
        consumerGroup: 'tripline',
        checkpointStore: store,
        batch: { maxEvents: 4, maxWaitMs: 100 },
        sdk: hub.sdk(),
      });
    const storeA = await blobCheckpointStore({ connectionString: azurite.connectionString, containerName: 'resume' });
    const a = new RecordingHandler();
    const stopA = new AbortController();
    const runA = make(storeA).run(a, stopA.signal);
    await until(() => a.records.length === 12, 'a to read everything', 90_000);
    const ns = hub.fullyQualifiedNamespace;
    await until(
      async () =>
        ((await storeA.listCheckpoints(ns, hub.eventHubName, 'tripline')) as { sequenceNumber: number }[])
          .map((c) => c.sequenceNumber)
          .join() === '5,5',
      'checkpoints at the last events',
      90_000,
    );
    const owners = (await storeA.listOwnership(ns, hub.eventHubName, 'tripline')) as { ownerId: string }[];
    expect(owners.map((o) => o.ownerId)).toEqual([hub.consumers[0]!.ownerId, hub.consumers[0]!.ownerId]);
    stopA.abort();
    await runA;
    // Stopped: ownership abandoned (empty owner), checkpoints kept.
    const abandoned = (await storeA.listOwnership(ns, hub.eventHubName, 'tripline')) as { ownerId: string }[];
    expect(abandoned.map((o) => o.ownerId)).toEqual(['', '']);

    for (let i = 12; i < 16; i++) hub.send(String(i % 2), row(`dev${i % 2}`, i), `dev${i % 2}`);
    // Another process: its own store object over the same container.
    const storeB = await blobCheckpointStore({ connectionString: azurite.connectionString, containerName: 'resume' });
    const b = new RecordingHandler();
    const stopB = new AbortController();
    const runB = make(storeB).run(b, stopB.signal);
    await until(() => b.records.length === 4, 'b to read the new events', 90_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    stopB.abort();
    await runB;
    expect(b.records.map((r) => `${r.partition}@${r.position}`).sort()).toEqual(['0@6', '0@7', '1@6', '1@7']);
    expect(a.violations).toEqual([]);
    expect(b.violations).toEqual([]);
  }, 180_000);

  it('an unreachable storage endpoint is broker-unusable, with the account key redacted', async () => {
    const closed = await freePort();
    const error = await blobCheckpointStore({
      connectionString: connectionStringFor(closed),
      containerName: 'nowhere',
    }).catch((e: unknown) => e);
    expect(isTriplineError(error, 'broker-unusable')).toBe(true);
    expect(JSON.stringify({ m: (error as Error).message, d: (error as { details: unknown }).details })).not.toContain(
      DEV_KEY,
    );
  }, 120_000);
});

describe('blobCheckpointStore options', () => {
  it('without a connection string or URL it is broker-credentials-missing; without a container option-invalid', async () => {
    await expect(blobCheckpointStore({ containerName: 'x' })).rejects.toMatchObject({
      code: 'broker-credentials-missing',
    });
    await expect(blobCheckpointStore({ connectionString: 'UseDevelopmentStorage=true' })).rejects.toMatchObject({
      code: 'option-invalid',
    });
  });
});
