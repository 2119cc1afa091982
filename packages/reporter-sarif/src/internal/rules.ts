import type { Alert, DetectorInfo, MitreRef } from '@tripline/core';
import type * as Sarif from 'sarif';
import { mapSeverity } from './severity.js';
import { cap, cleanText, markdownProse, markdownText, sarifText, sentence } from './text.js';

/** GitHub keeps at most 20 tags per rule (shows 10). */
const MAX_TAGS = 20;
/** GitHub truncates rule descriptions at 1,024 characters. */
const DESCRIPTION_MAX = 1024;

const TECHNIQUE_RE = /^T\d{4}(?:\.\d{3})?$/;
const SAFE_URL_RE =
  /^https:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[A-Za-z0-9\-._~%!$&'()*+,;=:@/]*)?(?:\?[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*)?(?:#[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*)?$/;

/** The attack.mitre.org page of a technique id (`T1059.004` → `…/techniques/T1059/004/`). */
export function techniquePage(id: string): string {
  return `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`;
}

/** `defender/exec-process-replacement` → `ExecProcessReplacement` (SARIF `name`: an identifier-like label). */
export function ruleName(id: string): string {
  const last = id.split('/').pop() ?? id;
  const name = last
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
  return name === '' ? 'TriplineRule' : name.slice(0, 255);
}

function oneLine(text: string, max = 4000): string {
  return cleanText(text, { max })
    .replace(/\u2424/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function mitreTags(mitre: readonly MitreRef[]): string[] {
  return mitre.filter((m) => TECHNIQUE_RE.test(m.id)).map((m) => `external/mitre-attack/${m.id}`);
}

function categoryTag(category: string): string | undefined {
  const slug = category
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
  return slug === '' ? undefined : `category/${slug}`;
}

function tags(mitre: readonly MitreRef[], category: string): string[] {
  const all = ['security', 'tripline', ...mitreTags(mitre)];
  const cat = categoryTag(category);
  if (cat) all.push(cat);
  return [...new Set(all)].slice(0, MAX_TAGS);
}

/** Detector prose for plain-text help: one line, SARIF-escaped (plugin metadata is not trusted Markdown either). */
function pt(text: string, max = 4000): string {
  return sarifText(oneLine(text, max));
}

function helpText(d: DetectorInfo): string {
  const sev = mapSeverity(d.severity);
  const out = [sentence(pt(d.summary)), '', `Why it matters: ${pt(d.rationale)}`, ''];
  out.push(`Default severity: ${d.severity} (SARIF level ${sev.level}, security-severity ${sev.securitySeverity}).`);
  if (d.severityNotes) out.push(pt(d.severityNotes));
  out.push(`Category: ${pt(d.category, 200)}.`);
  if (d.mitre.length > 0) {
    out.push('', 'MITRE ATT&CK:');
    for (const m of d.mitre)
      out.push(`- ${pt(m.id, 20)} ${pt(m.name, 200)}${TECHNIQUE_RE.test(m.id) ? ` (${techniquePage(m.id)})` : ''}`);
    if (d.mitreNotes) out.push(pt(d.mitreNotes));
  }
  out.push(
    '',
    `Data: ${d.tables.join(', ')}${d.actionTypes?.length ? ` (ActionType ${d.actionTypes.map((a) => pt(a, 80)).join(', ')})` : ''}.`,
  );
  if (d.falsePositives.length > 0) {
    out.push('', 'Known false positives:');
    for (const fp of d.falsePositives) out.push(`- ${pt(fp)}`);
  }
  if (d.references.length > 0) {
    out.push('', 'References:');
    for (const r of d.references) out.push(`- ${SAFE_URL_RE.test(r) && r.length <= 500 ? r : pt(r, 500)}`);
  }
  out.push('', TRIAGE_TEXT);
  return out.join('\n');
}

const TRIAGE_TEXT =
  "Triage: open the result's location — the alert's evidence timeline, one event per line, the highlighted line being the key event — and follow the linked events. Confirm the activity on the device in Microsoft Defender (device timeline, advanced hunting on the ReportIds in the result's properties).";

/** Detector prose (code spans kept). */
function md(text: string, max = 4000): string {
  return markdownProse(oneLine(text, max));
}
/** A table cell or a short label: everything escaped. */
function cell(text: string, max = 200): string {
  return markdownText(oneLine(text, max));
}

function helpMarkdown(d: DetectorInfo): string {
  const sev = mapSeverity(d.severity);
  const out = [md(sentence(oneLine(d.summary))), '', '### Why it matters', '', md(d.rationale), '', '### Severity', ''];
  out.push(
    `Default **${d.severity}** (SARIF level \`${sev.level}\`, security-severity ${sev.securitySeverity}).${d.severityNotes ? ` ${md(d.severityNotes)}` : ''}`,
  );
  out.push('', `Category: ${cell(d.category)}.`);
  if (d.mitre.length > 0) {
    out.push('', '### MITRE ATT&CK', '', '| Technique | Name |', '| --- | --- |');
    for (const m of d.mitre) {
      const id = TECHNIQUE_RE.test(m.id) ? `[${m.id}](${techniquePage(m.id)})` : cell(m.id, 20);
      out.push(`| ${id} | ${cell(m.name)} |`);
    }
    if (d.mitreNotes) out.push('', md(d.mitreNotes));
  }
  out.push('', '### Data', '');
  const actions = d.actionTypes?.length ? ` (ActionType ${d.actionTypes.map((a) => cell(a, 80)).join(', ')})` : '';
  out.push(`${d.tables.map((t) => `\`${t}\``).join(', ')}${actions}.`);
  if (d.falsePositives.length > 0) {
    out.push('', '### Known false positives', '');
    for (const fp of d.falsePositives) out.push(`- ${md(fp)}`);
  }
  if (d.references.length > 0) {
    out.push('', '### References', '');
    for (const r of d.references) out.push(`- ${SAFE_URL_RE.test(r) && r.length <= 500 ? `<${r}>` : cell(r, 500)}`);
  }
  out.push('', '### Triage', '', md(TRIAGE_TEXT));
  return out.join('\n');
}

/** Options of {@link ruleFromDetector}. */
export interface RuleOptions {
  /** Link for the rule's documentation page; omitted when undefined. */
  readonly helpUri?: string | undefined;
}

/**
 * One SARIF rule per detector: descriptions and help generated from the detector's metadata, the
 * default level and GitHub's `security-severity` from its default severity, ATT&CK techniques as
 * `external/mitre-attack/<id>` tags (GitHub's filter convention).
 */
export function ruleFromDetector(d: DetectorInfo, options: RuleOptions = {}): Sarif.ReportingDescriptor {
  const sev = mapSeverity(d.severity);
  return {
    id: d.id,
    name: ruleName(d.id),
    shortDescription: { text: sentence(cap(sarifText(oneLine(d.title, 1000)), DESCRIPTION_MAX - 20)) },
    fullDescription: { text: sentence(cap(sarifText(oneLine(d.summary)), DESCRIPTION_MAX - 20)) },
    help: { text: helpText(d), markdown: helpMarkdown(d) },
    ...(options.helpUri !== undefined ? { helpUri: options.helpUri } : {}),
    defaultConfiguration: { level: sev.level },
    properties: {
      tags: tags(d.mitre, d.category),
      'security-severity': sev.securitySeverity,
      tripline: {
        detectorId: d.id,
        severity: d.severity,
        category: oneLine(d.category, 200),
        mitre: d.mitre.map((m) => oneLine(m.id, 20)),
      },
    },
  };
}

/**
 * A rule for alerts whose detector is missing from `result.detectors` (a result assembled by hand, or
 * an engine-internal alert). Only the detector id, category and technique ids are used: alert titles
 * are filled from event data and must not reach rule text.
 */
export function ruleFromAlert(alert: Alert, options: RuleOptions = {}): Sarif.ReportingDescriptor {
  const id = oneLine(alert.detectorId, 200);
  return ruleFromDetector(
    {
      id,
      title: `Alerts of detector ${id}`,
      summary: `Alerts reported by detector ${id}; its metadata was not part of the analysis result.`,
      rationale: 'See the detector documentation of the plugin that provides it.',
      severity: alert.severity,
      category: alert.category,
      mitre: alert.mitre.filter((m) => TECHNIQUE_RE.test(m.id)).map((m) => ({ id: m.id, name: m.id })),
      references: [],
      falsePositives: [],
      tables: [...new Set(alert.evidence.events.map((e) => e.table))].sort(),
    },
    options,
  );
}
