/**
 * Property tests of ingestion: random rows in every envelope, encoding and line-break style never
 * throw and always account for every row (`rowsRead = events + rejected`); where the chunk
 * boundaries fall (inside a line, a UTF-8 sequence, a CRLF) never changes what is read.
 */
import {
  analyze,
  fromIterable,
  type IngestStats,
  isTriplineError,
  type MdeEvent,
  type RejectedRow,
  stringifyReport,
} from '@tripline/core';
import { ingest } from '@tripline/core/unstable';
import { defenderDetectors } from '@tripline/detectors-defender';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileText, RUNS, SEED } from './support/payloads.js';
import { firingFixtures, type RawRecord } from './support/rows.js';

const records = firingFixtures().flatMap((f) => f.records);
const tally = { cases: 0, rows: 0, chunkCases: 0 };

/** A JSON value that is not a row, or a damaged row. */
const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({
    Timestamp: fc.oneof(hostileText, fc.integer(), fc.constant(null)),
    DeviceId: fc.oneof(hostileText, fc.bigInt().map(String)),
  }),
  fc.record({
    category: fc.constantFrom('AdvancedHunting-DeviceProcessEvents', 'AdvancedHunting-Nope', 'x'),
    properties: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.dictionary(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'Timestamp', 'DeviceName', 'ReportId', 'AdditionalFields'),
    fc.jsonValue({ maxDepth: 2 }),
  ),
);

/** A row for the document: a real record (possibly with a column replaced by attacker text) or junk. */
const row: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...records) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...records),
        fc.constantFrom('ProcessCommandLine', 'DeviceName', 'Timestamp', 'ReportId', 'AdditionalFields', 'FileName'),
        hostileText,
      )
      .map(([r, column, text]) => ({ ...r, properties: { ...r.properties, [column]: text } })),
  },
  { weight: 2, arbitrary: junkValue },
);

/** A raw line that is not JSON at all (NDJSON only). */
const rawLine: fc.Arbitrary<string> = fc.oneof(
  hostileText,
  fc.constantFrom('{', '}', '[', '{"a":', 'null', '""', '{"Timestamp":1e400}', '   '),
);

type Envelope = 'ndjson-records' | 'ndjson-bare' | 'eventhub' | 'ah-api' | 'graph' | 'sentinel';

function bare(r: unknown): unknown {
  const rec = r as Partial<RawRecord>;
  return rec && typeof rec === 'object' && 'properties' in rec && rec.properties && typeof rec.properties === 'object'
    ? rec.properties
    : r;
}

/** Render rows in an envelope; the number of rows the reader must count. */
function document(
  envelope: Envelope,
  rows: readonly unknown[],
  lines: readonly string[],
  nl: string,
): { text: string; rows: number } {
  switch (envelope) {
    case 'ndjson-records':
    case 'ndjson-bare': {
      // The first line is a good row so the input is recognised as NDJSON; raw non-JSON lines are mixed in.
      const first = JSON.stringify(envelope === 'ndjson-bare' ? bare(records[0]) : records[0]);
      const body = rows.map((r) => JSON.stringify(envelope === 'ndjson-bare' ? bare(r) : r));
      const mixed = [first, ...body, ...lines.filter((l) => l.trim() !== '' && !l.includes('\n') && !l.includes('\r'))];
      return { text: mixed.join(nl) + nl, rows: mixed.length };
    }
    case 'eventhub':
      return {
        text: JSON.stringify({ records: [records[0], ...rows] }, null, nl === '\r\n' ? 1 : 0).replace(/\n/g, nl),
        rows: rows.length + 1,
      };
    case 'ah-api':
    case 'graph': {
      const props = [bare(records[0]), ...rows.map(bare)];
      const key = envelope === 'ah-api' ? ['Schema', 'Results'] : ['schema', 'results'];
      const cols = Object.keys(bare(records[0]) as object).map((Name) => ({ Name, Type: 'String' }));
      return { text: JSON.stringify({ [key[0]!]: cols, [key[1]!]: props }), rows: props.length };
    }
    case 'sentinel': {
      const withType = [bare(records[0]), ...rows.map(bare)].map((p) =>
        p && typeof p === 'object' && !Array.isArray(p) ? { Type: 'DeviceProcessEvents', ...(p as object) } : p,
      );
      return { text: JSON.stringify(withType), rows: withType.length };
    }
  }
}

/** Split bytes at the given cut points (sorted, deduplicated, inside the buffer). */
function cut(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of at) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out;
}

interface Collected {
  readonly stats: IngestStats;
  readonly events: string[];
  readonly rejected: RejectedRow[];
}

async function collect(chunks: Iterable<Uint8Array | string>, name = 'prop'): Promise<Collected> {
  const events: string[] = [];
  const rejected: RejectedRow[] = [];
  const stats = await ingest(fromIterable(chunks, name), {
    event: (e: MdeEvent) => events.push(JSON.stringify({ e: e.toJSON(), s: e.source })),
    rejected: (r) => rejected.push(r),
  });
  return { stats, events, rejected };
}

const envelope = fc.constantFrom<Envelope>('ndjson-records', 'ndjson-bare', 'eventhub', 'ah-api', 'graph', 'sentinel');
const encoding = fc.constantFrom('utf8', 'utf8-bom', 'string');
const newline = fc.constantFrom('\n', '\r\n');

describe('ingestion properties', () => {
  it('never throws on any rows, envelope, encoding or line break, and counts every row', async () => {
    await fc.assert(
      fc.asyncProperty(
        envelope,
        fc.array(row, { maxLength: 12 }),
        fc.array(rawLine, { maxLength: 4 }),
        newline,
        encoding,
        fc.array(fc.nat(), { maxLength: 6 }),
        async (env, rows, lines, nl, enc, points) => {
          const doc = document(env, rows, lines, nl);
          const bytes = Buffer.from(doc.text, 'utf8');
          const input = enc === 'utf8-bom' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]) : bytes;
          const chunks = enc === 'string' ? [doc.text] : cut(input, points);
          const got = await collect(chunks);
          tally.cases++;
          tally.rows += got.stats.rowsRead;
          expect(got.stats.rowsRead).toBe(got.stats.events + got.stats.rejected);
          expect(got.events.length).toBe(got.stats.events);
          expect(got.rejected.length).toBe(got.stats.rejected);
          expect(got.stats.rowsRead).toBe(doc.rows);
          for (const r of got.rejected) {
            expect(typeof r.reason).toBe('string');
            expect(r.line ?? r.record).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: RUNS.light, seed: SEED },
    );
  }, 120_000);

  it('arbitrary bytes either read (every row counted) or fail with a clear format error, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 5 }), async (raw, points) => {
        // A valid first line makes the input NDJSON; what follows is any bytes, invalid UTF-8 included.
        const head = Buffer.from(`${JSON.stringify(records[0])}\n`);
        const bytes = Buffer.concat([head, Buffer.from(raw)]);
        try {
          const got = await collect(cut(bytes, points));
          expect(got.stats.rowsRead).toBe(got.stats.events + got.stats.rejected);
          expect(got.stats.events).toBeGreaterThanOrEqual(1);
        } catch (error) {
          expect.fail(`ingest threw ${isTriplineError(error) ? error.code : String(error)}`);
        }
        // Bytes alone: format detection may refuse them, with a clear error, and nothing else.
        try {
          const alone = await collect(cut(Buffer.from(raw), points));
          expect(alone.stats.rowsRead).toBe(alone.stats.events + alone.stats.rejected);
        } catch (error) {
          expect(isTriplineError(error) && error.code === 'input-format-unknown', String(error)).toBe(true);
        }
      }),
      { numRuns: RUNS.light, seed: SEED },
    );
  }, 120_000);

  it('chunk boundaries anywhere (mid-line, mid-UTF-8, mid-CRLF) give the same rows and the same report', async () => {
    const multiByte = fc.constantFrom('é', '€', '😀', '\u202e', '中文', '\r', '\u2028');
    await fc.assert(
      fc.asyncProperty(
        envelope,
        fc.array(row, { maxLength: 8 }),
        fc.array(multiByte, { minLength: 1, maxLength: 4 }),
        newline,
        fc.array(fc.nat(), { minLength: 1, maxLength: 24 }),
        async (env, rows, extra, nl, points) => {
          const withText = [
            ...rows,
            { ...records[1]!, properties: { ...records[1]!.properties, ProcessCommandLine: extra.join('x') } },
          ];
          const doc = document(env, withText, [], nl);
          const bytes = Buffer.from(doc.text, 'utf8');
          const whole = await collect([bytes]);
          const pieces = await collect(cut(bytes, points));
          const bytewise = await collect(
            cut(
              bytes,
              Array.from({ length: Math.min(bytes.length, 64) }, (_, i) => i * 7 + 1),
            ),
          );
          tally.chunkCases++;
          expect(pieces.events).toEqual(whole.events);
          expect(pieces.rejected).toEqual(whole.rejected);
          // `format` is left out here: see the known bug below.
          expect({ ...pieces.stats, format: undefined }).toEqual({ ...whole.stats, format: undefined });
          expect(bytewise.events).toEqual(whole.events);
          const report = async (chunks: Uint8Array[]) =>
            stringifyReport(
              await analyze(fromIterable(chunks, 'prop'), {
                detectors: defenderDetectors,
                generatedAt: '2025-01-01T00:00:00Z',
              }),
            );
          expect(await report(cut(bytes, points))).toBe(await report([bytes]));
        },
      ),
      { numRuns: RUNS.heavy, seed: SEED },
    );
    console.info(`[hardening] ingest: ${JSON.stringify(tally)}`);
  }, 180_000);

  // Found by the property above (seed 0x72191e, counterexample ["eventhub",[],["é"],"\r\n",[3]]): a
  // pretty-printed Event Hub message whose first chunk ended right after `{` + newline was sniffed on
  // that prefix alone and reported as `ndjson`. ingest() now waits for the first key before deciding.
  it('the detected format does not depend on chunk boundaries (pretty-printed Event Hub message)', async () => {
    const text = JSON.stringify({ records: [records[0], records[1]] }, null, 1).replace(/\n/g, '\r\n');
    const bytes = Buffer.from(text, 'utf8');
    const whole = await collect([bytes]);
    const split = await collect(cut(bytes, [3]));
    expect(whole.stats.format).toBe('eventhub');
    expect(split.stats.format).toBe('eventhub');
  });
});
