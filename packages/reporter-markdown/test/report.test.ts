import { isTriplineError } from '@tripline/core';
import type { List, ListItem, Paragraph, Root, RootContent } from 'mdast';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../src/index.js';
import { emptyRun, manyDevices, rejectedRun } from './fixtures/scenarios.js';
import { AZURE_ID, DEVICE, wazuh1 } from './fixtures/wazuh1.js';
import {
  codeBlocks,
  forbiddenNodes,
  headings,
  MERMAID_LINE,
  parse,
  raggedTables,
  tables,
  text,
} from './support/mdast.js';

/** The blocks between a heading with this text and the next heading of the same or a higher level. */
function section(tree: Root, title: RegExp): RootContent[] {
  const i = tree.children.findIndex((n) => n.type === 'heading' && title.test(text(n)));
  if (i < 0) throw new Error(`no heading ${title}`);
  const depth = (tree.children[i] as { depth: number }).depth;
  const out: RootContent[] = [];
  for (const n of tree.children.slice(i + 1)) {
    if (n.type === 'heading' && n.depth <= depth) break;
    out.push(n);
  }
  return out;
}

/** `**Label:** value` items of the lists in some blocks, as label → value text. */
function labels(blocks: readonly RootContent[]): Map<string, string> {
  const out = new Map<string, string>();
  const visitList = (list: List) => {
    for (const item of list.children as ListItem[]) {
      const para = item.children[0] as Paragraph | undefined;
      const first = para?.children[0];
      if (para && first?.type === 'strong')
        out.set(text(first).replace(/:$/, ''), text(para).slice(text(first).length).trim());
      for (const c of item.children) if (c.type === 'list') visitList(c);
    }
  };
  for (const b of blocks) if (b.type === 'list') visitList(b);
  return out;
}

/** Sum of the alert counts on a chart. */
function chartTotal(chart: string): number {
  let total = 0;
  for (const m of chart.matchAll(/^ {4}([\d,]+) alerts? :/gm)) total += Number(m[1]?.replace(/,/g, ''));
  return total;
}

describe('wazuh1 run (the reference report)', () => {
  const md = renderMarkdown(wazuh1());
  const tree = parse(md);
  const hs = headings(tree);

  it('has every section of the reference report, in its order', () => {
    expect(hs[0]).toEqual({ depth: 1, text: 'Security Analysis Report' });
    const h2 = hs.filter((h) => h.depth === 2).map((h) => h.text);
    // One device: the header describes it, so there is no device table.
    expect(h2).toEqual(['🎯 Executive Summary', '📋 Alert Overview', '🕒 Timeline', '🚨 Security Alerts']);
    const meta = labels(tree.children.slice(1, 3));
    expect(meta.get('Generated')).toBe('2025-11-12 09:00:36 UTC');
    expect(meta.get('Analysis Period')).toBe('2025-11-07 06:40 – 06:55 UTC');
    expect(meta.get('Device')?.startsWith(`${DEVICE.name} (`)).toBe(true);
    expect(md).toContain('**Report End**');
  });

  it('states the true counts, not the reference report\'s "4 events"', () => {
    const summary = labels(section(tree, /Executive Summary/));
    expect(summary.get('Total Events Analyzed')).toBe('53');
    expect(summary.get('Alerts Generated')).toBe('15 (1 high, 3 medium, 11 low)');
    expect(summary.get('Highest Severity')).toBe('🔴 HIGH');
    expect(summary.get('Devices Monitored')).toBe('1');
    expect(md).not.toMatch(/\b4 (monitored )?(Device)?events\b/i);
  });

  it('never rounds a small alert-to-event ratio down to 0', () => {
    const quiet = wazuh1();
    const md = renderMarkdown({ ...quiet, summary: { ...quiet.summary, eventsAnalyzed: 20_000, eventsRead: 20_000 } });
    expect(md).toContain('raised 15 alerts (an alert-to-event ratio of 0.00075)');
    expect(md).not.toContain('ratio of 0)');
  });

  it('writes a narrative computed from the data', () => {
    const para = section(tree, /Executive Summary/).find((n) => n.type === 'paragraph');
    const narrative = para ? text(para) : '';
    expect(narrative).toContain('Within a 15-minute window (2025-11-07 06:40 – 06:55 UTC)');
    expect(narrative).toContain('53 events from 1 device and raised 15 alerts (an alert-to-event ratio of 0.28)');
    expect(narrative).toContain('All alerts concern this device.');
    expect(narrative).toContain(
      '13 alert classes; the most frequent are Defender software-inventory script (2), sysstat activity collection (sa1 / debian-sa1) (2)',
    );
    expect(narrative).toContain('Start with ALERT-001 (Exposed device wazuh1 in the unassigned group');
    expect(narrative).not.toMatch(/misconfiguration on the primary device|AI/);
  });

  it('has one ALERT-NNN heading per alert, each with the reference fields', () => {
    const alertHeadings = hs.filter((h) => /^ALERT-\d{3}: /.test(h.text));
    expect(alertHeadings.map((h) => h.text.slice(0, 9))).toEqual(
      Array.from({ length: 15 }, (_, i) => `ALERT-${String(i + 1).padStart(3, '0')}`),
    );
    expect(alertHeadings.every((h) => h.depth === 3)).toBe(true);
    for (const h of alertHeadings) {
      const blocks = section(tree, new RegExp(`^${h.text.slice(0, 9)}:`));
      const fields = labels(blocks);
      for (const key of ['Severity', 'Category', 'MITRE ATT&CK', 'Timestamp', 'Action Type', 'DeviceName'])
        expect(fields.has(key), `${h.text} ${key}`).toBe(true);
      expect(fields.get('DeviceName')).toBe(DEVICE.name);
      const strongParas = blocks.filter((b) => b.type === 'paragraph').map((b) => text(b));
      expect(strongParas).toEqual(expect.arrayContaining(['Description:', 'Evidence:', 'Risk Assessment:']));
    }
  });

  it('keeps the reference facts', () => {
    const alert1 = labels(section(tree, /^ALERT-001:/));
    expect(alert1.get('Severity')).toBe('🔴 HIGH');
    expect(alert1.get('PublicIP')).toBe('52.186.168.241');
    expect(alert1.get('MachineGroup')).toBe('UnassignedGroup');
    // The alert's own field links the related alerts by their ALERT number; the detector's key component lists them by id.
    expect(md).toContain('- **Related Alerts:** ALERT-004, ALERT-002, ALERT-003\n');
    expect(alert1.get('Related Alerts')).toMatch(/^defender\/anomalous-logged-on-user \(medium\) tl-[0-9a-f]{20}, /);
    const sysstat = labels(section(tree, /^ALERT-007:/));
    expect(sysstat.get('Script Path')).toBe('/usr/lib/sysstat/sa1');
    expect(sysstat.get('Script Path Inferred From')).toBe('the interpreter command line');
    expect(sysstat.get('Timestamp')).toBe('2025-11-07T06:40:09.38102Z');
    const log4j = labels(section(tree, /^ALERT-014:/));
    expect(log4j.get('Marker Path')).toBe('/var/opt/microsoft/mdatp/wdavedr/log4jMitigationApplied');
    const mac = labels(section(tree, /^ALERT-010:/));
    expect(mac.get('Duplicate MAC Address')).toBe('00-22-48-2E-A8-6C');
    expect(mac.get('Network Adapters Involved')).toBe('eth0, enP28238s1');
    expect(labels(section(tree, /^ALERT-002:/)).get('AzureResourceId')).toBe(AZURE_ID);
    expect(labels(section(tree, /^ALERT-005:/)).get('InitiatingProcessCommandLine')).toBe('/usr/sbin/cron -f -P');
  });

  it('applies the corrections of DETECTORS.md', () => {
    const mitre = (n: string) => labels(section(tree, new RegExp(`^ALERT-${n}:`))).get('MITRE ATT&CK');
    expect(mitre('004')).toBe('T1059.004 - Command and Scripting Interpreter: Unix Shell');
    expect(mitre('012')).toBe('T1518 - Software Discovery');
    expect(mitre('014')).toBe('T1518 - Software Discovery, T1083 - File and Directory Discovery');
    expect(mitre('010')).toBe('N/A');
    for (const wrong of ['T1070.003', 'T1055', 'T1036.003', 'T1518.001', 'T1016']) expect(md).not.toContain(wrong);
    expect(labels(section(tree, /^ALERT-003:/)).get('Severity')).toBe('🟡 MEDIUM'); // utmp LOGIN alone
    expect(labels(section(tree, /^ALERT-010:/)).get('Severity')).toBe('🟢 LOW'); // Accelerated Networking pair
    expect(hs.filter((h) => /unassigned device group/.test(h.text))).toHaveLength(1); // 012/015 merged
    expect(md).not.toMatch(/AI-powered/i);
    expect(md).toMatch(/generated by tripline 0\.1\.0 from the Microsoft Defender for Endpoint events/);
    expect(md).toMatch(/need validation/);
  });

  it('links ATT&CK ids to attack.mitre.org', () => {
    expect(md).toContain(
      '[T1059.004 - Command and Scripting Interpreter: Unix Shell](https://attack.mitre.org/techniques/T1059/004/)',
    );
    expect(forbiddenNodes(tree)).toEqual([]);
  });

  it('names its one device once, in the header, and keeps it out of the overview table', () => {
    const ts = tables(tree);
    expect(raggedTables(tree)).toEqual([]);
    const overview = ts[0];
    expect(overview?.children).toHaveLength(16);
    expect(overview?.children[0]?.children.map((c) => text(c))).toEqual([
      'Alert',
      'Severity',
      'Title',
      'Events',
      'First Seen (UTC)',
    ]);
    expect(overview?.children[1]?.children.map((c) => text(c))).toEqual([
      'ALERT-001',
      '🔴 HIGH',
      'Exposed device wazuh1 in the unassigned group with 2 other finding(s)',
      '3',
      '06:46',
    ]);
    // Evidence is a list per alert, not a table: long command lines and paths wrap there.
    expect(ts.length).toBe(1);
    const header = labels(tree.children.slice(1, 3));
    expect(header.get('Device')).toBe(
      `${DEVICE.name} (Linux, public IP 52.186.168.241, machine group UnassignedGroup)`,
    );
    expect(md.split(DEVICE.name).length - 1).toBe(1 + 15); // the header and each alert's DeviceName field
  });

  it('draws a Mermaid chart of alert counts per severity and interval, in safe lines', () => {
    const [chart] = codeBlocks(tree, 'mermaid');
    const lines = chart?.split('\n') ?? [];
    expect(lines.every((l) => MERMAID_LINE.test(l))).toBe(true);
    expect(lines.slice(0, 5)).toEqual([
      'gantt',
      '    title Alerts by first-seen time, UTC, 2-minute intervals',
      '    dateFormat YYYY-MM-DD HH:mm',
      '    axisFormat %H:%M',
      '    tickInterval 2minute',
    ]);
    // Severities are row bands in colours of their own: HIGH is `crit` (red), LOW untagged.
    expect(lines.filter((l) => l.startsWith('    section '))).toEqual([
      '    section HIGH',
      '    section MEDIUM',
      '    section LOW',
    ]);
    expect(lines).toContain('    1 alert :crit, 2025-11-07 06:46, 2m');
    expect(lines).toContain('    1 alert :2025-11-07 06:54, 2m');
    expect(chartTotal(chart ?? '')).toBe(15);
    // No title, device name or other event text on the chart.
    expect(chart).not.toMatch(/ALERT-|wazuh|sysstat/);
  });

  it('has no input-problems section when nothing was rejected', () => {
    expect(hs.some((h) => /Input Problems/.test(h.text))).toBe(false);
  });

  it('is deterministic', () => {
    expect(renderMarkdown(structuredClone(wazuh1()))).toBe(md);
  });
});

describe('many devices', () => {
  const run = manyDevices();
  const md = renderMarkdown(run);
  const tree = parse(md);
  const hs = headings(tree);

  it('groups alerts under one heading per device', () => {
    const deviceHeadings = hs.filter((h) => h.depth === 3 && h.text.startsWith('🖥️ Device '));
    const withAlerts = new Set(run.alerts.map((a) => a.device.id));
    expect(deviceHeadings).toHaveLength(withAlerts.size);
    expect(hs.filter((h) => h.depth === 4 && /^ALERT-\d{3}: /.test(h.text))).toHaveLength(120);
  });

  it('lists devices in a capped table with a "more" note', () => {
    const deviceTable = tables(tree)[1];
    expect(deviceTable?.children).toHaveLength(51);
    expect(md).toContain('_… and 10 more devices not listed._');
    expect(raggedTables(tree)).toEqual([]);
  });

  it('shows distinct badges for every severity', () => {
    for (const b of ['🔵 INFO', '🟢 LOW', '🟡 MEDIUM', '🔴 HIGH', '⛔ CRITICAL'])
      expect(md).toContain(`**Severity:** ${b}`);
  });

  it('counts all 120 alerts on a chart of at most 12 intervals, one band per severity', () => {
    const [chart] = codeBlocks(tree, 'mermaid');
    const lines = chart?.split('\n') ?? [];
    expect(lines.every((l) => MERMAID_LINE.test(l))).toBe(true);
    expect(chartTotal(chart ?? '')).toBe(120);
    expect(lines).toContain('    title Alerts by first-seen time, UTC, 6-hour intervals');
    expect(lines).toContain('    axisFormat %m-%d %H:%M'); // several days: the axis shows the date
    expect(lines.filter((l) => l.startsWith('    section '))).toEqual(
      ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'].map((s) => `    section ${s}`),
    );
    const starts = new Set(lines.flatMap((l) => /:(?:\w+, )?(\d{4}-\d{2}-\d{2} \d{2}:\d{2}),/.exec(l)?.slice(1) ?? []));
    expect(starts.size).toBeLessThanOrEqual(12);
    expect(md).not.toContain('_The timeline shows');
  });

  it('caps the timeline at maxTimelineAlerts and says so', () => {
    const capped = renderMarkdown(run, { maxTimelineAlerts: 40 });
    const [chart] = codeBlocks(parse(capped), 'mermaid');
    expect(chartTotal(chart ?? '')).toBe(40);
    expect(capped).toContain('_The timeline shows 40 of 120 alerts._');
  });

  it('names the devices that drive the alerts in the narrative', () => {
    // Host names without their DNS domain: no two devices share a host name here.
    expect(md).toMatch(/\d+ devices have alerts; most concern `host-\d{3}` \(\d+\)/);
    expect(md).toMatch(/Within a 2-day window \(2025-11-01 08:00 – 2025-11-03 17:59 UTC\)/);
  });

  it('lists rejected rows and diagnostics with "more" notes', () => {
    expect(md).toContain('_… and 11 more rejected rows not listed._'); // 31 rejected, 25 in the result, 20 listed
    expect(md).toContain('_… and 3 more diagnostics not listed._');
    expect(md).toContain('5,031 rows read: 5,000 analysed, 31 rejected.');
    expect(md).toContain('**Rows Read:** 5,031 (31 rejected, 4 duplicates analysed once)');
  });
});

describe('empty run', () => {
  const md = renderMarkdown(emptyRun());
  const tree = parse(md);

  it('says nothing was found, with zero counts', () => {
    const summary = labels(section(tree, /Executive Summary/));
    expect(summary.get('Total Events Analyzed')).toBe('0');
    expect(summary.get('Alerts Generated')).toBe('0');
    expect(summary.get('Highest Severity')).toBe('none');
    expect(md).toContain('**Analysis Period:** no timestamped events');
    expect(md).toContain('tripline analysed 0 events from 0 devices; no detector raised an alert.');
    expect(md).toContain('No alerts were raised.');
    expect(headings(tree).map((h) => h.text)).toEqual([
      'Security Analysis Report',
      '🎯 Executive Summary',
      '🚨 Security Alerts',
    ]);
    expect(codeBlocks(tree, 'mermaid')).toEqual([]);
  });
});

describe('rejected rows and diagnostics', () => {
  const md = renderMarkdown(rejectedRun(), { maxRejectedRows: 2 });
  const tree = parse(md);

  it('has an Input Problems section with inputs, rejected rows (capped) and diagnostics', () => {
    const blocks = section(tree, /Input Problems/);
    const ts = blocks.filter((b) => b.type === 'table');
    expect(ts).toHaveLength(3);
    const rows = (i: number) =>
      ts[i]?.type === 'table' ? ts[i].children.map((r) => r.children.map((c) => text(c))) : [];
    expect(rows(0)).toEqual([
      ['Input', 'Format', 'Rows Read', 'Events', 'Rejected'],
      ['events.ndjson', 'ndjson', '12', '10', '2'],
      ['export.json', 'sentinel', '5', '0', '5'],
    ]);
    expect(rows(1)).toEqual([
      ['Source', 'Line / Record', 'Code', 'Reason'],
      ['events.ndjson', 'line 4', 'malformed-json', 'Unexpected end of JSON input'],
      ['events.ndjson', 'line 9', 'missing-timestamp', 'Row has no Timestamp'],
    ]);
    expect(md).toContain('_… and 5 more rejected rows not listed._');
    expect(rows(2)).toEqual([
      ['Level', 'Code', 'Message', 'Where'],
      ['error', 'detector-crashed', 'Detector threw: TypeError', 'defender/x, events.ndjson:7'],
    ]);
    expect(md).toContain('7 input rows could not be analysed; see Input Problems.');
  });
});

describe('options', () => {
  it('minSeverity hides lower alerts but keeps the true counts', () => {
    const md = renderMarkdown(wazuh1(), { minSeverity: 'medium' });
    const tree = parse(md);
    const alertHeadings = headings(tree).filter((h) => /^ALERT-/.test(h.text));
    expect(alertHeadings.map((h) => h.text.slice(0, 9))).toEqual(['ALERT-001', 'ALERT-002', 'ALERT-003', 'ALERT-004']);
    const summary = labels(section(tree, /Executive Summary/));
    expect(summary.get('Alerts Generated')).toBe('15 (1 high, 3 medium, 11 low)');
    expect(summary.get('Shown')).toBe('4 alerts at MEDIUM or above (11 below not shown)');
    expect(tables(tree)[0]?.children).toHaveLength(5);
  });

  it('maxEvidenceRows limits the evidence table and says how many events there are', () => {
    const md = renderMarkdown(wazuh1(), { maxEvidenceRows: 1 });
    expect(md).toContain('_Showing 1 of 3 evidence events._');
    expect(md.split('**Evidence Events:**').length - 1).toBe(15);
    expect(renderMarkdown(wazuh1(), { maxEvidenceRows: 0 })).not.toContain('**Evidence Events:**');
  });

  it('compact mode names its one device once, in the meta line', () => {
    const md = renderMarkdown(wazuh1(), { compact: true });
    const meta = md.split('\n\n')[1] ?? '';
    expect(meta).toContain(`\`${DEVICE.name}\``);
    expect(md.split(DEVICE.name).length - 1).toBe(1);
  });

  it('timeline: false leaves the chart out', () => {
    expect(renderMarkdown(wazuh1(), { timeline: false })).not.toContain('```mermaid');
  });

  it('compact mode is a short summary with one list item per alert', () => {
    const md = renderMarkdown(wazuh1(), { compact: true });
    const tree = parse(md);
    expect(headings(tree)).toEqual([]);
    expect(tables(tree)).toEqual([]);
    const list = tree.children.find((n) => n.type === 'list');
    expect(list?.type === 'list' && list.children).toHaveLength(15);
    expect(md).toContain('**15 alerts** from 53 events · highest 🔴 HIGH · 1 high, 3 medium, 11 low');
    expect(md.length).toBeLessThan(4000);
  });

  it('rejects invalid options with an option-invalid TriplineError', () => {
    const bad = [
      { budget: 10 },
      { budget: 'irc' },
      { budget: { limit: 1000, unit: 'lines' } },
      { minSeverity: 'severe' },
      { maxEvidenceRows: -1 },
      { maxValueLength: 3 },
      { compact: 'yes' },
    ];
    for (const options of bad) {
      let error: unknown;
      try {
        renderMarkdown(wazuh1(), options as never);
      } catch (e) {
        error = e;
      }
      expect(isTriplineError(error, 'option-invalid'), JSON.stringify(options)).toBe(true);
    }
  });

  it('a custom title is escaped', () => {
    const md = renderMarkdown(emptyRun(), { title: 'Weekly <b>report</b> [x](y)' });
    expect(headings(parse(md))[0]?.text).toBe('Weekly <b>report</b> [x](y)');
    expect(forbiddenNodes(parse(md))).toEqual([]);
  });
});
