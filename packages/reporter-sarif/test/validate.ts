/**
 * SARIF gate for the tests: (1) the OASIS SARIF 2.1.0 (errata 01) JSON Schema with ajv's draft-04
 * dialect, and (2) Microsoft's SARIF Multitool `validate` with the SARIF and GitHub (GHAS) rule sets and
 * our policy file. The Multitool exits 0 whatever it finds, so its own SARIF output is read and its
 * results counted by level. One Multitool process validates many files (it costs about a second to
 * start), and results are attributed back to each input file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const here = fileURLToPath(new URL('.', import.meta.url));
/** The repository root. */
export const REPO_ROOT = resolve(here, '../../..');
/** OASIS SARIF 2.1.0 schema, vendored unedited beside this file (licence and origin: vendor/NOTICE.md). */
export const SCHEMA_PATH = resolve(here, 'vendor/sarif-schema-2.1.0.json');
/** Multitool policy: SARIF2006 (HTTP GETs) off, GH1001–GH1007 on (GH1004 as a warning). */
export const POLICY_PATH = resolve(here, 'sarif-validate.xml');

/** A schema violation, as ajv words it. */
export interface SchemaError {
  readonly path: string;
  readonly message: string;
}

let compiled: ReturnType<AjvDraft04['compile']> | undefined;

/** Validates a parsed SARIF log against the OASIS schema; an empty list means valid. */
export function schemaErrors(log: unknown): SchemaError[] {
  if (!compiled) {
    const ajv = new AjvDraft04({ allErrors: true, strict: false });
    addFormats(ajv);
    compiled = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
  }
  if (compiled(log)) return [];
  return (compiled.errors ?? []).map((e) => ({
    path: e.instancePath || '/',
    message: `${e.message ?? ''} ${JSON.stringify(e.params)}`,
  }));
}

/** One Multitool finding. */
export interface MultitoolFinding {
  readonly level: 'error' | 'warning' | 'note' | 'none';
  readonly ruleId: string;
  readonly text: string;
}

/** Multitool findings of one file, counted by level. */
export interface MultitoolReport {
  readonly errors: number;
  readonly warnings: number;
  readonly notes: number;
  readonly findings: readonly MultitoolFinding[];
}

interface MtResult {
  ruleId: string;
  level?: MultitoolFinding['level'];
  message: { text?: string; id?: string; arguments?: string[] };
  locations?: { physicalLocation?: { artifactLocation?: { uri?: string; index?: number } } }[];
}
interface MtRun {
  tool: { driver: { rules?: { id: string; messageStrings?: Record<string, { text: string }> }[] } };
  artifacts?: { location: { uri: string } }[];
  results?: MtResult[];
}

/** The exact Multitool arguments used (for reports and docs). */
export function multitoolArgs(files: readonly string[], out: string): string[] {
  return [
    'validate',
    ...files,
    '--quiet',
    'true',
    '-o',
    out,
    '--log',
    'ForceOverwrite',
    '--level',
    'Error;Warning;Note',
    '--rule-kind',
    'Sarif;Ghas',
    '-c',
    POLICY_PATH,
  ];
}

/**
 * Runs the Multitool once over all `files` (absolute paths) and returns a report per file. Calls the
 * self-contained binary directly: through npm's `bin.js` wrapper (`shell: true`) the `;` in
 * `Sarif;Ghas` would split the command.
 */
export function multitool(files: readonly string[]): Map<string, MultitoolReport> {
  const require = createRequire(import.meta.url);
  const bin = require('@microsoft/sarif-multitool-linux') as string;
  const out = join(mkdtempSync(join(tmpdir(), 'tripline-sarifv-')), 'report.sarif');
  const r = spawnSync(bin, multitoolArgs(files, out), {
    encoding: 'utf8',
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
  });
  if (r.status !== 0) throw new Error(`sarif-multitool exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  const run = (JSON.parse(readFileSync(out, 'utf8')) as { runs: MtRun[] }).runs[0]!;
  const templates = new Map((run.tool.driver.rules ?? []).map((d) => [d.id, d.messageStrings ?? {}]));
  const byFile = new Map<string, MultitoolFinding[]>(files.map((f) => [f, []]));
  const urlToFile = new Map(files.map((f) => [pathToFileURL(f).href, f]));
  for (const x of run.results ?? []) {
    const loc = x.locations?.[0]?.physicalLocation?.artifactLocation;
    const uri = loc?.uri ?? (loc?.index !== undefined ? run.artifacts?.[loc.index]?.location.uri : undefined);
    const file = (uri !== undefined ? urlToFile.get(uri) : undefined) ?? files.find((f) => uri?.endsWith(basename(f)));
    const template =
      x.message.text ??
      (x.message.id ? templates.get(x.ruleId)?.[x.message.id]?.text : undefined) ??
      x.message.id ??
      '';
    const text = template.replace(/\{(\d+)\}/g, (_, i: string) => x.message.arguments?.[Number(i)] ?? '');
    const finding: MultitoolFinding = { level: x.level ?? 'warning', ruleId: x.ruleId, text };
    // A finding we cannot attribute (a tool-level message) counts against every file, so nothing slips by.
    for (const f of file !== undefined ? [file] : files) byFile.get(f)!.push(finding);
  }
  const reports = new Map<string, MultitoolReport>();
  for (const [f, findings] of byFile) {
    // The policy file disables SARIF2006; the Multitool reports that it did as WRN999 — not a finding.
    const real = findings.filter((x) => !x.ruleId.startsWith('WRN999'));
    const n = (l: MultitoolFinding['level']) => real.filter((x) => x.level === l).length;
    reports.set(f, { errors: n('error'), warnings: n('warning'), notes: n('note'), findings: real });
  }
  return reports;
}
