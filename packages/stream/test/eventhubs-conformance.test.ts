/**
 * The conformance suite through the Event Hubs adapter: `eventHubsSink` publishes, `eventHubsSource`
 * consumes, both over the SDK-typed double of `@azure/event-hubs` (test/eventhubs-fake.ts) with a
 * checkpoint store in memory. Proves the adapter's logic against the SDK's typed surface; the Event Hubs
 * service does not run here.
 */
import { eventHubsSink, eventHubsSource } from '../src/eventhubs/index.js';
import { streamConformance } from './conformance.js';
import { FakeEventHub, MemoryCheckpointStore } from './eventhubs-fake.js';

const CONNECTION =
  'Endpoint=sb://tripline-test.servicebus.windows.net/;SharedAccessKeyName=send-listen;SharedAccessKey=dGVzdC1rZXktb2YtdGhlLWNvbmZvcm1hbmNlLXN1aXRl';

streamConformance({
  name: 'Azure Event Hubs adapter (SDK double)',
  async topic(partitions) {
    const hub = new FakeEventHub('mde-bydevice', partitions);
    // Claims older than this move to another consumer: the kill test waits this long for the takeover.
    hub.expiryMs = 1_500;
    const store = new MemoryCheckpointStore();
    const sink = await eventHubsSink({ connectionString: CONNECTION, eventHubName: hub.eventHubName, sdk: hub.sdk() });
    const errors: string[] = [];
    return {
      publish: (records) => sink.publish(records),
      source: (consumer) =>
        eventHubsSource({
          connectionString: CONNECTION,
          eventHubName: hub.eventHubName,
          consumerGroup: 'tripline',
          checkpointStore: store,
          batch: { maxEvents: 17, maxWaitMs: 50 },
          sdk: hub.sdk(consumer),
          onError: (error) => errors.push(error.message),
        }),
      kill: async (consumer) => {
        await hub.tagged.get(consumer)?.crash();
      },
      redeliver: async (partition, n) => hub.rewind(partition, n),
      dispose: () => sink.close(),
    };
  },
});
