/**
 * The committed adversarial corpus (test/corpus/, described in its README) through the whole
 * pipeline: the Defender preset, then Markdown, SARIF and JSON. Every file must run without a crash,
 * account for every row, keep big integers exact, pollute no prototype, and render safely.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AnalysisResult, analyze, fromFile, fromIterable, stringifyReport } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportProblems } from './support/checks.js';
import { ALL_FRAGMENTS } from './support/payloads.js';
import { CORPUS_DIR, REPO_ROOT } from './support/rows.js';

const GENERATED_AT = '2025-01-01T00:00:00.000Z';
const files = readdirSync(CORPUS_DIR)
  .filter((f) => f.endsWith('.ndjson') || f.endsWith('.csv') || f.endsWith('.json'))
  .sort();

/** Own property names and descriptors of the built-in prototypes, to prove nothing was added or changed. */
function prototypeSnapshot(): string {
  const protos = {
    Object: Object.prototype,
    Array: Array.prototype,
    Function: Function.prototype,
    String: String.prototype,
  };
  return JSON.stringify(
    Object.entries(protos).map(([name, proto]) => [
      name,
      Reflect.ownKeys(proto).map((k) => {
        const d = Object.getOwnPropertyDescriptor(proto, k)!;
        return [String(k), typeof d.value, typeof d.get, d.writable, d.enumerable, d.configurable];
      }),
    ]),
  );
}

const results = new Map<string, AnalysisResult>();
let before: string;

beforeAll(async () => {
  before = prototypeSnapshot();
  for (const file of files) {
    results.set(
      file,
      await analyze(fromFile(join(CORPUS_DIR, file)), { detectors: defenderDetectors, generatedAt: GENERATED_AT }),
    );
  }
}, 120_000);

afterAll(() => {
  console.info(
    `[hardening] corpus: ${files.length} files, ${[...results.values()].reduce((n, r) => n + r.summary.eventsRead, 0)} rows, ` +
      `${[...results.values()].reduce((n, r) => n + r.summary.alertCount, 0)} alerts, ${ALL_FRAGMENTS.length} payload fragments`,
  );
});

describe('adversarial corpus', () => {
  it('every file is documented in test/corpus/README.md', () => {
    const readme = readFileSync(join(CORPUS_DIR, 'README.md'), 'utf8');
    for (const file of files) expect(readme, file).toContain(`\`${file}\``);
  });

  it.each(files)(
    '%s: analysed without a crash, every row accounted for, reports safe',
    (file) => {
      const r = results.get(file)!;
      expect(r.summary.eventsRead).toBeGreaterThan(0);
      expect(r.summary.eventsRead).toBe(r.summary.eventsAnalyzed + r.summary.eventsRejected);
      expect(r.inputs[0]!.rowsRead).toBe(r.summary.eventsRead);
      const { problems } = reportProblems(r, { compact: true });
      expect(problems).toEqual([]);
    },
    60_000,
  );

  it('payload files reach alerts (the reporters really saw the payloads)', () => {
    for (const file of [
      'markdown-html-links.ndjson',
      'backticks-pipes-newlines.ndjson',
      'ansi-escapes.ndjson',
      'bidi-zero-width.ndjson',
      'nul-bytes.ndjson',
    ]) {
      const r = results.get(file)!;
      expect(r.alerts.length, file).toBeGreaterThan(3);
      expect(r.summary.eventsRejected, file).toBe(file === 'nul-bytes.ndjson' ? 1 : 0);
    }
    const md = reportProblems(results.get('markdown-html-links.ndjson')!).markdown;
    expect(md).toContain('evil');
  }, 30_000);

  it('no prototype pollution anywhere', () => {
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect(prototypeSnapshot()).toBe(before);
    const r = results.get('prototype-keys.ndjson')!;
    expect(r.summary.eventsRead).toBe(6);
    // The `__proto__` row key must not let one row pass a DeviceId it does not have.
    expect(r.devices.map((d) => d.id)).not.toContain('spoofed');
    const csv = results.get('prototype-keys.csv')!;
    expect(csv.summary.eventsRead).toBe(1);
  });

  it('prototype-like keys in AdditionalFields are kept as plain data in the JSON report', () => {
    const report = JSON.parse(stringifyReport(results.get('prototype-keys.ndjson')!)) as {
      alerts: { evidence: { events: { fields: Record<string, unknown> }[] } }[];
    };
    const fields = report.alerts
      .flatMap((a) => a.evidence.events.map((e) => e.fields.AdditionalFields))
      .filter((v) => v && typeof v === 'object');
    expect(fields.some((f) => Object.hasOwn(f as object, '__proto__'))).toBe(true);
    for (const f of fields) expect(Object.getPrototypeOf(f)).toBe(Object.prototype);
  });

  it('integers beyond 2^53 survive exactly in every report', () => {
    const r = results.get('big-numbers.ndjson')!;
    const json = stringifyReport(r);
    for (const big of [
      '9223372036854775807',
      '123456789012345678901234567890',
      '18446744073709551615',
      '639199803770463703',
    ]) {
      if (r.alerts.some((a) => a.evidence.events.some((e) => JSON.stringify(e.fields).includes(big))))
        expect(json).toContain(big);
    }
    expect(json).toContain('"reportId": "9223372036854775807"');
    expect(json).not.toMatch(/92233720368547758(?:00|08)\b/);
    expect(json).not.toContain('e+');
  });

  it('duplicated rows are counted, not alerted twice', () => {
    const r = results.get('duplicates.ndjson')!;
    expect(r.summary.eventsRead).toBe(6);
    expect(r.summary.eventsAnalyzed).toBe(6);
    expect(r.summary.duplicateEvents).toBe(4);
    for (const a of r.alerts) {
      const ids = a.evidence.events.map((e) => `${e.reportId}@${e.timestamp}`);
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(stringifyReport(r)).toContain('639199803770463703');
  });

  it('invalid UTF-8 is read as U+FFFD or rejected with a reason, never dropped', () => {
    const r = results.get('invalid-utf8.ndjson')!;
    expect(r.summary.eventsRead).toBe(8);
    expect(r.rejected.every((x) => x.line !== undefined && x.reason.length > 0)).toBe(true);
  });

  it('deep nesting in AdditionalFields does not crash the run', () => {
    const r = results.get('deep-nesting.ndjson')!;
    expect(r.summary.eventsRead).toBe(3);
    // The object nested 100,000 levels is refused with a reason; nested JSON text stays text.
    expect(r.rejected).toEqual([
      expect.objectContaining({
        line: 2,
        code: 'malformed-json',
        reason: expect.stringMatching(/nested deeper than 1000 levels/),
      }),
    ]);
    expect(r.summary.eventsAnalyzed).toBe(2);
  });

  it('a megabyte command line is analysed', () => {
    const r = results.get('megabyte-command-line.ndjson')!;
    expect(r.summary.eventsAnalyzed).toBe(2);
    expect(r.alerts.length).toBeGreaterThan(0);
  });
});

describe('a line of many megabytes (made at test time)', () => {
  it('is rejected with a reason under maxLineBytes, the rows around it still read', async () => {
    const good = readFileSync(join(CORPUS_DIR, 'duplicates.ndjson'), 'utf8').split('\n')[0]!;
    const lineMb = 64;
    async function* chunks(): AsyncGenerator<string> {
      yield `${good}\n{"Timestamp":"2025-11-14T00:00:00Z","DeviceName":"x","ProcessCommandLine":"`;
      const block = 'A'.repeat(1 << 20);
      for (let i = 0; i < lineMb; i++) yield block;
      yield `"}\n${good.replace('639199803770463703', '639199803770463704')}\n`;
    }
    const r = await analyze(fromIterable(chunks(), 'huge.ndjson'), {
      detectors: defenderDetectors,
      maxLineBytes: 4 << 20,
    });
    expect(r.summary.eventsRead).toBe(3);
    expect(r.summary.eventsAnalyzed).toBe(2);
    expect(r.rejected).toEqual([expect.objectContaining({ source: 'huge.ndjson', line: 2, code: 'line-too-long' })]);
    expect(r.rejected[0]!.reason).toMatch(/longer than 4194304 bytes/);
  }, 60_000);

  it('memory stays bounded: a 256 MiB line read with a 64 MiB heap', () => {
    // A child process with a small heap: if the reader held the line, it would die of heap exhaustion.
    const script = `
      import { analyze, fromIterable } from '@tripline/core';
      const lineMb = 256;
      async function* chunks() {
        yield '{"Timestamp":"2025-11-14T00:00:00Z","DeviceName":"x","ProcessCommandLine":"';
        const block = Buffer.alloc(1 << 20, 0x41);
        for (let i = 0; i < lineMb; i++) yield block;
        yield '"}\\n{"Timestamp":"2025-11-14T00:00:01Z","DeviceName":"x","ReportId":1}\\n';
      }
      const before = process.memoryUsage().rss;
      const r = await analyze(fromIterable(chunks(), 'huge'), { detectors: [], maxLineBytes: 1 << 20 });
      const grew = process.memoryUsage().rss - before;
      console.log(JSON.stringify({ read: r.summary.eventsRead, rejected: r.rejected.map((x) => x.code), grewMb: Math.round(grew / 1048576) }));
    `;
    const child = spawnSync(process.execPath, ['--max-old-space-size=64', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const out = JSON.parse(child.stdout.trim()) as { read: number; rejected: string[]; grewMb: number };
    expect(out.read).toBe(2);
    expect(out.rejected[0]).toBe('line-too-long');
    // Well below the line's 256 MiB (garbage 1 MiB blocks are external memory V8 frees in its own time).
    expect(out.grewMb).toBeLessThan(160);
  }, 90_000);
});
