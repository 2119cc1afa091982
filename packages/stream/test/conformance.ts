/**
 * The conformance suite of a broker adapter: one set of tests every source/sink pair passes (the memory
 * broker of this package, the NATS JetStream, Event Hubs and Kafka adapters). An adapter is described by
 * a {@link ConformanceHarness}: how to make a topic with P partitions, publish to it, make a consumer of
 * one group, and kill a consumer abruptly; optionally how to inject a redelivery.
 *
 * Every test checks that the merged result of all partitions (`mergePartitions` over the batches every
 * consumer committed) equals ONE `analyze()` over the same rows, byte for byte (the JSON report with
 * `generatedAt` fixed; `inputs`, a list of the inputs read, is compared as a set: every published record
 * read exactly once), and that every notification was delivered exactly once (by idempotency key).
 */
import { readFileSync } from 'node:fs';
import {
  type AnalysisResult,
  analyze,
  fromString,
  memoryStateStore,
  type OutboxEntry,
  type StateStore,
  stringifyReport,
} from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { describe, expect, it } from 'vitest';
import { mergePartitions } from '../src/merge.js';
import { partitionOf } from '../src/partition.js';
import { readPosition } from '../src/position.js';
import { runPartitioned } from '../src/runtime.js';
import type { BatchOutcome, OutgoingRecord, StreamMetrics, StreamSource } from '../src/types.js';
import { type AdapterView, cleanUp, type FleetView, scenarioWaits } from './conformance-progress.js';

/** One topic (stream, event hub) of the adapter, with one consumer group. */
export interface ConformanceTopic extends AdapterView {
  /** Publish records by key (the adapter's sink), resolving when the broker acknowledged them. */
  publish(records: readonly OutgoingRecord[]): Promise<void>;
  /** A consumer of the topic's group, named `consumer`. */
  source(consumer: string): StreamSource;
  /** The consumer dies abruptly: it acknowledges nothing more, and its partitions go to the others. */
  kill(consumer: string): Promise<void>;
  /** Fault: the broker delivers the last `n` acknowledged records of `partition` again. */
  redeliver?(partition: string, n: number): Promise<void>;
  /**
   * Whether the source itself dealt with the `redeliver` fault before any repeated record reached the
   * runtime (NATS: the broken delivery sequence seen, the consumer recreated after the committed
   * position). Without it, the fault must show as records the runtime dropped.
   */
  redeliveryAbsorbed?(): Promise<boolean>;
  /** Remove the topic and whatever the harness started. */
  dispose(): Promise<void>;
}

/** How to test an adapter. */
export interface ConformanceHarness {
  readonly name: string;
  /** A fresh topic with `partitions` partitions (`'0'` … `'P-1'`) and one consumer group. */
  topic(partitions: number): Promise<ConformanceTopic>;
  /** Per test (default 180 s: the shared machines are slow). */
  readonly timeoutMs?: number;
  /**
   * A scenario fails, saying where it is stuck, when nothing was committed for this long while it waits
   * (default 120 s: far beyond a lease TTL plus an ack wait, even on a loaded machine).
   */
  readonly stallMs?: number;
}

export const GENERATED_AT = '2026-01-01T00:00:00.000Z';
const NOW = () => new Date('2026-01-01T00:00:00.000Z');

/** The fleet: real Defender rows (the Defender pack's fixtures), one record per message. */
export function fleetRecords(): OutgoingRecord[] {
  const text = readFileSync(new URL('./fixtures/fleet.ndjson', import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const device = /"DeviceId":"([^"\\]*)"/.exec(line);
      if (!device) throw new Error('fleet.ndjson: a record without a DeviceId');
      return { key: device[1]!, body: line };
    });
}

/**
 * One analyze() over the records in the order they were published, as one run: the reference. Each
 * record is one input named as the runtime names it, `<kind>:<partition>@<position>`: the partition is
 * `partitionOf(key, partitions)`, and the n-th record published to a partition has the n-th position
 * read from it (`positions`, per partition, ascending) — so a record lost, moved to another partition
 * or reordered shows in the comparison.
 */
export async function reference(
  records: readonly OutgoingRecord[],
  partitions: number,
  positions: ReadonlyMap<string, readonly string[]>,
  kind: string,
): Promise<AnalysisResult> {
  const next = new Map<string, number>();
  const inputs = records.map((r) => {
    const p = String(partitionOf(r.key, partitions));
    const n = next.get(p) ?? 0;
    next.set(p, n + 1);
    const position = positions.get(p)?.[n];
    if (position === undefined)
      throw new Error(`conformance: partition ${p} has fewer records than were published to it`);
    return fromString(String(r.body), `${kind}:${p}@${position}`);
  });
  for (const [p, list] of positions)
    if (list.length !== (next.get(p) ?? 0))
      throw new Error(
        `conformance: partition ${p} read ${list.length} records, ${next.get(p) ?? 0} were published to it`,
      );
  return analyze(inputs, { detectors: defenderDetectors, generatedAt: GENERATED_AT });
}

/** The positions read, per partition (ascending), from the names of the merged result's inputs. */
export function positionsRead(result: AnalysisResult): { kind: string; positions: Map<string, string[]> } {
  const positions = new Map<string, string[]>();
  let kind = '';
  for (const i of result.inputs) {
    const m = /^([a-z]+):(\d+)@(\d+)$/.exec(i.source);
    if (!m) throw new Error(`conformance: an input not named <kind>:<partition>@<position>: ${i.source}`);
    kind = m[1]!;
    const list = positions.get(m[2]!) ?? [];
    list.push(m[3]!);
    positions.set(m[2]!, list);
  }
  return { kind, positions };
}

/** The JSON report without its `inputs` (the record inputs are named by partition and position). */
export function reportBytes(result: AnalysisResult): string {
  return stringifyReport({ ...result, inputs: [] });
}

/** Wait until `done()` (polling), or fail after `ms`. */
export async function until(done: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`conformance: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The consumers of one test: shared state stores (one per partition), outcomes and notifications. */
export class Fleet implements FleetView {
  readonly outcomes: BatchOutcome[] = [];
  readonly sent: OutboxEntry[] = [];
  readonly stores = new Map<string, StateStore>();
  readonly #runs = new Map<string, { controller: AbortController; done: Promise<StreamMetrics | undefined> }>();
  readonly metrics = new Map<string, StreamMetrics>();
  readonly live = new Set<string>();
  /** Called inside `onBatch` (a test aborts a consumer while its batch is in flight). */
  onBatch: ((consumer: string, outcome: BatchOutcome) => void) | undefined;

  constructor(private readonly topic: ConformanceTopic) {}

  /** The state of a partition: one store that every consumer opens (a shared volume in production). */
  store(partition: string): StateStore {
    let s = this.stores.get(partition);
    if (!s) {
      s = memoryStateStore();
      this.stores.set(partition, s);
    }
    const shared = s;
    // Opening is idempotent; closing leaves the store to the next owner.
    return { ...bind(shared), close: async () => undefined };
  }

  start(consumer: string): void {
    const controller = new AbortController();
    const done = runPartitioned({
      source: this.topic.source(consumer),
      detectors: defenderDetectors,
      state: (p) => this.store(p),
      analyzer: { generatedAt: GENERATED_AT, now: NOW },
      onBatch: (o) => {
        this.outcomes.push(o);
        this.onBatch?.(consumer, o);
      },
      notify: (entry) => {
        this.sent.push(entry);
      },
      onMetrics: (m) => this.metrics.set(consumer, m),
      metricsIntervalMs: 50,
      signal: controller.signal,
    });
    this.#runs.set(consumer, { controller, done });
    this.live.add(consumer);
  }

  openedBy(consumer: string): readonly string[] {
    return [...(this.metrics.get(consumer)?.partitions.keys() ?? [])];
  }

  /** Graceful shutdown of one consumer (SIGTERM). */
  async stop(consumer: string): Promise<StreamMetrics | undefined> {
    const run = this.#runs.get(consumer);
    if (!run) return undefined;
    run.controller.abort();
    this.#runs.delete(consumer);
    this.live.delete(consumer);
    return run.done;
  }

  async kill(consumer: string): Promise<void> {
    this.live.delete(consumer);
    await this.topic.kill(consumer);
    const run = this.#runs.get(consumer);
    this.#runs.delete(consumer);
    // The killed consumer's runtime ends with its source; what it returns is not looked at.
    run?.controller.abort();
    await run?.done.catch(() => undefined);
  }

  async stopAll(): Promise<void> {
    for (const c of [...this.#runs.keys()]) await this.stop(c);
  }

  /** Records committed (not counting redeliveries). */
  committed(): number {
    return this.outcomes.reduce((n, o) => n + o.records - o.redelivered, 0);
  }

  merged(): AnalysisResult {
    return mergePartitions(this.outcomes, { detectors: defenderDetectors, generatedAt: GENERATED_AT });
  }

  redelivered(): number {
    let n = 0;
    for (const m of this.metrics.values()) n += m.redelivered;
    return n;
  }
}

function bind(store: StateStore): StateStore {
  return {
    kind: store.kind,
    open: () => store.open(),
    read: (ns) => store.read(ns),
    get: (ns, key) => store.get(ns, key),
    write: (batch) => store.write(batch),
    outbox: () => store.outbox(),
    close: () => store.close(),
  };
}

/** The checks every test ends with. */
export async function expectConformant(
  fleet: Fleet,
  records: readonly OutgoingRecord[],
  partitions: number,
): Promise<void> {
  const merged = fleet.merged();
  // Every published record read exactly once, as one input.
  const names = merged.inputs.map((i) => i.source);
  expect(new Set(names).size).toBe(records.length);
  const { kind, positions } = positionsRead(merged);
  const ref = await reference(records, partitions, positions, kind);
  expect(reportBytes(merged)).toBe(reportBytes(ref));
  const byName = (a: { source: string }, b: { source: string }) =>
    a.source < b.source ? -1 : a.source > b.source ? 1 : 0;
  expect([...merged.inputs].sort(byName)).toEqual([...ref.inputs].sort(byName));
  // Every notifying change delivered exactly once, under its key; nothing else delivered.
  const keys = fleet.outcomes.flatMap((o) => o.changes.filter((c) => c.notify).map((c) => c.idempotencyKey));
  const sent = fleet.sent.map((e) => e.key);
  expect(new Set(keys).size).toBe(keys.length);
  expect([...sent].sort()).toEqual([...keys].sort());
  // Every alert of the stream was announced (a `new` change of revision 1).
  const announced = new Set(sent.map((k) => k.slice(k.indexOf('/') + 1)));
  for (const a of merged.alerts) expect(announced.has(`${a.id}:1`)).toBe(true);
  for (const s of fleet.stores.values()) expect(await s.outbox()).toEqual([]);
}

/** Register the suite for `harness`. */
export function streamConformance(harness: ConformanceHarness): void {
  const timeout = harness.timeoutMs ?? 180_000;
  const records = fleetRecords();
  const half = Math.floor(records.length / 2);
  const scenario = (topic: ConformanceTopic, fleet: Fleet, partitions: number) =>
    scenarioWaits({ fleet, adapter: topic, records, partitions, timeoutMs: timeout, stallMs: harness.stallMs });

  describe(`stream conformance: ${harness.name}`, () => {
    for (const consumers of [1, 2, 4]) {
      it(
        `${consumers} consumer(s) over 4 partitions: the merged result is one run's, byte for byte`,
        async () => {
          const topic = await harness.topic(4);
          const fleet = new Fleet(topic);
          const { wait, settle } = scenario(topic, fleet, 4);
          try {
            await topic.publish(records.slice(0, half));
            for (let c = 0; c < consumers; c++) fleet.start(`c${c}`);
            await topic.publish(records.slice(half));
            await wait(() => fleet.committed() >= records.length, 'every record committed');
            await settle(fleet.stopAll(), 'the consumers stopping');
            await expectConformant(fleet, records, 4);
          } finally {
            await cleanUp(fleet, topic);
          }
        },
        timeout,
      );
    }

    it(
      'a consumer killed and another joining mid-stream (rebalance): nothing lost, nothing counted twice',
      async () => {
        const topic = await harness.topic(4);
        const fleet = new Fleet(topic);
        const { wait, settle } = scenario(topic, fleet, 4);
        try {
          let killed: Promise<void> | undefined;
          const kill = () => {
            killed = fleet.kill('a');
            // Awaited below; a rejection before that is not an unhandled one.
            killed.catch(() => undefined);
          };
          let batchesOfA = 0;
          fleet.onBatch = (consumer) => {
            // Dies with its second batch committed and not acknowledged: the next owner gets it again.
            if (consumer === 'a' && !killed && ++batchesOfA === 2) kill();
          };
          fleet.start('a');
          fleet.start('b');
          await topic.publish(records.slice(0, half));
          // On a loaded machine b may take the first half before a commits twice (a condition on the
          // fleet's count alone could then never fire): a dies idle once the half is in.
          await wait(() => killed !== undefined || fleet.committed() >= half, 'consumer a killed');
          if (!killed) kill();
          await settle(killed as Promise<void>, 'consumer a dying');
          fleet.onBatch = undefined;
          fleet.start('c');
          await topic.publish(records.slice(half));
          await wait(() => fleet.committed() >= records.length, 'every record committed');
          await settle(fleet.stopAll(), 'the consumers stopping');
          await expectConformant(fleet, records, 4);
        } finally {
          await cleanUp(fleet, topic);
        }
      },
      timeout,
    );

    it(
      'graceful shutdown commits the batch in flight; the next consumer goes on from it',
      async () => {
        const topic = await harness.topic(2);
        const fleet = new Fleet(topic);
        const { wait, settle } = scenario(topic, fleet, 2);
        try {
          await topic.publish(records.slice(0, half));
          let inFlight: BatchOutcome | undefined;
          let stopping: Promise<StreamMetrics | undefined> | undefined;
          fleet.onBatch = (consumer, o) => {
            if (inFlight) return;
            // SIGTERM while this batch is in flight (committed, not yet acknowledged).
            inFlight = o;
            stopping = fleet.stop(consumer);
          };
          fleet.start('a');
          await wait(() => stopping !== undefined, 'a first batch');
          await settle(stopping as Promise<StreamMetrics | undefined>, 'consumer a stopping');
          fleet.onBatch = undefined;
          const saved = await readPosition(fleet.stores.get(inFlight!.partition)!, inFlight!.partition);
          expect(saved?.position).toBe(inFlight!.to);
          fleet.start('b');
          await topic.publish(records.slice(half));
          await wait(() => fleet.committed() >= records.length, 'every record committed');
          await settle(fleet.stopAll(), 'the consumers stopping');
          await expectConformant(fleet, records, 2);
        } finally {
          await cleanUp(fleet, topic);
        }
      },
      timeout,
    );

    it(
      'at-least-once redelivery: records delivered again are dropped at the committed position',
      async (ctx) => {
        const topic = await harness.topic(4);
        if (!topic.redeliver) {
          await topic.dispose();
          ctx.skip();
          return;
        }
        const fleet = new Fleet(topic);
        const { wait, settle } = scenario(topic, fleet, 4);
        try {
          fleet.start('a');
          fleet.start('b');
          await topic.publish(records.slice(0, half));
          await wait(() => fleet.committed() >= half, 'the first half committed');
          for (const p of ['0', '1', '2', '3']) await topic.redeliver(p, 5);
          await topic.publish(records.slice(half));
          await wait(() => fleet.committed() >= records.length, 'every record committed');
          // The fault shows as records the runtime dropped, or as the source setting it right first.
          let absorbed = false;
          const poll = setInterval(() => {
            topic.redeliveryAbsorbed?.().then(
              (yes) => {
                absorbed ||= yes;
              },
              () => undefined,
            );
          }, 250);
          try {
            await wait(() => absorbed || fleet.redelivered() >= 1, 'the redelivered records dropped or absorbed');
          } finally {
            clearInterval(poll);
          }
          await settle(fleet.stopAll(), 'the consumers stopping');
          await expectConformant(fleet, records, 4);
        } finally {
          await cleanUp(fleet, topic);
        }
      },
      timeout,
    );
  });
}
