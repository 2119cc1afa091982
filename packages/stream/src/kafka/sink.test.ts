import { isTriplineError } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import { FakeKafkaCluster } from '../../test/kafka-fake.js';
import { partitionOf } from '../partition.js';
import { kafkaSink } from './index.js';

describe('kafkaSink', () => {
  it('sends each record to partition partitionOf(key) of the topic, the key as message key, in order', async () => {
    const cluster = new FakeKafkaCluster();
    cluster.createTopic('mde-bydevice', 3);
    const sink = await kafkaSink({ brokers: ['127.0.0.1:9092'], topic: 'mde-bydevice', kafka: cluster.module() });
    expect(sink.partitions).toBe(3);
    const devices = [
      '0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3d4',
      'b4c3d2e1f0a1b2c3d4e5f60718293a4b5c6d7e8f',
      'dev-c',
      'dev-d',
    ];
    await sink.publish(
      devices.flatMap((d) => [0, 1, 2].map((i) => ({ key: d, body: JSON.stringify({ DeviceId: d, ReportId: i }) }))),
    );
    for (const d of devices) {
      const log = cluster.topics.get('mde-bydevice')![partitionOf(d, 3)]!;
      const mine = log.filter((m) => Buffer.from(m.key!).toString('utf8') === d);
      expect(mine.map((m) => JSON.parse(Buffer.from(m.value!).toString('utf8')).ReportId)).toEqual([0, 1, 2]);
    }
    expect(cluster.sends).toBe(1);
    await sink.close();
  });

  it('a missing topic or a refused connection is broker-unusable, the SASL password redacted', async () => {
    const cluster = new FakeKafkaCluster();
    const error = await kafkaSink({ brokers: ['127.0.0.1:9092'], topic: 'absent', kafka: cluster.module() }).catch(
      (e: unknown) => e,
    );
    expect(isTriplineError(error, 'broker-unusable')).toBe(true);
    cluster.createTopic('mde', 1);
    cluster.failConnect = new Error('SASL authentication failed: password=s3cr3t-passw0rd rejected');
    const refused = await kafkaSink({
      brokers: ['b:9093'],
      topic: 'mde',
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'tripline', password: 's3cr3t-passw0rd' },
      kafka: cluster.module(),
    }).catch((e: unknown) => e);
    expect(isTriplineError(refused, 'broker-unusable')).toBe(true);
    expect((refused as Error).message).not.toContain('s3cr3t');
  });
});
