/**
 * Generated multi-device streams on a real nats-server (bounded: small streams, so the file finishes in
 * well under a minute on an idle machine): for a few seeds of the benchmark's generator
 * (bench/generate.mjs — Linux and Windows devices, background traffic, attack chains), two consumers
 * share 4 partitions while the rows arrive, and the merged result equals one analyze() over the same
 * rows, byte for byte, with every notification key delivered once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../../bench/generate.mjs';
import type { OutgoingRecord } from '../src/types.js';
import { expectConformant, Fleet } from './conformance.js';
import { waitFor } from './conformance-progress.js';
import { natsHarness } from './nats-harness.js';
import { natsAvailability } from './nats-server.js';

const { binary, skip } = natsAvailability();
const SEEDS = [1, 2, 3];
const ROWS = 240;
const DEVICES = 8;

/** The generator's storage records, keyed by their DeviceId. */
function generated(seed: number): OutgoingRecord[] {
  return [...(generateLines({ rows: ROWS, seed, devices: DEVICES }) as Iterable<string>)].map((line) => {
    const device = /"DeviceId":"([0-9a-f]{40})"/.exec(line);
    if (!device) throw new Error(`generated record without a DeviceId: ${line.slice(0, 120)}`);
    return { key: device[1]!, body: line };
  });
}

describe.skipIf(skip !== undefined)('generated multi-device streams on NATS JetStream (2 consumers)', () => {
  const harness = skip ? undefined : natsHarness(binary as string, 'generated');
  afterAll(() => harness?.stop());
  const timeout = 240_000;
  let alerts = 0;

  for (const seed of SEEDS) {
    it(
      `seed ${seed}: ${ROWS} rows of ${DEVICES} devices, merged result equal to one run's`,
      async () => {
        const records = generated(seed);
        expect(new Set(records.map((r) => r.key)).size).toBeGreaterThan(1);
        const topic = await harness!.topic(4);
        const fleet = new Fleet(topic);
        try {
          const half = Math.floor(records.length / 2);
          await topic.publish(records.slice(0, half));
          fleet.start('a');
          fleet.start('b');
          await topic.publish(records.slice(half));
          await waitFor(() => fleet.committed() >= records.length, 'every record committed', {
            fleet,
            adapter: topic,
            records,
            partitions: 4,
            deadline: Date.now() + timeout - 30_000,
            stallMs: 60_000,
          });
          await fleet.stopAll();
          await expectConformant(fleet, records, 4);
          alerts += fleet.merged().alerts.length;
        } finally {
          await fleet.stopAll();
          await topic.dispose();
        }
      },
      timeout,
    );
  }

  it('the seeds produce alerts (the comparison is not of empty reports)', () => {
    expect(alerts).toBeGreaterThan(0);
  });
});
