import type { AnalysisResult } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import { BUDGET_PRESETS, type MarkdownOptions, renderMarkdown } from '../src/index.js';
import { hostileRun } from './fixtures/hostile.js';
import { emptyRun, manyDevices } from './fixtures/scenarios.js';
import { wazuh1 } from './fixtures/wazuh1.js';
import { forbiddenNodes, parse, raggedTables } from './support/mdast.js';

const bytes = (s: string) => new TextEncoder().encode(s).length;
const NOTICE = /\n?> ✂️ \*\*Truncated\*\* to fit a [\d,]+-(character|byte) limit:[^\n]*\n$/;

/** Checks a budgeted rendering against the unbudgeted one. */
function checkBudgeted(full: string, out: string, limit: number, unit: 'chars' | 'bytes', label: string) {
  expect(unit === 'bytes' ? bytes(out) : out.length, label).toBeLessThanOrEqual(limit);
  if (out === full) return;
  expect(out, label).toMatch(NOTICE);
  const body = out.replace(NOTICE, '').replace(/\n+$/, '');
  // What is kept is the start of the full report, cut at a line boundary…
  expect(full.startsWith(body), label).toBe(true);
  if (body.length > 0) expect(full[body.length], label).toBe('\n');
  // …with every fence closed, every table whole, and nothing injected.
  expect((body.match(/^```/gm) ?? []).length % 2, label).toBe(0);
  const tree = parse(out);
  expect(raggedTables(tree), label).toEqual([]);
  expect(forbiddenNodes(tree), label).toEqual([]);
  // No dangling heading right before the notice.
  expect(body, label).not.toMatch(/\n#{1,6} [^\n]*$/);
}

const fixtures: [string, () => AnalysisResult][] = [
  ['wazuh1', wazuh1],
  ['many devices', () => manyDevices(30)],
  ['hostile', () => hostileRun('all', '`][(!<`|\n# x\r\n> y\u202E\u0000 https://e.vil <b> ```')],
  ['empty', emptyRun],
];
const LIMITS = [200, 201, 257, 300, 420, 512, 777, 1000, 1500, 2048, 3000, 4500, 7000, 10_000, 28_000, 40_000];

describe.each(fixtures)('budget on %s', (name, make) => {
  const run = make();
  for (const compact of [true, false]) {
    const full = renderMarkdown(run, { compact });
    it(`${compact ? 'compact' : 'full'}: stays within every limit and valid`, () => {
      for (const limit of LIMITS) {
        for (const unit of ['chars', 'bytes'] as const) {
          const out = renderMarkdown(run, { compact, budget: { limit, unit } });
          checkBudgeted(full, out, limit, unit, `${name} compact=${compact} ${limit} ${unit}`);
        }
      }
    }, 300_000);
  }
});

describe('budget presets and notice', () => {
  it('accepts the presets', () => {
    for (const preset of Object.keys(BUDGET_PRESETS) as (keyof typeof BUDGET_PRESETS)[]) {
      const { limit, unit } = BUDGET_PRESETS[preset];
      const out = renderMarkdown(manyDevices(), { compact: true, budget: preset } satisfies MarkdownOptions);
      expect(unit === 'bytes' ? bytes(out) : out.length).toBeLessThanOrEqual(limit);
    }
  });

  it('says how many alerts were cut and keeps the most severe ones', () => {
    const out = renderMarkdown(wazuh1(), { compact: true, budget: 'slack-section' });
    expect(out.length).toBeLessThanOrEqual(3000);
    const items = out.split('\n').filter((l) => l.startsWith('- '));
    expect(items[0]).toMatch(/^- 🔴 HIGH \*\*ALERT-001\*\*/);
    const full = renderMarkdown(wazuh1(), { compact: true });
    if (full.length > 3000)
      expect(out).toContain(`${15 - items.length} of 15 alerts and the rest of the report are not shown.`);
  });

  it('returns the whole report when it fits', () => {
    expect(renderMarkdown(wazuh1(), { budget: { limit: 100_000, unit: 'chars' } })).toBe(renderMarkdown(wazuh1()));
  });
});
