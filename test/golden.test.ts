/**
 * The golden report is what the engine makes today, and every JSON report of the example datasets is
 * valid against the published JSON Schema and renders again (parseJsonReport) to the same bytes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyze, fromFile, parseJsonReport, stringifyReport } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { renderMarkdown } from '@tripline/reporter-markdown';
import { stringifySarif, toSarif } from '@tripline/reporter-sarif';
import { describe, expect, it } from 'vitest';
import { GOLDEN_REPORT_URL, goldenResult } from './golden/golden.js';
import { reportSchemaProblems } from './golden/report-schema.js';
import { GOLDEN_GENERATED_AT, GOLDEN_SOURCE_NAME } from './golden/settings.mjs';

const EXAMPLES = new URL('../examples/', import.meta.url);

async function run(path: string, name: string) {
  return analyze({ ...fromFile(path), name }, { detectors: defenderDetectors, generatedAt: GOLDEN_GENERATED_AT });
}

describe('golden report (test/golden/wazuh1.report.json)', () => {
  it('is what the engine makes from examples/wazuh1 today (when it differs: npm run build && node scripts/gen-golden.mjs, and review the diff)', async () => {
    const result = await run(fileURLToPath(new URL('wazuh1/events.ndjson', EXAMPLES)), GOLDEN_SOURCE_NAME);
    expect(stringifyReport(result) === readFileSync(GOLDEN_REPORT_URL, 'utf8')).toBe(true);
  });

  it('holds real alerts with their keys, messages, devices, detectors and inputs', () => {
    const golden = goldenResult();
    expect(golden.alerts.length).toBeGreaterThan(10);
    expect(golden.devices.map((d) => d.name)).toContain('wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net');
    expect(golden.inputs).toEqual([expect.objectContaining({ source: 'events.ndjson', format: 'ndjson' })]);
    for (const a of golden.alerts) {
      expect(typeof a.key).toBe('string');
      expect(golden.detectors.map((d) => d.id)).toContain(a.detectorId);
      expect(a.message.templates.title).not.toBe('');
    }
  });
});

describe('JSON reports of the example datasets', () => {
  const datasets = readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && readdirSync(new URL(`${d.name}/`, EXAMPLES)).includes('events.ndjson'))
    .map((d) => d.name);

  it('covers the examples with datasets', () => {
    expect(datasets).toEqual(expect.arrayContaining(['attack-webserver', 'wazuh1']));
  });

  it.each(datasets)('%s: valid against the published JSON Schema; rendered again, the same bytes', async (name) => {
    const result = await run(fileURLToPath(new URL(`${name}/events.ndjson`, EXAMPLES)), 'events.ndjson');
    const text = stringifyReport(result);
    const json: unknown = JSON.parse(text);
    expect(reportSchemaProblems(json)).toEqual([]);
    const again = parseJsonReport(json);
    expect(stringifyReport(again) === text).toBe(true);
    expect(renderMarkdown(again) === renderMarkdown(result)).toBe(true);
    expect(stringifySarif(toSarif(again)) === stringifySarif(toSarif(result))).toBe(true);
  });
});

describe('reporters on evidence that carries only some columns', () => {
  // Evidence events may hold only the identity columns and those a detector declared; a reporter must
  // show what is there and never assume a column.
  const IDENTITY = new Set(['Timestamp', 'DeviceId', 'DeviceName', 'ActionType', 'ReportId']);
  const trimmed = (keep: (column: string) => boolean) => {
    const golden = goldenResult();
    return parseJsonReport(
      JSON.parse(
        stringifyReport({
          ...golden,
          alerts: golden.alerts.map((a) => ({
            ...a,
            evidence: {
              ...a.evidence,
              events: a.evidence.events.map((e) => ({
                ...e,
                fields: Object.fromEntries(Object.entries(e.fields).filter(([k]) => keep(k))),
              })),
            },
          })),
        }),
      ),
    );
  };

  it.each([
    ['identity columns only', (c: string) => IDENTITY.has(c)],
    ['no columns at all', () => false],
  ])('%s: Markdown and SARIF render every alert, with no undefined or null shown', (_, keep) => {
    const result = trimmed(keep);
    const markdown = renderMarkdown(result);
    expect(markdown.match(/^### ALERT-\d{3}: /gm)).toHaveLength(result.alerts.length);
    expect(markdown).not.toMatch(/\bundefined\b|`null`|\bNaN\b/);
    const sarif = toSarif(result);
    expect(sarif.runs[0]?.results).toHaveLength(result.alerts.length);
    const text = stringifySarif(sarif);
    expect(text).not.toMatch(/\bundefined\b|\bNaN\b/);
    expect(reportSchemaProblems(JSON.parse(stringifyReport(result)))).toEqual([]);
  });
});
