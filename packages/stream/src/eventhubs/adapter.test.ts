import { describe, expect, it } from 'vitest';
import { streamAdapter } from './index.js';

const KEY = 'YWRhcHRlci1rZXktb2YtdGhlLW5hbWVzcGFjZQ==';
const base = { broker: 'eventhubs', consumer: 'host-1', hub: 'mde', consumerGroup: 'tripline' };

describe('eventhubs streamAdapter (tripline stream --broker eventhubs)', () => {
  it('says which environment variable is missing, and nothing of the ones that are set', async () => {
    await expect(streamAdapter.source({ ...base, env: {} })).rejects.toMatchObject({
      code: 'broker-credentials-missing',
      details: { variable: 'TRIPLINE_EVENTHUBS_CONNECTION' },
    });
    const connection = `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=l;SharedAccessKey=${KEY}`;
    const error = await Promise.resolve(
      streamAdapter.source({ ...base, env: { TRIPLINE_EVENTHUBS_CONNECTION: connection } }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'broker-credentials-missing',
      details: { variable: 'TRIPLINE_EVENTHUBS_STORAGE' },
    });
    expect((error as Error).message).not.toContain(KEY);
    await expect(
      Promise.resolve(streamAdapter.sink({ ...base, target: 'mde-bydevice', env: {} })),
    ).rejects.toMatchObject({
      code: 'broker-credentials-missing',
    });
  });

  it('a hub connection string for another hub than --to is option-invalid', async () => {
    const connection = `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=s;SharedAccessKey=${KEY};EntityPath=mde`;
    const error = await Promise.resolve(
      streamAdapter.sink({ ...base, target: 'mde-bydevice', env: { TRIPLINE_EVENTHUBS_CONNECTION: connection } }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'option-invalid', details: { option: 'eventHubName' } });
    expect((error as Error).message).not.toContain(KEY);
  });
});
