import type { Severity } from '@tripline/core';
import { fleetEvents, fleetLabel, reportItems } from './alert-sections.js';
import type { Block } from './blocks.js';
import type { RenderContext } from './context.js';
import { badge, int, parseTime, plural, rank, SEVERITIES_DESC, utc } from './format.js';
import { heading, p, table, timeRange, when } from './section-kit.js';

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
