/**
 * `tripline stream`: consume a broker with `@tripline/stream` — one SQLite state store per partition
 * in `--state DIR`, notifications as NDJSON, a health line on stderr, metrics as log lines or an
 * OpenMetrics endpoint on loopback, graceful shutdown on SIGTERM and SIGINT. With `--rekey`, the first
 * stage instead: republish every row under its `DeviceId` to `--to`.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AnalyzeOptions, OutboxEntry, Severity, StateStore } from '@tripline/core';
import type { AdapterOptions, StreamAdapter, StreamMetrics } from '@tripline/stream';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { buildRun } from './analyze.js';
import { CliError, EXIT, type ExitCode } from './errors.js';
import { type CliIo, say, writeAll } from './io.js';
import { runnable } from './sources.js';
import { escapeJsonForTerminal, formatCount, terminalText } from './text.js';

/** Options of `tripline stream`. */
export interface StreamCommandOptions {
  readonly broker: string;
  readonly consumer?: string;
  readonly stream?: string;
  readonly subject?: string;
  readonly hub?: string;
  readonly consumerGroup?: string;
  readonly topic?: string;
  readonly brokers?: string;
  readonly state?: string;
  readonly rekey?: boolean;
  readonly to?: string;
  readonly notifications?: string;
  readonly metricsInterval?: number;
  readonly metricsPort?: number;
  readonly config?: string;
  readonly rules?: readonly string[];
  readonly detectors?: readonly string[];
  readonly builtin?: boolean;
  readonly sigmaLevel?: Severity;
  readonly sigmaStatus?: readonly string[];
  readonly quiet?: boolean;
}

function portArg(value: string): number {
  const n = /^[0-9]{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= 65535)) throw new InvalidArgumentError('Expected a TCP port from 1 to 65535.');
  return n;
}

function secondsArg(value: string): number {
  const n = /^[0-9]{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 0)) throw new InvalidArgumentError('Expected whole seconds (0: no periodic health line).');
  return n;
}

const STREAM_HELP = `
Brokers:
  nats://host:port  NATS JetStream: --stream, --subject (npm package nats)
  eventhubs         Azure Event Hubs: --hub, --consumer-group; connection strings from the
                    environment (npm package @azure/event-hubs)
  kafka             Kafka protocol: --brokers, --topic, --consumer-group
                    (npm package @confluentinc/kafka-javascript)

State: --state DIR holds one SQLite store per partition (partition-<id>.sqlite); a consumer that
takes a partition over (rebalance, restart) resumes from the position committed with its state.

Notifications (new, escalated, … alerts) are written as NDJSON lines to stdout, or appended to
--notifications FILE: {"key": idempotency key, "partition", "queuedAt", "payload"}. At least once:
a line may repeat after a crash, with the same key.

SIGTERM or SIGINT: the batch in flight finishes and commits, then exit 0.

Exit status: 0 stopped by a signal, 2 usage error or the broker cannot be used.

Examples:
  tripline stream --broker nats://127.0.0.1:4222 --stream mde --subject mde.part --state ./state
  tripline stream --broker nats://127.0.0.1:4222 --stream mde-raw --subject mde.raw --rekey --to mde
  tripline stream --broker eventhubs --hub mde --consumer-group tripline --state /data/state --metrics-port 9464

Docs: docs/stream.md in the tripline repository.`;

/** Add `tripline stream` to `program`. */
export function addStreamCommand(
  program: Command,
  detectorOptions: readonly Option[],
  io: CliIo,
  setExit: (code: ExitCode) => void,
): void {
  const command = program
    .command('stream')
    .description(
      'consume a broker partition by partition: alerts as they come, state per partition, notifications as NDJSON',
    )
    .requiredOption('--broker <url>', 'nats://host:port, eventhubs or kafka')
    .option('--consumer <name>', "this consumer's name in its group (default: host name and process id)")
    .option('--stream <name>', 'NATS: the JetStream stream')
    .option('--subject <prefix>', 'NATS: the subject prefix of the partitions')
    .option('--hub <name>', 'Event Hubs: the event hub')
    .option('--consumer-group <name>', 'Event Hubs, Kafka: the consumer group')
    .option('--topic <name>', 'Kafka: the topic')
    .option('--brokers <list>', 'Kafka: bootstrap servers, host:port[,host:port…]')
    .option('--state <dir>', "folder of the partitions' state (one SQLite file per partition)")
    .option('--rekey', 'first stage: republish every row under its DeviceId to --to (no analysis, no state)')
    .option('--to <target>', 'with --rekey: the stream, hub or topic to republish to')
    .option('--notifications <file>', 'append notifications (NDJSON) to FILE instead of stdout')
    .addOption(
      new Option('--metrics-interval <seconds>', 'health line on stderr every N seconds (0: only at the end)')
        .argParser(secondsArg)
        .default(30),
    )
    .addOption(
      new Option(
        '--metrics-port <port>',
        'serve OpenMetrics at http://127.0.0.1:PORT/metrics (loopback only)',
      ).argParser(portArg),
    )
    .option('-c, --config <path>', 'run configuration, JSON or YAML (see docs/configuration.md)');
  for (const o of detectorOptions) command.addOption(o);
  command
    .option('-q, --quiet', 'print nothing on stderr but errors')
    .option('--debug', 'print stack traces of errors')
    .addHelpText('after', STREAM_HELP)
    .action(async (opts: StreamCommandOptions) => {
      setExit(await streamCommand(opts, io));
    });
}

/** The adapter entries and the client library each needs. */
export const ADAPTERS = {
  nats: { entry: '@tripline/stream/nats', client: 'nats' },
  eventhubs: { entry: '@tripline/stream/eventhubs', client: '@azure/event-hubs' },
  kafka: { entry: '@tripline/stream/kafka', client: '@confluentinc/kafka-javascript' },
} as const;

export type AdapterKind = keyof typeof ADAPTERS;

/** `--broker`: `nats://host:port`, `eventhubs`, `kafka` (or `kafka://host:port`). */
export function brokerKind(broker: string): AdapterKind {
  const lower = broker.toLowerCase();
  if (lower.startsWith('nats://') || lower.startsWith('tls://')) return 'nats';
  if (lower === 'eventhubs') return 'eventhubs';
  if (lower === 'kafka' || lower.startsWith('kafka://')) return 'kafka';
  throw new CliError(
    `--broker ${terminalText(broker, 200)}: expected nats://host:port, eventhubs or kafka (see tripline stream --help)`,
  );
}

/**
 * Load the adapter of `kind` (a dynamic import, so that only the client library of the broker in use has
 * to be installed). A missing entry or client library is one line saying what to install.
 */
export async function loadAdapter(
  kind: AdapterKind,
  importer: (specifier: string) => Promise<unknown> = (s) => import(s),
): Promise<StreamAdapter> {
  const { entry, client } = ADAPTERS[kind];
  let mod: unknown;
  try {
    mod = await importer(entry);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      if (message.includes(`'${client}'`) || message.includes(`"${client}"`))
        throw new CliError(
          `--broker ${kind}: the ${kind} adapter needs the npm package ${client}: npm install ${client}`,
          {
            cause: error,
          },
        );
      throw new CliError(`--broker ${kind}: this installation of @tripline/stream has no ${kind} adapter (${entry})`, {
        cause: error,
      });
    }
    throw error;
  }
  const adapter = (mod as { streamAdapter?: StreamAdapter } | null)?.streamAdapter;
  if (!adapter || typeof adapter.source !== 'function' || typeof adapter.sink !== 'function')
    throw new CliError(`--broker ${kind}: ${entry} does not export a streamAdapter`);
  return adapter;
}

/** The file of a partition's state in `--state DIR`: `partition-<id>.sqlite`, odd characters hex-escaped. */
export function partitionFile(dir: string, partition: string): string {
  const safe = [...partition].map((c) => (/^[A-Za-z0-9._-]$/.test(c) ? c : `%${c.codePointAt(0)!.toString(16)}`));
  return join(dir, `partition-${safe.join('')}.sqlite`);
}

/** The health line: `stream: nats://… partitions 0,2 owned, 12,345 rows, 1,204 rows/s, lag 0, alerts 17`. */
export function healthLine(broker: string, m: StreamMetrics): string {
  const owned = [...m.partitions.keys()];
  const lags = [...m.partitions.values()].map((p) => p.lag).filter((l): l is number => l !== undefined);
  const lag = lags.length ? formatCount(lags.reduce((a, b) => a + b, 0)) : 'unknown';
  return (
    `stream: ${terminalText(broker, 200)} partitions ${owned.length ? terminalText(owned.join(','), 200) : 'none'} owned, ` +
    `${formatCount(m.rows)} rows, ${formatCount(m.rowsPerSecond)} rows/s, lag ${lag}, alerts ${formatCount(m.alerts)}` +
    (m.redelivered ? `, ${formatCount(m.redelivered)} redelivered` : '') +
    (m.notifications ? `, ${formatCount(m.notifications)} notifications` : '')
  );
}

/** One notification as an NDJSON line (terminal-safe JSON). */
export function notificationLine(entry: OutboxEntry, partition: string): string {
  return `${escapeJsonForTerminal(JSON.stringify({ key: entry.key, partition, queuedAt: entry.queuedAt, payload: entry.payload }))}\n`;
}

/** An OpenMetrics endpoint on 127.0.0.1 only: `GET /metrics` answers `text()`. Resolves once listening. */
export function metricsServer(port: number, text: () => string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/metrics' && req.url !== '/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' }).end(text());
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new CliError(`--metrics-port ${port}: cannot listen on 127.0.0.1 (${error.code ?? error.message})`)),
    );
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** Abort on SIGTERM and SIGINT until `dispose` (the batch in flight finishes and commits). */
function onSignals(controller: AbortController): () => void {
  const stop = (): void => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return () => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  };
}

function adapterOptions(opts: StreamCommandOptions, io: CliIo): AdapterOptions {
  return {
    broker: opts.broker,
    consumer: opts.consumer ?? `${hostname()}-${process.pid}`,
    ...(opts.stream !== undefined ? { stream: opts.stream } : {}),
    ...(opts.subject !== undefined ? { subject: opts.subject } : {}),
    ...(opts.hub !== undefined ? { hub: opts.hub } : {}),
    ...(opts.consumerGroup !== undefined ? { consumerGroup: opts.consumerGroup } : {}),
    ...(opts.topic !== undefined ? { topic: opts.topic } : {}),
    ...(opts.brokers !== undefined ? { brokers: opts.brokers } : {}),
    env: io.env,
  };
}

/** Check the options that do not need the broker (before anything is loaded or opened). */
export function checkStreamOptions(opts: StreamCommandOptions): AdapterKind {
  const kind = brokerKind(opts.broker);
  if (opts.rekey) {
    if (opts.to === undefined)
      throw new CliError('--rekey needs --to <target>: the stream, hub or topic to republish to');
    if (opts.state !== undefined) throw new CliError('--rekey keeps no state: leave out --state');
  } else {
    if (opts.state === undefined) throw new CliError('--state <dir> is required: the folder of the partitions’ state');
    if (opts.to !== undefined) throw new CliError('--to is for --rekey only');
  }
  return kind;
}

/** `tripline stream`: runs until SIGTERM or SIGINT, then exits 0 with the batch in flight committed. */
export async function streamCommand(
  opts: StreamCommandOptions,
  io: CliIo,
  importer?: (specifier: string) => Promise<unknown>,
): Promise<ExitCode> {
  const kind = checkStreamOptions(opts);
  const adapter = await loadAdapter(kind, importer);
  const options = adapterOptions(opts, io);
  const controller = new AbortController();
  const dispose = onSignals(controller);
  const log = (line: string): Promise<void> => (opts.quiet ? Promise.resolve() : say(io.stderr, `${line}\n`));
  try {
    if (opts.rekey) {
      const { rekey } = await import('@tripline/stream');
      const from = await adapter.source(options);
      const to = await adapter.sink({ ...options, target: opts.to! });
      try {
        const stats = await rekey({ from, to, signal: controller.signal });
        await log(
          `stream: rekey ${terminalText(opts.broker, 200)} → ${terminalText(opts.to!, 200)}: ${formatCount(stats.records)} records, ${formatCount(stats.rows)} rows republished, ${formatCount(stats.withoutDevice)} without DeviceId`,
        );
      } finally {
        await to.close();
      }
      return EXIT.OK;
    }
    return await consume(opts, io, adapter, options, controller.signal, log);
  } finally {
    dispose();
  }
}

async function consume(
  opts: StreamCommandOptions,
  io: CliIo,
  adapter: StreamAdapter,
  options: AdapterOptions,
  signal: AbortSignal,
  log: (line: string) => Promise<void>,
): Promise<ExitCode> {
  const { openMetrics, runPartitioned } = await import('@tripline/stream');
  const { sqliteStateStore } = (await import('@tripline/state')) as {
    sqliteStateStore: (path: string) => StateStore;
  };
  const { config, detectors } = await buildRun({
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    ...(opts.rules !== undefined ? { rules: opts.rules } : {}),
    ...(opts.detectors !== undefined ? { detectors: opts.detectors } : {}),
    ...(opts.builtin !== undefined ? { builtin: opts.builtin } : {}),
    ...(opts.sigmaLevel !== undefined ? { sigmaLevel: opts.sigmaLevel } : {}),
    ...(opts.sigmaStatus !== undefined ? { sigmaStatus: opts.sigmaStatus } : {}),
  });
  const dir = opts.state!;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new CliError(`--state ${dir}: cannot create the folder (${(error as Error).message})`, { cause: error });
  }
  const out =
    opts.notifications === undefined || opts.notifications === '-'
      ? io.stdout
      : createWriteStream(opts.notifications, { flags: 'a' });
  let latest: StreamMetrics | undefined;
  const server =
    opts.metricsPort !== undefined
      ? await metricsServer(opts.metricsPort, () => (latest ? openMetrics(latest, opts.broker) : '# EOF\n'))
      : undefined;
  const every = (opts.metricsInterval ?? 30) * 1000;
  let printed = Date.now();
  const source = await adapter.source(options);
  try {
    const analyzer: Omit<AnalyzeOptions, 'detectors' | 'state' | 'stream'> = config !== undefined ? { config } : {};
    const final = await runPartitioned({
      source,
      detectors: runnable(detectors),
      state: (p) => sqliteStateStore(partitionFile(dir, p)),
      analyzer,
      notify: (entry, partition) => writeAll(out as CliIo['stdout'], notificationLine(entry, partition)),
      onMetrics: (m) => {
        latest = m;
        const now = Date.now();
        if (every > 0 && now - printed >= every) {
          printed = now;
          void log(healthLine(opts.broker, m));
        }
      },
      // The endpoint's figures are at most a second old; the health line every --metrics-interval.
      metricsIntervalMs: server ? 1000 : every,
      signal,
    });
    await log(healthLine(opts.broker, final));
    return EXIT.OK;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      `--broker ${terminalText(opts.broker, 200)}: ${terminalText(error instanceof Error ? error.message : String(error), 500)}`,
      { cause: error },
    );
  } finally {
    server?.close();
    if (out !== io.stdout) await new Promise<void>((resolve) => (out as NodeJS.WritableStream).end(resolve));
  }
}
