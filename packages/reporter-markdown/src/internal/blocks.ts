import { int } from './format.js';
import type { LengthBudget } from './options.js';

/**
 * One Markdown block, complete in itself (every code span, fence and table is closed inside it).
 * Blocks are joined with a blank line, so cutting the document between blocks, or between the
 * `rows` of a block (table rows, list items), always leaves valid Markdown.
 */
export interface Block {
  /** The block's text; for a table or list, the part before the rows (table header, or nothing). */
  readonly head: string;
  /** Lines that may be dropped from the end (table rows, one-line list items). */
  readonly rows?: readonly string[];
  /** Alerts this block describes in detail (an alert section: 1). */
  readonly alerts?: number;
  /** Each row describes one alert (compact alert list). */
  readonly rowsAreAlerts?: boolean;
  /** A heading or label that makes no sense without the block after it: dropped when that one is. */
  readonly keepWithNext?: boolean;
}

function blockText(block: Block, rows: number = block.rows?.length ?? 0): string {
  const lines = block.rows?.slice(0, rows) ?? [];
  if (block.head === '') return lines.join('\n');
  return lines.length > 0 ? `${block.head}\n${lines.join('\n')}` : block.head;
}

const encoder = new TextEncoder();

/** Length of `text` in the budget's unit. */
export function measure(text: string, unit: LengthBudget['unit']): number {
  return unit === 'bytes' ? encoder.encode(text).length : text.length;
}

/** The notice that replaces what a budget cut. */
export function truncationNotice(limit: LengthBudget, hiddenAlerts: number, totalAlerts: number): string {
  const what = limit.unit === 'bytes' ? 'byte' : 'character';
  const alerts =
    totalAlerts > 0 && hiddenAlerts > 0
      ? ` ${int(hiddenAlerts)} of ${int(totalAlerts)} alerts and the rest of the report are not shown.`
      : ' The rest of the report is not shown.';
  return `> ✂️ **Truncated** to fit a ${int(limit.limit)}-${what} limit:${alerts}`;
}

/**
 * The document as chunks: each block's head and each of its rows is a chunk, blocks separated by a
 * blank line, one newline at the end — {@link joinBlocks} without building the string.
 */
export function* blockChunks(blocks: Iterable<Block>): Generator<string> {
  let first = true;
  for (const block of blocks) {
    const sep = first ? '' : '\n\n';
    first = false;
    const rows = block.rows ?? [];
    if (block.head === '') {
      yield `${sep}${rows[0] ?? ''}`;
      for (let i = 1; i < rows.length; i++) yield `\n${rows[i]}`;
    } else {
      yield `${sep}${block.head}`;
      for (const row of rows) yield `\n${row}`;
    }
  }
  yield '\n';
}

/** Join blocks into the document (ends with one newline). */
export function joinBlocks(blocks: readonly Block[]): string {
  return `${blocks.map((b) => blockText(b)).join('\n\n')}\n`;
}

/**
 * Join blocks within a length budget. When everything fits, this is {@link joinBlocks}. Otherwise
 * blocks are kept from the start while they fit; the first one that does not is cut at a row
 * boundary when it has rows, headings left dangling are dropped, and a notice saying how many
 * alerts were not shown ends the document. The result never exceeds the budget.
 */
export function joinWithinBudget(blocks: readonly Block[], budget: LengthBudget | undefined): string {
  const full = joinBlocks(blocks);
  if (budget === undefined || measure(full, budget.unit) <= budget.limit) return full;

  const alertsIn = (b: Block, rows = b.rows?.length ?? 0): number => (b.alerts ?? 0) + (b.rowsAreAlerts ? rows : 0);
  const totalAlerts = blocks.reduce((n, b) => n + alertsIn(b), 0);
  // Reserve room for the longest notice this document can need (hidden = total is the widest).
  const reserve = measure(`\n\n${truncationNotice(budget, totalAlerts, totalAlerts)}\n`, budget.unit);
  const room = budget.limit - reserve;

  const kept: { block: Block; rows: number }[] = [];
  let used = 0;
  for (const block of blocks) {
    const sep = kept.length > 0 ? 2 : 0;
    const size = measure(blockText(block), budget.unit) + sep;
    if (used + size <= room) {
      kept.push({ block, rows: block.rows?.length ?? 0 });
      used += size;
      continue;
    }
    const rows = block.rows ?? [];
    let fit = 0;
    let partial = sep + measure(block.head, budget.unit) - (block.head === '' ? 1 : 0);
    for (const row of rows) {
      const next = partial + 1 + measure(row, budget.unit);
      if (used + next > room) break;
      partial = next;
      fit++;
    }
    if (fit > 0) kept.push({ block, rows: fit });
    break;
  }
  while (kept.length > 0 && kept[kept.length - 1]?.block.keepWithNext) kept.pop();

  const shown = kept.reduce((n, k) => n + alertsIn(k.block, k.rows), 0);
  const notice = truncationNotice(budget, totalAlerts - shown, totalAlerts);
  const body = kept.map((k) => blockText(k.block, k.rows)).join('\n\n');
  const out = body === '' ? `${notice}\n` : `${body}\n\n${notice}\n`;
  // The reserve makes this unreachable for valid budgets; keep the guarantee explicit anyway.
  return measure(out, budget.unit) <= budget.limit ? out : `${notice}\n`;
}
