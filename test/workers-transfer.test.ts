import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MessageChannel } from 'node:worker_threads';
import { type AnalyzeOptions, createAnalyzer, fromString, stringifyReport } from '@tripline/core';
import { inThreadShard, ShardedAnalyzer, type ShardPort, serveShard } from '@tripline/core/unstable';
import { defenderDetectors } from '@tripline/detectors-defender';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { denseLines } from '../bench/dense.mjs';

// Two analyses of 20k rows in this thread, on a machine that may be busy.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const AT = '2025-01-01T00:00:00Z';
const OPTIONS: AnalyzeOptions = { detectors: defenderDetectors, generatedAt: AT };
let text = '';

beforeAll(() => {
  const lines: string[] = [];
  for (const line of denseLines({ rows: 20_000, devices: 40 })) lines.push(line);
  text = `${lines.join('\n')}\n`;
});

interface Seen {
  /** The shared buffers the main thread sent, by identity. */
  readonly buffers: Set<SharedArrayBuffer>;
  /** Alerts carried by each shard's result message, and by each of its alert messages. */
  readonly inResults: number[];
  readonly alertsPerMessage: number[];
}

/**
 * A shard served in this thread over a message channel, as a worker is: the shard reads each message
 * when the event loop hands it over, while the main thread goes on reading (so a buffer filled again
 * too early would change what the shard reads).
 */
function shardInThread(shard: number, shards: number, seen: Seen): ShardPort {
  const { port1, port2 } = new MessageChannel();
  serveShard(port1, ShardedAnalyzer.shardOptions(OPTIONS), shard, shards);
  const port: ShardPort = {
    postMessage(m) {
      if (m.type === 'lines') seen.buffers.add(m.buffer);
      port2.postMessage(m);
    },
    on(event: string, listener: (m: never) => void) {
      if (event === 'message')
        port2.on('message', (m) => {
          if (m.type === 'result') seen.inResults.push(m.result.alerts.length);
          if (m.type === 'alerts') seen.alertsPerMessage.push(m.alerts.length);
          listener(m as never);
        });
      return port;
    },
    async terminate() {
      port2.close();
      return 0;
    },
  };
  return port;
}

describe('the transfers of a worker-sharded analysis', () => {
  it('reuses a few shared buffers for a long input, and the shards read what one thread reads', async () => {
    expect(text.length).toBeGreaterThan(16 * (1 << 20));
    const seen: Seen = { buffers: new Set(), inResults: [], alertsPerMessage: [] };
    const sharded = new ShardedAnalyzer(
      OPTIONS,
      [0, 1].map((s) => shardInThread(s, 2, seen)),
    );
    await sharded.push(fromString(text, 'dense.ndjson'));
    const many = await sharded.finish();

    const one = createAnalyzer(OPTIONS);
    await one.push(fromString(text, 'dense.ndjson'));
    const single = one.finish();
    expect(stringifyReport(many) === stringifyReport(single)).toBe(true);
    expect(many.alerts.length).toBeGreaterThan(600);
    // 16+ batches of 1 MB; the reading waits while a shard has 4 unread: at most 6 buffers in use.
    expect(seen.buffers.size).toBeLessThanOrEqual(6);
  });

  it('sends each shard result without its alerts, then the alerts in parts of at most 256', async () => {
    const seen: Seen = { buffers: new Set(), inResults: [], alertsPerMessage: [] };
    const sharded = new ShardedAnalyzer(
      OPTIONS,
      [0, 1].map((s) => shardInThread(s, 2, seen)),
    );
    await sharded.push(fromString(text, 'dense.ndjson'));
    const result = await sharded.finish();
    const parts = seen.alertsPerMessage;
    expect(seen.inResults).toEqual([0, 0]);
    expect(Math.max(...parts)).toBeLessThanOrEqual(256);
    expect(parts.length).toBeGreaterThanOrEqual(4);
    expect(parts.reduce((t, n) => t + n, 0)).toBe(result.alerts.length);
  });

  it("hands the calling thread's shard's alerts to the merge as they are, not copied", async () => {
    const few = `${text.split('\n').slice(0, 3_000).join('\n')}\n`;
    const sharded = new ShardedAnalyzer(OPTIONS, [
      inThreadShard(ShardedAnalyzer.shardOptions(OPTIONS), 0, 2),
      shardInThread(1, 2, { buffers: new Set(), inResults: [], alertsPerMessage: [] }),
    ]);
    await sharded.push(fromString(few, 'few.ndjson'));
    const many = await sharded.finish();
    const one = createAnalyzer(OPTIONS);
    await one.push(fromString(few, 'few.ndjson'));
    expect(stringifyReport(many) === stringifyReport(one.finish())).toBe(true);
    // The analyzer freezes its alerts; a copy made by a message port is not frozen.
    const frozen = many.alerts.filter((a) => Object.isFrozen(a));
    expect(frozen.length).toBeGreaterThan(0);
    expect(frozen.length).toBeLessThan(many.alerts.length);
  });

  it("holds a worker's alerts with their repeated texts as one string, not one copy per occurrence", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = (): number => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    // A shard that answers with the alerts of a finished run, each message a structured clone as a
    // worker's is: what the merge's alerts cost is then the heap that finish() adds.
    const one = createAnalyzer(OPTIONS);
    await one.push(fromString(text, 'dense.ndjson'));
    const single = one.finish();
    const alerts = single.alerts.length;
    const listeners: ((m: never) => void)[] = [];
    let sent = 0;
    const answer = (m: unknown): void => {
      const copy = structuredClone(m) as never;
      setImmediate(() => {
        for (const listener of listeners) listener(copy);
      });
    };
    const replay: ShardPort = {
      postMessage(m) {
        if (m.type === 'finish') answer({ type: 'result', result: { ...single, alerts: [], findings: [] }, alerts });
        if (m.type === 'alerts') {
          answer({ type: 'alerts', alerts: single.alerts.slice(sent, sent + 256) });
          sent += 256;
        }
      },
      on(event: string, listener: (m: never) => void) {
        if (event === 'message') listeners.push(listener);
        return replay;
      },
      terminate: async () => 0,
    };
    const sharded = new ShardedAnalyzer(OPTIONS, [replay]);
    const before = heap();
    const merged = await sharded.finish();
    const grown = heap() - before;
    expect(JSON.stringify(merged.alerts) === JSON.stringify(single.alerts)).toBe(true);
    // What a plain copy of those alerts costs, as a message port makes it (parts of 256).
    const start = heap();
    const copy: unknown[] = [];
    for (let i = 0; i < alerts; i += 256) copy.push(structuredClone(single.alerts.slice(i, i + 256)));
    const copied = heap() - start;
    expect(copy.length).toBeGreaterThan(2);
    expect(alerts).toBeGreaterThan(500);
    // On this fleet a plain copy is about 2.5 times the shared one.
    expect(grown).toBeLessThan(copied * 0.7);
  });
});
