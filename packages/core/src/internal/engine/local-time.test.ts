import { describe, expect, it } from 'vitest';
import { isTriplineError } from '../errors.js';
import { fromString } from '../ingest/sources.js';
import { createAnalyzer } from './analyze.js';
import { analyze } from './entry.js';

const DEVICE = '875524232b2377b606ca585f2a6692b5be921b94';
const LA_LOCAL =
  'Timestamp [Local Time],DeviceId,DeviceName,ActionType,FileName,ReportId,Type\n' +
  `"11/7/2025, 7:40:09.381 AM",${DEVICE},wazuh1,ProcessCreated,lsof,71907,DeviceProcessEvents\n` +
  `"10/26/2025, 2:15:00.000 AM",${DEVICE},wazuh1,ProcessCreated,id,71908,DeviceProcessEvents\n`;

const codes = (r: { diagnostics: readonly { code: string; level: string }[] }) =>
  r.diagnostics.map((d) => `${d.level} ${d.code}`);

describe('timezone option', () => {
  it('without a zone, local times are read as UTC and a warning names the input and columns', async () => {
    const r = await analyze(fromString(LA_LOCAL, 'export.csv'), { detectors: [] });
    expect(r.summary).toMatchObject({ eventsAnalyzed: 2, timeRange: { start: '2025-10-26T02:15:00.000Z' } });
    expect(r.diagnostics).toEqual([
      {
        level: 'warning',
        code: 'local-time-unconverted',
        source: 'export.csv',
        message:
          '2 rows hold times in local time ("Timestamp [Local Time]") and no time zone was given: they were read as UTC, unconverted, ' +
          'so every time and time window is off by the export’s UTC offset. Give the time zone of the export ' +
          '(timezone, --timezone on the command line) to convert them.',
      },
    ]);
  });

  it('converts with options.timezone or config.timezone; the option wins', async () => {
    const viaOption = await analyze(fromString(LA_LOCAL, 'export.csv'), { detectors: [], timezone: 'europe/berlin' });
    expect(viaOption.summary.timeRange).toEqual({ start: '2025-10-26T00:15:00.000Z', end: '2025-11-07T06:40:09.381Z' });
    expect(codes(viaOption)).toEqual(['info local-time-converted', 'warning local-time-ambiguous']);
    expect(viaOption.diagnostics[0]?.message).toBe(
      '2 rows hold times in local time ("Timestamp [Local Time]"): converted to UTC from Europe/Berlin.',
    );
    expect(viaOption.diagnostics[1]?.message).toMatch(
      /^1 row holds a local time in the hour repeated .* in Europe\/Berlin/,
    );
    const viaConfig = await analyze(fromString(LA_LOCAL, 'export.csv'), {
      detectors: [],
      config: { timezone: 'Europe/Berlin' },
    });
    expect(viaConfig.summary.timeRange).toEqual(viaOption.summary.timeRange);
    const both = await analyze(fromString(LA_LOCAL, 'export.csv'), {
      detectors: [],
      config: { timezone: 'Asia/Tokyo' },
      timezone: 'UTC',
    });
    expect(both.summary.timeRange?.end).toBe('2025-11-07T07:40:09.381Z');
  });

  it('rejects an unknown zone before any input is read', () => {
    const fromOption = (() => {
      try {
        createAnalyzer({ detectors: [], timezone: 'CET+1' });
      } catch (e) {
        return e;
      }
    })();
    expect(isTriplineError(fromOption) && fromOption.code).toBe('option-invalid');
    const fromConfig = (() => {
      try {
        createAnalyzer({ detectors: [], config: { timezone: 'Europe/Atlantis' } });
      } catch (e) {
        return e;
      }
    })();
    expect(isTriplineError(fromConfig) && fromConfig.code).toBe('config-invalid');
    expect((fromConfig as Error).message).toBe(
      'invalid configuration: timezone: unknown time zone: give an IANA name such as Europe/Berlin, America/New_York or UTC',
    );
  });
});
