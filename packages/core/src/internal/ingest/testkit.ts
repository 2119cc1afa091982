/**
 * Helpers for the ingest tests (not part of the package API): run an input to completion, keep what
 * came out, and check the counting invariant on every run.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { MdeEvent } from '../model/event.js';
import { fromFile, fromIterable, fromString, ingest } from './index.js';
import type { IngestOptions, IngestProgress, IngestStats, InputSource, RejectedRow } from './types.js';

/** `../shared/…` (beside the repository root) resolved from this file (repo root's sibling `shared/`). */
export const SHARED = fileURLToPath(new URL('../../../../../../shared/', import.meta.url));
/** This folder's fixtures. */
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export const fixture = (name: string): string => readFileSync(FIXTURES + name, 'utf8');
export const fixtureBytes = (name: string): Uint8Array => readFileSync(FIXTURES + name);

export interface Run {
  stats: IngestStats;
  events: MdeEvent[];
  rejected: RejectedRow[];
  progress: IngestProgress[];
}

/** Ingest `source` and assert `rowsRead = events + rejected` (and that the sink saw exactly that). */
export async function run(source: InputSource, options?: IngestOptions): Promise<Run> {
  const events: MdeEvent[] = [];
  const rejected: RejectedRow[] = [];
  const progress: IngestProgress[] = [];
  const stats = await ingest(
    source,
    { event: (e) => events.push(e), rejected: (r) => rejected.push(r), progress: (p) => progress.push(p) },
    options,
  );
  expect(stats.rowsRead).toBe(stats.events + stats.rejected);
  expect(stats.events).toBe(events.length);
  expect(stats.rejected).toBe(rejected.length);
  return { stats, events, rejected, progress };
}

export const runText = (text: string, options?: IngestOptions, name = 'input'): Promise<Run> =>
  run(fromString(text, name), options);

/** Feed `bytes` as chunks cut at `cuts` (sorted byte offsets). */
export function chunked(bytes: Uint8Array, cuts: readonly number[], name = 'input'): InputSource {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const c of cuts) {
    parts.push(bytes.subarray(at, c));
    at = c;
  }
  parts.push(bytes.subarray(at));
  return fromIterable(parts, name);
}

/** A comparable digest of a run: events (JSON form + where from) and rejections, in order. */
export function digest(r: Run): string[] {
  return [
    ...r.events.map((e) => JSON.stringify({ ...e.toJSON(), from: e.source })),
    ...r.rejected.map((x) => JSON.stringify(x)),
  ];
}

/** Small deterministic PRNG (mulberry32) for reproducible random chunkings. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Reads each file whole, then ten times cut at 1–40 random byte offsets (multibyte characters and
 * line ends included), and expects the same events and rejections every time.
 */
export async function expectChunkingIrrelevant(files: readonly string[], seed: number): Promise<void> {
  const rand = prng(seed);
  for (const file of files) {
    const bytes = readFileSync(file);
    const reference = digest(await run(fromFile(file)));
    for (let round = 0; round < 10; round++) {
      const cuts = new Set<number>();
      const n = 1 + Math.floor(rand() * 40);
      for (let k = 0; k < n; k++) cuts.add(1 + Math.floor(rand() * (bytes.length - 1)));
      const got = await run(
        chunked(
          bytes,
          [...cuts].sort((a, b) => a - b),
          file,
        ),
      );
      expect(digest(got), `${file}, cut at ${[...cuts].join(', ')}`).toEqual(reference);
    }
  }
}
