import { describe, expect, it } from 'vitest';
import { kafkaConnectionFrom, streamAdapter } from './index.js';

const base = { broker: 'kafka', consumer: 'host-1', topic: 'mde-bydevice' };

describe('kafka streamAdapter (tripline stream --broker kafka)', () => {
  it('reads brokers from --brokers or kafka://, SASL and TLS from the environment', () => {
    expect(kafkaConnectionFrom({ ...base, brokers: 'k1:9092, k2:9092', env: {} }, 'mde-bydevice')).toEqual({
      brokers: ['k1:9092', 'k2:9092'],
      topic: 'mde-bydevice',
      clientId: 'tripline-host-1',
    });
    const env = {
      TRIPLINE_KAFKA_SSL: '1',
      TRIPLINE_KAFKA_SASL_MECHANISM: 'PLAIN',
      TRIPLINE_KAFKA_USERNAME: '$ConnectionString',
      TRIPLINE_KAFKA_PASSWORD: 'Endpoint=sb://mde.servicebus.windows.net/;SharedAccessKeyName=l;SharedAccessKey=x',
    };
    expect(
      kafkaConnectionFrom({ ...base, broker: 'kafka://mde.servicebus.windows.net:9093', env }, 'mde-bydevice'),
    ).toMatchObject({
      brokers: ['mde.servicebus.windows.net:9093'],
      ssl: true,
      sasl: { mechanism: 'plain', username: '$ConnectionString', password: env.TRIPLINE_KAFKA_PASSWORD },
    });
  });

  it('missing brokers or topic is option-invalid; SASL without its password, or Event Hubs without SASL, broker-credentials-missing', () => {
    expect(() => streamAdapter.source({ ...base, env: {} })).toThrow(
      expect.objectContaining({ code: 'option-invalid' }),
    );
    expect(() =>
      streamAdapter.source({
        ...base,
        brokers: 'k1:9092',
        env: { TRIPLINE_KAFKA_SASL_MECHANISM: 'scram-sha-512', TRIPLINE_KAFKA_USERNAME: 'u' },
      }),
    ).toThrow(expect.objectContaining({ code: 'broker-credentials-missing' }));
    expect(() => streamAdapter.source({ ...base, broker: 'kafka://mde.servicebus.windows.net:9093', env: {} })).toThrow(
      expect.objectContaining({ code: 'broker-credentials-missing' }),
    );
    expect(() =>
      streamAdapter.source({ ...base, brokers: 'k1:9092', env: { TRIPLINE_KAFKA_SASL_MECHANISM: 'gssapi' } }),
    ).toThrow(expect.objectContaining({ code: 'option-invalid' }));
  });
});
