import { isKnownTechnique, type Severity, techniqueUrl } from '@tripline/core';
import type { Block } from './blocks.js';
import type { RenderContext } from './context.js';
import { escapeMarkdownText } from './escape.js';
import { badge, int, parseTime, SEVERITIES_DESC, utc } from './format.js';

// The pieces every section is made of: tables, paragraphs, headings, counts, times and technique links.

/** A GFM table as a block whose rows can be dropped by a budget. Cells must already be escaped. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): Block {
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c) => (c === '' ? ' ' : c.replace(/[\r\n]+/g, ' '))).join(' | ')} |`;
  return {
    head: `${line(header)}\n|${header.map(() => ' --- ').join('|')}|`,
    rows: rows.map((r) => line(header.map((_, i) => r[i] ?? ''))),
  };
}

export const p = (head: string, extra: Omit<Block, 'head'> = {}): Block => ({ head, ...extra });
export const heading = (level: number, text: string): Block => ({
  head: `${'#'.repeat(level)} ${text}`,
  keepWithNext: true,
});

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

export function severityBreakdown(ctx: RenderContext): string {
  const counts = severityCounts(ctx);
  const parts = SEVERITIES_DESC.filter((s) => counts[s] > 0).map((s) => `${int(counts[s])} ${s}`);
  return parts.join(', ');
}

export function timeRange(ctx: RenderContext): { start: number; end: number } | undefined {
  const range = ctx.result.summary?.timeRange;
  const start = parseTime(range?.start);
  const end = parseTime(range?.end);
  if (start === undefined || end === undefined) return undefined;
  return { start: Math.min(start, end), end: Math.max(start, end) };
}

export function deviceCount(ctx: RenderContext): number {
  const n = ctx.result.summary?.devices;
  return Number.isSafeInteger(n) ? n : ctx.result.devices.length;
}

export function alertCount(ctx: RenderContext): number {
  const n = ctx.result.summary?.alertCount;
  return Number.isSafeInteger(n) ? n : ctx.result.alerts.length;
}

export function hiddenCount(ctx: RenderContext): number {
  return ctx.result.alerts.length - ctx.shown.length;
}

export function minSeverityLabel(ctx: RenderContext): string {
  return ctx.opts.minSeverity === undefined ? '' : badge(ctx.opts.minSeverity).replace(/^\S+ /, '');
}

/** `2025-11-07 06:40:04 UTC` for a valid timestamp, else the raw value as code. */
export function when(ctx: RenderContext, value: string | undefined, seconds = true, zone = ' UTC'): string {
  const t = parseTime(value);
  return t === undefined ? ctx.code(value ?? '') : `${utc(t, seconds)}${zone}`;
}

/** A raw event timestamp as MDE gave it: plain when it is a timestamp, else code. */
export function rawTimestamp(ctx: RenderContext, value: unknown, inTable = false): string {
  if (typeof value === 'string' && parseTime(value) !== undefined) return escapeMarkdownText(value);
  return inTable ? ctx.cellCode(value) : ctx.code(value);
}

/** Link to ATT&CK for a technique the shipped table knows, else the id (and name) as text. */
export function technique(ctx: RenderContext, ref: { id: string; name: string }): string {
  const id = typeof ref?.id === 'string' ? ref.id : '';
  const label = ref?.name ? `${id} - ${ref.name}` : id;
  if (/^T\d{4}(\.\d{3})?$/.test(id) && isKnownTechnique(id)) {
    return `[${escapeMarkdownText(label, { maxLength: 160 })}](${techniqueUrl(id)})`;
  }
  return ctx.text(label);
}
