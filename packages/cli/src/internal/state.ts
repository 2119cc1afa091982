/**
 * `--state PATH` and `tripline state list|ack|suppress|unsuppress`: the store a path names, and the
 * commands that read it and add or remove acknowledgements and suppressions.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import {
  type AlertChange,
  type AnalysisResult,
  acknowledge,
  type DeviceSummary,
  fromFile,
  fromStream,
  type InputSource,
  isTriplineError,
  listState,
  type Severity,
  type StateListing,
  type StateStore,
  type Suppression,
  type SuppressionInput,
  suppress,
  unsuppress,
} from '@tripline/core';
import { fleetFindings, maxSeverity, severityRank } from '@tripline/core/unstable';
import { CliError, EXIT, type ExitCode } from './errors.js';
import { type CliIo, say, writeStdout } from './io.js';
import { escapeJsonForTerminal, formatCount, terminalText } from './text.js';

type StoreFactory = (path: string) => StateStore;

function digest(hash: Hash): string {
  return hash.digest('hex').slice(0, 16);
}

/**
 * An input of an incremental run, named by its path (or `stdin`) and a hash of its bytes: the state
 * skips the rows of a source name an earlier batch read (so a batch read again is not counted twice),
 * and exports reuse names (every storage-account blob is a `PT1H.json`, every pipe is stdin) — the
 * bytes tell a new batch from one read again. Stdin is read whole first. A file that cannot be read is
 * left to `fromFile`, which reports it as any run does.
 */
export async function stateSource(arg: string, stdin: Readable): Promise<InputSource> {
  if (arg === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    const bytes = Buffer.concat(chunks);
    const name = `stdin#sha256:${digest(createHash('sha256').update(bytes))}`;
    return fromStream(Readable.from([bytes]), name);
  }
  const source = fromFile(arg);
  try {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(arg)) hash.update(chunk as Buffer);
    return { ...source, name: `${arg}#sha256:${digest(hash)}` };
  } catch {
    return source;
  }
}

/** The store of `--state PATH`: a path ending in `.json` or `.json.gz` is a JSON-file store, any other SQLite. */
export async function stateStoreFor(path: string): Promise<StateStore> {
  const lower = path.toLowerCase();
  const name = lower.endsWith('.json') || lower.endsWith('.json.gz') ? 'jsonFileStateStore' : 'sqliteStateStore';
  const mod = (await import('@tripline/state')) as unknown as Record<string, StoreFactory | undefined>;
  const factory = mod[name];
  if (typeof factory !== 'function')
    throw new CliError(`--state ${path}: this installation of @tripline/state has no ${name}`);
  return factory(path);
}

/** Open the store of `--state PATH`; a store that cannot be opened is one line and exit 2. */
export async function openStateStore(path: string): Promise<StateStore> {
  const store = await stateStoreFor(path);
  try {
    await store.open();
  } catch (error) {
    if (isTriplineError(error)) throw new CliError(`--state ${path}: ${error.message}`, { cause: error });
    throw error;
  }
  return store;
}

/** Open the store of `path`, run `f`, close the store (also when `f` throws). */
export async function withStateStore<T>(path: string, f: (store: StateStore) => Promise<T>): Promise<T> {
  const store = await openStateStore(path);
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

/**
 * The report of an incremental run: the alerts of this batch's notifying changes (new, escalated,
 * reopened, repeated, count over a threshold) other than `resolved`, with the summary's alert counts,
 * the devices' and the fleet findings made for them. The counts of events stay those of the run.
 */
export function changedAlertsResult(result: AnalysisResult, changes: readonly AlertChange[]): AnalysisResult {
  const ids = new Set(changes.filter((c) => c.notify && c.kind !== 'resolved').map((c) => c.alertId));
  const alerts = result.alerts.filter((a) => ids.has(a.id));
  const bySeverity = { critical: 0, high: 0, medium: 0, low: 0, informational: 0 };
  for (const a of alerts) bySeverity[a.severity]++;
  const perDevice = new Map<string, Severity[]>();
  for (const a of alerts) perDevice.set(a.device.id, [...(perDevice.get(a.device.id) ?? []), a.severity]);
  const devices: DeviceSummary[] = result.devices.map((d) => {
    const sev = perDevice.get(d.id) ?? [];
    return { ...d, alertCount: sev.length, highestSeverity: sev.length ? sev.reduce(maxSeverity) : null };
  });
  return {
    ...result,
    summary: {
      ...result.summary,
      alertCount: alerts.length,
      highestSeverity: alerts.length ? alerts.map((a) => a.severity).reduce(maxSeverity) : null,
      bySeverity,
    },
    alerts,
    findings: fleetFindings(alerts, result.detectors),
    devices,
  };
}

/** With `--state`, `--fail-on` looks at the alerts that are new or escalated in this batch (and notify). */
export function failingChanges(
  result: AnalysisResult,
  changes: readonly AlertChange[],
  failOn: Severity | undefined,
): AnalysisResult['alerts'][number][] {
  if (failOn === undefined) return [];
  const ids = new Set(
    changes.filter((c) => c.notify && (c.kind === 'new' || c.kind === 'escalated')).map((c) => c.alertId),
  );
  return result.alerts.filter((a) => ids.has(a.id) && severityRank(a.severity) >= severityRank(failOn));
}

/** Mark this batch's notifications delivered (the report carried them). */
export async function markDelivered(store: StateStore, changes: readonly AlertChange[]): Promise<void> {
  const keys = changes.filter((c) => c.notify).map((c) => c.idempotencyKey);
  if (keys.length) await store.write({ delivered: keys });
}

const KIND_ORDER = [
  'new',
  'escalated',
  'reopened',
  'updated',
  'repeated',
  'resolved',
  'acknowledged',
  'suppressed',
] as const satisfies readonly AlertChange['kind'][];

/** `tripline: state bot.json: 3 changes (1 new, 1 escalated, 1 resolved), 2 notify; …`. */
export function changesLine(changes: readonly AlertChange[], path: string, kind: string): string {
  const n = changes.length;
  const by = KIND_ORDER.map((k) => [k, changes.filter((c) => c.kind === k).length] as const)
    .filter(([, c]) => c > 0)
    .map(([k, c]) => `${formatCount(c)} ${k}`);
  const notify = changes.filter((c) => c.notify).length;
  return `tripline: state ${terminalText(path, 200)} (${kind}): ${formatCount(n)} change${n === 1 ? '' : 's'}${by.length ? ` (${by.join(', ')})` : ''}, ${formatCount(notify)} notifying`;
}

/** Options every `tripline state` command takes. */
export interface StateCommandOptions {
  readonly state: string;
  readonly format: 'text' | 'json';
}

/** Options of `tripline state ack` and `tripline state suppress`. */
export interface SuppressCommandOptions extends StateCommandOptions {
  readonly alert?: string;
  readonly detector?: string;
  readonly device?: string;
  readonly key?: string;
  readonly reason: string;
  readonly author?: string;
  readonly expires?: string;
}

function json(value: unknown): string {
  return `${escapeJsonForTerminal(JSON.stringify(value, null, 2))}\n`;
}

function matchText(s: Suppression): string {
  const m = s.match;
  return (['alert', 'detector', 'device', 'key'] as const)
    .filter((k) => m[k] !== undefined)
    .map((k) => `${k}=${m[k]}`)
    .join(' ');
}

function suppressionLine(s: Suppression & { readonly expired?: boolean }): string {
  const until = s.expires !== undefined ? `${s.expired ? 'expired' : 'until'} ${s.expires}` : 'until removed';
  return terminalText(`${s.id}  ${s.action}  ${matchText(s)}  ${until}  by ${s.author}: ${s.reason}`, 2000);
}

/** The text form of `tripline state list`. */
export function listingText(listing: StateListing): string {
  const lines: string[] = [];
  const active = listing.alerts.filter((a) => a.status === 'active').length;
  lines.push(
    `${listing.alerts.length} alert${listing.alerts.length === 1 ? '' : 's'} (${active} active, ${listing.alerts.length - active} resolved); ${listing.suppressions.length} suppression${listing.suppressions.length === 1 ? '' : 's'}; ${listing.outbox} notification${listing.outbox === 1 ? '' : 's'} waiting`,
  );
  for (const a of listing.alerts) {
    const handled = a.handledBy
      ? `  ${a.handledBy.action === 'suppress' ? 'suppressed' : 'acknowledged'} (${a.handledBy.id})`
      : '';
    lines.push(
      terminalText(
        `${a.id}  ${a.status}  ${a.severity}  ${a.detector}  ${a.deviceName}  ${a.count} event${a.count === 1 ? '' : 's'}  last seen ${a.lastSeen}  rev ${a.revision}${handled}  ${a.title}`,
        2000,
      ),
    );
  }
  if (listing.suppressions.length) lines.push('suppressions:');
  for (const s of listing.suppressions) lines.push(`  ${suppressionLine(s)}`);
  return `${lines.join('\n')}\n`;
}

/** `tripline state list`. */
export async function stateListCommand(options: StateCommandOptions, io: CliIo): Promise<ExitCode> {
  const listing = await withStateStore(options.state, (store) => listState(store));
  await writeStdout(io.stdout, [options.format === 'json' ? json(listing) : listingText(listing)]);
  return EXIT.OK;
}

/** `tripline state ack` and `tripline state suppress`. */
export async function stateSuppressCommand(
  action: Suppression['action'],
  options: SuppressCommandOptions,
  io: CliIo,
): Promise<ExitCode> {
  const input: SuppressionInput = {
    ...(options.alert !== undefined ? { alert: options.alert } : {}),
    ...(options.detector !== undefined ? { detector: options.detector } : {}),
    ...(options.device !== undefined ? { device: options.device } : {}),
    ...(options.key !== undefined ? { key: options.key } : {}),
    reason: options.reason,
    author: options.author ?? io.env.USER ?? io.env.USERNAME ?? 'tripline',
    ...(options.expires !== undefined ? { expires: options.expires } : {}),
  };
  const added = await withStateStore(options.state, (store) =>
    action === 'suppress' ? suppress(store, input) : acknowledge(store, input),
  );
  if (options.format === 'json') await writeStdout(io.stdout, [json(added)]);
  else await say(io.stdout, `${suppressionLine(added)}\n`);
  return EXIT.OK;
}

/** `tripline state unsuppress ID`. */
export async function stateUnsuppressCommand(id: string, options: StateCommandOptions, io: CliIo): Promise<ExitCode> {
  const removed = await withStateStore(options.state, (store) => unsuppress(store, id));
  if (options.format === 'json') await writeStdout(io.stdout, [json(removed)]);
  else await say(io.stdout, `removed ${suppressionLine(removed)}\n`);
  return EXIT.OK;
}
