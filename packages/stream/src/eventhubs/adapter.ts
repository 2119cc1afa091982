/**
 * `streamAdapter` of `@tripline/stream/eventhubs`, for `tripline stream --broker eventhubs`. Secrets come
 * from the environment only:
 *
 * - `TRIPLINE_EVENTHUBS_CONNECTION`: the namespace's (or the hub's) connection string, with *Listen*
 *   (and *Send* for `--rekey`);
 * - `TRIPLINE_EVENTHUBS_CONNECTION_TO`: for `--rekey`, the connection string of the target hub's
 *   namespace when it is another one (default: the one above);
 * - `TRIPLINE_EVENTHUBS_STORAGE`: the storage account connection string of the checkpoint store;
 * - `TRIPLINE_EVENTHUBS_CONTAINER`: its container (default `tripline-checkpoints`, created when missing).
 */
import { ERROR_CODES, TriplineError } from '@tripline/core';
import type { AdapterOptions, StreamAdapter } from '../types.js';
import { blobCheckpointStore } from './checkpoint-store.js';
import { eventHubsSink } from './sink.js';
import { eventHubsSource } from './source.js';

const missing = (variable: string, what: string): never => {
  throw new TriplineError(ERROR_CODES.BROKER_CREDENTIALS_MISSING, `eventhubs: ${variable} is not set (${what})`, {
    details: { adapter: 'eventhubs', variable },
  });
};

/** The Event Hubs adapter as `tripline stream` loads it: `--hub`, `--consumer-group` and the environment. */
export const streamAdapter: StreamAdapter = {
  async source(options: AdapterOptions) {
    const connectionString =
      options.env.TRIPLINE_EVENTHUBS_CONNECTION ??
      missing('TRIPLINE_EVENTHUBS_CONNECTION', 'the Event Hubs connection string');
    const storage =
      options.env.TRIPLINE_EVENTHUBS_STORAGE ??
      missing('TRIPLINE_EVENTHUBS_STORAGE', 'the storage connection string of the checkpoint store');
    const checkpointStore = await blobCheckpointStore({
      connectionString: storage,
      containerName: options.env.TRIPLINE_EVENTHUBS_CONTAINER ?? 'tripline-checkpoints',
    });
    return eventHubsSource({
      connectionString,
      ...(options.hub ? { eventHubName: options.hub } : {}),
      consumerGroup: options.consumerGroup ?? '$Default',
      checkpointStore,
    });
  },
  async sink(options: AdapterOptions & { readonly target: string }) {
    const connectionString =
      options.env.TRIPLINE_EVENTHUBS_CONNECTION_TO ??
      options.env.TRIPLINE_EVENTHUBS_CONNECTION ??
      missing('TRIPLINE_EVENTHUBS_CONNECTION', 'the Event Hubs connection string');
    return eventHubsSink({ connectionString, eventHubName: options.target });
  },
};
