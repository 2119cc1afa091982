/**
 * The shard side of a worker-sharded analysis: an ordinary `Analyzer` fed with the rows of the
 * devices this shard owns. The main thread reads the inputs; it splits NDJSON into lines, reads each
 * line's device from its bytes and sends every shard the same lines with the shard that reads each
 * (shards.ts). A shard decodes and parses only the lines of its own devices, and those whose bytes do
 * not settle the device (every shard parses those, each keeping its own devices' events; their
 * rejections are kept by shard 0). Documents and CSV come whole to every shard, each keeping its
 * devices' rows. At the end a shard sends its result, its alerts in parts the main thread asks for.
 */
import { createAnalyzer } from '../engine/analyze.js';
import type { AnalyzeOptions } from '../engine/types.js';
import { CsvReader } from '../ingest/csv.js';
import { timeZoneOption } from '../ingest/ingest.js';
import { JsonDocReader } from '../ingest/jsondoc.js';
import { ndjsonLine, type TextReader } from '../ingest/lines.js';
import { Router } from '../ingest/route.js';
import type { IngestNotice, RejectedRow } from '../ingest/types.js';
import type { Alert } from '../report/types.js';
import {
  ALERTS_PER_MESSAGE,
  EVERY_SHARD,
  type FromShard,
  type ShardInputStats,
  TOO_LONG,
  type ToShard,
} from './protocol.js';
import { shardOf } from './scan.js';

const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * The lines of one NDJSON input as the main thread split and scanned them (see `LinesToShards`): a
 * shard decodes and parses the lines of its own devices and the shared ones, and skips the others.
 */
class ShardLines implements TextReader {
  readonly #read: (line: string, n: number) => void;

  constructor(
    readonly router: Router,
    readonly maxBytes: number,
    readonly shard: number,
    readonly shared: (read: () => void) => void,
  ) {
    this.#read = ndjsonLine(router);
  }

  lines(buffer: SharedArrayBuffer, lines: Int32Array, first: number): void {
    const bytes = Buffer.from(buffer);
    const shard = this.shard;
    for (let i = 0, n = first; i < lines.length; i += 3, n++) {
      const owner = lines[i + 2]!;
      if (owner === shard) this.#read(bytes.toString('utf8', lines[i], lines[i + 1]), n);
      else if (owner === EVERY_SHARD) {
        const text = bytes.toString('utf8', lines[i], lines[i + 1]);
        this.shared(() => this.#read(text, n));
      } else if (owner === TOO_LONG)
        this.shared(() =>
          this.router.reject(n, undefined, 'line-too-long', `line is longer than ${this.maxBytes} bytes`),
        );
    }
  }

  push(): void {
    throw new Error('the lines of an NDJSON input come split (a lines message), not as text');
  }

  end(): void {}
}

/**
 * Run shard `shard` of `shards` on the messages of `port` (a worker's `parentPort`, or the calling
 * thread's end of `inThreadShard`) until the result is sent.
 */
export function serveShard(
  port: {
    postMessage(message: FromShard): void;
    on(event: 'message', listener: (message: ToShard) => void): unknown;
    close(): void;
  },
  options: AnalyzeOptions,
  shard: number,
  shards: number,
): void {
  const post = (m: FromShard): void => port.postMessage(m);
  let analyzer: ReturnType<typeof createAnalyzer>;
  try {
    analyzer = createAnalyzer(options);
  } catch (error) {
    post({ type: 'error', message: String((error as Error)?.message ?? error) });
    return;
  }
  const maxBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const zone = options.timezone ?? options.config?.timezone;
  const timeZone = zone === undefined ? undefined : timeZoneOption(zone);

  let reader: TextReader | undefined;
  let router: Router | undefined;
  let whole = false;
  /** Whether the line being read is read by every shard. */
  let sharing = false;
  let events = 0;
  let rejected = 0;
  let firstRejected: RejectedRow | undefined;
  let notices: ShardInputStats['notices'][number][] = [];
  /** The alerts of the result once finished, and how many of them were sent (see `ALERTS_PER_MESSAGE`). */
  let unsent: (Alert | undefined)[] = [];
  let sentAlerts = 0;
  /** Rows every shard reads (the whole text, or a shared line): kept by their device's shard, rejections by shard 0. */
  const shared = (): boolean => whole || sharing;
  const readShared = (read: () => void): void => {
    sharing = true;
    try {
      read();
    } finally {
      sharing = false;
    }
  };
  const own = (deviceId: string): boolean => shardOf(deviceId, shards) === shard;

  const sink = {
    event: (event: Parameters<typeof analyzer.pushEvent>[0]) => {
      if (!own(event.deviceId)) {
        if (shared()) return;
        throw new Error(`a row of device ${event.deviceId} came to shard ${shard} (line ${event.source.line})`);
      }
      events++;
      analyzer.pushEvent(event);
    },
    rejected: (row: RejectedRow) => {
      if (shard !== 0 && shared()) return;
      rejected++;
      firstRejected ??= row;
      analyzer.pushRejected(row);
    },
    notice: (n: IngestNotice) => {
      if (shard === 0 || !whole) notices.push({ ...n });
    },
  };

  const handle = (m: ToShard): void => {
    switch (m.type) {
      case 'input': {
        whole = m.layout !== 'lines';
        events = 0;
        rejected = 0;
        firstRejected = undefined;
        notices = [];
        router = new Router(sink, m.name, m.format === 'sentinel', options.table);
        reader =
          m.layout === 'csv'
            ? new CsvReader(router, maxBytes, timeZone)
            : m.layout === 'document'
              ? new JsonDocReader(router, maxBytes)
              : new ShardLines(router, maxBytes, shard, readShared);
        return;
      }
      case 'lines':
        (reader as ShardLines | undefined)?.lines(m.buffer, m.lines, m.first);
        post({ type: 'ack', events, rejected });
        return;
      case 'text':
        reader?.push(m.text);
        post({ type: 'ack', events, rejected });
        return;
      case 'end':
      case 'abort': {
        if (m.type === 'end') reader?.end();
        else reader?.dispose?.();
        const localTime = shard === 0 && reader instanceof CsvReader ? reader.localTimes : undefined;
        post({
          type: 'stats',
          stats: {
            events,
            rejected,
            container: router?.container ?? false,
            ...(firstRejected ? { firstRejected } : {}),
            ...(localTime ? { localTime } : {}),
            notices,
          },
        });
        reader = undefined;
        router = undefined;
        return;
      }
      case 'finish': {
        const result = analyzer.finish();
        unsent = [...result.alerts];
        post({ type: 'result', result: { ...result, alerts: [], findings: [] }, alerts: unsent.length });
        if (unsent.length === 0) port.close();
        return;
      }
      case 'alerts': {
        // Each part sent is let go: the shard's heap need not hold what the main thread has.
        const part = unsent.slice(sentAlerts, sentAlerts + ALERTS_PER_MESSAGE) as Alert[];
        unsent.fill(undefined, sentAlerts, sentAlerts + part.length);
        sentAlerts += part.length;
        post({ type: 'alerts', alerts: part });
        if (sentAlerts >= unsent.length) port.close();
        return;
      }
    }
  };

  port.on('message', (m: ToShard) => {
    try {
      handle(m);
    } catch (error) {
      post({ type: 'error', message: String((error as Error)?.message ?? error), stack: (error as Error)?.stack });
      port.close();
    }
  });
  post({ type: 'ready' });
}
