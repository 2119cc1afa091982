/**
 * Property tests of the three reporters against attacker text: results built by the engine from real
 * Defender rows carrying payloads in every attacker-controlled column, and real results whose alerts
 * were rewritten with payloads. Markdown must not gain links, images, HTML, headings or footnotes;
 * SARIF must stay schema-valid; JSON must round-trip exactly.
 */
import { type AnalysisResult, analyze, fromString, type Narrative } from '@tripline/core';
import { fleetFindings } from '@tripline/core/unstable';
import { defenderDetectors } from '@tripline/detectors-defender';
import { renderMarkdown } from '@tripline/reporter-markdown';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportProblems, structureCounts } from './support/checks.js';
import { hostileText, RUNS, SEED } from './support/payloads.js';
import { firingFixtures, type Placement, plant, toNdjson } from './support/rows.js';

const GENERATED_AT = '2025-01-01T00:00:00.000Z';
const run = (text: string, name = 'hostile.ndjson') =>
  analyze(fromString(text, name), { detectors: defenderDetectors, generatedAt: GENERATED_AT });

/** Tallies printed at the end, for the suite's report. */
const tally = { engineCases: 0, engineAlerts: 0, enginePayloads: 0, mutationCases: 0, mutationPayloads: 0 };

describe('reporters under attacker text from the engine', () => {
  it('Markdown, SARIF and JSON stay safe for Defender rows carrying payloads in every attacker column', async () => {
    const fixtures = firingFixtures();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: fixtures.length - 1 }),
        fc.array(hostileText, { minLength: 16, maxLength: 16 }),
        fc.array(fc.constantFrom<Placement>('append', 'append', 'replace'), { minLength: 16, maxLength: 16 }),
        async (index, payloads, placements) => {
          const fixture = fixtures[index]!;
          const records = fixture.records.map((r) =>
            plant(
              r,
              (i) => payloads[i % payloads.length]!,
              (i) => placements[i % placements.length]!,
            ),
          );
          const result = await run(toNdjson(records));
          tally.engineCases++;
          tally.engineAlerts += result.alerts.length;
          tally.enginePayloads += payloads.length;
          expect(result.summary.eventsRead).toBe(result.summary.eventsAnalyzed + result.summary.eventsRejected);
          const { problems } = reportProblems(result, { compact: true });
          expect(problems, fixture.name).toEqual([]);
        },
      ),
      { numRuns: RUNS.heavy, seed: SEED },
    );
  }, 180_000);
});

/** Paths of attacker text in a result, with a setter: where a mutation plants a payload. */
type Slot = (value: string) => void;

/** A mutable deep copy of a result, and the slots of attacker-controlled text in it. */
function mutable(result: AnalysisResult): { copy: AnalysisResult; slots: Slot[] } {
  const copy = structuredClone(result) as unknown as {
    alerts: Record<string, any>[];
    devices: Record<string, any>[];
    rejected: Record<string, any>[];
    diagnostics: Record<string, any>[];
  };
  const slots: Slot[] = [];
  const field = (obj: Record<string, any>, key: string) => slots.push((v) => void (obj[key] = v));
  for (const a of copy.alerts) {
    for (const k of ['title', 'description', 'riskAssessment', 'key']) field(a, k);
    field(a.device, 'name');
    for (const k of Object.keys(a.message.values))
      if (typeof a.message.values[k] === 'string') field(a.message.values, k);
    const kc = a.evidence.keyComponents as Record<string, string | string[]>;
    for (const k of Object.keys(kc)) {
      const v = kc[k]!;
      if (typeof v === 'string') field(kc, k);
      else v.forEach((_, i) => slots.push((x) => void (v[i] = x)));
    }
    for (const e of a.evidence.events) {
      field(e.source, 'source');
      if (e.actionType !== undefined) field(e, 'actionType');
      for (const k of Object.keys(e.fields)) if (typeof e.fields[k] === 'string') field(e.fields, k);
    }
  }
  for (const d of copy.devices)
    for (const k of ['name', 'osPlatform', 'publicIp', 'machineGroup']) if (d[k] !== undefined) field(d, k);
  for (const r of copy.rejected) for (const k of ['source', 'reason']) field(r, k);
  for (const d of copy.diagnostics) {
    field(d, 'message');
    if (d.source !== undefined) field(d, 'source');
  }
  // The narrative is model output: every string of it is attacker-reachable (the model read event text).
  const narrative = (copy as { narrative?: Record<string, any> }).narrative;
  if (narrative !== undefined) {
    for (const k of ['model', 'endpoint']) field(narrative, k);
    const sentences = (list: Record<string, any>[]) => {
      for (const s of list) {
        field(s, 'text');
        s.cites.forEach((_: string, i: number) => slots.push((x) => void (s.cites[i] = x)));
      }
    };
    sentences(narrative.summary.sentences);
    for (const a of narrative.alerts) sentences(a.sentences);
    for (const f of narrative.facts) for (const k of ['id', 'text']) field(f, k);
    for (const i of narrative.injections) for (const k of ['field', 'pattern', 'excerpt']) field(i, k);
  }
  return { copy: copy as unknown as AnalysisResult, slots };
}

/** A narrative of a result (two facts per alert, a sentence on each of the first three alerts, an injection finding). */
function narrativeOf(result: AnalysisResult): Narrative {
  const alerts = result.alerts.slice(0, 3);
  return {
    model: 'test-model',
    endpoint: 'http://127.0.0.1:8080',
    generatedAt: GENERATED_AT,
    facts: [
      { id: 'F1', text: `alerts=${result.alerts.length}` },
      ...alerts.map((a, i) => ({ id: `A${i + 1}.count`, text: `alert ${a.id} count=${a.evidence.eventCount}` })),
    ],
    summary: { source: 'model', sentences: [{ text: `${result.alerts.length} alerts were raised.`, cites: ['F1'] }] },
    alerts: alerts.map((a, i) => ({
      alertId: a.id,
      sentences: [{ text: `It counts ${a.evidence.eventCount} events.`, cites: [`A${i + 1}.count`] }],
    })),
    rejected: [],
    injections: [{ alertId: alerts[0]!.id, field: 'title', pattern: 'chat-template-token', excerpt: '<|im_start|>' }],
    stats: { sentences: alerts.length + 1, kept: alerts.length + 1, rejected: 0, retries: 0 },
  };
}

const BASE_FIXTURES = [
  'suspicious-command-line/fires.curl-pipe-shell.json',
  'anomalous-logged-on-user/fires.control-characters-windows.json',
  'duplicate-adapter-address/fires.on-prem-two-eth-same-mac.json',
  'suspicious-script-content/fires.base64-to-shell.json',
];

describe('reporters under attacker text planted in a real result', () => {
  let base: AnalysisResult;
  beforeAll(async () => {
    // A few fixtures of different detectors and devices: a small report keeps each case fast.
    const picked = new Set(BASE_FIXTURES);
    const records = firingFixtures()
      .filter((f) => picked.has(f.name))
      .flatMap((f) => f.records);
    // A rejected row and a diagnostic too, so those sections carry payloads as well.
    const plain = await run(`${toNdjson(records)}{"not":"a row"}\nnot json\n`);
    base = { ...plain, narrative: narrativeOf(plain) };
    expect(base.alerts.length).toBeGreaterThanOrEqual(4);
    expect(base.devices.length).toBeGreaterThanOrEqual(2);
    expect(base.rejected.length).toBe(2);
  });

  it('a payload in any slot never changes the document structure, and all three reports stay safe', async () => {
    const slotCount = mutable(base).slots.length;
    await fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: slotCount - 1 }), hostileText), { minLength: 1, maxLength: 24 }),
        (plants) => {
          const hostile = mutable(base);
          const benign = mutable(base);
          // Each distinct payload gets a distinct plain word of (about) its length: same grouping, same
          // sizes, nothing special — the structure a payload must not change.
          const words = new Map<string, string>();
          const word = (payload: string): string => {
            let w = words.get(payload);
            if (w === undefined) {
              const id = words.size.toString(36);
              w = id.padStart(Math.max(id.length, Array.from(payload).length), 'x');
              words.set(payload, w);
            }
            return w;
          };
          for (const [slot, payload] of plants) {
            hostile.slots[slot]!(payload);
            benign.slots[slot]!(word(payload));
          }
          // A planted key makes other findings: the record's findings are those of its alerts.
          for (const r of [hostile, benign]) {
            (r.copy as { findings: unknown }).findings = fleetFindings(r.copy.alerts, r.copy.detectors);
          }
          tally.mutationCases++;
          tally.mutationPayloads += plants.length;
          const { problems, markdown } = reportProblems(hostile.copy);
          expect(problems).toEqual([]);
          expect(structureCounts(markdown)).toEqual(structureCounts(renderMarkdown(benign.copy)));
        },
      ),
      { numRuns: RUNS.heavy, seed: SEED },
    );
    console.info(`[hardening] reporters: ${JSON.stringify(tally)}`);
  }, 180_000);
});
