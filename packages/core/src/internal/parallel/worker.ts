/**
 * The shard side of a worker-sharded analysis: an ordinary `Analyzer` fed with the rows of the
 * devices this shard owns. The main thread reads the inputs and sends each shard its NDJSON lines
 * (the other lines blank, so line numbers stay) or, for documents and CSV, the whole text; the shard
 * parses, keeps the events of its devices, and at the end sends its result.
 */
import type { MessagePort } from 'node:worker_threads';
import { createAnalyzer } from '../engine/analyze.js';
import type { AnalyzeOptions } from '../engine/types.js';
import { CsvReader } from '../ingest/csv.js';
import { timeZoneOption } from '../ingest/ingest.js';
import { JsonDocReader } from '../ingest/jsondoc.js';
import { ndjsonReader, type TextReader } from '../ingest/lines.js';
import { Router } from '../ingest/route.js';
import type { IngestNotice, RejectedRow } from '../ingest/types.js';
import type { FromShard, ShardInputStats, ToShard } from './protocol.js';
import { shardOf } from './scan.js';

const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Run shard `shard` of `shards` on the messages of `port` until the result is sent. */
export function serveShard(port: MessagePort, options: AnalyzeOptions, shard: number, shards: number): void {
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
  let broadcast: ReadonlySet<number> = new Set();
  let events = 0;
  let rejected = 0;
  let firstRejected: RejectedRow | undefined;
  let notices: ShardInputStats['notices'][number][] = [];
  /** Rows every shard read (the whole text, or a broadcast line): kept by their device's shard, rejections by shard 0. */
  const shared = (line: number | undefined): boolean => whole || (line !== undefined && broadcast.has(line));

  const sink = {
    event: (event: Parameters<typeof analyzer.pushEvent>[0]) => {
      if (shardOf(event.deviceId, shards) !== shard) {
        if (shared(event.source.line)) return;
        throw new Error(`a row of device ${event.deviceId} came to shard ${shard} (line ${event.source.line})`);
      }
      events++;
      analyzer.pushEvent(event);
    },
    rejected: (row: RejectedRow) => {
      if (shard !== 0 && shared(row.line)) return;
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
        broadcast = new Set();
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
              : ndjsonReader(router, maxBytes);
        return;
      }
      case 'text':
        if (m.withsource !== undefined && router) router.withsource = m.withsource;
        broadcast =
          m.broadcast && m.broadcast.length > 0 ? new Set(m.broadcast) : broadcast.size ? new Set() : broadcast;
        reader?.push(m.text);
        post({ type: 'ack' });
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
      case 'finish':
        post({ type: 'result', result: analyzer.finish() });
        port.close();
        return;
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
