import type { Heading, Nodes, Root, Table } from 'mdast';
import { toString as mdToString } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';

const processor = unified().use(remarkParse).use(remarkGfm);

/** Parse Markdown as GitHub does (CommonMark + GFM). */
export function parse(markdown: string): Root {
  return processor.parse(markdown);
}

/** Plain text of a node. */
export const text = (node: Nodes): string => mdToString(node);

/** Headings with their depth and text. */
export function headings(tree: Root): { depth: number; text: string }[] {
  const out: { depth: number; text: string }[] = [];
  visit(tree, 'heading', (h: Heading) => {
    out.push({ depth: h.depth, text: text(h) });
  });
  return out;
}

/** All tables. */
export function tables(tree: Root): Table[] {
  const out: Table[] = [];
  visit(tree, 'table', (t: Table) => {
    out.push(t);
  });
  return out;
}

/** Tables whose rows do not all have the header's cell count (should be none). */
export function raggedTables(tree: Root): { header: number; rows: number[] }[] {
  return tables(tree)
    .map((t) => ({ header: t.children[0]?.children.length ?? 0, rows: t.children.map((r) => r.children.length) }))
    .filter((t) => t.rows.some((n) => n !== t.header));
}

/** Node types that must never come from event data. */
export const FORBIDDEN = [
  'link',
  'linkReference',
  'image',
  'imageReference',
  'html',
  'footnoteReference',
  'footnoteDefinition',
  'definition',
] as const;

/** An ATT&CK link the report itself makes. */
export const ATTACK_LINK = /^https:\/\/attack\.mitre\.org\/techniques\/T\d{4}(\/\d{3})?\/$/;

/** Forbidden nodes in the tree; links to ATT&CK technique pages (made by the report from validated ids) are allowed. */
export function forbiddenNodes(tree: Root): string[] {
  const found: string[] = [];
  visit(tree, (node) => {
    if (!(FORBIDDEN as readonly string[]).includes(node.type)) return;
    if (node.type === 'link' && ATTACK_LINK.test(node.url)) return;
    found.push(`${node.type}:${'url' in node ? node.url : 'value' in node ? String(node.value).slice(0, 40) : ''}`);
  });
  return found;
}

/** Node types whose counts define the document's structure (text and inline code excluded: their content varies). */
const STRUCTURAL = new Set([
  'heading',
  'paragraph',
  'list',
  'listItem',
  'table',
  'tableRow',
  'tableCell',
  'code',
  'thematicBreak',
  'blockquote',
  'strong',
  'emphasis',
  'delete',
  'break',
  'math',
  'inlineMath',
  ...FORBIDDEN,
]);

/** `{type: count}` of structural nodes, plus heading depths and list-item checks (task lists). */
export function structure(tree: Root): Record<string, number> {
  const counts: Record<string, number> = {};
  visit(tree, (node) => {
    if (!STRUCTURAL.has(node.type)) return;
    let key: string = node.type;
    if (node.type === 'heading') key = `heading${node.depth}`;
    if (node.type === 'listItem' && node.checked !== null && node.checked !== undefined) key = 'taskItem';
    if (node.type === 'code') key = `code:${node.lang ?? ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  });
  return counts;
}

/** Contents of fenced code blocks with the given language. */
export function codeBlocks(tree: Root, lang: string): string[] {
  const out: string[] = [];
  visit(tree, 'code', (c) => {
    if (c.lang === lang) out.push(c.value);
  });
  return out;
}

/** Characters that must never appear raw in the output (controls, bidi, zero-width, separators). */
export const INVISIBLE_RAW =
  /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2028\u2029\u2060-\u2064\u2066-\u206F\uFEFF\u{E0000}-\u{E007F}]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

/** Lines a Mermaid chart of ours may contain: the tool's own words, severities, counts and times, nothing from events. */
export const MERMAID_LINE =
  /^(gantt| {4}title Alerts by first-seen time, UTC, \d+-(minute|hour|day) intervals| {4}dateFormat YYYY-MM-DD HH:mm| {4}axisFormat ((%m-%d )?%H:%M|%Y-%m-%d)| {4}tickInterval \d+(minute|hour|day|week)| {4}section (CRITICAL|HIGH|MEDIUM|LOW|INFO)| {4}[\d,]+ alerts? :(crit, |active, |done, )?\d{4}-\d{2}-\d{2} \d{2}:\d{2}, \d+m)$/;
