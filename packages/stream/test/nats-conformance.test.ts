/**
 * The stream conformance suite (test/conformance.ts) on a real nats-server: 1, 2 and 4 consumers, a
 * consumer killed (its connection closed abruptly: nothing more acknowledged, no lease released) and
 * another joining, graceful shutdown, and at-least-once redelivery — each time the merged result equals
 * one analyze() over the same rows, byte for byte.
 */
import { afterAll, describe, it } from 'vitest';
import { streamConformance } from './conformance.js';
import { natsHarness } from './nats-harness.js';
import { natsAvailability } from './nats-server.js';

const { binary, skip } = natsAvailability();

if (skip) {
  describe.skip(`stream conformance: NATS JetStream (${skip})`, () => {
    it('needs nats-server', () => undefined);
  });
} else {
  const harness = natsHarness(binary as string, 'NATS JetStream (real nats-server)');
  afterAll(() => harness.stop());
  streamConformance(harness);
}
