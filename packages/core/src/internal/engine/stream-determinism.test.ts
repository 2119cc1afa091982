import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFile, generateLines } from '../../../../../bench/generate.mjs';
import { defineDetector } from '../detector/define.js';
import type { AnyDetector, CorrelationMatch, StateMatch } from '../detector/types.js';
import { fromFile, fromIterable, ingest } from '../ingest/index.js';
import { stringifyReport } from '../report/json.js';
import { analyze } from './entry.js';

/**
 * A fleet-like stream (the benchmark's generator, a few thousand rows) must give the same report
 * whether it is read as one file or arrives in chunks of any size — lines, CRLF pairs and UTF-8
 * characters split anywhere — and its 64-bit ReportIds must come out exactly as they went in.
 */

const ROWS = 1500;
/** Generous: the work is ~1 s of CPU, but CI machines are shared. */
const TIMEOUT = 30_000;
const GENERATED_AT = '2025-11-07T12:00:00.000Z';
const messages = {
  default: { title: '{what} ({count})', description: '{what} seen {count} times on {device}', riskAssessment: 'Test.' },
};
const meta = (id: string, tables: AnyDetector['meta']['tables'], actionTypes?: string[]) => ({
  id: `determinism/${id}`,
  title: `Determinism ${id}`,
  summary: 'Exercises the engine on a generated stream.',
  rationale: 'Chunking must not change results.',
  severity: 'low' as const,
  category: 'Testing',
  mitre: [],
  tables,
  ...(actionTypes ? { actionTypes } : {}),
  messages,
});
const render = (g: { key: string; count: number; device: { name: string } }) => ({
  values: { what: g.key, count: g.count, device: g.device.name },
  keyComponents: { Key: g.key },
});

/** Engine features a chunking bug could disturb: grouping, declared evidence, posix (lazy JSON), windows, device state, correlation. */
const detectors: AnyDetector[] = [
  defineDetector({
    meta: {
      ...meta('by-image', ['DeviceProcessEvents'], ['ProcessCreated']),
      evidence: { users: { combine: 'distinct', label: 'Users' } },
      values: ['what'],
    },
    match: (e) => ({
      key: e.str('FileName') ?? '',
      evidence: { users: e.posix.initiatingProcess.effectiveUser?.name ?? e.str('AccountName') ?? '' },
    }),
    render,
  }),
  defineDetector({
    meta: meta('failed-logons', ['DeviceLogonEvents'], ['LogonFailed', 'LogonSuccess']),
    window: { sizeMs: 10 * 60_000, threshold: 10, tag: 'failed' },
    match: (e) =>
      e.str('RemoteIP')
        ? { key: e.str('RemoteIP') ?? '', tag: e.actionType === 'LogonFailed' ? 'failed' : 'ok' }
        : undefined,
    render,
  }),
  defineDetector({
    meta: {
      ...meta('scripts', ['DeviceEvents'], ['ScriptContent']),
      evidence: { bytes: { combine: 'sum', label: 'Bytes' } },
      values: ['what'],
    },
    match: (e) => {
      const body = e.additional('ScriptContent');
      return typeof body === 'string'
        ? { key: body.split('\n', 2)[1] ?? '', evidence: { bytes: body.length } }
        : undefined;
    },
    render,
  }),
  defineDetector({
    meta: meta('shared-mac', []),
    onDevice: (d) => {
      const macs = new Map<string, number>();
      for (const a of d.adapters) macs.set(a.str('MacAddress') ?? '', (macs.get(a.str('MacAddress') ?? '') ?? 0) + 1);
      const dup = [...macs].find(([, n]) => n > 1);
      return dup
        ? ([{ key: dup[0], events: [...d.adapters, ...(d.info ? [d.info] : [])] }] satisfies StateMatch[])
        : undefined;
    },
    render,
  }),
  defineDetector({
    meta: meta('busy-device', []),
    correlate: ({ alerts }) => {
      const per = new Map<string, typeof alerts>();
      for (const a of alerts) per.set(a.deviceId, [...(per.get(a.deviceId) ?? []), a]);
      const out: CorrelationMatch[] = [];
      for (const [deviceId, list] of per) {
        if (list.length >= 3)
          out.push({
            deviceId,
            key: 'busy',
            events: list.flatMap((a) => a.events.slice(0, 1)),
            relatedAlerts: list.map((a) => a.id),
          });
      }
      return out;
    },
    render,
  }),
];

/** Deterministic chunk sizes: mostly small and odd (1–7 bytes split CRLF pairs and UTF-8 characters), some large. */
function* chunks(bytes: Buffer, seed: number): Generator<Uint8Array> {
  let x = seed >>> 0;
  const next = () => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return x;
  };
  for (let at = 0; at < bytes.length; ) {
    const r = next() % 100;
    const size = r < 30 ? 1 + (next() % 7) : r < 80 ? 1 + (next() % 4096) : 1 + (next() % 262_144);
    yield bytes.subarray(at, Math.min(at + size, bytes.length));
    at += size;
  }
}

describe('stream determinism on a generated fleet stream', () => {
  let dir: string;
  let file: string;
  let bytes: Buffer;
  let wholeReport: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tripline-determinism-'));
    file = join(dir, 'fleet.ndjson');
    await generateFile(file, { rows: ROWS, seed: 7, devices: 30 });
    bytes = readFileSync(file);
  }, TIMEOUT);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'the generator is deterministic and writes CRLF streaming records',
    () => {
      const again = [...generateLines({ rows: ROWS, seed: 7, devices: 30 })].map((l) => `${l}\r\n`).join('');
      expect(again).toBe(bytes.toString('utf8'));
      expect(bytes.toString('utf8').split('\r\n').filter(Boolean)).toHaveLength(ROWS);
    },
    TIMEOUT,
  );

  it(
    'gives byte-identical JSON reports whole and in chunks of any size',
    async () => {
      const options = { detectors, generatedAt: GENERATED_AT };
      const whole = await analyze(fromFile(file), options);
      expect(whole.summary.eventsAnalyzed).toBe(ROWS);
      expect(whole.summary.eventsRejected).toBe(0);
      expect(whole.alerts.length).toBeGreaterThan(20);
      const ids = new Set(whole.alerts.map((a) => a.detectorId));
      for (const d of detectors) expect(ids, d.meta.id).toContain(d.meta.id);
      wholeReport = stringifyReport(whole);
      for (const seed of [1, 2]) {
        const chunked = await analyze(fromIterable(chunks(bytes, seed), file), options);
        expect(stringifyReport(chunked)).toBe(wholeReport);
      }
    },
    TIMEOUT,
  );

  it(
    'keeps 64-bit ReportIds exact from the file to the report',
    async () => {
      const text = bytes.toString('utf8');
      const written = new Set([...text.matchAll(/"ReportId":(\d{16,})/g)].map((m) => m[1]!));
      expect(written.size).toBeGreaterThan(10);
      for (const id of written) expect(Number.isSafeInteger(Number(id)), id).toBe(false);

      const seen = new Set<string>();
      await ingest(fromIterable(chunks(bytes, 9), file), {
        event: (e) => {
          if (e.table === 'DeviceInfo' || e.table === 'DeviceNetworkInfo') seen.add(e.reportId ?? 'missing');
        },
        rejected: () => undefined,
      });
      expect(seen).toEqual(written);

      const inReport = [...wholeReport.matchAll(/"reportId": "(\d{16,})"/g)].map((m) => m[1]!);
      expect(inReport.length).toBeGreaterThan(0);
      for (const id of inReport) expect(written.has(id), id).toBe(true);
    },
    TIMEOUT,
  );
});
