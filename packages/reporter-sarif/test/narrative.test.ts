import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSarif, type SarifLog, sarifChunks, stringifySarif, toSarif } from '../src/index.js';
import { wazuh1 } from './fixtures.js';
import { goldenNarrative, hostileNarrative, narratedFleet } from './narrative-fixtures.js';

const GOLDEN = readFileSync(new URL('./golden/wazuh1.sarif', import.meta.url), 'utf8');

type Props = { tripline: Record<string, any> };
const runProps = (log: SarifLog) => (log.runs[0]!.properties as Props).tripline;
const resultProps = (log: SarifLog) => log.runs[0]!.results!.map((r) => (r.properties as Props).tripline);
const messages = (log: SarifLog) => JSON.stringify(log.runs[0]!.results!.map((r) => r.message));

describe('the narrative in the SARIF log', () => {
  it('a result without a narrative gives the committed golden log byte for byte', () => {
    expect(stringifySarif(toSarif(wazuh1())) === GOLDEN).toBe(true);
  });

  it('puts the summary in the run properties and each paragraph in its result properties, never in a message', () => {
    const narrated = { ...wazuh1(), narrative: goldenNarrative() };
    const log = toSarif(narrated);
    const run = runProps(log).narrative;
    expect(run).toMatchObject({
      model: 'gpt-4.1-mini-2025-04-14',
      endpoint: 'http://127.0.0.1:8080',
      checkedAgainstEvidence: true,
      summary: { source: 'model', sentences: goldenNarrative().summary.sentences },
      stats: { sentences: 5, kept: 4, rejected: 1, retries: 0 },
    });
    expect(run.facts).toHaveLength(10);
    expect(run.injections[0]).toMatchObject({ pattern: 'ignore-previous-instructions' });
    const byAlert = new Map(resultProps(log).map((p) => [p.alertId, p.narrative]));
    expect(byAlert.get('tl-573cca4c45815fbc54df')).toEqual([
      { alertId: 'tl-573cca4c45815fbc54df', sentences: goldenNarrative().alerts[1]!.sentences },
    ]);
    expect(byAlert.get('tl-c14b245016efc11e5735')).toBeUndefined();
    // No message, no rule text, carries narrative prose; the rejected sentence is nowhere.
    const text = stringifySarif(log);
    expect(messages(log)).not.toContain('The Defender agent replaced a shell');
    expect(JSON.stringify(log.runs[0]!.tool)).not.toContain('One device produced');
    expect(text).not.toContain('203.0.113.7');
    // The streamed log is the same bytes.
    expect([...sarifChunks(narrated)].join('')).toBe(text);
  });

  it('a fleet finding carries the paragraphs of its narrated alerts; the streamed log is the same', () => {
    const result = narratedFleet(40);
    const log = toSarif(result);
    const withNarrative = resultProps(log).filter((p) => p.narrative !== undefined);
    expect(withNarrative.length).toBeGreaterThan(0);
    const ids = withNarrative.flatMap((p) => p.narrative.map((x: { alertId: string }) => x.alertId)).sort();
    expect(ids).toEqual(
      result.alerts
        .slice(0, 3)
        .map((a) => a.id)
        .sort(),
    );
    for (const p of withNarrative) if (p.finding) for (const x of p.narrative) expect(p.alertIds).toContain(x.alertId);
    expect(renderSarif(result)).toBe(stringifySarif(log));
    expect(runProps(log).narrative.summary.source).toBe('template');
  });

  it('hostile narrative text is cleaned like event text: no control, bidi or line break survives', () => {
    const log = toSarif({ ...wazuh1(), narrative: hostileNarrative() });
    const text = JSON.stringify(runProps(log).narrative) + JSON.stringify(resultProps(log).map((p) => p.narrative));
    expect(text).toContain('[x](https://evil.example)');
    expect(/[\u0000-\u001f\u007f\u202e]/u.test(text)).toBe(false);
    expect(text).not.toMatch(/\\u001b|\\u202e|\\n#/i);
    expect(messages(log)).not.toContain('evil.example');
  });
});
