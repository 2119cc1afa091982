import { memoryBroker } from '../src/memory.js';
import { streamConformance } from './conformance.js';

streamConformance({
  name: 'memory broker',
  async topic(partitions) {
    const broker = memoryBroker({ partitions, batchSize: 17 });
    const sink = broker.sink();
    return {
      publish: (records) => sink.publish(records),
      source: (consumer) => broker.source({ consumer }),
      kill: (consumer) => broker.kill(consumer),
      redeliver: async (partition, n) => broker.redeliver(partition, n),
      dispose: async () => undefined,
    };
  },
});
