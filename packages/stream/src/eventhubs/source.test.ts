import { isTriplineError } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import { FakeEventHub, MemoryCheckpointStore } from '../../test/eventhubs-fake.js';
import {
  callsOf,
  expectLagToFall,
  FAILED_BATCH_READ_AGAIN,
  RecordingHandler,
  runWithOneFailedBatch,
  until,
} from '../../test/recording-handler.js';
import { type EventHubsSdk, eventHubsSource } from './index.js';

// The real SDK module satisfies the shape the adapter is typed against (checked by the typecheck).
const realSdk: Promise<EventHubsSdk> = import('@azure/event-hubs');
void realSdk;

const KEY = 'c2VjcmV0LWtleS1vZi10aGUtbmFtZXNwYWNlLTEyMzQ1Ng==';
const CONNECTION = `Endpoint=sb://tripline-test.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=${KEY}`;

const row = (device: string, i: number) =>
  JSON.stringify({
    Timestamp: `2026-01-10T12:00:${String(i % 60).padStart(2, '0')}.0000000Z`,
    DeviceId: device,
    DeviceName: `${device}.contoso.local`,
    ActionType: 'ProcessCreated',
    FileName: 'cmd.exe',
    ProcessCommandLine: `cmd.exe /c echo ${i}`,
    ReportId: i,
  });

function setup(partitions = 2, events = 10) {
  const hub = new FakeEventHub('mde-bydevice', partitions);
  for (let i = 0; i < events; i++)
    hub.send(String(i % partitions), row(`dev${i % partitions}`, i), `dev${i % partitions}`);
  const store = new MemoryCheckpointStore();
  const make = (options: { maxEvents?: number; errors?: string[] } = {}) =>
    eventHubsSource({
      connectionString: CONNECTION,
      eventHubName: hub.eventHubName,
      consumerGroup: 'tripline',
      checkpointStore: store,
      batch: { maxEvents: options.maxEvents ?? 3, maxWaitMs: 50 },
      sdk: hub.sdk(),
      onError: (error) => options.errors?.push(error.message),
    });
  return { hub, store, make };
}

const checkpointOf = (store: MemoryCheckpointStore, partition: string) =>
  store.checkpoints.get(`tripline/${partition}`)?.sequenceNumber;

describe('eventHubsSource', () => {
  it('maps initialize, events and close to open, batch and close; positions are sequence numbers; bodies and keys pass', async () => {
    const { make, store } = setup(2, 10);
    const handler = new RecordingHandler();
    const source = make();
    const stop = new AbortController();
    const running = source.run(handler, stop.signal);
    await until(() => handler.records.length === 10, 'all events');
    stop.abort();
    await running;
    expect(handler.violations).toEqual([]);
    expect(handler.positions('0')).toEqual(['0', '1', '2', '3', '4']);
    expect(handler.positions('1')).toEqual(['0', '1', '2', '3', '4']);
    const first = handler.records.find((r) => r.partition === '1' && r.position === '0')!;
    expect(JSON.parse(Buffer.from(first.body as Uint8Array).toString('utf8'))).toMatchObject({
      DeviceId: 'dev1',
      ReportId: 1,
    });
    expect(first.key).toBe('dev1');
    expect(first.enqueuedAt).toBe('2026-01-10T12:00:00.000Z');
    for (const batch of handler.events.filter((e) => e.call === 'batch'))
      expect(batch.positions.length).toBeLessThanOrEqual(3);
    expect(handler.events.filter((e) => e.call === 'close').map((e) => e.call === 'close' && e.reason)).toEqual([
      'shutdown',
      'shutdown',
    ]);
    expect([checkpointOf(store, '0'), checkpointOf(store, '1')]).toEqual([4, 4]);
    expect(source.target).toBe('tripline-test.servicebus.windows.net/mde-bydevice (tripline)');
  });

  it('checkpoints a batch only after handler.batch resolved', async () => {
    const { make, store } = setup(1, 3);
    const handler = new RecordingHandler();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    handler.onBatch = () => held;
    const stop = new AbortController();
    const running = make().run(handler, stop.signal);
    await until(() => handler.events.some((e) => e.call === 'batch'), 'the batch to start');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(checkpointOf(store, '0')).toBeUndefined();
    release();
    await until(() => checkpointOf(store, '0') === 2, 'the checkpoint');
    stop.abort();
    await running;
  });

  it('a failed batch is not checkpointed, closes its partition with error, and is read again from the checkpoint', async () => {
    const { make, store } = setup(1, 6);
    const { handler, errors } = await runWithOneFailedBatch((errors) => make({ errors }), 'state store is full');
    expect(handler.violations).toEqual([]);
    expect(handler.positions('0')).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(callsOf(handler)).toEqual(FAILED_BATCH_READ_AGAIN);
    expect(checkpointOf(store, '0')).toBe(5);
    expect(errors.some((m) => m.includes('state store is full'))).toBe(true);
  });

  it('a partition whose open failed gets no batch and no checkpoint', async () => {
    const { make, store } = setup(1, 3);
    const errors: string[] = [];
    const handler = new RecordingHandler();
    handler.onOpen = () => {
      throw new Error('cannot load the state');
    };
    const stop = new AbortController();
    const running = make({ errors }).run(handler, stop.signal);
    await until(() => errors.some((m) => m.includes('cannot load the state')), 'the error');
    await new Promise((resolve) => setTimeout(resolve, 150));
    stop.abort();
    await running;
    expect(handler.events.filter((e) => e.call !== 'open')).toEqual([]);
    expect(checkpointOf(store, '0')).toBeUndefined();
  });

  it('on shutdown the batch in flight finishes and is checkpointed before close, then run resolves', async () => {
    const { make, store } = setup(1, 3);
    const handler = new RecordingHandler();
    const stop = new AbortController();
    handler.onBatch = async () => {
      stop.abort();
      await new Promise((resolve) => setTimeout(resolve, 200));
    };
    await make().run(handler, stop.signal);
    expect(handler.events.map((e) => e.call)).toEqual(['open', 'batch', 'close']);
    expect(handler.events.at(-1)).toEqual({ call: 'close', partition: '0', reason: 'shutdown' });
    expect(checkpointOf(store, '0')).toBe(2);
  });

  it("two instances share the partitions; a second instance resumes from the first one's checkpoints", async () => {
    const { hub, make, store } = setup(4, 40);
    const a = new RecordingHandler();
    const b = new RecordingHandler();
    const stopA = new AbortController();
    const stopB = new AbortController();
    // a holds its batches until b has read something: both instances get partitions.
    a.onBatch = () => until(() => b.records.length > 0, 'b to read');
    const runA = make({ maxEvents: 2 }).run(a, stopA.signal);
    const runB = make({ maxEvents: 2 }).run(b, stopB.signal);
    await until(() => a.records.length + b.records.length >= 40, 'all events');
    stopA.abort();
    stopB.abort();
    await Promise.all([runA, runB]);
    for (const h of [a, b]) expect(h.violations).toEqual([]);
    for (const p of ['0', '1', '2', '3']) {
      const seen = new Set([...a.positions(p), ...b.positions(p)]);
      expect([...seen].sort((x, y) => Number(x) - Number(y))).toEqual([
        '0',
        '1',
        '2',
        '3',
        '4',
        '5',
        '6',
        '7',
        '8',
        '9',
      ]);
      expect(checkpointOf(store, p)).toBe(9);
    }
    expect(a.records.length).toBeGreaterThan(0);
    expect(b.records.length).toBeGreaterThan(0);
    // New events, a new instance: it reads only what follows the checkpoints.
    for (let i = 40; i < 44; i++) hub.send(String(i % 4), row(`dev${i % 4}`, i), `dev${i % 4}`);
    const c = new RecordingHandler();
    const stopC = new AbortController();
    const runC = make().run(c, stopC.signal);
    await until(() => c.records.length === 4, 'the new events');
    await new Promise((resolve) => setTimeout(resolve, 100));
    stopC.abort();
    await runC;
    expect(c.records.map((r) => `${r.partition}@${r.position}`).sort()).toEqual(['0@10', '1@10', '2@10', '3@10']);
  });

  it("a killed instance's partitions go to the other once its claims expire; close of the survivor is revoked-free", async () => {
    const { hub, make } = setup(2, 20);
    hub.expiryMs = 300;
    const a = new RecordingHandler();
    const b = new RecordingHandler();
    let holdA = true;
    a.onBatch = async () => {
      while (holdA) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const stopA = new AbortController();
    const stopB = new AbortController();
    void make().run(a, stopA.signal);
    await until(() => a.events.some((e) => e.call === 'batch'), 'a to start');
    const runB = make().run(b, stopB.signal);
    await hub.consumers[0]!.crash();
    holdA = false;
    await until(() => new Set(b.records.map((r) => r.partition)).size === 2, 'b to own both partitions');
    await until(() => b.positions('0').includes('9') && b.positions('1').includes('9'), 'b to read to the end');
    stopB.abort();
    stopA.abort();
    await runB;
    expect(b.violations).toEqual([]);
  });

  it('an instance that loses a partition to a newcomer closes it with revoked after its batch', async () => {
    const { hub, make } = setup(2, 4);
    hub.expiryMs = 5_000;
    const a = new RecordingHandler();
    const stopA = new AbortController();
    const runA = make().run(a, stopA.signal);
    await until(() => a.records.length === 4, 'a to read all');
    const b = new RecordingHandler();
    const stopB = new AbortController();
    const runB = make().run(b, stopB.signal);
    await until(() => a.events.some((e) => e.call === 'close'), 'a to lose one partition');
    const closed = a.events.find((e) => e.call === 'close');
    expect(closed).toMatchObject({ reason: 'revoked' });
    await until(() => b.events.some((e) => e.call === 'open'), 'b to open it');
    stopA.abort();
    stopB.abort();
    await Promise.all([runA, runB]);
    expect(a.violations).toEqual([]);
    expect(b.violations).toEqual([]);
  });

  it('a batch that finishes after its partition moved is not checkpointed', async () => {
    const { hub, make, store } = setup(2, 4);
    hub.expiryMs = 5_000;
    const written: { partition: string; owner: string }[] = [];
    const update = store.updateCheckpoint.bind(store);
    store.updateCheckpoint = async (checkpoint) => {
      written.push({ partition: checkpoint.partitionId, owner: (checkpoint as { ownerId?: string }).ownerId ?? '' });
      await update(checkpoint);
    };
    const a = new RecordingHandler();
    const b = new RecordingHandler();
    const movedToB = (p: string) => b.events.some((e) => e.call === 'open' && e.partition === p);
    // a holds its batches until b read the partition it took and a's client stopped reading it.
    a.onBatch = (p) =>
      until(
        () => (movedToB(p) ? !hub.consumers[0]!.reads(p) && b.records.length === 2 : b.records.length === 2),
        'the move',
      );
    const stopA = new AbortController();
    const runA = make().run(a, stopA.signal);
    await until(() => a.events.filter((e) => e.call === 'batch').length === 2, 'a to hold a batch of each partition');
    const stopB = new AbortController();
    const runB = make().run(b, stopB.signal);
    await until(() => b.records.length === 2 && a.records.length === 2, 'b to read the moved partition, a to finish');
    stopA.abort();
    stopB.abort();
    await Promise.all([runA, runB]);
    const lost = a.events.find((e) => e.call === 'close' && e.reason === 'revoked')!.partition;
    const ownerA = hub.consumers[0]!.ownerId;
    expect(written.filter((w) => w.partition === lost && w.owner === ownerA)).toEqual([]);
    expect(written.some((w) => w.partition !== lost && w.owner === ownerA)).toBe(true);
  });

  it('reports lag from the last enqueued sequence number', async () => {
    await expectLagToFall(setup(1, 5).make());
  });
});

describe('eventHubsSource errors and secrets', () => {
  it('rejects without credentials (broker-credentials-missing) and without a checkpoint store (option-invalid)', () => {
    const store = new MemoryCheckpointStore();
    expect(() => eventHubsSource({ eventHubName: 'mde', checkpointStore: store })).toThrow(
      expect.objectContaining({ code: 'broker-credentials-missing' }),
    );
    expect(() =>
      eventHubsSource({
        fullyQualifiedNamespace: 'x.servicebus.windows.net',
        eventHubName: 'mde',
        checkpointStore: store,
      }),
    ).toThrow(expect.objectContaining({ code: 'broker-credentials-missing' }));
    expect(() => eventHubsSource({ connectionString: CONNECTION, checkpointStore: store })).toThrow(
      expect.objectContaining({ code: 'option-invalid', details: { option: 'eventHubName' } }),
    );
    expect(() =>
      eventHubsSource({ connectionString: CONNECTION, eventHubName: 'mde', checkpointStore: undefined as never }),
    ).toThrow(expect.objectContaining({ code: 'option-invalid', details: { option: 'checkpointStore' } }));
  });

  it('takes the hub from EntityPath and passes a credential to the client', async () => {
    const hub = new FakeEventHub('mde', 1);
    const store = new MemoryCheckpointStore();
    const stop = new AbortController();
    stop.abort();
    const viaPath = eventHubsSource({
      connectionString: `${CONNECTION};EntityPath=mde`,
      checkpointStore: store,
      sdk: hub.sdk(),
    });
    expect(viaPath.target).toBe(
      'tripline-test.servicebus.windows.net/mde (tripline)'.replace('tripline)', '$Default)'),
    );
    const credential = { getToken: async () => null };
    const viaCredential = eventHubsSource({
      fullyQualifiedNamespace: 'ns.servicebus.windows.net',
      eventHubName: 'mde',
      credential,
      checkpointStore: store,
      sdk: hub.sdk(),
    });
    const running = new AbortController();
    const run = viaCredential.run(new RecordingHandler(), running.signal);
    await until(() => hub.constructed.length === 1, 'the client');
    running.abort();
    await run;
    expect(hub.constructed[0]).toEqual(['$Default', 'ns.servicebus.windows.net', 'mde', credential, store, {}]);
  });

  it('an unusable hub rejects run with broker-unusable, the key redacted', async () => {
    const { hub, make } = setup(1, 0);
    hub.failPartitionIds = new Error(`Unauthorized: token for ${CONNECTION} rejected (SharedAccessKey=${KEY})`);
    const error = await make()
      .run(new RecordingHandler(), new AbortController().signal)
      .catch((e: unknown) => e);
    expect(isTriplineError(error, 'broker-unusable')).toBe(true);
    const text = `${(error as Error).message} ${JSON.stringify((error as { details: unknown }).details)}`;
    expect(text).not.toContain(KEY);
    expect(text).toContain('SharedAccessKey=***');
    expect((error as Error).cause).toBeUndefined();
  });

  it('errors reported while running are redacted', async () => {
    const { make } = setup(1, 2);
    const errors: string[] = [];
    const handler = new RecordingHandler();
    handler.onBatch = () => {
      throw new Error(`write failed for ${CONNECTION}`);
    };
    const stop = new AbortController();
    const running = make({ errors }).run(handler, stop.signal);
    await until(() => errors.length > 0, 'an error');
    stop.abort();
    await running;
    expect(errors.join('\n')).not.toContain(KEY);
    expect(errors.join('\n')).toContain('SharedAccessKey=***');
  });
});
