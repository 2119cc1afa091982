import type { Alert, EvidenceEvent } from '@tripline/core';
import type { Block } from './blocks.js';
import type { FleetFinding, NumberedAlert, RenderContext } from './context.js';
import { escapeInline, escapeMarkdownText } from './escape.js';
import { badge, int, parseTime, plural, rank } from './format.js';
import { heading, hiddenCount, minSeverityLabel, p, rawTimestamp, table, technique, when } from './section-kit.js';

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
export function reportItems(ctx: RenderContext): ReportItem[] {
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
export function fleetTitle(ctx: RenderContext, f: FleetFinding, inTable = false): string {
  const title = typeof f.finding.title === 'string' && f.finding.title !== '' ? f.finding.title : f.finding.detectorId;
  return inTable ? ctx.cellText(title) : ctx.text(title);
}

/** A finding's title and its key (what tells apart the findings of one detector) for a list line or table cell. */
export function fleetLabel(ctx: RenderContext, f: FleetFinding, inTable = false): string {
  const key = typeof f.finding.key === 'string' ? f.finding.key : '';
  if (key === '') return fleetTitle(ctx, f, inTable);
  return `${fleetTitle(ctx, f, inTable)} · ${inTable ? ctx.cellCode(key) : ctx.code(key)}`;
}

/** Events of a finding's shown alerts. */
export function fleetEvents(f: FleetFinding): number {
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

export function sourceCell(ctx: RenderContext, src: EvidenceEvent['source'] | undefined, inTable = true): string {
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
