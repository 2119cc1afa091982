import { describe, expect, it } from 'vitest';
import { defineDetector } from '../detector/define.js';
import type { AnyDetector } from '../detector/types.js';
import { isTriplineError } from '../errors.js';
import { fromFile, fromString } from '../ingest/sources.js';
import type { InputSource } from '../ingest/types.js';
import { createAnalyzer } from './analyze.js';
import { analyze } from './entry.js';

/** Alerts on every process creation, by image name. */
const byName: AnyDetector = defineDetector({
  meta: {
    id: 'test/by-name',
    title: 'Processes by name',
    summary: 'Groups process creations by image name.',
    rationale: 'Exercises input handling in tests.',
    severity: 'low',
    category: 'Testing',
    mitre: ['T1059.004'],
    tables: ['DeviceProcessEvents'],
    actionTypes: ['ProcessCreated'],
    messages: { default: { title: 'Process {name}', description: 'Saw {name}', riskAssessment: 'Low risk.' } },
  },
  match: (e) => ({ key: e.str('FileName') ?? '' }),
  render: (g) => ({ values: { name: g.key }, keyComponents: {} }),
}) as AnyDetector;

function row(reportId: number, fileName: string): string {
  return JSON.stringify({
    category: 'AdvancedHunting-DeviceProcessEvents',
    properties: {
      Timestamp: `2025-11-07T06:46:${String(reportId % 60).padStart(2, '0')}.1234567Z`,
      DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
      DeviceName: 'wazuh1',
      ActionType: 'ProcessCreated',
      ReportId: reportId,
      FileName: fileName,
      FolderPath: `/usr/bin/${fileName}`,
      ProcessId: 4000 + reportId,
      InitiatingProcessId: 4000 + reportId,
      InitiatingProcessFileName: 'dash',
    },
  });
}

const good = (name: string, reportId: number, fileName: string) => fromString(`${row(reportId, fileName)}\n`, name);

/** A stream that yields two rows, then fails (a network reset, a file cut by the OS). */
function failingMidway(name: string): InputSource {
  return {
    name,
    open: () =>
      (async function* chunks() {
        yield `${row(11, 'curl')}\n${row(12, 'wget')}\n`;
        throw new Error('network reset');
      })(),
  };
}

const MISSING = '/nonexistent/tripline/PT1H.json';

describe('one bad input never costs the others', () => {
  it('analyze() lists an unreadable input and analyses the rest', async () => {
    const result = await analyze(
      [
        good('a.ndjson', 1, 'lsof'),
        fromFile(MISSING),
        fromString('hello world\n', 'hello.txt'),
        good('b.ndjson', 2, 'ps'),
      ],
      { detectors: [byName] },
    );
    expect(result.alerts.map((a) => a.key).sort()).toEqual(['lsof', 'ps']);
    const failed = result.diagnostics.filter((d) => d.code === 'input-failed');
    expect(failed.map((d) => [d.level, d.source])).toEqual([
      ['error', MISSING],
      ['error', 'hello.txt'],
    ]);
    expect(failed[0]?.message).toMatch(/cannot read .*PT1H\.json: .*no such file.*nothing of this input is analysed/i);
    expect(result.inputs.map((i) => [i.source, i.format, i.error?.code])).toEqual([
      ['a.ndjson', 'ndjson', undefined],
      [MISSING, 'unknown', 'input-unreadable'],
      ['hello.txt', 'unknown', 'input-format-unknown'],
      ['b.ndjson', 'ndjson', undefined],
    ]);
  });

  it('keeps the rows read before a stream failed, and says so', async () => {
    const result = await analyze([failingMidway('eventhub-consumer'), good('b.ndjson', 2, 'ps')], {
      detectors: [byName],
    });
    expect(result.summary.eventsAnalyzed).toBe(3);
    const failed = result.diagnostics.find((d) => d.code === 'input-failed');
    expect(failed?.source).toBe('eventhub-consumer');
    expect(failed?.message).toMatch(/network reset \(after 2 row\(s\); those are analysed/);
    expect(result.inputs[0]).toMatchObject({ source: 'eventhub-consumer', rowsRead: 2, events: 2, rejected: 0 });
  });

  it('rejects when no input at all could be read, or at the first failure with onInputError: throw', async () => {
    await expect(analyze([fromFile(MISSING)], { detectors: [byName] })).rejects.toSatisfy((e) =>
      isTriplineError(e, 'input-unreadable'),
    );
    await expect(
      analyze([good('a.ndjson', 1, 'lsof'), fromFile(MISSING)], { detectors: [byName], onInputError: 'throw' }),
    ).rejects.toSatisfy((e) => isTriplineError(e, 'input-unreadable'));
  });

  it('Analyzer.push rejects, and finish() afterwards still says which input failed', async () => {
    const analyzer = createAnalyzer({ detectors: [byName] });
    await expect(analyzer.push(failingMidway('eventhub-consumer'))).rejects.toSatisfy((e) =>
      isTriplineError(e, 'input-unreadable'),
    );
    const result = analyzer.finish();
    expect(result.summary.eventsAnalyzed).toBe(2);
    expect(result.inputs).toHaveLength(1);
    expect(result.diagnostics.some((d) => d.code === 'input-failed' && d.source === 'eventhub-consumer')).toBe(true);
  });
});
