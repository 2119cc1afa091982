import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ndjsonLine } from '../ingest/lines.js';
import { Router } from '../ingest/route.js';
import { EVERY_SHARD, type FromShard, TOO_LONG, type ToShard } from './protocol.js';
import { lineDeviceId, shardOf } from './scan.js';
import { LinesToShards, Shard, type ShardPort } from './shards.js';

/** What a shard is told of one line: its number, its text (none when too long) and who reads it. */
interface Told {
  readonly line: number;
  readonly text?: string;
  readonly owner: number;
}

/**
 * A shard that reads each batch when it comes (the buffer is then free to be filled again) and keeps
 * what it was told of every line.
 */
function recordingPort(told: Told[]): ShardPort {
  let listener: ((m: FromShard) => void) | undefined;
  return {
    postMessage(m: ToShard) {
      if (m.type !== 'lines') return;
      const bytes = Buffer.from(m.buffer);
      for (let i = 0; i < m.lines.length; i += 3) {
        const owner = m.lines[i + 2]!;
        const line = m.first + i / 3;
        told.push(
          owner === TOO_LONG
            ? { line, owner }
            : { line, owner, text: bytes.toString('utf8', m.lines[i], m.lines[i + 1]) },
        );
      }
      listener?.({ type: 'ack', events: 0, rejected: 0 });
    },
    on(event: string, l: (m: never) => void) {
      if (event === 'message') listener = l as (m: FromShard) => void;
      return this;
    },
    terminate: async () => 0,
  };
}

/**
 * The lines of `text` as one reader of the whole text sees them: a router reads every line, and a bare
 * row's device is read from its bytes once that router knows the input's withsource column.
 */
function expected(text: string, maxBytes: number, shards: number): Told[] {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  const router = new Router({ event: () => undefined, rejected: () => undefined }, 'in.ndjson', false);
  const read = ndjsonLine(router);
  return parts.map((raw, i) => {
    const body = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (Buffer.byteLength(body, 'utf8') > maxBytes) return { line: i + 1, owner: TOO_LONG };
    const id = lineDeviceId(body, router.withsource !== undefined);
    read(body, i + 1);
    return { line: i + 1, text: body, owner: id === undefined ? EVERY_SHARD : shardOf(id, shards) };
  });
}

/** Every shard is told the same of every line of `text`, pushed in `cuts` pieces. */
function tell(text: string, cuts: number[], maxBytes: number, shards: number): Told[][] {
  const told = Array.from({ length: shards }, () => [] as Told[]);
  const reader = new LinesToShards(
    told.map((t) => new Shard(recordingPort(t), () => undefined)),
    maxBytes,
    { name: 'in.ndjson', sentinel: false },
  );
  const bytes = Buffer.from(text, 'utf8');
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const end = Math.min(cut, bytes.length);
    if (end <= at) continue;
    // A chunk the source reuses: what is read of it must be copied before the next push.
    const chunk = Buffer.from(bytes.subarray(at, end));
    reader.pushBytes(chunk);
    chunk.fill(0x7a);
    at = end;
  }
  if (at < bytes.length) reader.pushBytes(Buffer.from(bytes.subarray(at)));
  reader.end();
  return told;
}

const ID = (n: number): string => n.toString(16).padStart(40, '0');
const row = (n: number, extra = ''): string =>
  `{"Timestamp":"2025-11-07T00:00:00Z","DeviceId":"${ID(n)}","DeviceName":"d${n}","ActionType":"X"${extra}}`;

describe('LinesToShards: the main thread splits and scans each line once', () => {
  const lineArb = fc.oneof(
    fc.integer({ min: 0, max: 20 }).map((n) => row(n)),
    fc.integer({ min: 0, max: 20 }).map((n) => `${row(n)}\r`),
    fc.integer({ min: 0, max: 20 }).map((n) => row(n, `,"Note":"é ✓ ${'x'.repeat(n * 7)}"`)),
    fc.constantFrom('', '\r', '   ', 'not json', '{"DeviceName":"only-a-name"}', '{"DeviceId":"a\\"b"}'),
    fc.integer({ min: 0, max: 20 }).map((n) => row(n, `,"properties":{"DeviceId":"${ID(n + 1)}"}`)),
  );

  it('tells every shard every line, with its number, its bytes and its owner, however the input is cut', () => {
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 0, maxLength: 60 }),
        fc.boolean(),
        fc.array(fc.nat({ max: 6000 }), { maxLength: 12 }),
        fc.integer({ min: 2, max: 3 }),
        (lines, lastNewline, cuts, shards) => {
          const text = lines.join('\n') + (lastNewline && lines.length > 0 ? '\n' : '');
          const maxBytes = 200;
          const want = expected(text, maxBytes, shards);
          for (const got of tell(text, cuts, maxBytes, shards)) expect(got).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fills batches of 1 MB and sends a line longer than a batch alone, whole', () => {
    const big = row(7, `,"Blob":"${'b'.repeat(1_500_000)}"`);
    const lines = [
      ...Array.from({ length: 3000 }, (_, i) => row(i % 50, `,"Pad":"${'p'.repeat(i % 700)}"`)),
      big,
      row(3),
    ];
    const text = `${lines.join('\r\n')}\r\n`;
    const want = expected(text, 16 * 1024 * 1024, 2);
    expect(want[3000]!.text).toBe(big);
    const cuts = Array.from({ length: 200 }, (_, i) => i * 65_536);
    for (const got of tell(text, cuts, 16 * 1024 * 1024, 2)) expect(got).toEqual(want);
  });

  it('reads bare rows as shared until the input shows whether it has a withsource column', () => {
    // The first bare row that names no table settles the column (here: there is none).
    const text = [row(1), row(2), row(3)].join('\n');
    const [told] = tell(text, [], 1000, 2);
    expect(told!.map((t) => t.owner)).toEqual([EVERY_SHARD, shardOf(ID(2), 2), shardOf(ID(3), 2)]);
    // Lines before it (blank, not JSON) settle nothing.
    const [late] = tell(['', 'nope', row(1), row(2)].join('\n'), [], 1000, 2);
    expect(late!.map((t) => t.owner)).toEqual([EVERY_SHARD, EVERY_SHARD, EVERY_SHARD, shardOf(ID(2), 2)]);
  });
});
