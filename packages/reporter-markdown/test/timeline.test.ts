import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../src/index.js';
import { result } from './fixtures/build.js';
import { manyDevices } from './fixtures/scenarios.js';
import { codeBlocks, MERMAID_LINE, parse } from './support/mdast.js';

/** The chart of a run whose 60 alerts are 16 hours apart (about 40 days). */
function spreadChart(): string[] {
  const alerts = manyDevices()
    .alerts.slice(0, 60)
    .map((a, i) => ({ ...a, firstSeen: new Date(Date.UTC(2025, 9, 1) + i * 16 * 3_600_000).toISOString() }));
  const [chart] = codeBlocks(parse(renderMarkdown(result({ alerts, eventsAnalyzed: 60 }))), 'mermaid');
  return chart?.split('\n') ?? [];
}

describe('timeline over weeks', () => {
  const lines = spreadChart();

  it('uses week intervals with a date axis, in safe lines', () => {
    expect(lines.every((l) => MERMAID_LINE.test(l))).toBe(true);
    expect(lines).toContain('    title Alerts by first-seen time, UTC, 7-day intervals');
    expect(lines).toContain('    axisFormat %Y-%m-%d');
    expect(lines).toContain('    tickInterval 1week');
  });

  it('starts every week bar on a Sunday, where Mermaid draws its week ticks, and counts every alert', () => {
    const starts = lines.flatMap((l) => /:(?:\w+, )?(\d{4}-\d{2}-\d{2}) 00:00, 10080m$/.exec(l)?.slice(1) ?? []);
    expect(starts.length).toBeGreaterThan(0);
    for (const day of starts) expect(new Date(`${day}T00:00:00Z`).getUTCDay(), day).toBe(0);
    let total = 0;
    for (const l of lines) total += Number(/^ {4}(\d+) alerts? :/.exec(l)?.[1] ?? 0);
    expect(total).toBe(60);
    expect(new Set(starts).size).toBeLessThanOrEqual(12);
  });
});
