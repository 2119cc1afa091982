/**
 * Re-keying: the first stage when the source is not partitioned by device (Defender's streaming API
 * writes `{"records":[…]}` bodies, each holding rows of many devices, to whichever Event Hubs partition).
 * Every row is republished on its own under its `DeviceId`, so that a device's rows land in one
 * partition (`partitionOf(DeviceId, partitions)`) of the target, in the order they were read.
 *
 * Rows are republished as the exact text they had (64-bit integers untouched). A row without a
 * `DeviceId`, or an element that is not JSON, is republished under {@link NO_DEVICE_KEY} and counted: the
 * analyzing stage rejects it with its partition and position, so nothing is lost in silence.
 */
import { NO_DEVICE_KEY, partitionOf } from './partition.js';
import type { OutgoingRecord, PartitionHandler, SourceRecord, StreamSink, StreamSource } from './types.js';

/** What {@link rekey} takes. */
export interface RekeyOptions {
  readonly from: StreamSource;
  readonly to: StreamSink;
  /** Stop (SIGTERM): the batch in flight is published and acknowledged first. */
  readonly signal?: AbortSignal;
  /** Called after each batch was published and before the source acknowledges it. */
  readonly onBatch?: (batch: RekeyBatch) => void;
}

/** One batch of the source, republished. */
export interface RekeyBatch {
  readonly partition: string;
  readonly records: number;
  readonly rows: number;
  /** Rows published under {@link NO_DEVICE_KEY}. */
  readonly withoutDevice: number;
}

/** Counts of a {@link rekey} run. */
export interface RekeyStats {
  readonly records: number;
  readonly rows: number;
  readonly withoutDevice: number;
  /** Rows published per target partition. */
  readonly partitions: ReadonlyMap<number, number>;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Skip JSON whitespace from `i`. */
function ws(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  return i;
}

/** The end (exclusive) of the JSON value starting at `i` (strings, nesting), or -1. One pass. */
function valueEnd(text: string, i: number): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === '"') {
      for (j++; j < text.length && text[j] !== '"'; j++) if (text[j] === '\\') j++;
      if (j >= text.length) return -1;
      if (depth === 0) return j + 1;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth < 0) return j;
      if (depth === 0) return j + 1;
    } else if (depth === 0 && (c === ',' || c === ' ' || c === '\n' || c === '\r' || c === '\t')) return j;
  }
  return depth === 0 ? text.length : -1;
}

/**
 * The elements of the top-level `records` array of an Event Hubs body, as their exact text; undefined
 * when the body is not such an object.
 */
export function recordsOf(text: string): string[] | undefined {
  let i = ws(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  if (text[i] !== '{') return undefined;
  i = ws(text, i + 1);
  while (i < text.length && text[i] === '"') {
    const keyEnd = valueEnd(text, i);
    if (keyEnd < 0) return undefined;
    const key = text.slice(i + 1, keyEnd - 1);
    i = ws(text, keyEnd);
    if (text[i] !== ':') return undefined;
    i = ws(text, i + 1);
    if (key === 'records' && text[i] === '[') {
      const out: string[] = [];
      i = ws(text, i + 1);
      while (i < text.length && text[i] !== ']') {
        const end = valueEnd(text, i);
        if (end < 0) return undefined;
        out.push(text.slice(i, end));
        i = ws(text, end);
        if (text[i] === ',') i = ws(text, i + 1);
        else if (text[i] !== ']') return undefined;
      }
      return out;
    }
    const end = valueEnd(text, i);
    if (end < 0) return undefined;
    i = ws(text, end);
    if (text[i] === ',') i = ws(text, i + 1);
    else return undefined;
  }
  return undefined;
}

/** The rows of one body: the elements of `records`, else its non-blank lines (NDJSON, or one row). */
export function rowsOf(body: string | Uint8Array): string[] {
  const text = typeof body === 'string' ? body : decoder.decode(body);
  const records = recordsOf(text);
  if (records) return records;
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.replace(/\r$/, ''));
}

/** The `DeviceId` of a row (a bare row, or a storage-account record's `properties`), when it has one. */
export function deviceIdOf(row: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(row);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const o = parsed as Record<string, unknown>;
  const props = o.properties && typeof o.properties === 'object' ? (o.properties as Record<string, unknown>) : o;
  const id = props.DeviceId ?? o.DeviceId;
  return typeof id === 'string' && id.trim() !== '' ? id.trim() : undefined;
}

/**
 * Republish every row of `from` under its `DeviceId` to `to`, acknowledging each batch of the source
 * only after the sink acknowledged its rows (at least once: a stage that dies between the two publishes
 * the batch again, and the analyzing stage's duplicate-row window counts the repeats as duplicates).
 * Resolves with the counts when the source stops.
 */
export async function rekey(options: RekeyOptions): Promise<RekeyStats> {
  const { from, to } = options;
  let records = 0;
  let rows = 0;
  let withoutDevice = 0;
  const partitions = new Map<number, number>();
  const handler: PartitionHandler = {
    async open() {
      return {};
    },
    async batch(partition: string, batch: readonly SourceRecord[]) {
      const out: OutgoingRecord[] = [];
      let missing = 0;
      for (const r of batch) {
        for (const row of rowsOf(r.body)) {
          const device = deviceIdOf(row);
          if (device === undefined) missing++;
          out.push({ key: device ?? NO_DEVICE_KEY, body: row });
        }
      }
      await to.publish(out);
      records += batch.length;
      rows += out.length;
      withoutDevice += missing;
      for (const o of out) {
        const p = partitionOf(o.key, to.partitions);
        partitions.set(p, (partitions.get(p) ?? 0) + 1);
      }
      options.onBatch?.({ partition, records: batch.length, rows: out.length, withoutDevice: missing });
    },
    async close() {},
  };
  await from.run(handler, options.signal ?? new AbortController().signal);
  return { records, rows, withoutDevice, partitions };
}
