import type { Alert, EvidenceEvent, Severity } from '@tripline/core';
import { isKnownTechnique, techniqueUrl } from '@tripline/core';
import type { Block } from './blocks.js';
import type { FleetFinding, NumberedAlert, RenderContext } from './context.js';
import { escapeInline, escapeMarkdownText } from './escape.js';
import { badge, decimal, duration, int, parseTime, period, plural, rank, SEVERITIES_DESC, utc } from './format.js';
import { compactNarrative } from './narrative.js';

/* ------------------------------------------------------------------ helpers */

/** A GFM table as a block whose rows can be dropped by a budget. Cells must already be escaped. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): Block {
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c) => (c === '' ? ' ' : c.replace(/[\r\n]+/g, ' '))).join(' | ')} |`;
  return {
    head: `${line(header)}\n|${header.map(() => ' --- ').join('|')}|`,
    rows: rows.map((r) => line(header.map((_, i) => r[i] ?? ''))),
  };
}

const p = (head: string, extra: Omit<Block, 'head'> = {}): Block => ({ head, ...extra });
const heading = (level: number, text: string): Block => ({ head: `${'#'.repeat(level)} ${text}`, keepWithNext: true });

function severityCounts(ctx: RenderContext): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, informational: 0 };
  const given = ctx.result.summary?.bySeverity;
  if (given) {
    for (const s of SEVERITIES_DESC) counts[s] = Number.isSafeInteger(given[s]) ? given[s] : 0;
    return counts;
  }
  for (const a of ctx.result.alerts) if (Object.hasOwn(counts, a.severity)) counts[a.severity]++;
  return counts;
}

function severityBreakdown(ctx: RenderContext): string {
  const counts = severityCounts(ctx);
  const parts = SEVERITIES_DESC.filter((s) => counts[s] > 0).map((s) => `${int(counts[s])} ${s}`);
  return parts.join(', ');
}

function timeRange(ctx: RenderContext): { start: number; end: number } | undefined {
  const range = ctx.result.summary?.timeRange;
  const start = parseTime(range?.start);
  const end = parseTime(range?.end);
  if (start === undefined || end === undefined) return undefined;
  return { start: Math.min(start, end), end: Math.max(start, end) };
}

function deviceCount(ctx: RenderContext): number {
  const n = ctx.result.summary?.devices;
  return Number.isSafeInteger(n) ? n : ctx.result.devices.length;
}

function alertCount(ctx: RenderContext): number {
  const n = ctx.result.summary?.alertCount;
  return Number.isSafeInteger(n) ? n : ctx.result.alerts.length;
}

function hiddenCount(ctx: RenderContext): number {
  return ctx.result.alerts.length - ctx.shown.length;
}

function minSeverityLabel(ctx: RenderContext): string {
  return ctx.opts.minSeverity === undefined ? '' : badge(ctx.opts.minSeverity).replace(/^\S+ /, '');
}

/** `2025-11-07 06:40:04 UTC` for a valid timestamp, else the raw value as code. */
function when(ctx: RenderContext, value: string | undefined, seconds = true, zone = ' UTC'): string {
  const t = parseTime(value);
  return t === undefined ? ctx.code(value ?? '') : `${utc(t, seconds)}${zone}`;
}

/** A raw event timestamp as MDE gave it: plain when it is a timestamp, else code. */
function rawTimestamp(ctx: RenderContext, value: unknown, inTable = false): string {
  if (typeof value === 'string' && parseTime(value) !== undefined) return escapeMarkdownText(value);
  return inTable ? ctx.cellCode(value) : ctx.code(value);
}

/** Link to ATT&CK for a technique the shipped table knows, else the id (and name) as text. */
function technique(ctx: RenderContext, ref: { id: string; name: string }): string {
  const id = typeof ref?.id === 'string' ? ref.id : '';
  const label = ref?.name ? `${id} - ${ref.name}` : id;
  if (/^T\d{4}(\.\d{3})?$/.test(id) && isKnownTechnique(id)) {
    return `[${escapeMarkdownText(label, { maxLength: 160 })}](${techniqueUrl(id)})`;
  }
  return ctx.text(label);
}

/* ------------------------------------------------------------------ header */

/** Diagnostics that change how every time in the report reads: shown under the title, not only at the end. */
const TIME_NOTICES: ReadonlySet<string> = new Set(['local-time-unconverted', 'local-time-ambiguous']);
const TIME_NOTICES_SHOWN = 3;

/** `**⚠️ Times:** …` lines for the local-time warnings of the run (at most three, then a count). */
function timeNotices(ctx: RenderContext): string[] {
  const diagnostics = Array.isArray(ctx.result.diagnostics) ? ctx.result.diagnostics : [];
  const notices = diagnostics.filter((d) => d?.level === 'warning' && TIME_NOTICES.has(d.code));
  const lines = notices
    .slice(0, TIME_NOTICES_SHOWN)
    // Not clipped to the value length: the advice at the end is the point (the engine bounds the text).
    .map(
      (d) =>
        `**⚠️ Times:** ${escapeMarkdownText(String(d.message), { maxLength: 1000 })}${d.source ? ` (${ctx.code(d.source)})` : ''}`,
    );
  if (notices.length > TIME_NOTICES_SHOWN) {
    lines.push(`**⚠️ Times:** ${plural(notices.length - TIME_NOTICES_SHOWN, 'more notice')} under Input Problems.`);
  }
  return lines;
}

/** Title and the generated / period / device lines. */
export function header(ctx: RenderContext): Block[] {
  const { result } = ctx;
  const range = timeRange(ctx);
  const lines = [
    `- **Generated:** ${when(ctx, result.generatedAt)}`,
    `- **Analysis Period:** ${range ? period(range.start, range.end) : 'no timestamped events'}`,
    `- ${deviceLine(ctx)}`,
    `- **Tool:** ${ctx.text(`${result.tool?.name ?? 'tripline'} ${result.tool?.version ?? ''}`)}`,
    ...timeNotices(ctx).map((line) => `- ${line}`),
  ];
  return [p(`# ${escapeMarkdownText(ctx.opts.title, { defang: false })}`), p(lines.join('\n'))];
}

function deviceLine(ctx: RenderContext): string {
  const devices = ctx.result.devices;
  if (devices.length === 1) {
    const d = devices[0];
    const facts = [
      d?.osPlatform ? ctx.code(d.osPlatform) : '',
      d?.publicIp ? `public IP ${ctx.code(d.publicIp)}` : '',
      d?.machineGroup ? `machine group ${ctx.code(d.machineGroup)}` : '',
    ].filter(Boolean);
    return `**Device:** ${ctx.device(d, { full: true })}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}`;
  }
  if (devices.length === 0) return `**Devices:** ${int(deviceCount(ctx))}`;
  const listed = devices.slice(0, 5).map((d) => ctx.device(d, { full: true }));
  const more = devices.length > 5 ? ` and ${plural(devices.length - 5, 'more device')}` : '';
  return `**Devices:** ${int(devices.length)} (${listed.join(', ')}${more})`;
}

/* ------------------------------------------------------------------ executive summary */

/** The 🎯 Executive Summary: counts and a narrative computed from the run. */
export function executiveSummary(ctx: RenderContext): Block[] {
  const s = ctx.result.summary;
  const alerts = alertCount(ctx);
  const lines = [`- **Total Events Analyzed:** ${int(s.eventsAnalyzed)}`];
  if (s.eventsRejected > 0 || s.duplicateEvents > 0) {
    const extra = [
      s.eventsRejected > 0 ? `${int(s.eventsRejected)} rejected` : '',
      s.duplicateEvents > 0 ? `${int(s.duplicateEvents)} duplicates analysed once` : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(`- **Rows Read:** ${int(s.eventsRead)} (${extra})`);
  }
  const breakdown = severityBreakdown(ctx);
  lines.push(`- **Alerts Generated:** ${int(alerts)}${breakdown ? ` (${breakdown})` : ''}`);
  if (ctx.fleet.length > 0) {
    const rolled = ctx.fleet.reduce((n, f) => n + f.items.length, 0);
    const single = ctx.shown.length - rolled;
    lines.push(
      `- **Findings:** ${int(ctx.fleet.length + single)} (${plural(ctx.fleet.length, 'finding')} on 2 or more devices, covering ${plural(rolled, 'alert')}; ${plural(single, 'alert')} on one device)`,
    );
  }
  lines.push(`- **Highest Severity:** ${badge(s.highestSeverity)}`);
  lines.push(`- **Devices Monitored:** ${int(deviceCount(ctx))}`);
  if (hiddenCount(ctx) > 0) {
    lines.push(
      `- **Shown:** ${plural(ctx.shown.length, 'alert')} at ${minSeverityLabel(ctx)} or above (${int(hiddenCount(ctx))} below not shown)`,
    );
  }
  return [heading(2, '🎯 Executive Summary'), p(lines.join('\n')), p(narrative(ctx))];
}

/** The narrative paragraph: window, ratio, which devices and which alert classes drive the alerts. */
export function narrative(ctx: RenderContext): string {
  const s = ctx.result.summary;
  const alerts = ctx.result.alerts;
  const total = alertCount(ctx);
  const range = timeRange(ctx);
  const devices = deviceCount(ctx);
  const out: string[] = [];
  const analysed = `${plural(s.eventsAnalyzed, 'event')} from ${plural(devices, 'device')}`;
  const lead = !range
    ? `tripline analysed ${analysed}`
    : range.end - range.start < 1000
      ? `At ${utc(range.start, true)} UTC, tripline analysed ${analysed}`
      : `Within a ${duration(range.end - range.start)} window (${period(range.start, range.end)}), tripline analysed ${analysed}`;
  if (total === 0) {
    out.push(`${lead}; no detector raised an alert.`);
  } else {
    // Two significant digits below 0.01: 54 alerts in 20,000 events is 0.0027, not "0".
    const share = total / s.eventsAnalyzed;
    const ratio =
      s.eventsAnalyzed > 0
        ? ` (an alert-to-event ratio of ${share < 0.01 ? String(Number(share.toPrecision(2))) : decimal(share)})`
        : '';
    out.push(`${lead} and raised ${plural(total, 'alert')}${ratio}.`);
    const breakdown = severityBreakdown(ctx);
    out.push(`The highest severity is ${badge(s.highestSeverity)}${breakdown ? ` (${breakdown})` : ''}.`);

    // Devices driving the alerts.
    const byDevice = new Map<string, { name: string; device: Alert['device']; n: number; top: number }>();
    for (const a of alerts) {
      const key = a.device?.id ?? '';
      const d = byDevice.get(key) ?? { name: a.device?.name ?? '', device: a.device, n: 0, top: -1 };
      d.n++;
      d.top = Math.max(d.top, rank(a.severity));
      byDevice.set(key, d);
    }
    const ranked = [...byDevice.values()].sort(
      (x, y) => y.n - x.n || y.top - x.top || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0),
    );
    if (ranked.length === 1) {
      out.push(
        ctx.singleDevice ? 'All alerts concern this device.' : `All alerts concern ${ctx.device(ranked[0]?.device)}.`,
      );
    } else if (ranked.length > 1) {
      const top = ranked.slice(0, 3).map((d) => `${ctx.device(d.device)} (${int(d.n)})`);
      const rest = ranked.length - top.length;
      out.push(
        `${ranked.length} devices have alerts; most concern ${listJoin(top)}${rest > 0 ? `, and ${plural(rest, 'other device')} share the rest` : ''}.`,
      );
    }

    // Alert classes.
    const byClass = new Map<string, { id: string; n: number; top: number }>();
    for (const a of alerts) {
      const c = byClass.get(a.detectorId) ?? { id: a.detectorId, n: 0, top: -1 };
      c.n++;
      c.top = Math.max(c.top, rank(a.severity));
      byClass.set(a.detectorId, c);
    }
    const classes = [...byClass.values()].sort(
      (x, y) => y.n - x.n || y.top - x.top || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0),
    );
    const className = (id: string) => {
      const info = ctx.detectors.get(id);
      return info ? escapeMarkdownText(info.title, { maxLength: 80 }) : ctx.code(id);
    };
    const topClasses = classes.slice(0, 3).map((c) => `${className(c.id)} (${int(c.n)})`);
    if (classes.length === 1) out.push(`They all come from one alert class: ${topClasses[0]}.`);
    else
      out.push(`They come from ${int(classes.length)} alert classes; the most frequent are ${listJoin(topClasses)}.`);

    // Where to start.
    const first = alerts[0];
    if (first && rank(first.severity) >= rank('medium')) {
      // A rolled-up alert is named by its finding, once.
      const refs: string[] = [];
      const seen = new Set<FleetFinding>();
      for (const n of ctx.shown) {
        if (refs.length === 2 || n.alert.severity !== first.severity) break;
        const f = ctx.fleetOf.get(n.alert);
        if (f === undefined) refs.push(`${n.number} (${ctx.alertTitle(n.alert)})`);
        else if (!seen.has(f)) {
          seen.add(f);
          refs.push(`${f.number} (${fleetTitle(ctx, f)}, ${plural(f.devices, 'device')})`);
        }
      }
      if (refs.length > 0) out.push(`Start with ${listJoin(refs)}.`);
    } else if (first) {
      out.push('No alert is above LOW: the activity looks routine, but each finding still needs a check.');
    }
  }
  if (s.eventsRejected > 0)
    out.push(`${plural(s.eventsRejected, 'input row')} could not be analysed; see Input Problems.`);
  if (hiddenCount(ctx) > 0)
    out.push(
      `${plural(hiddenCount(ctx), 'alert')} below ${minSeverityLabel(ctx)} ${hiddenCount(ctx) === 1 ? 'is' : 'are'} not shown.`,
    );
  return out.join(' ');
}

function listJoin(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/* ------------------------------------------------------------------ overview, devices, timeline */

/** 📋 Alert Overview: one table row per shown alert. */
export function overview(ctx: RenderContext): Block[] {
  if (ctx.shown.length === 0) return [];
  // One device: the header names it, the rows do not repeat it.
  const withDevice = !ctx.singleDevice;
  // The analysis period (in the header) is one day: the cells keep the time only, so the table fits.
  const range = timeRange(ctx);
  const days = new Set(
    ctx.shown.map(({ alert }) => {
      const t = parseTime(alert.firstSeen);
      return t === undefined ? '' : utc(t).slice(0, 10);
    }),
  );
  if (range) days.add(utc(range.start).slice(0, 10)).add(utc(range.end).slice(0, 10));
  const oneDay = range !== undefined && days.size === 1;
  const firstSeenCell = (firstSeen: string) =>
    parseTime(firstSeen) === undefined
      ? ctx.cellCode(firstSeen)
      : oneDay
        ? when(ctx, firstSeen, false, '').slice(11)
        : when(ctx, firstSeen, false, '');
  // A finding on several devices is one row (in the place of its first alert), its device count in the Device column.
  const rows = reportItems(ctx).map((item) =>
    'finding' in item
      ? [
          item.number,
          badge(item.finding.severity),
          fleetLabel(ctx, item, true),
          plural(item.devices, 'device'),
          int(fleetEvents(item)),
          firstSeenCell(item.items[0]?.alert.firstSeen ?? item.finding.firstSeen),
        ]
      : [
          item.number,
          badge(item.alert.severity),
          ctx.alertTitle(item.alert, true),
          ...(withDevice ? [ctx.device(item.alert.device, { inTable: true })] : []),
          int(item.alert.evidence?.eventCount ?? 0),
          firstSeenCell(item.alert.firstSeen),
        ],
  );
  const header = ['Alert', 'Severity', 'Title', ...(withDevice ? ['Device'] : []), 'Events', 'First Seen (UTC)'];
  return [heading(2, '📋 Alert Overview'), table(header, rows)];
}

/** 🖥️ Devices: a table of the devices seen, those with the most severe alerts first (none for one device: the header describes it). */
export function devices(ctx: RenderContext): Block[] {
  if (ctx.result.devices.length === 1 && ctx.singleDevice) return [];
  const list = [...ctx.result.devices].sort(
    (a, b) =>
      rank(b.highestSeverity ?? 'informational') * (b.alertCount > 0 ? 1 : 0) -
        rank(a.highestSeverity ?? 'informational') * (a.alertCount > 0 ? 1 : 0) ||
      b.alertCount - a.alertCount ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  if (list.length === 0) return [];
  const shown = list.slice(0, ctx.opts.maxDevices);
  const rows = shown.map((d) => [
    ctx.device(d, { inTable: true, full: true }),
    d.osPlatform ? ctx.cellCode(d.osPlatform) : '—',
    int(d.eventCount),
    d.alertCount > 0 ? `${int(d.alertCount)}, ${badge(d.highestSeverity)}` : '0',
    d.publicIp ? ctx.cellCode(d.publicIp) : '—',
    d.machineGroup ? ctx.cellCode(d.machineGroup) : '—',
  ]);
  const blocks: Block[] = [
    heading(2, '🖥️ Devices'),
    table(['Device', 'OS', 'Events', 'Alerts (highest)', 'Public IP', 'Machine Group'], rows),
  ];
  if (list.length > shown.length)
    blocks.push(p(`_… and ${plural(list.length - shown.length, 'more device')} not listed._`));
  return blocks;
}

/** Interval lengths the chart may use, in minutes: the shortest that gives at most {@link MAX_BUCKETS} columns wins. */
const BUCKET_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080] as const;
/** Columns of the chart: at GitHub's ≈ 890 px, twelve bars of ≈ 65 px still hold "12 alerts". */
const MAX_BUCKETS = 12;
/** Gantt task tags: Mermaid's default theme draws `crit` red, `active` light blue, untagged purple, `done` grey. */
const SEVERITY_TAG: Readonly<Record<Severity, string>> = {
  critical: 'crit, ',
  high: 'crit, ',
  medium: 'active, ',
  low: '',
  informational: 'done, ',
};
const SEVERITY_LABEL: Readonly<Record<Severity, string>> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  informational: 'INFO',
};

/** The interval, in minutes, for a chart from `start` to `end` (ms). */
function bucketMinutes(start: number, end: number): number {
  const columns = (minutes: number) =>
    Math.floor(end / (minutes * 60_000)) - Math.floor(start / (minutes * 60_000)) + 1;
  for (const m of BUCKET_MINUTES) if (columns(m) <= MAX_BUCKETS) return m;
  return Math.ceil((end - start) / (MAX_BUCKETS - 1) / 86_400_000) * 1440;
}

/** `5-minute`, `1-hour`, `2-day`: an interval as an adjective. */
function bucketName(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}-day`;
  if (minutes % 60 === 0) return `${minutes / 60}-hour`;
  return `${minutes}-minute`;
}

/** Mermaid's `tickInterval` for an interval. */
function tickInterval(minutes: number): string {
  if (minutes % 10080 === 0) return `${minutes / 10080}week`;
  if (minutes % 1440 === 0) return `${minutes / 1440}day`;
  if (minutes % 60 === 0) return `${minutes / 60}hour`;
  return `${minutes}minute`;
}

/**
 * 🕒 Timeline: a Mermaid Gantt chart of the shown alerts, counted per severity (one row band each,
 * most severe first, in colours that differ) and per time interval (chosen so there are at most 12
 * columns). No text from events reaches the chart: its lines are the tool's own words, severities,
 * counts and times, so it has no injection surface and its labels stay short enough to read at
 * GitHub's column width.
 */
export function timeline(ctx: RenderContext): Block[] {
  if (!ctx.opts.timeline || ctx.shown.length === 0) return [];
  const points = ctx.shown
    .slice(0, ctx.opts.maxTimelineAlerts)
    .map((n) => ({ severity: n.alert.severity, t: parseTime(n.alert.firstSeen) }))
    .filter(
      (x): x is { severity: Severity; t: number } => x.t !== undefined && Object.hasOwn(SEVERITY_TAG, x.severity),
    );
  if (points.length === 0) return [];
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const { t } of points) {
    start = Math.min(start, t);
    end = Math.max(end, t);
  }
  const minutes = bucketMinutes(start, end);
  const size = minutes * 60_000;
  // Week intervals start on Sunday, where Mermaid draws its week ticks (1970-01-01 was a Thursday).
  const offset = minutes === 10080 ? 3 * 86_400_000 : 0;
  const counts = new Map<Severity, Map<number, number>>();
  for (const { severity, t } of points) {
    const row = counts.get(severity) ?? new Map<number, number>();
    const at = Math.floor((t - offset) / size) * size + offset;
    row.set(at, (row.get(at) ?? 0) + 1);
    counts.set(severity, row);
  }
  const days = utc(start).slice(0, 10) !== utc(Math.floor(end / size) * size + size - 1).slice(0, 10);
  const lines = [
    '```mermaid',
    'gantt',
    `    title Alerts by first-seen time, UTC, ${bucketName(minutes)} intervals`,
    '    dateFormat YYYY-MM-DD HH:mm',
    `    axisFormat ${minutes >= 1440 ? '%Y-%m-%d' : days ? '%m-%d %H:%M' : '%H:%M'}`,
    `    tickInterval ${tickInterval(minutes)}`,
  ];
  for (const severity of SEVERITIES_DESC) {
    const row = counts.get(severity);
    if (!row) continue;
    lines.push(`    section ${SEVERITY_LABEL[severity]}`);
    for (const at of [...row.keys()].sort((a, b) => a - b)) {
      const n = row.get(at) ?? 0;
      lines.push(`    ${plural(n, 'alert')} :${SEVERITY_TAG[severity]}${utc(at)}, ${minutes}m`);
    }
  }
  lines.push('```');
  const blocks: Block[] = [heading(2, '🕒 Timeline'), p(lines.join('\n'))];
  if (points.length < ctx.shown.length) {
    blocks.push(p(`_The timeline shows ${int(points.length)} of ${plural(ctx.shown.length, 'alert')}._`));
  }
  return blocks;
}

/* ------------------------------------------------------------------ alerts */

/** 🚨 Security Alerts: one section per shown alert, grouped under per-device headings when several devices have alerts. */
export function* alertSections(ctx: RenderContext): Generator<Block> {
  yield heading(2, '🚨 Security Alerts');
  if (ctx.shown.length === 0) {
    const hidden = hiddenCount(ctx);
    yield p(
      hidden > 0
        ? `No alerts at ${minSeverityLabel(ctx)} or above (${plural(hidden, 'lower alert')} not shown).`
        : 'No alerts were raised.',
    );
    return;
  }
  if (ctx.fleet.length > 0) {
    yield heading(3, `🌐 Fleet Findings (${plural(ctx.fleet.length, 'finding')} on 2 or more devices)`);
    for (const f of ctx.fleet) yield fleetSection(ctx, f, 4);
  }
  const groups = new Map<string, { device: Alert['device']; items: NumberedAlert[]; top: number }>();
  for (const n of ctx.shown) {
    if (ctx.fleetOf.has(n.alert)) continue;
    const key = n.alert.device?.id ?? '';
    const g = groups.get(key) ?? { device: n.alert.device, items: [], top: -1 };
    g.items.push(n);
    g.top = Math.max(g.top, rank(n.alert.severity));
    groups.set(key, g);
  }
  if (groups.size === 1 && ctx.fleet.length === 0) {
    for (const n of ctx.shown) yield alertSection(ctx, n, 3);
    return;
  }
  for (const g of groups.values()) {
    yield heading(3, `🖥️ Device ${ctx.device(g.device)} (${plural(g.items.length, 'alert')})`);
    for (const n of g.items) yield alertSection(ctx, n, 4);
  }
}

/** An entry of the report's alert list: a finding on several devices, or an alert shown on its own. */
type ReportItem = FleetFinding | NumberedAlert;

/** The shown alerts with each fleet finding in the place of its first alert (its other alerts left out). */
function reportItems(ctx: RenderContext): ReportItem[] {
  if (ctx.fleet.length === 0) return [...ctx.shown];
  const items: ReportItem[] = [];
  const placed = new Set<FleetFinding>();
  for (const n of ctx.shown) {
    const f = ctx.fleetOf.get(n.alert);
    if (f === undefined) items.push(n);
    else if (!placed.has(f)) {
      placed.add(f);
      items.push(f);
    }
  }
  return items;
}

/** A finding's title: its detector's title, as untrusted text. */
function fleetTitle(ctx: RenderContext, f: FleetFinding, inTable = false): string {
  const title = typeof f.finding.title === 'string' && f.finding.title !== '' ? f.finding.title : f.finding.detectorId;
  return inTable ? ctx.cellText(title) : ctx.text(title);
}

/** A finding's title and its key (what tells apart the findings of one detector) for a list line or table cell. */
function fleetLabel(ctx: RenderContext, f: FleetFinding, inTable = false): string {
  const key = typeof f.finding.key === 'string' ? f.finding.key : '';
  if (key === '') return fleetTitle(ctx, f, inTable);
  return `${fleetTitle(ctx, f, inTable)} · ${inTable ? ctx.cellCode(key) : ctx.code(key)}`;
}

/** Events of a finding's shown alerts. */
function fleetEvents(f: FleetFinding): number {
  return f.items.reduce(
    (n, { alert }) => n + (Number.isSafeInteger(alert.evidence?.eventCount) ? alert.evidence.eventCount : 0),
    0,
  );
}

/** Devices listed in a fleet finding's table; the rest are counted. */
export const FLEET_DEVICE_ROWS = 50;

/**
 * A finding on several devices as one section: what its alerts share (severity, detector, key, ATT&CK),
 * how many devices and when, a table of the devices (at most {@link FLEET_DEVICE_ROWS}, the rest
 * counted) with each device's alert numbers, and the evidence of its first alert, once.
 */
export function fleetSection(ctx: RenderContext, f: FleetFinding, level: number): Block {
  const rep = f.items[0]!;
  const alert = rep.alert;
  const mitre =
    Array.isArray(alert.mitre) && alert.mitre.length > 0 ? alert.mitre.map((m) => technique(ctx, m)).join(', ') : 'N/A';
  let first: string | undefined;
  let last: string | undefined;
  for (const { alert: a } of f.items) {
    if (first === undefined || a.firstSeen < first) first = a.firstSeen;
    if (last === undefined || a.lastSeen > last) last = a.lastSeen;
  }
  const meta = [
    `- **Severity:** ${badge(f.finding.severity)}`,
    `- **Category:** ${ctx.text(alert.category)}`,
    `- **MITRE ATT&CK:** ${mitre}`,
    `- **Detector:** ${ctx.code(f.finding.detectorId)} · **Finding ID:** ${ctx.code(f.finding.id)}`,
    ...(f.finding.key !== '' ? [`- **Key:** ${ctx.code(f.finding.key)}`] : []),
    `- **Devices:** ${int(f.devices)} · **Alerts:** ${int(f.items.length)} · **Events:** ${int(fleetEvents(f))}`,
    `- **Seen:** first ${when(ctx, first)}, last ${when(ctx, last)}`,
  ];
  // One row per device, in the order of its first alert.
  const byDevice = new Map<string, { device: Alert['device']; items: NumberedAlert[] }>();
  for (const n of f.items) {
    const key = n.alert.device?.id ?? '';
    const d = byDevice.get(key) ?? { device: n.alert.device, items: [] };
    d.items.push(n);
    byDevice.set(key, d);
  }
  const devices = [...byDevice.values()];
  const listed = devices.slice(0, FLEET_DEVICE_ROWS);
  const timeCell = (t: string | undefined) =>
    parseTime(t) === undefined ? ctx.cellCode(t ?? '') : when(ctx, t, true, '');
  const rows = table(
    ['Device', 'Alert', 'Events', 'First Seen (UTC)', 'Last Seen (UTC)'],
    listed.map((d) => {
      // ISO 8601 UTC texts: their order is the order of the instants (strings, so no Math.min).
      const firstSeen = d.items.map((n) => n.alert.firstSeen).sort()[0];
      const lastSeen = d.items
        .map((n) => n.alert.lastSeen)
        .sort()
        .at(-1);
      return [
        ctx.device(d.device, { inTable: true }),
        d.items.map((n) => n.number).join(', '),
        int(d.items.reduce((n, x) => n + (x.alert.evidence?.eventCount ?? 0), 0)),
        timeCell(firstSeen),
        timeCell(lastSeen),
      ];
    }),
  );
  const parts = [
    `${'#'.repeat(level)} ${f.number}: ${fleetTitle(ctx, f)} (${plural(f.devices, 'device')})`,
    meta.join('\n'),
    `**Devices:**`,
    [rows.head, ...(rows.rows ?? [])].join('\n'),
  ];
  if (devices.length > listed.length) {
    parts.push(`_… and ${plural(devices.length - listed.length, 'more device')} not listed._`);
  }
  parts.push(
    `**Shared Evidence** (from ${rep.number} on ${ctx.device(alert.device)}; the other devices' alerts share its detector, key and severity):`,
    ...alertBody(ctx, alert),
  );
  return { head: parts.join('\n\n'), alerts: f.items.length };
}

/** Fields worth a column in the evidence table, in order of interest; the first three present are shown. */
const DETAIL_FIELDS = [
  'AccountName',
  'FileName',
  'FolderPath',
  'ProcessCommandLine',
  'InitiatingProcessFileName',
  'InitiatingProcessCommandLine',
  'InitiatingProcessAccountName',
  'RemoteIP',
  'RemoteUrl',
  'LogonType',
  'LoggedOnUsers',
  'MachineGroup',
  'PublicIP',
  'NetworkAdapterName',
  'MacAddress',
  'ProcessId',
  'InitiatingProcessId',
] as const;

function eventDetails(ctx: RenderContext, e: EvidenceEvent): string {
  const fields = e.fields ?? {};
  const parts: string[] = [];
  for (const name of DETAIL_FIELDS) {
    if (parts.length === 3) break;
    if (!Object.hasOwn(fields, name)) continue;
    const v = fields[name];
    if (v === null || v === undefined || v === '') continue;
    const shown = typeof v === 'number' && Number.isFinite(v) ? escapeInline(String(v)) : ctx.code(v);
    parts.push(`${name} ${shown}`);
  }
  return parts.length > 0 ? parts.join('; ') : '—';
}

function sourceCell(ctx: RenderContext, src: EvidenceEvent['source'] | undefined, inTable = true): string {
  if (!src) return '—';
  const at = Number.isSafeInteger(src.line)
    ? `:${src.line}`
    : Number.isSafeInteger(src.record)
      ? ` #${src.record}`
      : '';
  return `${inTable ? ctx.cellCode(src.source) : ctx.code(src.source)}${at}`;
}

function keyComponents(ctx: RenderContext, alert: Alert): string[] {
  const kc = alert.evidence?.keyComponents ?? {};
  const lines: string[] = [];
  for (const key of Object.keys(kc)) {
    const v = kc[key];
    let value: string;
    if (Array.isArray(v)) {
      const items = v.slice(0, 10).map((x) => ctx.code(x));
      value =
        items.length === 0 ? '_(none)_' : items.join(', ') + (v.length > 10 ? ` (+${int(v.length - 10)} more)` : '');
    } else {
      value = ctx.code(v);
    }
    lines.push(`  - **${escapeMarkdownText(key, { maxLength: 80 })}:** ${value}`);
  }
  return lines;
}

/** One alert in the reference layout, plus device, detector, related alerts and an evidence table. */
export function alertSection(ctx: RenderContext, { alert, number }: NumberedAlert, level: number): Block {
  const mitre =
    Array.isArray(alert.mitre) && alert.mitre.length > 0 ? alert.mitre.map((m) => technique(ctx, m)).join(', ') : 'N/A';
  const meta = [
    `- **Severity:** ${badge(alert.severity)}`,
    `- **Category:** ${ctx.text(alert.category)}`,
    `- **MITRE ATT&CK:** ${mitre}`,
    `- **Detector:** ${ctx.code(alert.detectorId)} · **Alert ID:** ${ctx.code(alert.id)}`,
  ];
  const related = (alert.relatedAlerts ?? []).map((id) => ctx.numberById.get(id) ?? ctx.code(id));
  if (related.length > 0) meta.push(`- **Related Alerts:** ${related.join(', ')}`);

  const parts = [`${'#'.repeat(level)} ${number}: ${ctx.alertTitle(alert)}`, meta.join('\n'), ...alertBody(ctx, alert)];
  return { head: parts.join('\n\n'), alerts: 1 };
}

/** An alert's description, evidence (list, key components, evidence events) and risk assessment, as paragraphs. */
function alertBody(ctx: RenderContext, alert: Alert): string[] {
  const events = Array.isArray(alert.evidence?.events) ? alert.evidence.events : [];
  const first = events[0];
  const count = alert.evidence?.eventCount ?? events.length;
  const evidence = [
    `- **Timestamp:** ${rawTimestamp(ctx, first?.timestamp ?? alert.firstSeen)}`,
    `- **Action Type:** ${first?.actionType ? ctx.code(first.actionType) : first ? `— (${ctx.text(first.table)} row)` : '—'}`,
    `- **DeviceName:** ${ctx.device(alert.device, { full: true })}`,
    `- **Events:** ${int(count)} (first seen ${when(ctx, alert.firstSeen)}, last seen ${when(ctx, alert.lastSeen)})`,
  ];
  const kc = keyComponents(ctx, alert);
  if (kc.length > 0) evidence.push('- **Key Components:**', ...kc);

  const parts = ['**Description:**', ctx.alertDescription(alert), '**Evidence:**', evidence.join('\n')];
  const rows = events.slice(0, ctx.opts.maxEvidenceRows);
  if (rows.length > 0) {
    // A list, not a table: command lines and paths wrap in a list item; in a table they widened
    // the table past GitHub's column.
    parts.push('**Evidence Events:**');
    parts.push(
      rows
        .map((e) => {
          const action = e.actionType ? ` ${ctx.code(e.actionType)}` : '';
          const details = eventDetails(ctx, e);
          return `- ${rawTimestamp(ctx, e.timestamp)} · ${ctx.text(e.table)}${action} · ${sourceCell(ctx, e.source, false)}${details === '—' ? '' : `  \n  ${details}`}`;
        })
        .join('\n'),
    );
    if (rows.length < count) parts.push(`_Showing ${int(rows.length)} of ${plural(count, 'evidence event')}._`);
  }
  parts.push('**Risk Assessment:**', ctx.alertRisk(alert));
  return parts;
}

/* ------------------------------------------------------------------ input problems */

/** ⚠️ Input Problems: inputs with rejections, rejected rows (capped, with a "more" note), diagnostics. */
export function inputProblems(ctx: RenderContext): Block[] {
  const { result, opts } = ctx;
  const s = result.summary;
  const rejected = Array.isArray(result.rejected) ? result.rejected : [];
  const diagnostics = Array.isArray(result.diagnostics) ? result.diagnostics : [];
  const totalRejected = Math.max(s.eventsRejected, rejected.length);
  if (totalRejected === 0 && diagnostics.length === 0) return [];
  const blocks: Block[] = [heading(2, '⚠️ Input Problems')];
  blocks.push(
    p(
      `${plural(s.eventsRead, 'row')} read: ${int(s.eventsAnalyzed)} analysed, ${int(s.eventsRejected)} rejected. ` +
        `${plural(diagnostics.length, 'diagnostic')} reported.`,
    ),
  );
  const inputs = (Array.isArray(result.inputs) ? result.inputs : []).filter((i) => i.rejected > 0);
  if (inputs.length > 0) {
    blocks.push(
      table(
        ['Input', 'Format', 'Rows Read', 'Events', 'Rejected'],
        inputs.map((i) => [
          ctx.cellCode(i.source),
          ctx.cellCode(i.format),
          int(i.rowsRead),
          int(i.events),
          int(i.rejected),
        ]),
      ),
    );
  }
  if (totalRejected > 0) {
    const listed = rejected.slice(0, opts.maxRejectedRows);
    blocks.push(heading(3, 'Rejected Rows'));
    if (listed.length > 0) {
      blocks.push(
        table(
          ['Source', 'Line / Record', 'Code', 'Reason'],
          listed.map((r) => [
            ctx.cellCode(r.source),
            Number.isSafeInteger(r.line)
              ? `line ${int(r.line ?? 0)}`
              : Number.isSafeInteger(r.record)
                ? `record ${int(r.record ?? 0)}`
                : '—',
            ctx.cellCode(r.code),
            ctx.cellText(r.reason),
          ]),
        ),
      );
    }
    const more = totalRejected - listed.length;
    if (more > 0) blocks.push(p(`_… and ${plural(more, 'more rejected row')} not listed._`));
  }
  if (diagnostics.length > 0) {
    const listed = diagnostics.slice(0, opts.maxDiagnostics);
    blocks.push(heading(3, 'Diagnostics'));
    blocks.push(
      table(
        ['Level', 'Code', 'Message', 'Where'],
        listed.map((d) => {
          const where = [
            d.detectorId ? ctx.cellCode(d.detectorId) : '',
            d.source
              ? sourceCell(ctx, {
                  source: d.source,
                  ...(d.line === undefined ? {} : { line: d.line }),
                  ...(d.record === undefined ? {} : { record: d.record }),
                })
              : '',
            d.reportId ? `ReportId ${ctx.cellCode(d.reportId)}` : '',
          ].filter(Boolean);
          return [
            ctx.cellText(d.level),
            ctx.cellCode(d.code),
            ctx.cellText(d.message),
            where.length > 0 ? where.join(', ') : '—',
          ];
        }),
      ),
    );
    const more = diagnostics.length - listed.length;
    if (more > 0) blocks.push(p(`_… and ${plural(more, 'more diagnostic')} not listed._`));
  }
  return blocks;
}

/* ------------------------------------------------------------------ closing */

/** Report End and the note on where the findings come from. */
export function closing(ctx: RenderContext): Block[] {
  const tool = ctx.text(`${ctx.result.tool?.name ?? 'tripline'} ${ctx.result.tool?.version ?? ''}`);
  return [
    p('---'),
    p('**Report End**'),
    p(
      `*This report was generated by ${tool} from the Microsoft Defender for Endpoint events it analysed. ` +
        'Its findings come from rule-based detectors and need validation: confirm them by manual investigation, ' +
        'and consult your security team before acting on critical findings.*',
    ),
  ];
}

/* ------------------------------------------------------------------ compact */

/** The compact (chat) form: title, one summary line, the narrative, one list item per alert, input note, closing line. */
export function compact(ctx: RenderContext): Block[] {
  const s = ctx.result.summary;
  const range = timeRange(ctx);
  const only = ctx.singleDevice && ctx.result.devices.length === 1 ? ctx.result.devices[0] : undefined;
  const meta = [
    range ? period(range.start, range.end) : 'no timestamped events',
    // One device: named here once; the alert lines below use its short name.
    only ? ctx.device(only, { full: true }) : plural(deviceCount(ctx), 'device'),
    `generated ${when(ctx, ctx.result.generatedAt)}`,
  ];
  const breakdown = severityBreakdown(ctx);
  const summary = [
    `**${plural(alertCount(ctx), 'alert')}** from ${plural(s.eventsAnalyzed, 'event')}`,
    `highest ${badge(s.highestSeverity)}`,
    ...(breakdown ? [breakdown] : []),
  ];
  const blocks: Block[] = [
    p(`**🛡️ ${escapeMarkdownText(ctx.opts.title, { defang: false })}**`),
    p(meta.join(' · ')),
    ...timeNotices(ctx).map((line) => p(line)),
    p(summary.join(' · ')),
    p(narrative(ctx)),
    ...compactNarrative(ctx),
  ];
  const single = new Set(ctx.shown.map((n) => n.alert.device?.id)).size <= 1;
  if (ctx.shown.length > 0) {
    blocks.push({
      head: '',
      rowsAreAlerts: true,
      rows: reportItems(ctx).map((item) => {
        if ('finding' in item) {
          return `- ${badge(item.finding.severity)} **${item.number}** ${fleetLabel(ctx, item)} · ${plural(item.devices, 'device')} · ${plural(fleetEvents(item), 'event')}`;
        }
        const { alert, number } = item;
        const device = single ? '' : ` · ${ctx.device(alert.device)}`;
        return `- ${badge(alert.severity)} **${number}** ${ctx.alertTitle(alert)}${device} · ${plural(alert.evidence?.eventCount ?? 0, 'event')}`;
      }),
    });
  }
  const problems = [
    s.eventsRejected > 0 ? `${plural(s.eventsRejected, 'input row')} rejected` : '',
    ctx.result.diagnostics.length > 0 ? plural(ctx.result.diagnostics.length, 'diagnostic') : '',
  ].filter(Boolean);
  if (problems.length > 0) blocks.push(p(`⚠️ ${problems.join(' and ')}: see the full report.`));
  const tool = ctx.text(`${ctx.result.tool?.name ?? 'tripline'} ${ctx.result.tool?.version ?? ''}`);
  blocks.push(p(`*Generated by ${tool} from Defender events; rule-based findings, validate before acting.*`));
  return blocks;
}
