/**
 * Oracles of the hardening suite: what a safe Markdown report, a valid SARIF log, an exact JSON report
 * and a clean terminal line look like. Each returns a list of problems (empty = safe), so a failing
 * property prints what went wrong, not just `false`.
 */
import { readFileSync } from 'node:fs';
import type { AnalysisResult } from '@tripline/core';
import { parseJsonReport, stringifyReport, toJsonReport } from '@tripline/core';
import { renderMarkdown } from '@tripline/reporter-markdown';
import { stringifySarif, toSarif } from '@tripline/reporter-sarif';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { Heading, Nodes, Root } from 'mdast';
import { toString as mdText } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { ATTACK_LINK, FORBIDDEN } from '../../../packages/reporter-markdown/test/support/mdast.js';
import { reportSchemaProblems } from '../../golden/report-schema.js';
import { firstUnsafe } from './payloads.js';
import { SARIF_SCHEMA_PATH } from './rows.js';

const markdownParser = unified().use(remarkParse).use(remarkGfm);

/** Node types event data must never produce, and the only links the report makes itself (shared with the reporter's own tests). */
const NEVER: ReadonlySet<string> = new Set(FORBIDDEN);
const OWN_LINK = ATTACK_LINK;
/** Section headings the report makes (depth 2). */
const SECTIONS = new Set([
  '🎯 Executive Summary',
  '📋 Alert Overview',
  '🖥️ Devices',
  '🕒 Timeline',
  '🚨 Security Alerts',
  '⚠️ Input Problems',
]);
const DEVICE_HEADING = /^🖥️ Device .* \(\d+ alerts?\)$/su;
/** The narrative's section (a narrated run): the model's name is untrusted text inside it. */
const NARRATIVE_HEADING = /^📝 Narrative \(written by .*, checked against the evidence\)$/su;
const ALERT_HEADING = /^ALERT-(\d{3,}): /;
const FLEET_HEADING = /^🌐 Fleet Findings \(\d+ findings? on 2 or more devices\)$/u;
const FINDING_HEADING = /^FINDING-(\d{3,}): .* \([\d,]+ devices\)$/su;
/** A fleet finding's count line (`- **Devices:** 30 · **Alerts:** 30 · **Events:** 90`), as list item text. */
const FINDING_COUNTS = /^Devices: [\d,]+ · Alerts: ([\d,]+) · Events: [\d,]+$/;

let lastText: string | undefined;
let lastTree: Root | undefined;

/** Parse Markdown as GitHub does (CommonMark + GFM). The last tree is reused: checks often parse the same report twice. */
export function parseMarkdown(markdown: string): Root {
  if (markdown !== lastText || !lastTree) {
    lastTree = markdownParser.parse(markdown);
    lastText = markdown;
  }
  return lastTree;
}

/**
 * Problems of a rendered report: a link (other than ATT&CK's), image, raw HTML, footnote or link
 * definition anywhere; a heading the report does not make (unknown section, extra or repeated alert
 * heading, any depth ≥ 5); a table row with a different cell count than its header.
 */
export function markdownProblems(markdown: string, result: AnalysisResult): string[] {
  const tree = parseMarkdown(markdown);
  const problems: string[] = [];
  const alertIds = new Set<string>();
  const findingIds = new Set<string>();
  let alertHeadings = 0;
  let rolledUp = 0;
  let titles = 0;
  visit(tree, (node: Nodes) => {
    if (NEVER.has(node.type)) {
      if (node.type === 'link' && OWN_LINK.test(node.url)) return;
      const detail = 'url' in node ? node.url : 'value' in node ? String(node.value) : mdText(node);
      problems.push(`${node.type} node: ${JSON.stringify(detail.slice(0, 80))}`);
    }
    if (node.type === 'heading') {
      const h = node as Heading;
      const text = mdText(h);
      const alert = ALERT_HEADING.exec(text);
      if (h.depth === 1) titles++;
      else if (h.depth === 2 && !SECTIONS.has(text) && !NARRATIVE_HEADING.test(text))
        problems.push(`unknown section heading ${JSON.stringify(text.slice(0, 80))}`);
      else if (
        h.depth === 3 &&
        !alert &&
        !DEVICE_HEADING.test(text) &&
        !FLEET_HEADING.test(text) &&
        text !== 'Rejected Rows' &&
        text !== 'Diagnostics'
      ) {
        problems.push(`unknown h3 ${JSON.stringify(text.slice(0, 80))}`);
      } else if (h.depth === 4 && !alert && !FINDING_HEADING.test(text))
        problems.push(`unknown h4 ${JSON.stringify(text.slice(0, 80))}`);
      else if (h.depth > 4) problems.push(`h${h.depth} ${JSON.stringify(text.slice(0, 80))}`);
      const finding = FINDING_HEADING.exec(text);
      if (finding && h.depth === 4) {
        if (findingIds.has(finding[1]!)) problems.push(`finding heading FINDING-${finding[1]} twice`);
        findingIds.add(finding[1]!);
      }
      if (alert && h.depth >= 3) {
        alertHeadings++;
        if (alertIds.has(alert[1]!)) problems.push(`alert heading ALERT-${alert[1]} twice`);
        alertIds.add(alert[1]!);
      }
    }
    if (node.type === 'listItem') {
      // Only the reporter's own line: a strong "Devices:" label first (event text cannot make one).
      const first = node.children[0];
      const lead = first?.type === 'paragraph' ? first.children[0] : undefined;
      const counts = FINDING_COUNTS.exec(mdText(node));
      if (counts && lead?.type === 'strong' && mdText(lead) === 'Devices:')
        rolledUp += Number(counts[1]!.replaceAll(',', ''));
    }
    if (node.type === 'table') {
      const width = node.children[0]?.children.length ?? 0;
      for (const row of node.children) {
        if (row.children.length !== width)
          problems.push(`ragged table row: ${row.children.length} cells, header has ${width}`);
      }
    }
  });
  if (titles !== 1) problems.push(`${titles} title headings`);
  // Every alert has its own section, or is counted in the section of its fleet finding.
  if (alertHeadings + rolledUp !== result.alerts.length)
    problems.push(
      `${alertHeadings} alert headings and ${rolledUp} alerts in ${findingIds.size} fleet findings for ${result.alerts.length} alerts`,
    );
  return problems;
}

/** Counts of the structural nodes event data could forge, for differential checks. */
export function structureCounts(markdown: string): Record<string, number> {
  const counts: Record<string, number> = {};
  visit(parseMarkdown(markdown), (node: Nodes) => {
    const key =
      node.type === 'heading'
        ? `h${node.depth}`
        : NEVER.has(node.type) || node.type === 'table' || node.type === 'tableRow' || node.type === 'tableCell'
          ? node.type
          : undefined;
    if (key) counts[key] = (counts[key] ?? 0) + 1;
  });
  return counts;
}

let sarifValidator: ReturnType<AjvDraft04['compile']> | undefined;

/** Schema violations of a SARIF log against the OASIS 2.1.0 schema (draft-04, with formats). */
export function sarifProblems(log: unknown): string[] {
  if (!sarifValidator) {
    const ajv = new AjvDraft04({ allErrors: true, strict: false });
    addFormats(ajv);
    sarifValidator = ajv.compile(JSON.parse(readFileSync(SARIF_SCHEMA_PATH, 'utf8')) as object);
  }
  if (sarifValidator(log)) return [];
  return (sarifValidator.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/**
 * `JSON.parse(stringifyReport(r))` must deep-equal `toJsonReport(r)` (compared as canonical JSON text, keys
 * included), be valid against the published JSON Schema, and render again (`parseJsonReport`, as
 * `tripline render` does) to the same Markdown, SARIF and JSON bytes as the result itself.
 */
export function jsonProblems(result: AnalysisResult): string[] {
  const text = stringifyReport(result);
  const parsed: unknown = JSON.parse(text);
  const direct = toJsonReport(result);
  const problems: string[] = [];
  if (!deepEqualOwn(parsed, direct)) problems.push('JSON report does not round-trip');
  for (const p of reportSchemaProblems(parsed)) problems.push(`JSON Schema: ${p}`);
  const again = parseJsonReport(parsed);
  if (stringifyReport(again) !== text) problems.push('the saved report rendered again is not the same JSON');
  if (renderMarkdown(again) !== renderMarkdown(result)) problems.push('the saved report renders other Markdown');
  if (stringifySarif(toSarif(again)) !== stringifySarif(toSarif(result)))
    problems.push('the saved report renders another SARIF log');
  // ReportIds are decimal strings from the first parse to the last byte.
  for (const alert of direct.alerts) {
    for (const e of alert.evidence.events) {
      if (e.reportId !== undefined && typeof e.reportId !== 'string')
        problems.push(`reportId ${String(e.reportId)} is not a string`);
    }
  }
  return problems;
}

/** Deep equality over own enumerable keys (`__proto__` included as a plain key), arrays by index. */
export function deepEqualOwn(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (!deepEqualOwn((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** Terminal-safety problems: any ESC, C0/C1 control other than LF, DEL or bidi control. */
export function terminalProblems(text: string): string[] {
  const bad = firstUnsafe(text);
  return bad ? [`unsafe character ${bad}`] : [];
}

/** Everything the three reporters must hold for one result; the rendered texts come back for more checks. */
export function reportProblems(
  result: AnalysisResult,
  options: { compact?: boolean } = {},
): { problems: string[]; markdown: string; sarif: string } {
  const problems: string[] = [];
  const markdown = renderMarkdown(result);
  for (const p of markdownProblems(markdown, result)) problems.push(`markdown: ${p}`);
  if (options.compact) {
    // Compact (chat) mode has its own layout: only the never-from-data nodes and tables are checked.
    const compact = renderMarkdown(result, { compact: true });
    for (const p of markdownProblems(compact, result).filter((x) => !/heading|\bh\d/.test(x)))
      problems.push(`markdown (compact): ${p}`);
  }
  const sarifLog = toSarif(result);
  const sarif = stringifySarif(sarifLog);
  for (const p of sarifProblems(JSON.parse(sarif))) problems.push(`sarif: ${p}`);
  for (const p of jsonProblems(result)) problems.push(`json: ${p}`);
  return { problems, markdown, sarif };
}
