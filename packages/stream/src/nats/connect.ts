/**
 * Connecting to NATS and checking the JetStream stream the source reads and the sink writes: every way
 * the broker cannot be used is one `broker-unusable` error that says what to do.
 */
import { ERROR_CODES, TriplineError } from '@tripline/core';
import {
  type ConnectionOptions,
  connect,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  RetentionPolicy,
  StorageType,
} from 'nats';

/** Where the broker is and how the stream is laid out: shared by `natsSource` and `natsSink`. */
export interface NatsStreamOptions {
  /** Server URLs, e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | readonly string[];
  /** The JetStream stream holding the partition subjects. */
  readonly stream: string;
  /**
   * Subjects are `<subjectPrefix>.<partition>.<key token>`; the stream must hold `<subjectPrefix>.*.>`.
   * Tokens of letters, digits, `_` and `-`, separated by dots.
   */
  readonly subjectPrefix: string;
  /** Number of partitions: subjects `<prefix>.0.>` … `<prefix>.<partitions-1>.>`. */
  readonly partitions: number;
  /**
   * Create the stream when it is missing (file storage, limits retention, subjects `<prefix>.*.>`, the
   * number of partitions in its description). Default false: a missing stream is a `broker-unusable` error.
   */
  readonly createStream?: boolean;
  /** Further options of the `nats` client's `connect` (credentials, TLS, name); `servers` is set from above. */
  readonly connection?: Omit<ConnectionOptions, 'servers'>;
  /**
   * How to connect (default: the `nats` client's `connect`). A wrapper can keep the connection it returns,
   * e.g. to close it abruptly in a test of a consumer that dies.
   */
  readonly connect?: (options: ConnectionOptions) => Promise<NatsConnection>;
}

const TOKEN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const NAME = /^[A-Za-z0-9_-]{1,200}$/;

/** Checks the layout options; `option-invalid` names the bad one. */
export function checkStreamOptions(options: NatsStreamOptions): void {
  const bad = (name: string, why: string): never => {
    throw new TriplineError('option-invalid', `NATS ${name}: ${why}`, { details: { option: name } });
  };
  const servers = typeof options.servers === 'string' ? [options.servers] : options.servers;
  if (!Array.isArray(servers) || servers.length === 0 || servers.some((s) => typeof s !== 'string' || s === '')) {
    bad('servers', 'give one server URL or more, e.g. nats://127.0.0.1:4222');
  }
  if (typeof options.stream !== 'string' || !NAME.test(options.stream)) {
    bad('stream', 'a stream name of letters, digits, "_" and "-"');
  }
  if (typeof options.subjectPrefix !== 'string' || !TOKEN.test(options.subjectPrefix)) {
    bad('subjectPrefix', 'tokens of letters, digits, "_" and "-" separated by dots, e.g. mde.part');
  }
  if (!Number.isInteger(options.partitions) || options.partitions < 1 || options.partitions > 4096) {
    bad('partitions', 'an integer from 1 to 4096');
  }
}

const unusable = (what: string, reason: string, cause?: unknown, details: Record<string, unknown> = {}) =>
  new TriplineError(ERROR_CODES.BROKER_UNUSABLE, `NATS ${what}: ${reason}`, {
    details: { broker: 'nats', ...details },
    cause,
  });

/** Connects, turning a refused or unreachable server into `broker-unusable`. */
export async function connectNats(options: NatsStreamOptions): Promise<NatsConnection> {
  const servers = typeof options.servers === 'string' ? options.servers : [...options.servers];
  try {
    return await (options.connect ?? connect)({ ...options.connection, servers });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw unusable(
      String(servers),
      code === 'CONNECTION_REFUSED'
        ? 'connection refused: is nats-server running there (nats-server -js)?'
        : `cannot connect (${(error as Error).message})`,
      error,
      { servers },
    );
  }
}

/** The JetStream handles, `broker-unusable` when the server runs without JetStream. */
export async function jetStreamOf(nc: NatsConnection): Promise<{ jsm: JetStreamManager; js: JetStreamClient }> {
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.getAccountInfo();
    return { jsm, js: nc.jetstream() };
  } catch (error) {
    const code = String((error as { code?: string }).code);
    const reason =
      code === '503'
        ? 'JetStream is not enabled on this server: start it with -js (or jetstream {} in its configuration)'
        : `JetStream cannot be used (${(error as Error).message})`;
    throw unusable(nc.getServer(), reason, error);
  }
}

const DESCRIPTION = /^tripline partitions=(\d{1,4})$/;

/** The partition count a stream's description states (`tripline partitions=<n>`), if it does. */
export function partitionsOf(description: string | undefined): number | undefined {
  const declared = DESCRIPTION.exec(description ?? '');
  return declared ? Number(declared[1]) : undefined;
}

/**
 * Checks that the stream exists, holds `<prefix>.*.>` and, when it says, has as many partitions as
 * configured (two counts would send one device's rows to two partitions); creates it with `createStream`.
 */
export async function ensureStream(jsm: JetStreamManager, options: NatsStreamOptions): Promise<void> {
  const subject = `${options.subjectPrefix}.*.>`;
  let info: Awaited<ReturnType<JetStreamManager['streams']['info']>>;
  try {
    info = await jsm.streams.info(options.stream);
  } catch (error) {
    if ((error as { api_error?: { err_code?: number } }).api_error?.err_code !== 10059) {
      throw unusable(`stream ${options.stream}`, `cannot be read (${(error as Error).message})`, error);
    }
    if (!options.createStream) {
      throw unusable(
        `stream ${options.stream}`,
        `does not exist: create it with the subjects "${subject}" and the description "tripline partitions=${options.partitions}", or pass createStream: true`,
        error,
        { stream: options.stream },
      );
    }
    await jsm.streams.add({
      name: options.stream,
      subjects: [subject],
      description: `tripline partitions=${options.partitions}`,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
    });
    return;
  }
  const subjects = info.config.subjects ?? [];
  if (!subjects.includes(subject) && !subjects.includes(`${options.subjectPrefix}.>`)) {
    throw unusable(
      `stream ${options.stream}`,
      `does not hold the subjects "${subject}" (it has ${subjects.join(', ')})`,
    );
  }
  const declared = partitionsOf(info.config.description);
  if (declared !== undefined && declared !== options.partitions) {
    throw unusable(
      `stream ${options.stream}`,
      `was created for ${declared} partitions, not ${options.partitions}: a device's rows would be split`,
      undefined,
      { stream: options.stream },
    );
  }
}

/** Partition names: `'0'` … `'<n-1>'`. */
export const partitionNames = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i));

const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The last subject token for a key: the key itself when it is a safe token (a `DeviceId` is 40 hex
 * digits), else `~` and its UTF-8 bytes in base64url (keys beyond 1 KiB are not carried: `~`).
 */
export function keyToken(key: string): string {
  if (SAFE_KEY.test(key)) return key;
  const bytes = Buffer.from(key, 'utf8');
  return bytes.length > 1024 ? '~' : `~${bytes.toString('base64url')}`;
}

/** The key a subject token carries, when it carries one. */
export function tokenKey(token: string): string | undefined {
  if (!token.startsWith('~')) return token === '' ? undefined : token;
  if (token === '~') return undefined;
  return Buffer.from(token.slice(1), 'base64url').toString('utf8');
}
