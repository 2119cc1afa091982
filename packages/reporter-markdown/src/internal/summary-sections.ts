import type { Alert } from '@tripline/core';
import { fleetTitle } from './alert-sections.js';
import type { Block } from './blocks.js';
import type { FleetFinding, RenderContext } from './context.js';
import { escapeMarkdownText } from './escape.js';
import { badge, decimal, duration, int, period, plural, rank, utc } from './format.js';
import {
  alertCount,
  deviceCount,
  heading,
  hiddenCount,
  minSeverityLabel,
  p,
  severityBreakdown,
  timeRange,
  when,
} from './section-kit.js';

// The head of the report: title lines and the executive summary.

/* ------------------------------------------------------------------ header */

/** Diagnostics that change how every time in the report reads: shown under the title, not only at the end. */
const TIME_NOTICES: ReadonlySet<string> = new Set(['local-time-unconverted', 'local-time-ambiguous']);
const TIME_NOTICES_SHOWN = 3;

/** `**⚠️ Times:** …` lines for the local-time warnings of the run (at most three, then a count). */
export function timeNotices(ctx: RenderContext): string[] {
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
