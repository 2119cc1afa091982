import { isTriplineError } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import { FakeKafkaCluster } from '../../test/kafka-fake.js';
import {
  callsOf,
  expectLagToFall,
  FAILED_BATCH_READ_AGAIN,
  RecordingHandler,
  runWithOneFailedBatch,
  until,
} from '../../test/recording-handler.js';
import { kafkaSource } from './index.js';

const PASSWORD =
  'Endpoint=sb://mde.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=cGFzc3dvcmQtb2YtdGhlLWthZmthLWVuZHBvaW50';

const row = (device: string, i: number) =>
  JSON.stringify({
    Timestamp: `2026-01-10T12:00:${String(i % 60).padStart(2, '0')}.0000000Z`,
    DeviceId: device,
    ActionType: 'FileCreated',
    FileName: `report-${i}.docx`,
    FolderPath: 'C:\\Users\\alice\\Documents',
    ReportId: i,
  });

function setup(partitions = 2, messages = 10) {
  const cluster = new FakeKafkaCluster();
  cluster.createTopic('mde-bydevice', partitions);
  for (let i = 0; i < messages; i++)
    cluster.produce('mde-bydevice', i % partitions, `dev${i % partitions}`, row(`dev${i % partitions}`, i));
  const make = (options: { errors?: string[]; retryDelayMs?: number } = {}) =>
    kafkaSource({
      brokers: ['127.0.0.1:9092'],
      topic: 'mde-bydevice',
      groupId: 'tripline',
      kafka: cluster.module(),
      retryDelayMs: options.retryDelayMs ?? 50,
      onError: (error) => options.errors?.push(error.message),
    });
  const committed = (p: number) => cluster.committedOffset('tripline', 'mde-bydevice', p);
  return { cluster, make, committed };
}

describe('kafkaSource', () => {
  it('opens assigned partitions, hands batches in offset order, commits the offset after the last message, closes on shutdown', async () => {
    const { make, committed, cluster } = setup(2, 10);
    const handler = new RecordingHandler();
    const stop = new AbortController();
    const source = make();
    const running = source.run(handler, stop.signal);
    await until(() => handler.records.length === 10, 'all messages');
    await until(() => committed(0) === '5' && committed(1) === '5', 'the commits');
    stop.abort();
    await running;
    expect(handler.violations).toEqual([]);
    expect(handler.positions('0')).toEqual(['0', '1', '2', '3', '4']);
    expect(callsOf(handler, '1')).toEqual(['open', 'batch 0,1,2', 'batch 3,4', 'close shutdown']);
    const first = handler.records.find((r) => r.partition === '1' && r.position === '0')!;
    expect(JSON.parse(Buffer.from(first.body as Uint8Array).toString('utf8'))).toMatchObject({
      DeviceId: 'dev1',
      ReportId: 1,
    });
    expect(first.key).toBe('dev1');
    expect(first.enqueuedAt).toBe('2026-01-10T12:00:00.000Z');
    expect(source.target).toBe('127.0.0.1:9092/mde-bydevice (tripline)');
    expect(cluster.configs[0]).toEqual({ kafkaJS: { brokers: ['127.0.0.1:9092'] } });
  });

  it('commits only after handler.batch resolved', async () => {
    const { make, committed } = setup(1, 3);
    const handler = new RecordingHandler();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    handler.onBatch = () => held;
    const stop = new AbortController();
    const running = make().run(handler, stop.signal);
    await until(() => handler.events.some((e) => e.call === 'batch'), 'the batch');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(committed(0)).toBeUndefined();
    release();
    await until(() => committed(0) === '3', 'the commit');
    stop.abort();
    await running;
  });

  it('a failed batch is not committed: the partition closes with error, opens again and reads the batch again', async () => {
    const { make, committed } = setup(1, 6);
    const { handler, errors } = await runWithOneFailedBatch((errors) => make({ errors }), 'disk full');
    expect(handler.violations).toEqual([]);
    expect(callsOf(handler)).toEqual(FAILED_BATCH_READ_AGAIN);
    expect(committed(0)).toBe('6');
    expect(errors.some((m) => m.includes('disk full'))).toBe(true);
  });

  it('a partition whose open failed gets no batch until it opened', async () => {
    const { make } = setup(1, 3);
    const errors: string[] = [];
    const handler = new RecordingHandler();
    let opens = 0;
    handler.onOpen = () => {
      if (opens++ === 0) throw new Error('state locked');
    };
    const stop = new AbortController();
    const running = make({ errors }).run(handler, stop.signal);
    await until(() => handler.records.length === 3, 'the messages after the second open');
    stop.abort();
    await running;
    expect(callsOf(handler)).toEqual(['open', 'open', 'batch 0,1,2', 'close shutdown']);
    expect(handler.violations).toEqual([]);
    expect(errors.some((m) => m.includes('state locked'))).toBe(true);
  });

  it('on shutdown the batch in flight finishes and commits before close', async () => {
    const { make, committed } = setup(1, 3);
    const handler = new RecordingHandler();
    const stop = new AbortController();
    handler.onBatch = async () => {
      stop.abort();
      await new Promise((resolve) => setTimeout(resolve, 200));
    };
    await make().run(handler, stop.signal);
    expect(callsOf(handler)).toEqual(['open', 'batch 0,1,2', 'close shutdown']);
    expect(committed(0)).toBe('3');
  });

  it('a joining consumer takes partitions: the first closes them as revoked after its batch, the second resumes from the commits', async () => {
    const { make, cluster } = setup(4, 40);
    const a = new RecordingHandler();
    const b = new RecordingHandler();
    // a's first batches are in flight when b joins: the revoke waits for them.
    a.onBatch = async () => {
      await until(() => cluster.consumers.length === 2, 'b to join');
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    const stopA = new AbortController();
    const runA = make().run(a, stopA.signal);
    await until(() => a.events.filter((e) => e.call === 'batch').length >= 1, 'a to start');
    const stopB = new AbortController();
    const runB = make().run(b, stopB.signal);
    await until(
      () => new Set([...a.records, ...b.records].map((r) => `${r.partition}@${r.position}`)).size === 40,
      'all messages',
    );
    stopA.abort();
    stopB.abort();
    await Promise.all([runA, runB]);
    expect(a.violations).toEqual([]);
    expect(b.violations).toEqual([]);
    expect(a.events.some((e) => e.call === 'close' && e.reason === 'revoked')).toBe(true);
    expect(b.records.length).toBeGreaterThan(0);
    // What b read of a partition starts where a's last commit of it was.
    for (const p of ['0', '1', '2', '3']) {
      const fromB = b.positions(p).map(Number);
      if (fromB.length === 0) continue;
      const aRead = a.positions(p).map(Number);
      expect(fromB[0]).toBeLessThanOrEqual(aRead.length === 0 ? 0 : Math.max(...aRead) + 1);
    }
    for (let p = 0; p < 4; p++) expect(cluster.committedOffset('tripline', 'mde-bydevice', p)).toBe('10');
  });

  it("a crashed consumer's partitions go to the other, which reads from the last commit", async () => {
    const { make, cluster } = setup(2, 20);
    const a = new RecordingHandler();
    const b = new RecordingHandler();
    const stopA = new AbortController();
    const stopB = new AbortController();
    const runA = make().run(a, stopA.signal);
    const runB = make().run(b, stopB.signal);
    await until(() => a.records.length > 0 && b.records.length > 0, 'both to read');
    await cluster.consumers[0]!.crash();
    await until(() => ['0', '1'].every((p) => [...a.positions(p), ...b.positions(p)].includes('9')), 'everything read');
    stopB.abort();
    stopA.abort();
    await Promise.all([runA, runB]);
    expect(b.violations).toEqual([]);
    for (let p = 0; p < 2; p++) expect(cluster.committedOffset('tripline', 'mde-bydevice', p)).toBe('10');
  });

  it('reports lag from the high watermark', async () => {
    await expectLagToFall(setup(1, 5).make());
  });
});

describe('kafkaSource errors and secrets', () => {
  it('without the client library installed, run rejects with broker-client-missing', async () => {
    const source = kafkaSource({ brokers: ['127.0.0.1:9092'], topic: 'mde', groupId: 'tripline' });
    const error = await source.run(new RecordingHandler(), new AbortController().signal).catch((e: unknown) => e);
    expect(isTriplineError(error, 'broker-client-missing')).toBe(true);
    expect((error as Error).message).toContain('npm install @confluentinc/kafka-javascript');
  });

  it('SASL without a password, or Event Hubs without SASL, is broker-credentials-missing; bad options are option-invalid', () => {
    expect(() =>
      kafkaSource({
        brokers: ['b:9092'],
        topic: 'mde',
        groupId: 'g',
        sasl: { mechanism: 'plain', username: 'u', password: '' },
      }),
    ).toThrow(expect.objectContaining({ code: 'broker-credentials-missing' }));
    expect(() =>
      kafkaSource({ brokers: ['mde.servicebus.windows.net:9093'], topic: 'mde', groupId: 'g', ssl: true }),
    ).toThrow(expect.objectContaining({ code: 'broker-credentials-missing' }));
    expect(() => kafkaSource({ brokers: [], topic: 'mde', groupId: 'g' })).toThrow(
      expect.objectContaining({ code: 'option-invalid' }),
    );
    expect(() => kafkaSource({ brokers: ['b:9092'], topic: 'mde', groupId: '' })).toThrow(
      expect.objectContaining({ code: 'option-invalid', details: { option: 'groupId' } }),
    );
  });

  it('a refused connection is broker-unusable with the SASL password redacted; the password reaches the client only', async () => {
    const { cluster } = setup(1, 0);
    cluster.failConnect = new Error(`SASL authentication failed for $ConnectionString:${PASSWORD}`);
    const source = kafkaSource({
      brokers: ['mde.servicebus.windows.net:9093'],
      topic: 'mde-bydevice',
      groupId: 'tripline',
      ssl: true,
      sasl: { mechanism: 'plain', username: '$ConnectionString', password: PASSWORD },
      kafka: cluster.module(),
    });
    expect(source.target).not.toContain('SharedAccessKey');
    const error = await source.run(new RecordingHandler(), new AbortController().signal).catch((e: unknown) => e);
    expect(isTriplineError(error, 'broker-unusable')).toBe(true);
    expect(JSON.stringify({ m: (error as Error).message, d: (error as { details: unknown }).details })).not.toContain(
      'cGFzc3dvcmQ',
    );
    expect((error as Error).message).toContain('***');
    expect(cluster.configs[0]).toMatchObject({
      kafkaJS: { ssl: true, sasl: { mechanism: 'plain', username: '$ConnectionString', password: PASSWORD } },
    });
  });
});
