/**
 * The Azure Blob checkpoint store of `@azure/eventhubs-checkpointstore-blob` (2.x) over a container of
 * `@azure/storage-blob`: where the instances of a deployment claim partitions and record checkpoints.
 * Both packages are optional peer dependencies, imported when the store is made.
 */
import { ERROR_CODES, TriplineError } from '@tripline/core';
import { importOptional } from '../optional.js';
import { connectionStringSecrets, redactedMessage } from '../secrets.js';
import type { EventHubsCheckpointStore } from './sdk.js';

/** What {@link blobCheckpointStore} takes: a storage connection string, or a container URL with a credential. */
export interface BlobCheckpointStoreOptions {
  /** A storage account connection string (`…;AccountName=…;AccountKey=…;…`): it holds a key, never printed. */
  readonly connectionString?: string;
  /** The container, with `connectionString`. */
  readonly containerName?: string;
  /** `https://<account>.blob.core.windows.net/<container>` (a SAS URL works too), instead of a connection string. */
  readonly containerUrl?: string;
  /** A `TokenCredential` or `StorageSharedKeyCredential` for `containerUrl`. */
  readonly credential?: object;
  /** Create the container when it does not exist (default true). */
  readonly createContainer?: boolean;
  /** The two modules: by default imported. For a copy already loaded, or tests. */
  readonly modules?: {
    readonly storageBlob: { readonly ContainerClient: new (...args: never[]) => unknown };
    readonly checkpointStoreBlob: { readonly BlobCheckpointStore: new (...args: never[]) => unknown };
  };
}

const INSTALL = ['@azure/eventhubs-checkpointstore-blob', '@azure/storage-blob'];

interface ContainerClientLike {
  createIfNotExists(): Promise<unknown>;
}

/**
 * The blob checkpoint store of a container, created when missing. Rejects with `broker-credentials-missing`
 * without a connection string or URL, `broker-unusable` when the container cannot be created or read
 * (the message redacted), `broker-client-missing` when the packages are not installed.
 */
export async function blobCheckpointStore(options: BlobCheckpointStoreOptions): Promise<EventHubsCheckpointStore> {
  const { connectionString, containerName, containerUrl, credential } = options;
  if (!connectionString && !containerUrl) {
    throw new TriplineError(
      ERROR_CODES.BROKER_CREDENTIALS_MISSING,
      'eventhubs checkpoint store: no credentials: give connectionString with containerName, or containerUrl',
      { details: { adapter: 'eventhubs' } },
    );
  }
  if (connectionString && !containerName) {
    throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'eventhubs checkpoint store: containerName is missing', {
      details: { option: 'containerName' },
    });
  }
  const secrets = [...connectionStringSecrets(connectionString), ...sasSecrets(containerUrl)];
  const modules = options.modules ?? {
    storageBlob: (await importOptional(
      '@azure/storage-blob',
      'eventhubs',
      INSTALL,
      () => import('@azure/storage-blob'),
    )) as unknown as { ContainerClient: new (...args: never[]) => unknown },
    checkpointStoreBlob: (await importOptional(
      '@azure/eventhubs-checkpointstore-blob',
      'eventhubs',
      INSTALL,
      () => import('@azure/eventhubs-checkpointstore-blob'),
    )) as unknown as { BlobCheckpointStore: new (...args: never[]) => unknown },
  };
  const Container = modules.storageBlob.ContainerClient as unknown as new (...args: unknown[]) => ContainerClientLike;
  const Store = modules.checkpointStoreBlob.BlobCheckpointStore as unknown as new (
    container: ContainerClientLike,
  ) => EventHubsCheckpointStore;
  let container: ContainerClientLike;
  try {
    container = connectionString
      ? new Container(connectionString, containerName)
      : credential
        ? new Container(containerUrl, credential)
        : new Container(containerUrl);
  } catch (error) {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      `eventhubs checkpoint store: ${redactedMessage(error, secrets)}`,
      { details: { option: connectionString ? 'connectionString' : 'containerUrl' } },
    );
  }
  if (options.createContainer !== false) {
    try {
      await container.createIfNotExists();
    } catch (error) {
      throw new TriplineError(
        ERROR_CODES.BROKER_UNUSABLE,
        `eventhubs checkpoint store: cannot create or read the container (${redactedMessage(error, secrets)})`,
        { details: { broker: 'eventhubs' } },
      );
    }
  }
  return new Store(container);
}

/** The query of a SAS URL (its signature and the rest): redacted as a whole. */
function sasSecrets(url: string | undefined): string[] {
  if (!url) return [];
  const q = url.indexOf('?');
  return q >= 0 && q < url.length - 1 ? [url.slice(q + 1)] : [];
}
